"""The checks of documented response details (conformance/repro/checks.py), each blamed on its own
behavior (`[ID] ...`) and waived once the session has reported it; the namespaces API checks; the
default namespace's spellings and the header variants of a request (conformance/repro/runtime.py);
the documented rejection texts of invalid requests."""

from __future__ import annotations

import pytest

from conformance.fuzz.context import classify
from conformance.fuzz.invalid_requests import Shape, documented_message
from conformance.fuzz.open_cases import should_reject
from conformance.fuzz.report import behaviors_of
from conformance.repro.checks import (
    check_error,
    check_fetch,
    check_list,
    check_ns_create,
    check_ns_describe,
    check_ns_list,
    check_ok,
    check_outcome,
    check_query,
    check_stats,
)
from conformance.repro.runtime import build_request, ns_names, vary_headers

NAMES = ["ns", "ns-2", ""]
USAGE = {"readUnits": 1}


def ok(body, status=200, content_type="application/json"):
    return {"status": status, "json": body, "text": str(body), "content_type": content_type}


def _query(slot=0, **extra):
    exp = {"type": "query", "candidates": [], "top_k": 1, "order": "desc", "slot": slot}
    return {**exp, "include_values": False, "include_metadata": False, "dense": True, **extra}


def test_a_tagged_problem_names_its_behavior_and_is_waived_once_reported():
    body = {"matches": [], "namespace": "ns"}
    problem = check_query(_query(), ok(body), NAMES)
    assert problem.startswith("[QUERY-USAGE] ")
    assert classify(problem) == "QUERY-USAGE"
    assert behaviors_of("query/QUERY-USAGE") == ["QUERY-USAGE"]
    assert check_query(_query(waive=["QUERY-USAGE"]), ok(body), NAMES) is None


def test_the_content_is_checked_before_the_details():
    exp = _query(candidates=[["a", 1.0, 1e-4, False]])
    problem = check_query(exp, ok({"matches": []}), NAMES)  # no namespace, no usage either
    assert problem.startswith("0 matches")
    assert classify(problem) == "mismatch"


@pytest.mark.parametrize(
    ("body", "tag"),
    [
        ({"matches": [], "usage": USAGE}, "QUERY-RESPONSE-SHAPE"),
        ({"matches": [], "namespace": "x", "usage": USAGE}, "QUERY-RESPONSE-SHAPE"),
        ({"matches": [], "namespace": "ns", "usage": {}}, "QUERY-USAGE"),
        ({"matches": [], "namespace": "ns", "usage": USAGE}, None),
    ],
)
def test_query_shape(body, tag):
    problem = check_query(_query(), ok(body), NAMES)
    assert (problem is None) if tag is None else problem.startswith(f"[{tag}]")


@pytest.mark.parametrize(
    ("echo", "tag"),
    [
        ("", None),
        ("__default__", "VERSIONS-DEFAULT-NAMESPACE-ECHO"),
        (None, "QUERY-RESPONSE-SHAPE"),
    ],
)
def test_the_default_namespace_is_echoed_as_empty(echo, tag):
    body = {"matches": [], "usage": USAGE, **({} if echo is None else {"namespace": echo})}
    exp = _query(slot=2, echo_tag="VERSIONS-DEFAULT-NAMESPACE-ECHO")
    problem = check_query(exp, ok(body), NAMES)
    assert (problem is None) if tag is None else problem.startswith(f"[{tag}]")


def test_fetch_shape_metadata_key_and_usage():
    want = {"a": {"id": "a", "values": [1.0]}}
    exp = {"type": "fetch", "vectors": want, "dense": True, "slot": 0}
    record = {"id": "a", "values": [1.0]}
    body = {"vectors": {"a": record}, "namespace": "ns", "usage": USAGE}
    assert check_fetch(exp, ok(body), NAMES) is None
    assert (
        check_fetch(exp, ok({**body, "vectors": {"a": {**record, "metadata": None}}}), NAMES)
        is None
    )
    problem = check_fetch(exp, ok({**body, "vectors": {"a": {**record, "metadata": {}}}}), NAMES)
    assert problem.startswith("[FETCH-NO-METADATA-KEY]")
    problem = check_fetch(exp, ok({**body, "vectors": {"a": {"values": [1.0]}}}), NAMES)
    assert problem.startswith("[FETCH-RESPONSE-SHAPE]")
    problem = check_fetch(exp, ok({"vectors": {"a": record}, "namespace": "ns"}), NAMES)
    assert problem.startswith("[FETCH-USAGE]")


def _pages(*pages, usage=True):
    out = []
    for n, ids in enumerate(pages):
        body = {"vectors": [{"id": i} for i in ids], "namespace": "ns"}
        if usage:
            body["usage"] = USAGE
        if n < len(pages) - 1:
            body["pagination"] = {"next": f"t{n}"}
        out.append(ok(body))
    return {"pages": out}


def test_list_last_page_usage_and_namespace():
    exp = {"type": "list", "ids": ["a", "b"], "limit": 2, "slot": 0}
    assert check_list(exp, _pages(["a", "b"]), NAMES) is None
    problem = check_list(exp, _pages(["a", "b"], []), NAMES)
    assert problem.startswith("[LIST-LAST-PAGE-NO-PAGINATION]")
    assert check_list(exp, _pages(["a", "b"], usage=False), NAMES).startswith("[LIST-USAGE]")
    # the namespace snapshot (no slot) judges the ids only
    assert check_list({"ids": ["a", "b"], "limit": 2}, _pages(["a", "b"], []), NAMES) is None


def test_delete_reply_is_empty():
    exp = {"type": "ok", "empty": "DELETE-RESPONSE-EMPTY"}
    assert check_ok(exp, ok({}), NAMES) is None
    assert check_ok(exp, ok({"deleted": 2}), NAMES).startswith("[DELETE-RESPONSE-EMPTY]")


STATS = {"namespaces": {"ns": {"vectorCount": 2}}, "totalVectorCount": 2, "indexFullness": 0.0}


@pytest.mark.parametrize(
    ("exp", "body", "tag"),
    [
        ({"dimension": 8, "metric": "cosine"}, {"dimension": 8, "metric": "cosine"}, None),
        ({"dimension": 8}, {}, "STATS-SHAPE"),
        ({"metric": "cosine"}, {"metric": "euclidean"}, "STATS-METRIC"),
        ({"vector_type": "dense"}, {}, "STATS-VECTOR-TYPE"),
        ({"sparse": True}, {"dimension": 0}, "STATS-SPARSE-NO-DIMENSION"),
        ({"sparse": True}, {"indexFullness": None}, "STATS-SHAPE"),
    ],
)
def test_stats_index_fields(exp, body, tag):
    problem = check_stats({"counts": [2], **exp}, ok({**STATS, **body}), NAMES)
    assert (problem is None) if tag is None else problem.startswith(f"[{tag}]")


def test_stats_count_the_default_namespace_under_the_empty_key():
    body = {**STATS, "namespaces": {"__default__": {"vectorCount": 2}}}
    problem = check_stats({"counts": [None, None, 2]}, ok(body), NAMES)
    assert problem.startswith("[STATS-DEFAULT-NAMESPACE-KEY]")
    body = {**STATS, "namespaces": {"": {"vectorCount": 2}}}
    assert check_stats({"counts": [None, None, 2]}, ok(body), NAMES) is None


def test_error_shape_and_documented_wording():
    exp = {"type": "error", "message": ["Vector dimension 3 does not match"]}
    exp["message_tag"] = "UPSERT-ERROR-MESSAGES"
    body = {"code": 3, "details": [], "message": "Vector dimension 3 does not match the index"}
    assert check_error(exp, ok(body, 400), NAMES) is None
    problem = check_error(exp, ok({**body, "message": "Invalid request"}, 400), NAMES)
    assert problem.startswith("[UPSERT-ERROR-MESSAGES]")
    problem = check_error({"type": "error"}, ok({"code": 3, "message": "x"}, 400), NAMES)
    assert problem.startswith("[ERRORS-RPCSTATUS-SHAPE]")


def test_documented_messages_of_invalid_requests():
    shape = Shape(8, "cosine", "dense", True)
    step = {
        "json": {
            "vectors": [{"id": "good", "values": [1.0] * 8}, {"id": "bad", "values": [0.5] * 9}]
        }
    }
    fields = documented_message("upsert-dimension", step, shape)
    assert fields["message"] == ["Vector dimension 9 does not match the dimension of the index 8"]
    assert documented_message("query-dimension", {"json": {"topK": 3, "vector": []}}, shape) == {}
    zero = {"json": {"vectors": [{"id": "z", "values": [1e-9] * 8}]}}
    assert documented_message("upsert-zero-vector", zero, shape) == {}


def test_json_content_type_of_every_successful_reply():
    exp = {"type": "ok", "empty": "DELETE-RESPONSE-EMPTY"}
    assert check_outcome(exp, ok({}), NAMES) is None
    problem = check_outcome(exp, ok({}, content_type="text/plain"), NAMES)
    assert problem.startswith("[AUTH-JSON-CONTENT-TYPE]")


def _ns_pages(*pages, total=None):
    out = []
    flat = [e for page in pages for e in page]
    for n, entries in enumerate(pages):
        body = {"namespaces": [{"name": a, "record_count": c} for a, c in entries]}
        body["total_count"] = len(flat) if total is None else total
        if n < len(pages) - 1:
            body["pagination"] = {"next": f"t{n}"}
        out.append(ok(body))
    return {"pages": out}


@pytest.mark.parametrize(
    ("pages", "total", "problem"),
    [
        (([("ns", 2)], [("ns-2", "1")]), None, None),
        (([("ns", 2), ("ns-2", 1)],), None, "[NAMESPACES-LIST-PAGINATION]"),
        (([("ns-2", 1)], [("ns", 2)]), None, "[NAMESPACES-LIST]"),
        (([("ns", 2)], [("ns-2", 3)]), None, "[NAMESPACES-LIST]"),
        (([("ns", 2)], [("ns-2", 1)]), 9, "[NAMESPACES-LIST-PREFIX]"),
        (([("ns", 2)], [("other", 1)]), None, "[NAMESPACES-LIST-PREFIX]"),
        (([("ns", 2)],), None, "not listed"),
    ],
)
def test_namespaces_list(pages, total, problem):
    exp = {"type": "ns-list", "slot": 0, "limit": 1, "listed": [2, 1, None]}
    got = check_ns_list(exp, _ns_pages(*pages, total=total), NAMES)
    assert got is None if problem is None else got.startswith(problem) or problem in got


def test_namespaces_list_leaves_an_emptied_namespace_open():
    exp = {"type": "ns-list", "slot": 0, "limit": 5, "listed": [2, -1, None]}
    assert check_ns_list(exp, _ns_pages([("ns", 2)]), NAMES) is None
    assert check_ns_list(exp, _ns_pages([("ns", 2), ("ns-2", 0)]), NAMES) is None


def test_namespace_describe_create_and_delete():
    exp = {"type": "ns-describe", "slot": 1, "count": 3}
    assert check_ns_describe(exp, ok({"name": "ns-2", "record_count": "3"}), NAMES) is None
    problem = check_ns_describe(exp, ok({"record_count": 3}), NAMES)
    assert problem.startswith("[NAMESPACES-DESCRIBE]")
    gone = {"type": "ns-describe", "slot": 1, "count": None}
    assert check_ns_describe(gone, ok({"code": 5, "message": "x"}, 404), NAMES) is None
    problem = check_ns_describe(gone, ok({"name": "ns-2", "record_count": 0}), NAMES)
    assert problem.startswith("[NAMESPACES-DELETE]")
    create = {"type": "ns-create", "slot": 1, "exists": False}
    assert check_ns_create(create, ok({"name": "ns-2", "record_count": 0}), NAMES) is None
    problem = check_ns_create({**create, "exists": True}, ok({"name": "ns-2"}), NAMES)
    assert problem.startswith("[NAMESPACES-CREATE-DUPLICATE-409]")


@pytest.mark.parametrize(
    ("spelling", "body_ns", "param_ns"),
    [("omit", None, None), ("empty", "", ""), ("alias", "__default__", "__default__")],
)
def test_the_default_namespace_spellings(spelling, body_ns, param_ns):
    names = ns_names("base", ["", "-2", None])
    assert names == ["base", "base-2", ""]
    post = {"method": "POST", "path": "/query", "json": {"topK": 1}, "slot": 2, "ns_in": "json"}
    _, _, _, body, _ = build_request({**post, "default_as": spelling}, names)
    assert (b'"namespace"' in body) == (body_ns is not None)
    if body_ns is not None:
        assert f'"namespace":"{body_ns}"'.encode() in body
    get = {"method": "GET", "path": "/vectors/list", "slot": 2, "ns_in": "params"}
    _, _, params, _, _ = build_request({**get, "default_as": spelling}, names)
    assert params == ([] if param_ns is None else [("namespace", param_ns)])


def test_namespaces_api_requests_name_the_slot():
    names = ["base", "base/a b"]
    step = {"method": "GET", "path": "/namespaces/@NS@", "slot": 1, "ns_in": "path"}
    assert build_request(step, names)[1] == "/namespaces/base%2Fa%20b"
    step = {"method": "POST", "path": "/namespaces", "json": {}, "slot": 1, "ns_in": "name"}
    assert b'"name":"base/a b"' in build_request(step, names)[3]
    step = {"method": "GET", "path": "/namespaces", "slot": 0, "ns_in": "prefix"}
    assert build_request(step, names)[2] == [("prefix", "base")]


def test_header_variants():
    auth = {"Api-Key": "k", "X-Pinecone-Api-Version": "2025-10"}
    assert vary_headers(dict(auth), "key-lower") == {
        "api-key": "k",
        "X-Pinecone-Api-Version": "2025-10",
    }
    assert vary_headers(dict(auth), "no-version") == {"Api-Key": "k"}
    assert vary_headers(dict(auth), "accept-any")["Accept"] == "*/*"
    assert "Content-Type" not in vary_headers(dict(auth), "form-type")
    form = vary_headers({**auth, "Content-Type": "application/json"}, "form-type")
    assert form["Content-Type"] == "application/x-www-form-urlencoded"
    assert vary_headers(dict(auth), None) == auth


@pytest.mark.parametrize(
    ("body", "blame"),
    [
        ({"ids": "a"}, "ERRORS-WRONG-JSON-TYPE"),
        ({"deleteAll": "yes"}, "ERRORS-WRONG-JSON-TYPE"),
        ({}, None),  # an empty delete: its outcome is open
        ({"deleteAll": True, "ids": ["a"]}, None),  # a MUST rejection, not a SHOULD one
    ],
)
def test_a_rejection_only_a_should_states_is_blamed_on_it(body, blame):
    assert should_reject("delete-bad-request", {"json": body}) == blame
