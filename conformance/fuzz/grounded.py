"""Draws grounded in the model's state: ids, prefixes and filters built mostly from what the
namespace holds, with a share of fresh values.

Blind draws rarely meet the data: a `$ne` whose operand no record carries excludes nothing, so a
server that ignores it answers exactly like one that honours it. Here a filter's fields and
operands come from the records' metadata, and among a few candidates the machine prefers one where
every clause changes the selection on the current data (`effective`): dropping any clause, or any
operator, would then change what a correct server returns.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from conformance.fuzz.model import IndexModel, match_state
from conformance.fuzz.strategies import FIELDS, field_conditions, filters

FRESH_SHARE = st.integers(0, 4)  # 0: a fresh value; otherwise one taken from the state
CANDIDATES = 4  # filters drawn before settling for one whose clauses do not all matter
# the operators that negate or test membership or presence twice as often as the others: their
# mistakes show only when the data holds what they exclude
OPERATORS = (
    *("$eq", "$gt", "$gte", "$lt", "$lte", "implicit"),
    *("$ne", "$in", "$nin", "$exists") * 2,
)
SHAPES = ("one", "two-fields", "and", "or", "and-or", "two-operators")
NUMBER_OFFSETS = (-1.0, -0.5, 0.0, 0.5, 1.0)


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def field_values(model: IndexModel, ns: str) -> dict[str, list[Any]]:
    """Each filterable field some record of `ns` holds, with the scalar values (list elements
    included) it takes there, in first-seen order (the same for the same sequence of steps)."""
    out: dict[str, list[Any]] = {}
    for record in model.records(ns).values():
        for key, value in record.metadata.items():
            if key not in FIELDS:
                continue
            seen = out.setdefault(key, [])
            for item in value if isinstance(value, list) else [value]:
                if not any(type(item) is type(s) and item == s for s in seen):
                    seen.append(item)
    return out


def pick(data: st.DataObject, present: Sequence[Any], fresh: st.SearchStrategy[Any]) -> Any:
    """Mostly one of `present` (when there is any), sometimes a fresh draw."""
    if present and data.draw(FRESH_SHARE) > 0:
        return data.draw(st.sampled_from(present))
    return data.draw(fresh)


def prefix_of(data: st.DataObject, ids: Sequence[str], fresh: st.SearchStrategy[str]) -> str:
    """A list prefix: mostly the start of an id the namespace holds, sometimes a fresh one."""
    if ids and data.draw(FRESH_SHARE) > 0:
        rid = data.draw(st.sampled_from(ids))
        return rid[: data.draw(st.integers(0, min(len(rid), 4)))]
    return data.draw(fresh)


# -- clauses from the data ----------------------------------------------------------------------
def _operand(data: st.DataObject, op: str, values: list[Any]) -> Any:
    """An operand for `op` from a field's `values`, or None when none of them fits it."""
    scalars = [v for v in values if isinstance(v, str | bool) or _is_number(v)]
    numbers = [v for v in values if _is_number(v)]
    listable = [v for v in values if isinstance(v, str) or _is_number(v)]
    if op in ("$eq", "$ne", "implicit"):
        return data.draw(st.sampled_from(scalars)) if scalars else None
    if op in ("$gt", "$gte", "$lt", "$lte"):
        if not numbers:
            return None
        base = float(data.draw(st.sampled_from(numbers)))
        moved = base + data.draw(st.sampled_from(NUMBER_OFFSETS))
        return moved if abs(moved) < 1e15 else base
    if op in ("$in", "$nin"):
        if not listable:
            return None
        return data.draw(st.lists(st.sampled_from(listable), min_size=1, max_size=3, unique=True))
    return data.draw(st.booleans())  # $exists


def _clause(data: st.DataObject, fields: Mapping[str, list[Any]]) -> dict[str, Any]:
    """`{field: condition}` with a field and operand from the data (a fresh clause when none
    fits)."""
    names = sorted(fields)
    if not names:
        return data.draw(field_conditions())
    field = data.draw(st.sampled_from(names))
    op = data.draw(st.sampled_from(OPERATORS))
    operand = _operand(data, op, fields[field])
    if operand is None:
        op, operand = "$exists", data.draw(st.booleans())
    return {field: operand if op == "implicit" else {op: operand}}


def grounded_filter(data: st.DataObject, fields: Mapping[str, list[Any]]) -> dict[str, Any]:
    """One filter of a drawn shape whose clauses come from the data."""
    shape = data.draw(st.sampled_from(SHAPES))
    a, b = _clause(data, fields), _clause(data, fields)
    if shape == "one":
        return a
    if shape == "two-fields" and a.keys() != b.keys():
        return {**a, **b}
    if shape == "two-operators":
        (fa, ca), (fb, cb) = next(iter(a.items())), next(iter(b.items()))
        if fa == fb and isinstance(ca, dict) and isinstance(cb, dict) and ca.keys() != cb.keys():
            return {fa: {**ca, **cb}}
    if shape == "or":
        return {"$or": [a, b]}
    if shape == "and-or":
        return {"$and": [_clause(data, fields), {"$or": [a, b]}]}
    return {"$and": [a, b]}


# -- does every clause matter? ------------------------------------------------------------------
def _without_one(flt: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """`flt` with one clause, operator or `$and`/`$or` member removed, each way in turn."""
    for key, cond in flt.items():
        rest = {k: v for k, v in flt.items() if k != key}
        yield rest
        if key in ("$and", "$or") and isinstance(cond, list) and len(cond) > 1:
            for i, sub in enumerate(cond):
                yield {**rest, key: cond[:i] + cond[i + 1 :]}
                for smaller in _without_one(sub):
                    if smaller:
                        yield {**rest, key: [*cond[:i], smaller, *cond[i + 1 :]]}
        elif isinstance(cond, dict) and len(cond) > 1:
            for op in cond:
                yield {**rest, key: {o: x for o, x in cond.items() if o != op}}


def _selection(flt: Mapping[str, Any], metas: list[dict[str, Any]]) -> tuple[bool | None, ...]:
    return tuple(match_state(flt, m) for m in metas)


def _differs(a: tuple[bool | None, ...], b: tuple[bool | None, ...]) -> bool:
    """Whether some record surely matches one selection and surely not the other (a difference
    in undecided records is none a target must show)."""
    return any(x is not None and y is not None and x != y for x, y in zip(a, b, strict=True))


def effect(flt: Mapping[str, Any], model: IndexModel, ns: str) -> tuple[bool, int, bool]:
    """(every clause changes the selection, records the filter excludes, the selection is
    decided for every record) on what `ns` holds now."""
    metas = [r.metadata for r in model.records(ns).values()]
    chosen = _selection(flt, metas)
    excluded = sum(state is False for state in chosen)
    decided = None not in chosen
    matters = bool(metas) and all(_differs(_selection(v, metas), chosen) for v in _without_one(flt))
    return matters, excluded, decided


def state_filter(
    data: st.DataObject, model: IndexModel, ns: str, allow_empty: bool = True
) -> tuple[dict[str, Any], int]:
    """A filter for `ns` and the number of records it excludes: mostly grounded in the data and
    preferably one whose every clause matters there, sometimes a blind one (shapes and operands
    no record has, the empty filter)."""
    fields = field_values(model, ns)
    if not fields or data.draw(FRESH_SHARE) == 0:
        flt = data.draw(filters(allow_empty=allow_empty))
        return flt, effect(flt, model, ns)[1]
    best: tuple[dict[str, Any], int] | None = None
    for _ in range(CANDIDATES):
        flt = grounded_filter(data, fields)
        matters, excluded, decided = effect(flt, model, ns)
        best = (flt, excluded)
        if matters and decided:
            break
    assert best is not None
    return best


def operators_of(flt: Any) -> Iterator[str]:
    """Every operator a filter uses (`implicit` for a bare value), for coverage figures."""
    if not isinstance(flt, dict):
        return
    for key, cond in flt.items():
        if key in ("$and", "$or"):
            yield key
            for sub in cond if isinstance(cond, list) else []:
                yield from operators_of(sub)
        elif isinstance(cond, dict):
            yield from cond
        else:
            yield "implicit"
