"""An independent, deliberately naive model of one index's data plane, for fuzzing.

Plain dicts and brute force: every query scores every record, every filter is interpreted on the
fly. It is written from the API digest and docs/semantics.md only (never from the reference
server), so that the two implementations disagreeing is evidence of a bug in one of them. It only
models valid requests; callers construct requests they know to be valid or invalid. Where the
documentation leaves an outcome open, the model says so (a filter match of None, a namespace that
may or may not be listed) instead of picking one.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LOGICAL = ("$and", "$or")
COMPARISON = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists")
RANGE = ("$gt", "$gte", "$lt", "$lte")
# Scores are float32 on the wire and summed in float32 by most servers: a score is compared within
# REL of the magnitude of its terms plus ABS.
SCORE_REL = 1e-4
SCORE_ABS = 1e-5


class FilterError(ValueError):
    """The filter is not valid (the API answers 400)."""


def f32(x: float) -> float:
    """`x` rounded to float32, as a target stores it."""
    return struct.unpack("f", struct.pack("f", x))[0]


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _scalar_ok(x: Any) -> bool:
    return isinstance(x, str | bool) or (_is_number(x) and math.isfinite(x))


# -- filters ------------------------------------------------------------------------------------
def check_filter(flt: Any) -> None:
    """Raise FilterError unless `flt` is a valid metadata filter (digest §5.2)."""
    if not isinstance(flt, dict):
        raise FilterError("a filter must be an object")
    for key, value in flt.items():
        if key in LOGICAL:
            if not isinstance(value, list) or not value:
                raise FilterError(f"{key} takes a non-empty list of filters")
            for sub in value:
                check_filter(sub)
        elif key.startswith("$"):
            raise FilterError(f"operator {key} is not allowed at the top level")
        elif isinstance(value, dict):
            if not value:
                raise FilterError(f"field {key!r} has no operator")
            for op, operand in value.items():
                _check_operator(op, operand)
        elif not _scalar_ok(value):
            raise FilterError(f"field {key!r}: implicit equality needs a string, number or bool")


def _check_operator(op: str, operand: Any) -> None:
    if op in ("$eq", "$ne"):
        ok = _scalar_ok(operand)
    elif op in RANGE:
        ok = _is_number(operand) and math.isfinite(operand)
    elif op in ("$in", "$nin"):
        ok = isinstance(operand, list) and all(
            isinstance(x, str) or (_is_number(x) and math.isfinite(x)) for x in operand
        )
    elif op == "$exists":
        ok = isinstance(operand, bool)
    else:
        raise FilterError(f"unknown operator {op}")
    if not ok:
        raise FilterError(f"bad operand for {op}: {operand!r}")


def _same(a: Any, b: Any) -> bool:
    """Type-strict equality: booleans never equal numbers; numbers compare as floats."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return float(a) == float(b)
    return isinstance(a, str) and isinstance(b, str) and a == b


def _elements(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _op_matches(op: str, operand: Any, present: bool, value: Any) -> bool | None:
    if op == "$exists":
        return present == operand
    if not present:
        # $eq, $in and the range operators need the field; $ne/$nin on a missing one: undocumented
        return None if op in ("$ne", "$nin") else False
    items = _elements(value)
    if op == "$eq":
        return any(_same(v, operand) for v in items)
    if op == "$ne":
        return not any(_same(v, operand) for v in items)
    if op == "$in":
        return any(_same(v, x) for v in items for x in operand)
    if op == "$nin":
        return not any(_same(v, x) for v in items for x in operand)
    if isinstance(value, list) or not _is_number(value):
        return False  # range operators match numeric scalars only
    v, x = float(value), float(operand)
    return {"$gt": v > x, "$gte": v >= x, "$lt": v < x, "$lte": v <= x}[op]


def _all(states: Iterable[bool | None]) -> bool | None:
    """Three-valued AND: False wins, then None (undocumented), then True."""
    found = list(states)
    return False if False in found else None if None in found else True


def _any(states: Iterable[bool | None]) -> bool | None:
    """Three-valued OR: True wins, then None (undocumented), then False."""
    found = list(states)
    return True if True in found else None if None in found else False


def match_state(flt: Mapping[str, Any] | None, metadata: Mapping[str, Any] | None) -> bool | None:
    """Does a record with `metadata` match the (valid) filter `flt`: True, False, or None when the
    documentation leaves it open ($ne/$nin on a missing field). `{}` matches everything."""
    if not flt:
        return True
    meta = metadata or {}
    states: list[bool | None] = []
    for key, cond in flt.items():
        if key == "$and":
            states.append(_all(match_state(sub, meta) for sub in cond))
        elif key == "$or":
            states.append(_any(match_state(sub, meta) for sub in cond))
        else:
            present = key in meta
            ops = cond if isinstance(cond, dict) else {"$eq": cond}
            states += [_op_matches(op, x, present, meta.get(key)) for op, x in ops.items()]
    return _all(states)


def matches(flt: Mapping[str, Any] | None, metadata: Mapping[str, Any] | None) -> bool:
    """Does a record with `metadata` surely match the (valid) filter `flt`?"""
    return match_state(flt, metadata) is True


# -- metadata -----------------------------------------------------------------------------------
def clean_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """Metadata as stored: null-valued keys dropped, numbers as 64-bit floats."""
    out: dict[str, Any] = {}
    for key, value in (metadata or {}).items():
        if value is None:
            continue
        out[key] = float(value) if _is_number(value) else value
    return out


# -- records ------------------------------------------------------------------------------------
@dataclass
class Record:
    """A stored record: float32 dense values, sparse entries as {index: float32}, metadata."""

    values: list[float] | None = None
    sparse: dict[int, float] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def wire(self, rid: str) -> dict[str, Any]:
        """The record as fetch returns it (metadata omitted when empty)."""
        out: dict[str, Any] = {"id": rid, "values": list(self.values or [])}
        if self.sparse:
            out["sparseValues"] = sparse_wire(self.sparse)
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        return out


def sparse_of(wire: Mapping[str, Any] | None) -> dict[int, float] | None:
    if not wire:
        return None
    return {int(i): f32(float(v)) for i, v in zip(wire["indices"], wire["values"], strict=True)}


def sparse_wire(sparse: Mapping[int, float]) -> dict[str, list]:
    indices = sorted(sparse)
    return {"indices": indices, "values": [sparse[i] for i in indices]}


def _dense_of(values: Iterable[float] | None) -> list[float] | None:
    return None if values is None else [f32(float(v)) for v in values]


@dataclass(frozen=True)
class Candidate:
    """One record a query may return: its score, the tolerance on it, and whether a target may
    leave it out (a sparse index drops records scoring zero or less)."""

    id: str
    score: float
    tol: float
    optional: bool = False
    zero: bool = False  # a sparse index's record sharing no index with the query: excluded


class IndexModel:
    """All namespaces of one index. A namespace exists while it holds records, or once created
    empty through the namespaces API, and is gone after `deleteAll` or a namespace delete; one
    emptied by deleting its records by id or filter may or may not still be listed
    (undocumented)."""

    def __init__(self, dimension: int | None, metric: str, vector_type: str = "dense") -> None:
        self.dimension = dimension or 0
        self.metric = metric
        self.vector_type = vector_type
        self.namespaces: dict[str, dict[str, Record]] = {}
        self.emptied: set[str] = set()
        self.created: set[str] = set()  # created empty through the namespaces API, still empty
        self.dropped: set[str] = set()  # deleted through the namespaces API, not written since

    # -- reads of the model itself ---------------------------------------------------------------
    def records(self, ns: str) -> dict[str, Record]:
        return self.namespaces.get(ns, {})

    def count(self, ns: str) -> int | None:
        """`vectorCount` in stats: None when the namespace does not exist, 0 when it was emptied
        by deletes of its records (listed with 0 or not at all, both conformant)."""
        recs = self.namespaces.get(ns)
        if recs:
            return len(recs)
        return 0 if ns in self.emptied or ns in self.created else None

    def exists(self, ns: str) -> bool | None:
        """Whether the namespace exists: True, False, or None when that is undocumented (emptied
        by deletes of its records)."""
        if self.namespaces.get(ns) or ns in self.created:
            return True
        return None if ns in self.emptied else False

    def _drop_if_empty(self, ns: str) -> None:
        if ns in self.namespaces and not self.namespaces[ns]:
            del self.namespaces[ns]
            self.emptied.add(ns)
            self.created.discard(ns)

    # -- writes -------------------------------------------------------------------------------
    def upsert(self, ns: str, vectors: Sequence[Mapping[str, Any]]) -> int:
        """Replace or insert each record (last duplicate wins); returns `upsertedCount`."""
        space = self.namespaces.setdefault(ns, {})
        self.emptied.discard(ns)
        self.created.discard(ns)
        self.dropped.discard(ns)
        for v in vectors:
            space[v["id"]] = Record(
                _dense_of(v.get("values")) if self.vector_type == "dense" else None,
                sparse_of(v.get("sparseValues")),
                clean_metadata(v.get("metadata")),
            )
        return len(vectors)

    def update(
        self,
        ns: str,
        rid: str,
        values: list[float] | None = None,
        sparse: Mapping[str, Any] | None = None,
        set_metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Update by id: replace values / sparse values, merge metadata; a missing id is a no-op.
        A null in `setMetadata` leaves that key as it was (a field is never cleared this way)."""
        record = self.records(ns).get(rid)
        if record is None:
            return
        if values is not None:
            record.values = _dense_of(values)
        if sparse is not None:
            record.sparse = sparse_of(sparse)
        if set_metadata is not None:
            record.metadata.update(clean_metadata(set_metadata))

    def update_by_filter(
        self, ns: str, flt: Mapping[str, Any], set_metadata: Mapping[str, Any], dry_run: bool
    ) -> int:
        """Merge `set_metadata` into every matching record; returns `matchedRecords`."""
        hits = [r for r in self.records(ns).values() if matches(flt, r.metadata)]
        if not dry_run:
            for record in hits:
                record.metadata.update(clean_metadata(set_metadata))
        return len(hits)

    def delete_ids(self, ns: str, ids: Iterable[str]) -> None:
        space = self.records(ns)
        for rid in ids:
            space.pop(rid, None)
        self._drop_if_empty(ns)

    def delete_all(self, ns: str) -> None:
        self.namespaces.pop(ns, None)
        self.emptied.discard(ns)
        self.created.discard(ns)

    def create_namespace(self, ns: str) -> None:
        """`POST /namespaces` of a namespace that does not exist: it exists, empty."""
        self.created.add(ns)
        self.dropped.discard(ns)

    def delete_namespace(self, ns: str) -> None:
        """`DELETE /namespaces/{ns}`: the namespace and its records are gone."""
        self.delete_all(ns)
        self.dropped.add(ns)

    def delete_filter(self, ns: str, flt: Mapping[str, Any]) -> None:
        space = self.records(ns)
        for rid in [i for i, r in space.items() if matches(flt, r.metadata)]:
            del space[rid]
        self._drop_if_empty(ns)

    # -- reads --------------------------------------------------------------------------------
    def fetch(self, ns: str, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        space = self.records(ns)
        return {i: space[i].wire(i) for i in ids if i in space}

    def list_ids(self, ns: str, prefix: str = "") -> list[str]:
        """Every id starting with `prefix`, bytewise ascending (ids are ASCII)."""
        return sorted(i for i in self.records(ns) if i.startswith(prefix))

    def fetch_by_metadata(self, ns: str, flt: Mapping[str, Any]) -> list[str]:
        """Ids of the records that surely match, bytewise ascending."""
        return sorted(i for i, r in self.records(ns).items() if matches(flt, r.metadata))

    def undecided(self, ns: str, flt: Mapping[str, Any] | None) -> list[str]:
        """Ids of the records whose match with `flt` the documentation leaves open."""
        space = self.records(ns)
        return sorted(i for i, r in space.items() if match_state(flt, r.metadata) is None)

    def query(
        self,
        ns: str,
        *,
        vector: list[float] | None = None,
        sparse: Mapping[str, Any] | None = None,
        rid: str | None = None,
        flt: Mapping[str, Any] | None = None,
    ) -> list[Candidate]:
        """Every record the query may return, with its expected score (unordered).

        Querying by id uses the stored record's vector (dense part on a dense index, sparse on a
        sparse one); a missing id gives no candidates.
        """
        space = self.records(ns)
        qsparse = sparse_of(sparse) if sparse else None
        qdense = _dense_of(vector)
        if rid is not None:
            source = space.get(rid)
            if source is None:
                return []
            if self.vector_type == "sparse":
                qsparse, qdense = source.sparse, None
            else:
                qsparse, qdense = None, source.values
        out = []
        for i, record in space.items():
            state = match_state(flt, record.metadata)
            if state is False:
                continue
            score, scale = self._score(qdense, qsparse, record)
            tol = SCORE_REL * scale + SCORE_ABS
            # a sparse index drops zero scores; negative ones (docs silent) may go too; a record
            # whose match is undocumented may be returned or not
            sparse_index = self.vector_type == "sparse"
            optional = state is None or (sparse_index and score <= tol)
            zero = sparse_index and not (qsparse or {}).keys() & (record.sparse or {}).keys()
            out.append(Candidate(i, score, tol, optional, zero))
        return out

    def _score(
        self, qd: list[float] | None, qs: dict[int, float] | None, rec: Record
    ) -> tuple[float, float]:
        """(score, magnitude of its terms) of one record."""
        score = scale = 0.0
        if qs and rec.sparse:
            terms = [qs[i] * rec.sparse[i] for i in qs.keys() & rec.sparse.keys()]
            score += sum(terms)
            scale += sum(abs(t) for t in terms)
        if qd is None or rec.values is None:
            return score, scale
        if self.metric == "euclidean":
            d = sum((a - b) ** 2 for a, b in zip(qd, rec.values, strict=True))
            return d, sum(a * a + b * b for a, b in zip(qd, rec.values, strict=True))
        terms = [a * b for a, b in zip(qd, rec.values, strict=True)]
        if self.metric == "cosine":
            norm = math.sqrt(sum(a * a for a in qd)) * math.sqrt(sum(b * b for b in rec.values))
            return sum(terms) / norm, sum(abs(t) for t in terms) / norm
        return score + sum(terms), scale + sum(abs(t) for t in terms)
