"""POST /vectors/update: by id (values, sparseValues, setMetadata) and by filter (2025-10+)."""

from __future__ import annotations

import pytest

from conformance.suite._helpers import (
    approx,
    assert_invalid,
    fetch_now,
    fetch_when,
    list_when,
    ok,
    seed_visible,
    setting_up,
)

BASE = {"type": "doc", "genre": "drama", "year": 2020, "tags": ["a", "b"]}


def _seed(space, metadata: dict | None = None) -> dict:
    rec = space.vectors.record(1, prefix="u")
    rec["metadata"] = dict(BASE if metadata is None else metadata)
    seed_visible(space, [rec])
    return rec


def updated(resp) -> None:
    """An update by id succeeded (HTTP 200); its body is UPDATE-BY-ID-RESPONSE's business."""
    assert resp.status == 200, f"expected HTTP 200, got {resp!r}"


# ---- by id -------------------------------------------------------------------------------------


@pytest.mark.behavior("UPDATE-VALUES")
def test_update_values_per_metric(metric_space):
    """`values` replaces the dense vector (every metric)."""
    _seed(metric_space)
    new = metric_space.vectors.dense(42)
    updated(metric_space.update(id="u1", values=new))
    fetch_when(metric_space, ["u1"], lambda m: m["u1"]["values"] == approx(new), "new values")


@pytest.mark.behavior("UPDATE-VALUES-KEEPS-METADATA")
def test_update_values_keeps_metadata(dense_space):
    """Once `values` has taken effect, the metadata is what it was."""
    _seed(dense_space)
    new = dense_space.vectors.dense(42)
    updated(dense_space.update(id="u1", values=new))
    with setting_up("the new values taking effect (UPDATE-VALUES)"):
        got = fetch_when(dense_space, ["u1"], lambda m: m["u1"]["values"] == approx(new), "values")
    assert got["u1"].get("metadata") == BASE, got["u1"]


@pytest.mark.behavior("UPDATE-SPARSE-VALUES")
def test_update_sparse_values(sparse_space):
    """`sparseValues` replaces the record's sparse vector."""
    _seed(sparse_space)
    new = {"indices": [2, 9, 40], "values": [0.25, 0.5, 0.75]}
    updated(sparse_space.update(id="u1", sparseValues=new))
    got = fetch_when(
        sparse_space,
        ["u1"],
        lambda m: m["u1"]["sparseValues"]["indices"] == new["indices"],
        "new sparse indices",
    )
    assert got["u1"]["sparseValues"]["values"] == approx(new["values"])
    assert got["u1"]["metadata"] == BASE


MERGES = {
    "overwrite-one": ({"genre": "comedy"}, {**BASE, "genre": "comedy"}),
    "add-new": ({"new": True}, {**BASE, "new": True}),
    "overwrite-and-add": ({"type": "web", "new": True}, {**BASE, "type": "web", "new": True}),
    "change-type": ({"year": "unknown"}, {**BASE, "year": "unknown"}),
    "list-value": ({"tags": ["z"]}, {**BASE, "tags": ["z"]}),
    "number": ({"rating": 4.5}, {**BASE, "rating": 4.5}),
}


@pytest.mark.parametrize("change,want", MERGES.values(), ids=MERGES.keys())
@pytest.mark.behavior("UPDATE-SETMETADATA-MERGES")
def test_update_set_metadata_merges(dense_space, change, want):
    """setMetadata overwrites/adds the listed fields and keeps every other field."""
    _seed(dense_space)
    updated(dense_space.update(id="u1", setMetadata=change))
    fetch_when(dense_space, ["u1"], lambda m: m["u1"].get("metadata") == want, f"metadata {want}")


@pytest.mark.behavior("UPDATE-SETMETADATA-MERGES")
def test_update_set_metadata_on_record_without_metadata(dense_space):
    """setMetadata on a record without metadata gives it exactly the listed fields."""
    seed_visible(dense_space, dense_space.vectors.records(1, prefix="u", start=1))
    updated(dense_space.update(id="u1", setMetadata={"genre": "drama"}))
    fetch_when(
        dense_space,
        ["u1"],
        lambda m: m["u1"].get("metadata") == {"genre": "drama"},
        "metadata added",
    )


@pytest.mark.parametrize("kind", ["dense", "sparse"])
@pytest.mark.behavior("UPDATE-SETMETADATA-KEEPS-VALUES")
def test_update_set_metadata_keeps_values(request, kind):
    """setMetadata alone leaves dense or sparse values unchanged."""
    space = request.getfixturevalue(f"{kind}_space")
    rec = _seed(space)
    updated(space.update(id="u1", setMetadata={"genre": "comedy"}))
    got = fetch_when(
        space, ["u1"], lambda m: m["u1"]["metadata"]["genre"] == "comedy", "genre updated"
    )["u1"]
    if kind == "dense":
        assert got["values"] == approx(rec["values"])
    else:
        assert got["sparseValues"]["indices"] == rec["sparseValues"]["indices"]
        assert got["sparseValues"]["values"] == approx(rec["sparseValues"]["values"])


@pytest.mark.parametrize("delta", [-1, 1])
@pytest.mark.behavior("UPDATE-VALUES-DIMENSION-400")
def test_update_values_wrong_dimension(dense_space, delta):
    """`values` of the wrong length is a 400 and the record keeps its values."""
    rec = _seed(dense_space)
    d = dense_space.index.dimension
    assert_invalid(dense_space.update(id="u1", values=[0.5] * (d + delta)))
    dense_space.barrier()
    assert fetch_now(dense_space, ["u1"])["u1"]["values"] == approx(rec["values"])


@pytest.mark.parametrize(
    "body", [{"values": None}, {"setMetadata": {"k": "v"}}], ids=["values", "setMetadata"]
)
@pytest.mark.parametrize(
    "existing",
    [
        pytest.param(True, id="existing", marks=pytest.mark.behavior("UPDATE-BY-ID-RESPONSE")),
        pytest.param(False, id="missing", marks=pytest.mark.behavior("UPDATE-MISSING-ID-NOOP")),
    ],
)
def test_update_by_id_response_is_empty(dense_space, body, existing):
    """An update of an existing id answers 200 `{}`; of a missing id, 200 and nothing is
    created (its body is not judged there: that case is about the no-op)."""
    _seed(dense_space)
    body = {k: (dense_space.vectors.dense(3) if v is None else v) for k, v in body.items()}
    resp = dense_space.update(id="u1" if existing else "ghost", **body)
    if existing:
        assert ok(resp) == {}
    else:
        updated(resp)
        dense_space.barrier()
        assert fetch_now(dense_space, ["ghost"]) == {}


BAD_METADATA = {
    "dollar-key": {"$k": "v"},
    "object": {"o": {"a": 1}},
    "number-list": {"l": [1, 2]},
    "mixed-list": {"l": ["a", 1]},
}


@pytest.mark.parametrize("metadata", BAD_METADATA.values(), ids=BAD_METADATA.keys())
@pytest.mark.behavior("UPDATE-SETMETADATA-INVALID-400")
def test_update_invalid_set_metadata(dense_space, metadata):
    """Invalid setMetadata is a 400 and the stored metadata is unchanged."""
    _seed(dense_space)
    assert_invalid(dense_space.update(id="u1", setMetadata=metadata))
    dense_space.barrier()
    assert fetch_now(dense_space, ["u1"])["u1"]["metadata"] == BASE


# ---- by filter (2025-10+) ----------------------------------------------------------------------

GENRES = ["drama", "comedy", "drama", "drama", "action", "drama", "comedy", "drama"]
DRAMA = {f"f{i}" for i, g in enumerate(GENRES) if g == "drama"}


def _seed_genres(space) -> list[str]:
    recs = space.vectors.records(len(GENRES), prefix="f", metadata=lambda i: {"genre": GENRES[i]})
    return seed_visible(space, recs)


def _matched(space, **body) -> int:
    """Run an update by filter (polling until all seeded matches are counted)."""
    resp = space.eventually(
        lambda: space.update(**body),
        lambda r: r.status == 200 and r.json.get("matchedRecords") == len(DRAMA),
        f"matchedRecords {len(DRAMA)}",
    )
    return ok(resp)["matchedRecords"]


@pytest.mark.behavior("UPDATE-BY-FILTER")
def test_update_by_filter(dense_space):
    """Update by filter sets metadata on every match and reports `matchedRecords`."""
    ids = _seed_genres(dense_space)
    assert _matched(dense_space, filter={"genre": {"$eq": "drama"}}, setMetadata={"seen": True})
    fetch_when(
        dense_space,
        ids,
        lambda m: all(m[i]["metadata"].get("seen") is True for i in DRAMA),
        "seen=true on every drama record",
    )
    dense_space.barrier()
    got = fetch_now(dense_space, ids)
    for rid in set(ids) - DRAMA:
        assert "seen" not in got[rid]["metadata"], got[rid]
    for rid in DRAMA:
        assert got[rid]["metadata"]["genre"] == "drama"


@pytest.mark.behavior("UPDATE-DRY-RUN")
def test_update_by_filter_dry_run(dense_space):
    """dryRun counts the matches and changes nothing."""
    ids = _seed_genres(dense_space)
    body = {"filter": {"genre": "drama"}, "setMetadata": {"seen": True}, "dryRun": True}
    assert _matched(dense_space, **body) == len(DRAMA)
    dense_space.barrier()
    got = fetch_now(dense_space, ids)
    assert all("seen" not in got[i]["metadata"] for i in ids), got


@pytest.mark.parametrize("field", ["values", "sparseValues"])
@pytest.mark.behavior("UPDATE-FILTER-WITH-VALUES-400")
def test_update_by_filter_rejects_values(dense_space, field):
    """An update by filter may not carry values or sparseValues."""
    ids = _seed_genres(dense_space)
    value = dense_space.vectors.dense(9) if field == "values" else dense_space.vectors.sparse(9)
    assert_invalid(dense_space.update(filter={"genre": "drama"}, **{field: value}))
    dense_space.barrier()
    got = fetch_now(dense_space, ids)
    first = dense_space.vectors.records(1, prefix="f")[0]
    assert got["f0"]["values"] == approx(first["values"])


@pytest.mark.parametrize("selector", ["both", "neither"])
@pytest.mark.behavior("UPDATE-ID-AND-FILTER-400")
def test_update_needs_exactly_one_of_id_and_filter(dense_space, selector):
    """Both `id` and `filter`, or neither, is a 400."""
    _seed_genres(dense_space)
    body: dict = {"setMetadata": {"seen": True}}
    if selector == "both":
        body |= {"id": "f0", "filter": {"genre": "drama"}}
    assert_invalid(dense_space.update(**body))
    dense_space.barrier()
    assert "seen" not in fetch_now(dense_space, ["f0"])["f0"]["metadata"]


@pytest.mark.behavior("UPDATE-EMPTY-FILTER-400")
def test_update_empty_filter(dense_space):
    """`filter: {}` is a 400 and nothing is updated."""
    ids = _seed_genres(dense_space)
    assert_invalid(dense_space.update(filter={}, setMetadata={"seen": True}))
    dense_space.barrier()
    got = fetch_now(dense_space, ids)
    assert all("seen" not in got[i]["metadata"] for i in ids)


@pytest.mark.behavior("UPDATE-MISSING-ID-NOOP")
def test_update_missing_id_in_empty_namespace(dense_space):
    """Update of a missing id in an empty namespace leaves it without records."""
    resp = dense_space.update(id="ghost", values=dense_space.vectors.dense(1))
    assert resp.status == 200, resp
    marker = dense_space.barrier()
    assert fetch_now(dense_space, ["ghost"]) == {}
    assert list_when(dense_space, [marker]) == [marker]
