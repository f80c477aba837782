"""The seed document ("Manage data"), statement by statement, on the wire."""

from __future__ import annotations

import json

import pytest

from conformance.outcomes import NOT_APPLICABLE_PREFIX
from conformance.suite._helpers import (
    approx,
    fetch_absent,
    fetch_now,
    fetch_present,
    fetch_when,
    list_when,
    listed_in_default,
    ns_count,
    ok,
    records_of,
    seed_visible,
    setting_up,
    setup_ok,
    stats_when,
    unique,
    upsert_ok,
)
from conformance.target.client import DataPlaneClient
from conformance.target.session import environment_host

DOC = {"type": "doc", "genre": "drama"}


@pytest.mark.behavior("SEED-WHOAMI-PROJECT-NAME")
def test_whoami_returns_project_name(control_plane):
    """GET /actions/whoami answers the project id as a non-empty `project_name`."""
    body = ok(control_plane.whoami())
    assert isinstance(body.get("project_name"), str) and body["project_name"], body


@pytest.mark.behavior("SEED-INDEX-ENDPOINT-FORM")
def test_index_endpoint_form(conformance_session, target):
    """The index answers as a data plane at https://NAME-PROJECT.svc.ENV.pinecone.io."""
    if target.environment is None:
        pytest.skip(
            NOT_APPLICABLE_PREFIX + "the target is addressed by URL, not by --environment and "
            "--index-name"
        )
    url = environment_host(target, conformance_session.http)
    project = url.removeprefix(f"https://{target.index_name}-").split(".svc.")[0]
    assert url == f"https://{target.index_name}-{project}.svc.{target.environment}.pinecone.io"
    with DataPlaneClient(url, target.api_key, target.api_version) as data:
        body = ok(data.describe_index_stats())
    assert isinstance(body.get("namespaces"), dict), body


@pytest.mark.behavior("STATS-NAMESPACE-COUNTS")
def test_stats_reports_namespace_record_count(dense_space):
    """describe_index_stats counts the records of each namespace."""
    upsert_ok(dense_space, dense_space.vectors.records(3))
    stats_when(dense_space, lambda s: ns_count(s, dense_space.ns) == 3, "vectorCount 3")


@pytest.mark.behavior("STATS-LEGACY-GET")
def test_stats_legacy_get(dense_space):
    """GET /describe_index_stats returns the same statistics as POST."""
    upsert_ok(dense_space, dense_space.vectors.records(2))
    with setting_up("the POST statistics counting the seeded namespace"):
        post = stats_when(dense_space, lambda s: ns_count(s, dense_space.ns) == 2, "vectorCount 2")
    got = ok(dense_space.client.describe_index_stats(method="GET"))
    assert ns_count(got, dense_space.ns) == 2, got
    # the same as POST: which fields a stats body must carry is STATS-SHAPE's to judge
    assert got.get("dimension") == post.get("dimension"), got
    # (the index-wide total may move with other tests' writes: only its type is compared)
    assert type(got.get("totalVectorCount")) is type(post.get("totalVectorCount")), got


@pytest.mark.behavior("FETCH-BY-ID")
def test_fetch_returns_values_and_metadata(dense_space):
    """Fetch by ids returns each record's values and metadata (the response's shape, its `id`
    fields and namespace echo, is FETCH-RESPONSE-SHAPE's to judge)."""
    v = dense_space.vectors
    recs = [
        {"id": "id-1", "values": v.dense(1)},
        {"id": "id-2", "values": v.dense(2), "metadata": DOC},
    ]
    upsert_ok(dense_space, recs)
    got = fetch_present(dense_space, ["id-1", "id-2"])
    assert set(got) == {"id-1", "id-2"}
    assert got["id-1"]["values"] == approx(v.dense(1))
    assert got["id-2"]["values"] == approx(v.dense(2))
    assert got["id-2"]["metadata"] == DOC


@pytest.mark.behavior("FETCH-DEFAULT-NAMESPACE")
def test_fetch_default_namespace_echoes_empty_string(default_space):
    """In the default namespace, the fetch response echoes `"namespace": ""`."""
    rec = default_space.vectors.records(1, prefix=unique("seed-"))
    listed_in_default(default_space, rec)
    fetch_present(default_space, [rec[0]["id"]])
    body = ok(default_space.client.fetch([rec[0]["id"]]))  # no namespace parameter at all
    assert body["namespace"] == ""
    assert set(body["vectors"]) == {rec[0]["id"]}


@pytest.mark.parametrize(
    "new_metadata", [None, {"type": "web"}], ids=["without-metadata", "other-metadata"]
)
@pytest.mark.behavior("UPSERT-OVERWRITES")
def test_full_update_by_upsert(dense_space, new_metadata):
    """Upserting id-3 again replaces its values and its whole metadata."""
    v = dense_space.vectors
    upsert_ok(dense_space, [{"id": "id-3", "values": v.dense(1), "metadata": DOC}])
    fetch_present(dense_space, ["id-3"])
    rec = {"id": "id-3", "values": v.dense(2)}
    if new_metadata is not None:
        rec["metadata"] = new_metadata
    upsert_ok(dense_space, [rec])
    got = fetch_when(
        dense_space,
        ["id-3"],
        lambda m: "id-3" in m and m["id-3"]["values"] == approx(v.dense(2)),
        "new values of id-3",
    )
    # a record without metadata may read back without the key, null or {} (judged elsewhere)
    assert (got["id-3"].get("metadata") or None) == new_metadata, got


@pytest.mark.behavior("SEED-UPSERT-FORM-CONTENT-TYPE")
def test_upsert_sent_as_curl_d(dense_space):
    """The page's upsert: `curl -d '{json}'` with no Content-Type, so curl's form type."""
    rec = {"id": "id-3", "values": dense_space.vectors.dense(3)}
    body = json.dumps({"vectors": [rec], "namespace": dense_space.ns}).encode()
    resp = dense_space.client.request(
        "POST",
        "/vectors/upsert",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    ok(resp)  # accepted; the count is UPSERT-RESPONSE-COUNT's to judge
    got = fetch_present(dense_space, ["id-3"])
    assert got["id-3"]["values"] == approx(rec["values"])


@pytest.mark.behavior("UPSERT-IDEMPOTENT")
def test_repeated_upsert_is_idempotent(dense_space):
    """The same upsert twice leaves one record with the same values and metadata."""
    rec = [{"id": "same", "values": dense_space.vectors.dense(5), "metadata": DOC}]
    upsert_ok(dense_space, rec)
    upsert_ok(dense_space, rec)
    got = fetch_present(dense_space, ["same"])
    assert got["same"]["values"] == approx(rec[0]["values"])
    assert got["same"]["metadata"] == DOC
    # one record, not two: the list shows it; how stats count it is STATS-NAMESPACE-COUNTS's
    assert list_when(dense_space, ["same"]) == ["same"]


def _seed_id3(space):
    """The seed's record id-3 with metadata {type: doc, genre: drama}, made visible."""
    rec = {"id": "id-3", "values": space.vectors.dense(3), "metadata": dict(DOC)}
    upsert_ok(space, [rec])
    fetch_present(space, ["id-3"])
    return rec


def _update_values_of_id3(space) -> dict:
    """The page's update of id-3 with `values`, once it has taken effect: the fetched record."""
    _seed_id3(space)
    new = space.vectors.dense(4)
    resp = space.update(id="id-3", values=new)
    assert resp.status == 200, f"expected HTTP 200, got {resp!r}"
    got = fetch_when(space, ["id-3"], lambda m: m["id-3"]["values"] == approx(new), "new values")
    return got["id-3"]


@pytest.mark.behavior("UPDATE-VALUES")
def test_partial_update_values(dense_space):
    """Update with `values` changes the vector."""
    _update_values_of_id3(dense_space)


@pytest.mark.behavior("UPDATE-VALUES-KEEPS-METADATA")
def test_partial_update_values_keeps_metadata(dense_space):
    """Once the update with `values` has taken effect, the metadata is unchanged."""
    with setting_up("the page's update with values taking effect (UPDATE-VALUES)"):
        got = _update_values_of_id3(dense_space)
    assert got.get("metadata") == DOC, got


def _set_metadata_of_id3(space) -> tuple[dict, dict]:
    """The page's setMetadata update of id-3: (the seeded record, the record fetched once the
    metadata reads back as the page shows it)."""
    rec = _seed_id3(space)
    ok(space.update(id="id-3", setMetadata={"type": "web", "new": True}))
    want = {"type": "web", "genre": "drama", "new": True}
    got = fetch_when(space, ["id-3"], lambda m: m["id-3"].get("metadata") == want, str(want))
    return rec, got["id-3"]


@pytest.mark.behavior("UPDATE-SETMETADATA-MERGES")
def test_partial_update_set_metadata_merges(dense_space):
    """setMetadata {type: web, new: true} gives {type: web, genre: drama, new: true}."""
    _set_metadata_of_id3(dense_space)


@pytest.mark.behavior("UPDATE-SETMETADATA-KEEPS-VALUES")
def test_partial_update_set_metadata_keeps_values(dense_space):
    """After the page's setMetadata update, the values are the seeded ones."""
    with setting_up("the page's setMetadata update taking effect (UPDATE-SETMETADATA-MERGES)"):
        rec, got = _set_metadata_of_id3(dense_space)
    assert got.get("values") == approx(rec["values"]), got


@pytest.mark.behavior("UPDATE-VALUES-AND-METADATA")
def test_partial_update_values_and_metadata(dense_space):
    """One update with values and setMetadata applies both and keeps unlisted fields."""
    _seed_id3(dense_space)
    ok(dense_space.update(id="id-3", setMetadata={"type": "web", "new": True}))
    new = dense_space.vectors.dense(6)
    ok(dense_space.update(id="id-3", values=new, setMetadata={"type": "webdoc"}))
    want = {"type": "webdoc", "genre": "drama", "new": True}
    fetch_when(
        dense_space,
        ["id-3"],
        lambda m: m["id-3"]["values"] == approx(new) and m["id-3"].get("metadata") == want,
        f"values updated and metadata {want}",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"values": "dense"},
        {"setMetadata": {"type": "web"}},
        {"values": "dense", "setMetadata": DOC},
    ],
    ids=["values", "setMetadata", "both"],
)
@pytest.mark.behavior("UPDATE-MISSING-ID-NOOP")
def test_update_missing_id_is_ok_and_creates_nothing(dense_space, change):
    """Update of an id that does not exist answers 200 and no record appears."""
    body = {k: (dense_space.vectors.dense(9) if v == "dense" else v) for k, v in change.items()}
    upsert_ok(dense_space, dense_space.vectors.records(1, prefix="present-"))
    resp = dense_space.update(id="ghost", **body)
    assert resp.status == 200, resp
    dense_space.barrier()
    assert "ghost" not in fetch_now(dense_space, ["ghost"])
    assert "ghost" not in [v["id"] for v in ok(dense_space.list_ids()).get("vectors", [])]


@pytest.mark.behavior("DELETE-BY-IDS")
def test_delete_by_ids(dense_space):
    """Delete ids=[id-1, id-2] removes exactly those records (the reply body is judged by
    DELETE-RESPONSE-EMPTY alone)."""
    recs = dense_space.vectors.records(3, prefix="id-", start=1)
    seed_visible(dense_space, recs)
    resp = dense_space.delete(ids=["id-1", "id-2"])
    assert resp.status == 200, f"expected HTTP 200, got {resp!r}"
    got = fetch_absent(dense_space, ["id-1", "id-2"])
    assert got == {}
    assert set(fetch_now(dense_space, ["id-3"])) == {"id-3"}


@pytest.mark.behavior("DELETE-QUERY-PARAMS")
def test_delete_ids_as_query_parameters(dense_space):
    """POST /vectors/delete?ids=..&namespace=.. (no body) deletes those ids."""
    seed_visible(dense_space, dense_space.vectors.records(3, prefix="id-", start=1))
    resp = dense_space.client.request(
        "POST",
        "/vectors/delete",
        params=[("ids", "id-1"), ("ids", "id-2"), ("namespace", dense_space.ns)],
    )
    assert resp.status == 200, resp
    fetch_absent(dense_space, ["id-1", "id-2"])
    assert set(fetch_now(dense_space, ["id-3"])) == {"id-3"}


@pytest.mark.behavior("DELETEALL-REMOVES-NAMESPACE")
def test_delete_all_removes_namespace(dense_space):
    """deleteAll on a namespace deletes the namespace: it leaves the stats."""
    seed_visible(dense_space, dense_space.vectors.records(4))
    with setting_up("the seeded namespace in the stats"):
        stats_when(dense_space, lambda s: ns_count(s, dense_space.ns) == 4, "namespace with 4")
    resp = dense_space.delete(deleteAll=True)
    assert resp.status == 200, f"expected HTTP 200, got {resp!r}"
    stats_when(dense_space, lambda s: ns_count(s, dense_space.ns) is None, "namespace gone")
    assert fetch_now(dense_space, ["r0", "r1", "r2", "r3"]) == {}


@pytest.mark.behavior("DELETE-BY-FILTER")
def test_delete_by_metadata_filter(dense_space):
    """Delete with a filter removes the matching records and nothing else."""
    genres = ["drama", "comedy", "drama", "action", "drama"]
    recs = dense_space.vectors.records(5, metadata=lambda i: {"genre": genres[i]})
    ids = seed_visible(dense_space, recs)
    resp = dense_space.delete(filter={"genre": {"$eq": "drama"}})
    assert resp.status == 200, f"expected HTTP 200, got {resp!r}"
    fetch_absent(dense_space, ["r0", "r2", "r4"])
    dense_space.barrier()
    assert set(fetch_now(dense_space, ids)) == {"r1", "r3"}


@pytest.mark.behavior("SEED-DELETEALL-DEFAULT-NAMESPACE")
def test_delete_all_without_namespace(hybrid_space, target):
    """deleteAll with no namespace empties the default namespace (of the dotproduct index, whose
    default namespace no other test writes)."""
    if not target.allow_default_namespace:
        pytest.skip(NOT_APPLICABLE_PREFIX + "the default namespace needs --allow-default-namespace")
    client = hybrid_space.client
    recs = hybrid_space.vectors.records(3, prefix=unique("seed-all-"))
    ids = [r["id"] for r in recs]
    setup_ok(client.upsert(recs), "upserting to the default namespace (no namespace given)")
    with setting_up("the records in the default namespace"):
        hybrid_space.eventually(
            lambda: client.fetch(ids),
            lambda r: r.status == 200 and set(records_of(r)) == set(ids),
            "the records in the default namespace",
        )
    ok(client.delete(deleteAll=True))
    hybrid_space.eventually(
        lambda: client.fetch(ids),
        lambda r: r.status == 200 and records_of(r) == {},
        "the default namespace emptied",
    )
