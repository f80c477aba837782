"""Which behaviors differ between two runs (two servers, two versions of one server, or one
server's two wire forms: a REST run and a gRPC run of it, whose disagreements are findings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance import outcomes as oc

ABSENT = "absent"
DEFAULT_TRANSPORT = "rest"  # runs recorded before the transport was an option spoke REST


def transport_of(results: Mapping[str, Any]) -> str:
    """The data plane's wire form a run spoke (`rest` or `grpc`)."""
    options = results.get("options")
    given = results.get("transport") or (
        options.get("transport") if isinstance(options, Mapping) else None
    )
    return str(given or DEFAULT_TRANSPORT)


def differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Behaviors whose outcome differs between run `a` and run `b` (`absent`: not in that run),
    ordered: behaviors that got worse first, then the ones that got better, then the rest."""
    left = {x["id"]: x for x in a.get("behaviors", [])}
    right = {x["id"]: x for x in b.get("behaviors", [])}
    rows = []
    for bid in [*left, *(i for i in right if i not in left)]:
        oa = left.get(bid, {}).get("outcome", ABSENT)
        ob = right.get(bid, {}).get("outcome", ABSENT)
        if oa == ob:
            continue
        meta = left.get(bid) or right.get(bid) or {}
        change = _change(oa, ob)
        rows.append(
            {
                "id": bid,
                "level": meta.get("level"),
                "area": meta.get("area"),
                "a": oa,
                "b": ob,
                "change": change,
            }
        )
    order = {"regressed": 0, "fixed": 1, "changed": 2}
    return sorted(rows, key=lambda r: order[r["change"]])


def _change(before: str, after: str) -> str:
    """`regressed` (passing -> not passing), `fixed` (the reverse) or `changed` (anything
    involving not-applicable or a behavior only one run has)."""
    neutral = (oc.NOT_APPLICABLE, ABSENT)
    if before in neutral or after in neutral:
        return "changed"
    if before in oc.PASSING and after not in oc.PASSING:
        return "regressed"
    if after in oc.PASSING and before not in oc.PASSING:
        return "fixed"
    return "changed"


def _label(results: Mapping[str, Any], fallback: str) -> str:
    target = (results.get("target") or {}).get("url") or "embedded"
    return f"{fallback} ({target} over {transport_of(results)}, {results.get('run_id')})"


def render(a: Mapping[str, Any], b: Mapping[str, Any], fmt: str = "text") -> str:
    """The differences as plain text or a markdown table. Between runs over two wire forms, the
    behaviors not applicable in one of them (they exist over one wire form only) are named after
    the others, in one line: the rows above them are the two wire forms disagreeing."""
    rows = differences(a, b)
    la, lb = _label(a, "A"), _label(b, "B")
    same = len(
        {x["id"] for x in a.get("behaviors", [])} & {x["id"] for x in b.get("behaviors", [])}
    )
    head = f"{len(rows)} behaviors differ between A and B ({same} in both runs)"
    ta, tb = transport_of(a), transport_of(b)
    one_form: list[str] = []
    if ta != tb:
        one_form = [r["id"] for r in rows if oc.NOT_APPLICABLE in (r["a"], r["b"])]
        rows = [r for r in rows if r["id"] not in one_form]
        head = (
            f"A spoke {ta} and B {tb}: {len(rows)} behaviors differ where both wire forms apply "
            f"({same} in both runs), {len(one_form)} apply over one of them only"
        )
    tail = f"not applicable over one wire form: {', '.join(one_form)}" if one_form else ""
    if fmt == "markdown":
        lines = [
            "## Conformance comparison",
            "",
            f"- A: {la}, verdict {a.get('verdict')}",
            f"- B: {lb}, verdict {b.get('verdict')}",
            "",
            head + ".",
            "",
        ]
        if rows:
            lines += ["| behavior | level | A | B | change |", "| --- | --- | --- | --- | --- |"]
            lines += [
                f"| `{r['id']}` | {r['level']} | {r['a']} | {r['b']} | {r['change']} |"
                for r in rows
            ]
        if tail:
            lines += ["", tail + "."]
        return "\n".join(lines) + "\n"
    lines = [
        f"A: {la}: {a.get('verdict')}",
        f"B: {lb}: {b.get('verdict')}",
        head + ":" if rows else head,
    ]
    width = max((len(r["id"]) for r in rows), default=0)
    lines += [f"  {r['id']:<{width}}  {r['a']:>18} -> {r['b']:<18} {r['change']}" for r in rows]
    if tail:
        lines.append(tail)
    return "\n".join(lines) + "\n"
