"""Mutants that silently drop one filter operator from queries: `$ne`, `$nin`, `$in`, `$exists`
or `$or` conditions are removed once the filter has passed validation, and the rest of the filter
applies. Each answers exactly like a correct server unless the dropped condition would have
excluded a record the query returns, so only a filter built from the stored data finds them.
"""

from __future__ import annotations

from typing import Any

from tests.mutants.asgi import Forward, Reply, Request
from tests.mutants.helpers import QUERY, body_of
from tests.mutants.registry import Ctx, Handler, MutantGroup

GROUP = MutantGroup()


def without(flt: Any, operator: str) -> Any:
    """`flt` with every use of `operator` removed (a field left with no condition, or a logical
    list left empty, goes too)."""
    if not isinstance(flt, dict):
        return flt
    out: dict[str, Any] = {}
    for key, cond in flt.items():
        if key == operator:
            continue
        if key in ("$and", "$or") and isinstance(cond, list):
            subs = [s for s in (without(sub, operator) for sub in cond) if s != {}]
            if subs:
                out[key] = subs
        elif isinstance(cond, dict):
            kept = {op: x for op, x in cond.items() if op != operator}
            if kept:
                out[key] = kept
        else:
            out[key] = cond
    return out


def dropper(operator: str) -> Handler:
    """A handler that answers queries as if their filter did not hold `operator`."""

    async def handle(request: Request, forward: Forward, ctx: Ctx) -> Reply:
        body = body_of(request) if request.is_(*QUERY) else None
        if body is None or not isinstance(body.get("filter"), dict):
            return await forward(request)
        checked = await forward(request)
        if not checked.ok:
            return checked
        kept = without(body["filter"], operator)
        if kept == body["filter"]:
            return checked
        rest = {k: v for k, v in body.items() if k != "filter"}
        return await forward(request.with_json({**rest, **({"filter": kept} if kept else {})}))

    return handle


# each declares the behaviors whose suite cases use its operator in a query filter
DROPPERS: dict[str, tuple[str, ...]] = {
    "$ne": (
        "FILTERS-EQ-NE-TYPES",
        "FILTERS-NE-NIN-MISSING-FIELD",
        "FILTERS-MULTIPLE-OPERATORS-ANDED",
        "FILTERS-LIST-NE-NIN",
    ),
    "$nin": ("FILTERS-IN-NIN", "FILTERS-NE-NIN-MISSING-FIELD", "FILTERS-LIST-NE-NIN"),
    "$in": (
        "FILTERS-IN-NIN",
        "FILTERS-LIST-ANY-ELEMENT",
        "FILTERS-MISSING-FIELD-NO-MATCH",
        "FILTERS-MULTIPLE-OPERATORS-ANDED",
        "FILTERS-NUMBERS-AS-FLOAT",
        "FILTERS-TYPE-STRICT",
    ),
    "$exists": ("FILTERS-EXISTS",),
    "$or": ("FILTERS-AND-OR",),
}
for _operator, _behaviors in DROPPERS.items():
    GROUP.mutant(
        f"filter-drops-{_operator.removeprefix('$')}",
        *_behaviors,
        summary=f"A query filter's `{_operator}` conditions are dropped (the rest applies).",
    )(dropper(_operator))
