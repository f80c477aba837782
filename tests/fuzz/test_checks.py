"""The response checks shared by the state machine and the reproducers (conformance/repro.py),
on hand-made responses: tolerant where the API leaves room (ties, float32, a trailing empty page,
`{}` metadata, fetch_by_metadata order and page fill, an emptied namespace listed or not, requests
whose rejection is undocumented), strict everywhere else."""

from __future__ import annotations

import pytest

from conformance.fuzz.open_cases import outcome_open
from conformance.repro.checks import (
    check_error,
    check_fbm,
    check_fetch,
    check_list,
    check_open,
    check_query,
    check_stats,
    record_problem,
    same_value,
)
from conformance.repro.runtime import build_request

NAMES = ["ns", "ns-2"]


def ok(body, status=200):
    """A response; a successful one carries the documented details these tests do not judge
    (usage, indexFullness: tests/fuzz/test_documented_details.py)."""
    if status == 200 and isinstance(body, dict):
        body = {"usage": {"readUnits": 1}, **body}
        if "totalVectorCount" in body:
            body.setdefault("indexFullness", 0.0)
    return {"status": status, "json": body, "text": str(body)}


def _query(cands, top_k=2, order="desc", **extra):
    return {
        "type": "query",
        "candidates": cands,
        "top_k": top_k,
        "order": order,
        "include_values": False,
        "include_metadata": False,
        "dense": True,
        "slot": 0,
        **extra,
    }


def _matches(*pairs):
    return ok(
        {"matches": [{"id": i, "score": s, "values": []} for i, s in pairs], "namespace": "ns"}
    )


CANDS = [["a", 0.9, 1e-4, False], ["b", 0.5, 1e-4, False], ["c", 0.5, 1e-4, False]]


@pytest.mark.parametrize(
    ("found", "problem"),
    [
        ((("a", 0.9), ("b", 0.5)), None),
        ((("a", 0.9), ("c", 0.5)), None),  # a tie at the boundary: either record
        ((("a", 0.90001), ("c", 0.49999)), None),  # float32 noise
        ((("b", 0.5), ("a", 0.9)), "ranked after"),
        ((("a", 0.9),), "1 matches, expected 2"),
        ((("a", 0.9), ("b", 0.5), ("c", 0.5)), "3 matches"),
        ((("a", 0.8), ("b", 0.5)), "score of 'a'"),
        ((("a", 0.9), ("x", 0.5)), "not a record the query can return"),
        ((("a", 0.9), ("a", 0.9)), "returned twice"),
    ],
)
def test_query_order_ties_and_counts(found, problem):
    got = check_query(_query(CANDS), _matches(*found), NAMES)
    if problem is None:
        assert got is None
    else:
        assert got is not None and problem in got


def test_query_missing_better_record():
    cands = [["a", 0.9, 1e-4, False], ["b", 0.8, 1e-4, False], ["c", 0.1, 1e-4, False]]
    got = check_query(_query(cands), _matches(("a", 0.9), ("c", 0.1)), NAMES)
    assert "should outrank" in got


def test_query_euclidean_ascending():
    cands = [["a", 1.0, 1e-4, False], ["b", 4.0, 1e-4, False]]
    exp = _query(cands, order="asc")
    assert check_query(exp, _matches(("a", 1.0), ("b", 4.0)), NAMES) is None
    assert "ranked after" in check_query(exp, _matches(("b", 4.0), ("a", 1.0)), NAMES)


def test_query_optional_candidates_may_be_left_out():
    cands = [["a", 2.0, 1e-4, False], ["z", 0.0, 1e-5, True]]
    exp = _query(cands, top_k=5, dense=False)
    assert check_query(exp, _matches(("a", 2.0)), NAMES) is None
    assert check_query(exp, _matches(("a", 2.0), ("z", 0.0)), NAMES) is None
    assert "expected 1 to 2" in check_query(exp, _matches(), NAMES)


def test_query_include_flags():
    exp = _query([["a", 1.0, 1e-4, False]], top_k=1, include_metadata=True)
    exp["records"] = {"a": {"id": "a", "values": [1.0], "metadata": {"k": 1.0}}}
    body = {"matches": [{"id": "a", "score": 1.0, "values": [], "metadata": {"k": 1}}]}
    body["namespace"] = "ns"
    assert check_query(exp, ok(body), NAMES) is None
    body["matches"][0]["metadata"] = {"k": True}  # type-strict: true is not 1
    assert "metadata" in check_query(exp, ok(body), NAMES)
    exp["include_metadata"] = False
    assert "without includeMetadata" in check_query(exp, ok(body), NAMES)
    body["matches"][0].pop("metadata")
    body["matches"][0]["values"] = [1.0]
    assert "without includeValues" in check_query(exp, ok(body), NAMES)


def test_query_namespace_echo():
    body = {"matches": [], "namespace": "other"}
    assert "namespace echoed" in check_query(_query([], top_k=1), ok(body), NAMES)


def _pages(*pages):
    out = []
    for n, ids in enumerate(pages):
        body = {"vectors": [{"id": i} for i in ids], "namespace": "ns"}
        if n < len(pages) - 1:
            body["pagination"] = {"next": f"t{n}"}
        out.append(ok(body))
    return {"pages": out}


@pytest.mark.parametrize(
    ("pages", "problem"),
    [
        ((["a", "b"], ["c"]), None),
        ((["a", "b"], ["c"], []), None),  # a trailing empty page is tolerated
        ((["a"], ["b", "c"]), "more pages after it"),
        ((["a", "b", "c"],), "more than limit"),
        ((["b", "a"], ["c"]), "bytewise order"),
        ((["a", "b"],), "expected"),
        ((["a", "b"], [], ["c"]), "page 2 has 0 ids"),
    ],
)
def test_list_pagination(pages, problem):
    got = check_list({"ids": ["a", "b", "c"], "limit": 2}, _pages(*pages), NAMES)
    assert got is None if problem is None else problem in got


def test_list_unterminated():
    out = _pages(["a", "b"])
    out["unterminated"] = True
    assert "did not end" in check_list({"ids": ["a", "b"], "limit": 2}, out, NAMES)


RPC = {"code": 3, "message": "bad", "details": []}


@pytest.mark.parametrize(
    ("out", "problem"),
    [
        (ok(RPC, 400), None),
        (ok({"code": 5, "message": "x", "details": []}, 404), None),
        ({"status": 413, "json": None, "text": "too large"}, None),
        (ok({"upsertedCount": 1}), "HTTP 200 for an invalid request"),
        (ok({**RPC, "code": 13}, 500), "server error"),
        ({"error": "ReadTimeout: timed out"}, "no HTTP response"),
        (ok({"code": 3, "message": "bad"}, 400), "details"),
        (ok({"code": 9, "message": "bad", "details": []}, 400), "code 9"),
        ({"status": 400, "json": None, "text": "Bad Request"}, "rpcStatus"),
    ],
)
def test_error_shape(out, problem):
    got = check_error({"type": "error"}, out, NAMES)
    assert got is None if problem is None else problem in got


def test_fetch_compares_values_within_float32_and_metadata_exactly():
    want = {"a": {"id": "a", "values": [0.1, 1.0], "metadata": {"k": ["x"]}}}
    exp = {"type": "fetch", "vectors": want, "dense": True, "slot": 0}
    got = {"a": {"id": "a", "values": [0.10000000149, 1.0], "metadata": {"k": ["x"]}}}
    assert check_fetch(exp, ok({"vectors": got, "namespace": "ns"}), NAMES) is None
    got["a"]["values"] = [0.1001, 1.0]
    assert "values" in check_fetch(exp, ok({"vectors": got}), NAMES)
    got["a"]["values"] = [0.1, 1.0]
    got["b"] = {"id": "b", "values": [1.0, 1.0]}
    assert "fetched ids" in check_fetch(exp, ok({"vectors": got}), NAMES)


def test_empty_metadata_is_the_same_as_none_and_sparse_order_is_free():
    want = {"id": "a", "values": [1.0], "sparseValues": {"indices": [1, 5], "values": [0.5, 2.0]}}
    got = {"id": "a", "values": [1.0], "metadata": {}}
    got["sparseValues"] = {"indices": [5, 1], "values": [2.0, 0.5]}
    assert record_problem(got, want, dense=True) is None


def test_stats_counts_vanishing_and_total():
    exp = {"type": "stats", "counts": [2, None], "dimension": 8}
    body = {"namespaces": {"ns": {"vectorCount": 2}, "x": {"vectorCount": 3}}}
    body.update(dimension=8, totalVectorCount=5)
    assert check_stats(exp, ok(body), NAMES) is None
    body["namespaces"]["ns-2"] = {"vectorCount": 0}
    assert "holds no records" in check_stats(exp, ok(body), NAMES)
    assert check_stats({**exp, "vanish": False}, ok(body), NAMES) is None
    body["totalVectorCount"] = 2
    assert "sum" in check_stats({**exp, "vanish": False}, ok(body), NAMES)


def test_same_value_is_type_strict():
    assert same_value(1, 1.0) and same_value({"a": [1]}, {"a": [1.0]})
    assert not same_value(True, 1) and not same_value("1", 1)
    assert not same_value({"a": 1}, {"a": 1, "b": 2})


def test_build_request_injects_the_namespace():
    names = ["base", "base/x"]
    step = {"method": "POST", "path": "/q", "json": {"topK": 1}, "slot": 1, "ns_in": "json"}
    _, _, _, body, headers = build_request(step, names)
    assert body == b'{"topK":1,"namespace":"base/x"}' and headers["Content-Type"]
    step = {"method": "GET", "path": "/f", "params": [["ids", "a"]], "slot": 0, "ns_in": "params"}
    assert build_request(step, names)[2] == [("ids", "a"), ("namespace", "base")]
    step = {"method": "POST", "path": "/u", "content": '{"namespace":"@NAMESPACE@","x":NaN}'}
    step.update(slot=1, ns_in="content")
    assert build_request(step, ['a"b', 'a"b\\c'])[3] == b'{"namespace":"a\\"b\\\\c","x":NaN}'


def test_stats_emptied_namespace_may_be_listed_with_zero_or_not():
    exp = {"type": "stats", "counts": [0, None], "dimension": 8}
    body = {"namespaces": {}, "dimension": 8, "totalVectorCount": 0}
    assert check_stats(exp, ok(body), NAMES) is None
    body["namespaces"]["ns"] = {"vectorCount": 0}
    assert check_stats(exp, ok(body), NAMES) is None
    body["namespaces"]["ns"] = {"vectorCount": 1}
    body["totalVectorCount"] = 1
    assert "expected 0" in check_stats(exp, ok(body), NAMES)


def _fbm_pages(*pages):
    out = []
    for n, ids in enumerate(pages):
        body = {"vectors": {i: {"id": i, "values": [1.0]} for i in ids}, "namespace": "ns"}
        if n < len(pages) - 1:
            body["pagination"] = {"next": f"t{n}"}
        out.append(ok(body))
    return {"pages": out}


@pytest.mark.parametrize(
    ("pages", "problem"),
    [
        ((["c", "a"], ["b"]), None),  # any order across pages
        ((["a"], ["b"], ["c"]), None),  # pages need not be full
        ((["a", "b"], ["c", "m"]), None),  # an undecided match may come
        ((["a", "b", "c"],), "more than limit"),
        ((["a", "b"], ["b", "c"]), "two pages"),
        ((["a", "b"],), "expected"),
        ((["a", "b"], ["c", "z"]), "expected"),
    ],
)
def test_fbm_pages_are_a_set(pages, problem):
    vectors = {i: {"id": i, "values": [1.0]} for i in "abcm"}
    exp = {"ids": ["a", "b", "c"], "maybe": ["m"], "limit": 2, "dense": True, "vectors": vectors}
    got = check_fbm(exp, _fbm_pages(*pages), NAMES)
    assert got is None if problem is None else problem in got


def test_open_outcome_accepts_any_answer_but_a_server_error():
    assert check_open({}, ok({}, 200), NAMES) is None
    assert check_open({}, ok({"code": 3}, 400), NAMES) is None
    assert "server error" in check_open({}, ok({}, 500), NAMES)
    assert "no HTTP response" in check_open({}, {"error": "ReadTimeout"}, NAMES)


def _upsert(**vector):
    return {"method": "POST", "path": "/vectors/upsert", "json": {"vectors": [vector]}}


@pytest.mark.parametrize(
    ("name", "step", "version", "open_"),
    [
        ("upsert-bad-id", _upsert(id="é"), "2025-10", True),
        ("upsert-bad-id", _upsert(id="é"), "2026-07", False),
        ("upsert-bad-id", _upsert(id="i" * 513), "2025-10", False),
        ("upsert-bad-sparse", _upsert(id="a", sparseValues={"indices": [3, 3]}), "2026-07", True),
        ("upsert-bad-sparse", _upsert(id="a", sparseValues={"indices": [1, 2]}), "2026-07", False),
        ("upsert-non-finite", _upsert(id="a", values=["NaN"]), "2026-07", True),
        ("upsert-non-finite", {"content": "{NaN}"}, "2026-07", False),
        ("fetch-too-many-ids", {"params": []}, "2026-04", True),
        ("fetch-too-many-ids", {"params": []}, "2026-07", False),
        ("list-bad-limit", {"params": [["limit", "101"]]}, "2025-10", True),
        ("list-bad-limit", {"params": [["limit", "abc"]]}, "2025-10", False),
        ("fbm-bad-request", {"json": {"filter": {"g": 1}, "limit": 10001}}, "2025-10", True),
        ("fbm-bad-request", {"json": {"filter": {"g": 1}, "limit": 0}}, "2025-10", False),
        ("delete-bad-request", {"json": {}}, "2026-07", True),
        ("delete-bad-request", {"json": {"ids": "a"}}, "2026-07", True),  # a wrong JSON type
        ("delete-bad-request", {"json": {"deleteAll": "yes"}}, "2025-10", True),
        ("delete-bad-request", {"json": {"deleteAll": True, "ids": ["a"]}}, "2025-10", False),
        ("garbage-body", {"content": "\ufeff{}"}, "2026-07", True),
        ("query-bad-topk", {"json": {"topK": 0}}, "2024-07", False),
    ],
)
def test_outcome_open_only_where_the_documentation_is_silent(name, step, version, open_):
    assert outcome_open(name, step, version) is open_
