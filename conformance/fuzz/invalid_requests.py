"""Generated malformed data-plane requests.

Each case is a request the API must reject with a 4xx and the documented error body, leaving the
namespace untouched: wrong JSON types, missing fields, every limit exceeded by a little, invalid
filters, bad ids, oversized metadata, non-finite numbers and bodies that are not JSON at all.
A case is a step (an `InvalidRequest`, see conformance/repro/runtime.py) without its expectation;
the state machine adds `{"type": "error"}` and, after writes, checks the namespace against the
model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, TypedDict

from hypothesis import strategies as st

from conformance.fuzz.strategies import VECTOR_CHARS, dense_vectors, sparse_vectors

BODY_LIMIT = 2 * 1024 * 1024
NAMESPACE_MARK = "@NAMESPACE@"
METADATA_LIMIT = 40960


@dataclass(frozen=True)
class Shape:
    """What a case needs to know about the index under test."""

    dimension: int
    metric: str
    vector_type: str
    filter_writes: bool  # update/fetch by metadata exist (API 2025-10 and later)

    @property
    def dense(self) -> bool:
        return self.vector_type == "dense"


class InvalidRequest(TypedDict, total=False):
    """One malformed request, as the step the repro runtime sends (a plain dict at run time)."""

    method: Literal["GET", "POST"]
    path: str
    json: Any  # a body sent as JSON (often deliberately of the wrong shape)
    content: str | bytes  # a body sent verbatim (non-finite numbers, garbage)
    params: list[list[Any]]  # query-string pairs of a GET
    slot: int | None  # the namespace slot it targets (None: no namespace)
    ns_in: Literal["json", "content", "params", "name"]  # where the namespace is filled in
    name_suffix: str  # with ns_in "name": appended to the slot's namespace


BAD_FILTERS: tuple[Any, ...] = (
    {"genre": ["drama", "comedy"]},
    {"genre": {"$eq": ["drama"]}},
    {"year": {"$gt": "2020"}},
    {"year": {"$lte": True}},
    {"genre": {"$in": [True]}},
    {"genre": {"$in": "drama"}},
    {"genre": {"$nin": [None]}},
    {"genre": None},
    {"genre": {"$eq": None}},
    {"genre": {"$eq": {"a": 1}}},
    {"$gt": 1},
    {"$eq": "drama"},
    {"genre": {"$like": "d%"}},
    {"$and": {"genre": "drama"}},
    {"$and": [1]},
    {"$or": "genre"},
    {"genre": {"$exists": "yes"}},
    {"$or": [{"genre": "drama"}, {"year": {"$gt": "x"}}]},
    {"$and": [{"genre": "drama"}, {"$not": {"genre": "x"}}]},
    "genre",
    ["genre"],
)
# Not the empty body: gateways read it as `{}`, which is a valid describe_index_stats request
# (and the seed document's delete form sends no body at all).
GARBAGE: tuple[str | bytes, ...] = (
    "{",
    "[]",
    "null",
    "123",
    '"text"',
    "NaN",
    "{'a': 1}",
    '{"topK": 5,}',
    '{"vectors": [',
    "\ufeff{}",
    b"\xff\xfe\x00",
)
NON_FINITE = ("NaN", "Infinity", "-Infinity")
POST_PATHS = (
    "/vectors/upsert",
    "/query",
    "/vectors/update",
    "/vectors/delete",
    "/describe_index_stats",
    "/vectors/fetch_by_metadata",
)
WRITE_PATHS = ("/vectors/upsert", "/vectors/update", "/vectors/delete")


def _post(path: str, body: dict[str, Any]) -> InvalidRequest:
    return {"method": "POST", "path": path, "json": body, "slot": 0, "ns_in": "json"}


def _raw(path: str, text: str | bytes) -> InvalidRequest:
    """A body sent verbatim (non-finite numbers, garbage); NAMESPACE_MARK in it is replaced by
    the namespace when sent."""
    step: InvalidRequest = {"method": "POST", "path": path, "content": text, "slot": None}
    if isinstance(text, str) and NAMESPACE_MARK in text:
        step["slot"] = 0
        step["ns_in"] = "content"
    return step


def _get(path: str, params: list[list[Any]]) -> InvalidRequest:
    return {"method": "GET", "path": path, "params": params, "slot": 0, "ns_in": "params"}


def _record(draw: st.DrawFn, shape: Shape, rid: str = "ok") -> dict[str, Any]:
    if shape.dense:
        return {"id": rid, "values": draw(dense_vectors(shape.dimension))}
    return {"id": rid, "sparseValues": draw(sparse_vectors())}


def _bad_filter(draw: st.DrawFn) -> Any:
    bad = draw(st.sampled_from(BAD_FILTERS))
    if isinstance(bad, dict) and draw(st.booleans()):
        return {"$and": [{"genre": "drama"}, bad]}
    return bad


def _with_non_finite(body: dict[str, Any], token: str) -> str:
    """JSON text of `body` (in the test namespace) with the placeholder string replaced by a bare
    NaN/Infinity token."""
    body = {**body, "namespace": NAMESPACE_MARK}
    return json.dumps(body, separators=(",", ":")).replace('"@NONFINITE@"', token)


Case = Callable[[st.DrawFn, Shape], InvalidRequest]
CASES: dict[str, tuple[Callable[[Shape], bool], Case]] = {}


def case(applies: Callable[[Shape], bool] = lambda s: True) -> Callable[[Case], Case]:
    """Register a generator of one kind of malformed request."""

    def register(fn: Case) -> Case:
        CASES[fn.__name__.removeprefix("c_").replace("_", "-")] = (applies, fn)
        return fn

    return register


# -- upsert ---------------------------------------------------------------------------------------
@case()
def c_upsert_no_vectors(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _post("/vectors/upsert", draw(st.sampled_from(({}, {"vector": [_record(draw, shape)]}))))


@case()
def c_upsert_vectors_not_list(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _post("/vectors/upsert", {"vectors": draw(st.sampled_from((_record(draw, shape), "a")))})


@case()
def c_upsert_empty_vectors(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _post("/vectors/upsert", {"vectors": []})


def _thousand_fit(shape: Shape) -> bool:
    """Whether 1001 records fit one request: above that dimension only the body limit is met."""
    return not shape.dense or 1001 * (shape.dimension * VECTOR_CHARS + 64) < BODY_LIMIT


@case(_thousand_fit)
def c_upsert_too_many_vectors(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    base = _record(draw, shape)
    vectors = [{**base, "id": f"v{i}"} for i in range(1001)]
    return _post("/vectors/upsert", {"vectors": vectors})


@case()
def c_upsert_bad_id(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    rid = draw(
        st.one_of(
            st.sampled_from(("", "é", "日本", "a\x00b", "a\u00ffb", 5, None, ["a"], {"id": "a"})),
            st.integers(513, 600).map(lambda n: "i" * n),
        )
    )
    record = _record(draw, shape)
    good = _record(draw, shape, "good")
    vectors = [{**record, "id": rid}] if rid is not None else [{k: v for k, v in record.items()}]
    if rid is None:
        vectors[0].pop("id")
    if draw(st.booleans()):
        vectors = [good, *vectors]  # one bad record fails the whole batch
    return _post("/vectors/upsert", {"vectors": vectors})


@case(lambda s: s.dense)
def c_upsert_dimension(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    n = draw(
        st.sampled_from(sorted({0, shape.dimension - 1, shape.dimension + 1, 3 * shape.dimension}))
    )
    good = _record(draw, shape, "good")
    bad = {"id": "bad", "values": [0.5] * n}
    return _post("/vectors/upsert", {"vectors": draw(st.sampled_from(([bad], [good, bad])))})


@case(lambda s: s.dense)
def c_upsert_zero_vector(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    tiny = draw(st.sampled_from((0.0, 1e-9, -5e-9)))
    values = [tiny] * shape.dimension
    return _post("/vectors/upsert", {"vectors": [{"id": "z", "values": values}]})


@case(lambda s: s.dense)
def c_upsert_values_type(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    d = shape.dimension
    values = draw(st.sampled_from(("1,2", {"0": 1.0}, ["x"] * d, [[1.0]] * d, [None] * d)))
    return _post("/vectors/upsert", {"vectors": [{"id": "t", "values": values}]})


@case()
def c_upsert_non_finite(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    token = draw(st.sampled_from(NON_FINITE))
    quoted = draw(st.booleans())  # protojson spells them as strings; JSON has no such token
    mark = token if quoted else "@NONFINITE@"
    record = _record(draw, shape, "nf")
    where = draw(st.sampled_from(("values", "metadata", "sparse")))
    if where == "values" and shape.dense:
        record["values"] = [mark, *record["values"][1:]]
    elif where == "sparse" or not shape.dense:
        sv = record.get("sparseValues") or draw(sparse_vectors())
        record["sparseValues"] = {"indices": sv["indices"], "values": [mark, *sv["values"][1:]]}
    else:
        record["metadata"] = {"year": mark}
    if where == "metadata" and quoted:
        record["metadata"] = {"year": float("nan")}  # rendered as the bare token below
        mark = "@NONFINITE@"
        token = "NaN"
    body = {"vectors": [record]}
    if mark == "@NONFINITE@":
        return _raw("/vectors/upsert", _with_non_finite(_swap_nan(body), token))
    return _post("/vectors/upsert", body)


def _swap_nan(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return "@NONFINITE@"
    if isinstance(value, dict):
        return {k: _swap_nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap_nan(v) for v in value]
    return value


@case()
def c_upsert_bad_metadata(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    meta = draw(
        st.sampled_from(
            (
                "text",
                ["a"],
                {"k": {"nested": 1}},
                {"k": [1, 2]},
                {"k": ["a", 1]},
                {"k": ["a", None]},
                {"k": [True]},
                {"$k": 1},
                {"$and": "x"},
            )
        )
    )
    record = {**_record(draw, shape), "metadata": meta}
    return _post("/vectors/upsert", {"vectors": [record]})


@case()
def c_upsert_metadata_too_large(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    size = draw(st.sampled_from((METADATA_LIMIT + 100, 3 * METADATA_LIMIT)))
    record = {**_record(draw, shape), "metadata": {"big": "x" * size}}
    return _post("/vectors/upsert", {"vectors": [record]})


@case()
def c_upsert_bad_sparse(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    sv = draw(
        st.sampled_from(
            (
                {"indices": [1, 2], "values": [0.5]},
                {"indices": [1], "values": [0.5, 0.5]},
                {"indices": [3, 3], "values": [0.5, 0.5]},
                {"indices": [-1], "values": [0.5]},
                {"indices": [2**32], "values": [0.5]},
                {"indices": [], "values": []},
                {"indices": [1]},
                {"indices": ["a"], "values": [0.5]},
                {"indices": list(range(2049)), "values": [0.5] * 2049},
            )
        )
    )
    record = _record(draw, shape)
    record["sparseValues"] = sv
    return _post("/vectors/upsert", {"vectors": [record]})


@case(lambda s: s.dense)
def c_upsert_sparse_only_on_dense(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _post(
        "/vectors/upsert", {"vectors": [{"id": "s", "sparseValues": draw(sparse_vectors())}]}
    )


@case(lambda s: not s.dense)
def c_upsert_dense_on_sparse(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    record = {**_record(draw, shape), "values": [0.5, 0.25]}
    if draw(st.booleans()):
        record.pop("sparseValues")
    return _post("/vectors/upsert", {"vectors": [record]})


@case(lambda s: not s.dense)
def c_upsert_sparse_missing(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    """A record with neither sparse nor dense values on a sparse index."""
    good = _record(draw, shape, "good")
    bare = {"id": "bare", **draw(st.sampled_from(({}, {"metadata": {"genre": "drama"}})))}
    return _post("/vectors/upsert", {"vectors": draw(st.sampled_from(([bare], [good, bare])))})


@case()
def c_upsert_body_too_large(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    over = BODY_LIMIT + draw(st.sampled_from((16, 100_000)))
    record = _record(draw, shape)
    if draw(st.booleans()):  # one record and a large unknown field
        return _post("/vectors/upsert", {"vectors": [record], "pad": "x" * over})
    # many records of valid size, together over the limit (at most 1000 of them)
    size = len(json.dumps(record, separators=(",", ":"))) + len('{"genre":""}') + 16
    n = max(1, min(1000, math.ceil(over / size)))
    pad = "x" * max(0, math.ceil(over / n) - size + 16)
    vectors = [{**record, "id": f"big{i}", "metadata": {"genre": pad}} for i in range(n)]
    return _post("/vectors/upsert", {"vectors": vectors})


# -- query ----------------------------------------------------------------------------------------
def _query_base(draw: st.DrawFn, shape: Shape) -> dict[str, Any]:
    if shape.dense:
        return {"topK": 3, "vector": draw(dense_vectors(shape.dimension))}
    return {"topK": 3, "sparseVector": draw(sparse_vectors())}


@case()
def c_query_bad_topk(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    body = _query_base(draw, shape)
    top_k = draw(st.sampled_from((None, 0, -1, 10001, 100000, "abc", 2.5, [3], True)))
    if top_k is None:
        body.pop("topK")
    else:
        body["topK"] = top_k
    return _post("/query", body)


@case(lambda s: s.dense)
def c_query_dimension(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    n = draw(st.sampled_from(sorted({0, shape.dimension - 1, shape.dimension + 1})))
    return _post("/query", {"topK": 3, "vector": [0.5] * n})


# No all-zero query vector case: only an all-zero UPSERT is documented as a 400; a query with one
# is undocumented (clients send `[0.0] * dim` for filter-only lookups), so 200 and 400 both pass.


@case()
def c_query_selectors(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    body = _query_base(draw, shape)
    variant = draw(st.sampled_from(("id+data", "none", "id+sparse")))
    if variant == "none":
        body = {"topK": 3}
    elif variant == "id+data":
        body["id"] = "a"
    else:
        body = {"topK": 3, "id": "a", "sparseVector": draw(sparse_vectors())}
    return _post("/query", body)


@case(lambda s: s.dense)
def c_query_sparse_only_on_dense(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _post("/query", {"topK": 3, "sparseVector": draw(sparse_vectors())})


@case(lambda s: s.dense and s.metric != "dotproduct")
def c_query_hybrid_needs_dotproduct(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    body = _query_base(draw, shape)
    body["sparseVector"] = draw(sparse_vectors())
    return _post("/query", body)


@case(lambda s: not s.dense)
def c_query_dense_on_sparse(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _post("/query", {"topK": 3, "vector": [0.5, 0.5]})


@case()
def c_query_bad_filter(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _post("/query", {**_query_base(draw, shape), "filter": _bad_filter(draw)})


@case()
def c_query_long_id(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _post("/query", {"topK": 3, "id": "q" * draw(st.integers(513, 700))})


@case()
def c_query_non_finite(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    body = _query_base(draw, shape)
    key = "vector" if shape.dense else "sparseVector"
    if shape.dense:
        body[key] = ["@NONFINITE@", *body[key][1:]]
    else:
        body[key] = {
            "indices": body[key]["indices"],
            "values": ["@NONFINITE@"] * len(body[key]["indices"]),
        }
    return _raw("/query", _with_non_finite(body, draw(st.sampled_from(NON_FINITE))))


# -- fetch ----------------------------------------------------------------------------------------
@case()
def c_fetch_no_ids(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _get("/vectors/fetch", [])


@case()
def c_fetch_too_many_ids(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _get("/vectors/fetch", [["ids", f"i{i}"] for i in range(1001)])


@case()
def c_fetch_bad_id(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    rid = draw(st.sampled_from(("", "é", "q" * 513)))
    return _get("/vectors/fetch", [["ids", "a"], ["ids", rid]])


# -- update ---------------------------------------------------------------------------------------
@case()
def c_update_no_target(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _post("/vectors/update", {"setMetadata": {"genre": "drama"}})


@case(lambda s: s.dense)
def c_update_dimension(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    n = draw(st.sampled_from(sorted({0, shape.dimension - 1, shape.dimension + 1})))
    return _post("/vectors/update", {"id": "a", "values": [0.5] * n})


@case(lambda s: s.dense)
def c_update_zero_values(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _post("/vectors/update", {"id": "a", "values": [0.0] * shape.dimension})


@case(lambda s: not s.dense)
def c_update_values_on_sparse(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _post("/vectors/update", {"id": "a", "values": [0.5, 0.5]})


@case()
def c_update_bad_metadata(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    meta = draw(
        st.sampled_from(({"k": {"a": 1}}, {"$k": "v"}, {"k": [1]}, "x", {"k": "x" * 41000}))
    )
    return _post("/vectors/update", {"id": "a", "setMetadata": meta})


@case()
def c_update_bad_id(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    rid = draw(st.sampled_from(("é", "u" * 513, 7)))
    return _post("/vectors/update", {"id": rid, "setMetadata": {"genre": "x"}})


@case(lambda s: s.filter_writes)
def c_update_bad_filter_request(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    variant = draw(st.sampled_from(("empty", "values", "id", "bad")))
    body: dict[str, Any] = {"setMetadata": {"genre": "x"}, "filter": {"genre": "drama"}}
    if variant == "empty":
        body["filter"] = {}
    elif variant == "values":
        body["values"] = [0.5] * max(shape.dimension, 1)
    elif variant == "id":
        body["id"] = "a"
    else:
        body["filter"] = _bad_filter(draw)
    return _post("/vectors/update", body)


# -- delete ---------------------------------------------------------------------------------------
@case()
def c_delete_bad_request(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    bodies: tuple[dict[str, Any], ...] = (
        {},
        {"deleteAll": True, "ids": ["a"]},
        {"deleteAll": True, "filter": {"genre": "drama"}},
        {"filter": {}},
        {"ids": "a"},
        {"ids": [1]},
        {"ids": [f"i{i}" for i in range(1001)]},
        {"deleteAll": "yes"},
    )
    return _post("/vectors/delete", draw(st.sampled_from(bodies)))


@case()
def c_delete_bad_filter(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _post("/vectors/delete", {"filter": _bad_filter(draw)})


# -- list, fetch_by_metadata, stats ---------------------------------------------------------------
@case()
def c_list_bad_limit(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    limit = draw(st.sampled_from(("0", "101", "-1", "abc", "1.5")))
    return _get("/vectors/list", [["limit", limit]])


@case(lambda s: s.filter_writes)
def c_fbm_bad_request(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    bodies: tuple[dict[str, Any], ...] = (
        {"filter": {}},
        {},
        {"filter": {"genre": "drama"}, "limit": 0},
        {"filter": {"genre": "drama"}, "limit": 10001},
        {"filter": {"genre": "drama"}, "limit": "x"},
    )
    body = draw(st.sampled_from(bodies))
    if draw(st.booleans()):
        body = {"filter": _bad_filter(draw)}
    return _post("/vectors/fetch_by_metadata", body)


@case()
def c_stats_filter(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    flt = draw(st.sampled_from(({"genre": "drama"}, {"year": {"$gt": 1}})))
    return {"method": "POST", "path": "/describe_index_stats", "json": {"filter": flt}}


# -- namespaces ------------------------------------------------------------------------------------
@case(lambda s: s.filter_writes)
def c_namespace_bad_schema(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    """A namespace created with a schema field whose `filterable` is not true (its name: the
    main namespace's plus `-schema`, which does not exist)."""
    filterable = draw(st.sampled_from((False, "true", 1)))
    body = {"schema": {"fields": {"genre": {"filterable": filterable}}}}
    return {
        "method": "POST",
        "path": "/namespaces",
        "json": body,
        "slot": 0,
        "ns_in": "name",
        "name_suffix": "-schema",
    }


# -- not JSON at all ------------------------------------------------------------------------------
@case()
def c_garbage_body(draw: st.DrawFn, shape: Shape) -> InvalidRequest:
    return _raw(draw(st.sampled_from(POST_PATHS)), draw(st.sampled_from(GARBAGE)))


# cases that exceed a documented limit (count, length, size, range)
LIMIT_CASES = frozenset(
    {
        "upsert-too-many-vectors",
        "upsert-bad-id",
        "upsert-dimension",
        "upsert-metadata-too-large",
        "upsert-body-too-large",
        "query-bad-topk",
        "query-dimension",
        "query-long-id",
        "fetch-too-many-ids",
        "fetch-bad-id",
        "update-dimension",
        "update-bad-id",
        "delete-bad-request",
        "list-bad-limit",
        "fbm-bad-request",
    }
)


@cache
def invalid_requests(
    shape: Shape, limits_only: bool = False
) -> st.SearchStrategy[tuple[str, InvalidRequest]]:
    """(case name, request step) for a request the target must reject; with `limits_only`, only
    the cases that exceed a documented limit."""
    names = sorted(
        n
        for n, (applies, _) in CASES.items()
        if applies(shape) and (not limits_only or n in LIMIT_CASES)
    )

    @st.composite
    def build(draw: st.DrawFn) -> tuple[str, InvalidRequest]:
        name = draw(st.sampled_from(names))
        return name, CASES[name][1](draw, shape)

    return build()


def is_write(step: Mapping[str, Any]) -> bool:
    """Could this request have changed stored data if the target wrongly accepted it?"""
    return step.get("path") in WRITE_PATHS


# -- documented wording ---------------------------------------------------------------------------
METADATA_TYPE_MESSAGE = "Metadata value must be a string, number, boolean or list of strings"
ZERO_VECTOR_MESSAGE = "Dense vectors must contain at least one non-zero value"


def _dimension_message(n: int, d: int) -> list[str]:
    return [f"Vector dimension {n} does not match the dimension of the index {d}"]


def documented_message(name: str, step: Mapping[str, Any], shape: Shape) -> dict[str, Any]:
    """The expectation fields of a case whose rejection the documentation details: its text
    (`message` fragments, `message_tag`) or its status (`status`, `status_tag`); else none (any
    4xx with any message passes)."""
    if name == "upsert-body-too-large":
        return {"status": 413, "status_tag": "UPSERT-BODY-LIMIT-413"}
    body = step.get("json")
    vectors = body.get("vectors") if isinstance(body, dict) else None
    bad = vectors[-1] if isinstance(vectors, list) and vectors else {}
    if name == "upsert-dimension" and bad.get("values"):
        return _message(
            "UPSERT-ERROR-MESSAGES", _dimension_message(len(bad["values"]), shape.dimension)
        )
    if name == "query-dimension" and isinstance(body, dict) and body.get("vector"):
        fragments = _dimension_message(len(body["vector"]), shape.dimension)
        return _message("ERRORS-DIMENSION-MESSAGE", fragments)
    if name == "upsert-zero-vector" and not any(bad.get("values") or [1]):
        return _message("UPSERT-ERROR-MESSAGES", [ZERO_VECTOR_MESSAGE])
    if name == "upsert-metadata-too-large":
        parts = ["Metadata size is ", " bytes, which exceeds the limit of 40960 bytes per vector"]
        return _message("UPSERT-ERROR-MESSAGES", parts)
    meta = bad.get("metadata")
    if name == "upsert-bad-metadata" and isinstance(meta, dict) and "k" in meta:
        return _message("UPSERT-ERROR-MESSAGES", [METADATA_TYPE_MESSAGE])
    return {}


def _message(tag: str, fragments: list[str]) -> dict[str, Any]:
    return {"message": fragments, "message_tag": tag}
