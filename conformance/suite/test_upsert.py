"""POST /vectors/upsert: response, limits, ids, namespaces, metadata, sparse and hybrid vectors."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from conformance.outcomes import NOT_APPLICABLE_PREFIX, SetupFailed
from conformance.suite._helpers import (
    METADATA_LIMIT,
    approx,
    assert_invalid,
    at_least,
    fetch_now,
    fetch_present,
    fetch_when,
    list_when,
    metadata_bytes,
    ns_count,
    ok,
    records_of,
    seed_visible,
    setting_up,
    stats_when,
    unique,
    upsert_ok,
)
from conformance.target.space import Space
from conformance.target.vectors import MAX_REQUEST_BYTES, body_bytes

KINDS = ["dense", "sparse", "hybrid"]


def _space(request, kind: str):
    return request.getfixturevalue(f"{kind}_space")


def _hybrid(space, i: int, rid: str | None = None) -> dict:
    v = space.vectors
    return {"id": rid or f"h{i}", "values": v.dense(i), "sparseValues": v.sparse(i)}


# ---- response and request shape ------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 7])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.behavior("UPSERT-RESPONSE-COUNT")
def test_upsert_returns_upserted_count(request, kind, n):
    """Upsert answers 200 {"upsertedCount": n}."""
    space = _space(request, kind)
    hybrid = kind == "hybrid"
    recs = [_hybrid(space, i) for i in range(n)] if hybrid else space.vectors.records(n)
    body = ok(space.upsert(recs))
    assert body.get("upsertedCount") == n, body


@pytest.mark.parametrize("body", [{"vectors": []}, {}], ids=["empty", "missing"])
@pytest.mark.behavior("UPSERT-EMPTY-VECTORS-400")
def test_upsert_without_vectors_is_rejected(dense_space, body):
    """`vectors: []` or no `vectors` at all is a 400."""
    resp = dense_space.client.request(
        "POST", "/vectors/upsert", json={**body, "namespace": dense_space.ns}
    )
    assert_invalid(resp)


@pytest.mark.parametrize("n,accepted", [(1000, True), (1001, False)])
@pytest.mark.behavior("UPSERT-MAX-VECTORS")
def test_upsert_vector_count_limit(dense_space, n, accepted):
    """1000 vectors per upsert are accepted; 1001 are rejected."""
    v = dense_space.vectors
    recs = [{"id": f"r{i}", "values": v.compact(i)} for i in range(n)]
    size = body_bytes({"vectors": recs, "namespace": dense_space.ns})
    if size > MAX_REQUEST_BYTES:
        pytest.skip(
            f"{NOT_APPLICABLE_PREFIX}{n} records of dimension {v.dimension} take {size} bytes, "
            "over the documented 2 MB request limit (a 413 would be the conformant answer)"
        )
    resp = dense_space.upsert(recs)
    if accepted:
        ok(resp)  # the count is UPSERT-RESPONSE-COUNT's to judge
        # every record is stored: read back in chunks, not through stats (STATS-NAMESPACE-COUNTS)
        dense_space.barrier()
        ids = [r["id"] for r in recs]
        missing = [
            i for start in range(0, n, 100) for i in _unfetched(dense_space, ids[start:][:100])
        ]
        assert not missing, (
            f"{len(missing)} of the {n} accepted records are not stored: {missing[:5]}"
        )
    else:
        assert_invalid(resp)
        dense_space.barrier()
        assert fetch_now(dense_space, ["r0", "r1000"]) == {}


def _unfetched(space, ids: list[str]) -> list[str]:
    """The ids a fetch of `ids` does not return, each confirmed absent by a fetch of its own: a
    fetch of several ids that omits stored records is FETCH-BY-ID's failure, not this test's."""
    found = fetch_now(space, ids)
    absent = [i for i in ids if i not in found]
    alone = [i for i in absent if i in fetch_now(space, [i])]
    if alone:
        raise SetupFailed(f"a fetch of {len(ids)} ids omits {alone[:3]}, which fetched alone exist")
    return absent


# ---- ids ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("rid", [None, ""], ids=["no-id", "empty-id"])
@pytest.mark.behavior("UPSERT-MISSING-ID-400")
def test_upsert_vector_without_id_is_rejected(dense_space, rid):
    """A vector without an id (or with an empty one) is a 400."""
    vec = {"values": dense_space.vectors.dense(0)}
    if rid is not None:
        vec["id"] = rid
    assert_invalid(dense_space.upsert([vec]))


@pytest.mark.parametrize("length,accepted", [(512, True), (513, False)])
@pytest.mark.behavior("UPSERT-ID-MAX-LENGTH")
def test_upsert_id_length_limit(dense_space, length, accepted):
    """Ids of 512 characters are accepted; 513 are rejected."""
    rid = ("id-" + "x" * length)[:length]
    resp = dense_space.upsert([{"id": rid, "values": dense_space.vectors.dense(1)}])
    if accepted:
        ok(resp)  # the count is UPSERT-RESPONSE-COUNT's to judge
        assert set(fetch_present(dense_space, [rid])) == {rid}
    else:
        assert_invalid(resp)


@pytest.mark.parametrize(
    "rid", ["caf\u00e9", "nul\u0000id", "snow\u2603"], ids=["e-acute", "nul", "snowman"]
)
@pytest.mark.behavior("UPSERT-ID-NON-ASCII-400")
def test_upsert_non_ascii_id_is_rejected(dense_space, rid):
    """Ids with non-ASCII characters or NUL are a 400."""
    assert_invalid(dense_space.upsert([{"id": rid, "values": dense_space.vectors.dense(1)}]))


@pytest.mark.parametrize(
    "rid",
    ["with space", "a/b/c", "frag#ment", "q?x=1&y=2", "plus+percent%25", " lead-and-trail "],
)
@pytest.mark.behavior("UPSERT-ID-SPECIAL-CHARS")
def test_upsert_ids_with_special_characters(dense_space, rid):
    """Ids with spaces, `/`, `#` (and other URL-special characters) are stored unchanged: listed
    back, and fetched back unless a space is in them before 2026-07 (fetch `ids` then take none)."""
    upsert_ok(dense_space, [{"id": rid, "values": dense_space.vectors.dense(2)}])
    assert list_when(dense_space, [rid]) == [rid]
    if " " in rid and not at_least(dense_space.api_version, "2026-07"):
        return
    got = _fetch_percent_encoded(dense_space, rid)
    # the record's own `id` field is FETCH-RESPONSE-SHAPE's; here only that it is not another id
    assert got.get("id", rid) == rid, got
    assert got["values"] == approx(dense_space.vectors.dense(2))


def _fetch_percent_encoded(space: Space, rid: str) -> dict[str, Any]:
    """Fetch one id until it is returned, its characters percent-encoded (a space as `%20`, never
    `+`: how `+` decodes is FETCH-ID-ENCODING's to judge); the record."""
    query = f"ids={quote(rid, safe='')}&namespace={quote(space.ns, safe='')}"
    resp = space.eventually(
        lambda: space.client.request("GET", f"/vectors/fetch?{query}"),
        lambda r: r.status == 200 and isinstance(records_of(r).get(rid), dict),
        f"fetch of {rid!r} percent-encoded",
    )
    return records_of(resp)[rid]


# ---- dense values ------------------------------------------------------------------------------


@pytest.mark.parametrize("delta", [-1, 1, "empty"], ids=["shorter", "longer", "empty"])
@pytest.mark.behavior("UPSERT-DIMENSION-MISMATCH-400")
def test_upsert_dimension_mismatch(metric_space, delta):
    """Values of the wrong length are a 400."""
    d = metric_space.index.dimension
    n = 0 if delta == "empty" else d + delta
    values = [0.5] * n
    assert_invalid(metric_space.upsert([{"id": "bad", "values": values}]))


@pytest.mark.behavior("UPSERT-ZERO-VECTOR-400")
def test_upsert_all_zero_vector(metric_space):
    """An all-zero dense vector is a 400."""
    d = metric_space.index.dimension
    assert_invalid(metric_space.upsert([{"id": "zero", "values": [0.0] * d}]))


@pytest.mark.parametrize("position", [0, 3], ids=["first", "last"])
@pytest.mark.parametrize("defect", ["dimension", "zero", "metadata", "no-id"])
@pytest.mark.behavior("UPSERT-BATCH-ATOMIC")
def test_upsert_one_bad_vector_fails_whole_batch(dense_space, defect, position):
    """One invalid vector makes the whole batch a 400 and nothing of it is written."""
    d = dense_space.index.dimension
    recs = dense_space.vectors.records(4, prefix="batch-")
    bad = recs[position]
    if defect == "dimension":
        bad["values"] = [0.5] * (d + 1)
    elif defect == "zero":
        bad["values"] = [0.0] * d
    elif defect == "metadata":
        bad["metadata"] = {"nested": {"a": 1}}
    else:
        del bad["id"]
    # That the defect is rejected at all is its own behavior's; atomicity is judged on a defect
    # the target rejects when it comes alone (under an id of its own).
    alone = {**bad, "id": "batch-probe"} if "id" in bad else bad
    with setting_up(f"a vector with the {defect} defect being rejected on its own"):
        assert_invalid(dense_space.upsert([alone]))
    assert_invalid(dense_space.upsert(recs))
    dense_space.barrier()
    ids = [f"batch-{i}" for i in range(4)]
    assert fetch_now(dense_space, ids) == {}


# ---- namespaces --------------------------------------------------------------------------------


@pytest.mark.behavior("UPSERT-CREATES-NAMESPACE")
def test_upsert_creates_namespace(dense_space):
    """A namespace that did not exist appears in the stats once written to."""
    assert ns_count(ok(dense_space.stats()), dense_space.ns) is None
    upsert_ok(dense_space, dense_space.vectors.records(2))
    stats_when(dense_space, lambda s: ns_count(s, dense_space.ns) == 2, "new namespace with 2")


@pytest.mark.parametrize(
    "namespace",
    [
        pytest.param(None, marks=pytest.mark.behavior("UPSERT-DEFAULT-NAMESPACE"), id="omitted"),
        pytest.param(
            "", marks=pytest.mark.behavior("NAMESPACES-DEFAULT-EMPTY-OR-OMITTED"), id="empty-string"
        ),
    ],
)
def test_upsert_without_namespace_writes_default(default_space, dense_space, namespace):
    """An upsert with no (or an empty) namespace lands in the default namespace, where a fetch
    without a namespace finds it (the fetch's echo is FETCH-DEFAULT-NAMESPACE's to judge)."""
    rid = unique("dflt-") + "x"
    vec = [{"id": rid, "values": default_space.vectors.dense(3)}]
    extra = {} if namespace is None else {"namespace": namespace}
    ok(default_space.upsert(vec, **extra))  # the count is UPSERT-RESPONSE-COUNT's to judge
    assert set(fetch_present(default_space, [rid])) == {rid}  # no namespace parameter
    # A record every namespace shows would not tell the default namespace apart; that a named
    # namespace does not show it is FETCH-NAMESPACE-ISOLATION's to judge, so a setup check.
    with setting_up("the default record absent from a named namespace"):
        assert fetch_now(dense_space, [rid]) == {}


@pytest.mark.behavior("UPSERT-DEFAULT-NAMESPACE-ALIAS")
def test_upsert_default_namespace_alias(default_space):
    """`namespace: "__default__"` writes to the default namespace, where a fetch without a
    namespace finds it (the fetch's echo is FETCH-DEFAULT-NAMESPACE's to judge)."""
    rid = unique("alias-") + "x"
    vec = [{"id": rid, "values": default_space.vectors.dense(4)}]
    ok(
        default_space.upsert(vec, namespace="__default__")
    )  # the count is UPSERT-RESPONSE-COUNT's to judge
    default_space.track_ids([rid])
    assert set(fetch_present(default_space, [rid])) == {rid}  # no namespace parameter


# ---- metadata ----------------------------------------------------------------------------------


@pytest.mark.behavior("UPSERT-EMPTY-METADATA")
def test_upsert_empty_metadata(dense_space):
    """`metadata: {}` is accepted and leaves the record without metadata, also over a record
    that had some. That the rewrite replaced the record at all (its new values) is
    UPSERT-OVERWRITES' to judge, so it is setup."""
    v = dense_space.vectors
    seed_visible(dense_space, [{"id": "m", "values": v.dense(1), "metadata": {"a": "b"}}])
    upsert_ok(dense_space, [{"id": "m", "values": v.dense(2), "metadata": {}}])
    with setting_up("the rewritten record's new values"):
        got = fetch_when(
            dense_space,
            ["m"],
            lambda m: "m" in m and m["m"].get("values") == approx(v.dense(2)),
            "rewritten record",
        )
    assert got["m"].get("metadata") in (None, {}), got


@pytest.mark.parametrize("metadata", [{"$bad": "x"}, {"ok": 1, "$and": "x"}], ids=["only", "mixed"])
@pytest.mark.behavior("UPSERT-METADATA-DOLLAR-KEY-400")
def test_upsert_metadata_dollar_key(dense_space, metadata):
    """A metadata key starting with `$` is a 400."""
    resp = dense_space.upsert(
        [{"id": "d", "values": dense_space.vectors.dense(1), "metadata": metadata}]
    )
    assert_invalid(resp)


BAD_VALUES = {
    "object": {"a": 1},
    "list-of-numbers": [1, 2],
    "mixed-list": ["a", 1],
    "list-with-null": ["a", None],
    "nested-list": [["a"]],
}


@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES.keys())
@pytest.mark.behavior("UPSERT-METADATA-BAD-TYPE-400")
def test_upsert_metadata_bad_value_type(dense_space, value):
    """Object, numeric-list and mixed-list metadata values are a 400."""
    vec = {"id": "t", "values": dense_space.vectors.dense(1), "metadata": {"field": value}}
    assert_invalid(dense_space.upsert([vec]))


@pytest.mark.parametrize("size,accepted", [(38_000, True), (METADATA_LIMIT + 200, False)])
@pytest.mark.behavior("UPSERT-METADATA-SIZE-LIMIT")
def test_upsert_metadata_size_limit(dense_space, size, accepted):
    """Metadata clearly under 40960 bytes is stored; just over it is a 400."""
    metadata = {"blob": "x" * size}
    assert (metadata_bytes(metadata) < METADATA_LIMIT) is accepted
    vec = {"id": "big", "values": dense_space.vectors.dense(1), "metadata": metadata}
    resp = dense_space.upsert([vec])
    if accepted:
        ok(resp)  # the count is UPSERT-RESPONSE-COUNT's to judge
        assert fetch_present(dense_space, ["big"])["big"]["metadata"] == metadata
    else:
        assert_invalid(resp)


def _error_message_cases(space: Space) -> dict[str, tuple[dict[str, Any], list[str]]]:
    """Per documented upsert error: one invalid record and the texts its message must contain."""
    d = space.index.dimension or 1
    big = {"blob": "x" * (METADATA_LIMIT + 200)}
    return {
        "dimension": (
            {"id": "bad", "values": [0.5] * (d + 1)},
            [f"Vector dimension {d + 1} does not match the dimension of the index {d}"],
        ),
        "zero": (
            {"id": "zero", "values": [0.0] * d},
            ["Dense vectors must contain at least one non-zero value"],
        ),
        "metadata-type": (
            {"id": "t", "values": space.vectors.dense(1), "metadata": {"field": {"a": 1}}},
            ["Metadata value must be a string, number, boolean or list of strings"],
        ),
        "metadata-size": (
            {"id": "big", "values": space.vectors.dense(1), "metadata": big},
            ["Metadata size is", "exceeds the limit of 40960 bytes per vector"],
        ),
    }


@pytest.mark.parametrize("case", ["dimension", "zero", "metadata-type", "metadata-size"])
@pytest.mark.behavior("UPSERT-ERROR-MESSAGES")
def test_upsert_error_messages(dense_space, case):
    """Rejected upserts carry Pinecone's message texts (the 400 itself is judged elsewhere)."""
    record, texts = _error_message_cases(dense_space)[case]
    resp = dense_space.upsert([record])
    if resp.status != 400:
        pytest.skip(f"{NOT_APPLICABLE_PREFIX}the target did not reject the upsert ({resp.status})")
    for text in texts:
        assert text in resp.text, f"expected {text!r} in the error, got {resp!r}"


ROUNDTRIP = {
    "string": "drama",
    "empty-string": "",
    "unicode": "h\u00e9llo \u2603",
    "float": 3.25,
    "negative": -7.5,
    "zero": 0,
    "true": True,
    "false": False,
    "list-of-strings": ["a", "b", "c"],
    "empty-list": [],
}


@pytest.mark.parametrize("value", ROUNDTRIP.values(), ids=ROUNDTRIP.keys())
@pytest.mark.behavior("UPSERT-METADATA-ROUNDTRIP")
def test_upsert_metadata_value_roundtrip(dense_space, value):
    """Each supported metadata value type fetches back equal."""
    upsert_ok(
        dense_space,
        [{"id": "rt", "values": dense_space.vectors.dense(1), "metadata": {"f": value, "k": "v"}}],
    )
    got = fetch_present(dense_space, ["rt"])["rt"]["metadata"]
    assert got == {"f": value, "k": "v"}
    assert type(got["f"]) is type(value) or (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and type(got["f"]) in (int, float)
    )


@pytest.mark.behavior("UPSERT-METADATA-INT-AS-FLOAT")
def test_upsert_integer_metadata_is_a_float(dense_space):
    """The integer 2020 fetches back as the number 2020.0 (not a string or boolean)."""
    upsert_ok(
        dense_space,
        [{"id": "y", "values": dense_space.vectors.dense(1), "metadata": {"year": 2020, "n": 1}}],
    )
    got = fetch_present(dense_space, ["y"])["y"]["metadata"]
    for key, want in (("year", 2020.0), ("n", 1.0)):
        assert isinstance(got[key], int | float) and not isinstance(got[key], bool), got
        assert float(got[key]) == want


# ---- sparse and hybrid -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sparse", "hybrid"])
@pytest.mark.behavior("UPSERT-SPARSE-LENGTH-MISMATCH-400")
def test_upsert_sparse_length_mismatch(request, kind):
    """Sparse `indices` and `values` of different lengths are a 400."""
    space = _space(request, kind)
    vec = {"id": "s", "sparseValues": {"indices": [1, 2, 3], "values": [0.5, 0.5]}}
    if kind == "hybrid":
        vec["values"] = space.vectors.dense(1)
    assert_invalid(space.upsert([vec]))


@pytest.mark.behavior("UPSERT-SPARSE-REQUIRED")
def test_upsert_sparse_index_requires_sparse_values(sparse_space):
    """A sparse index rejects a vector without sparseValues."""
    assert_invalid(sparse_space.upsert([{"id": "nosparse"}]))


@pytest.mark.parametrize("with_sparse", [True, False], ids=["with-sparse", "dense-only"])
@pytest.mark.behavior("UPSERT-SPARSE-DENSE-VALUES-400")
def test_upsert_sparse_index_rejects_dense_values(sparse_space, with_sparse):
    """A sparse index rejects a vector carrying dense values."""
    vec = {"id": "dv", "values": [0.1, 0.2, 0.3, 0.4]}
    if with_sparse:
        vec["sparseValues"] = sparse_space.vectors.sparse(1)
    assert_invalid(sparse_space.upsert([vec]))
    sparse_space.barrier()
    assert fetch_now(sparse_space, ["dv"]) == {}


@pytest.mark.behavior("UPSERT-SPARSE-ROUNDTRIP")
def test_upsert_sparse_roundtrip(sparse_space):
    """Sparse records fetch back with their indices and values."""
    recs = sparse_space.vectors.records(3)
    # the largest index there is (UPSERT-SPARSE-INDEX-RANGE) is stored as it is too
    recs.append(
        {"id": "max-index", "sparseValues": {"indices": [3, 2**32 - 1], "values": [0.5, 0.25]}}
    )
    upsert_ok(sparse_space, recs)
    # one id per fetch: how a fetch of several ids answers is FETCH-BY-ID's to judge
    got = {r["id"]: fetch_present(sparse_space, [r["id"]])[r["id"]] for r in recs}
    for r in recs:
        sv = got[r["id"]]["sparseValues"]
        pairs = dict(zip(sv["indices"], sv["values"], strict=True))
        want = dict(zip(r["sparseValues"]["indices"], r["sparseValues"]["values"], strict=True))
        assert sorted(pairs) == sorted(want)
        assert [pairs[k] for k in sorted(want)] == approx([want[k] for k in sorted(want)])
        assert not got[r["id"]].get("values"), "a sparse record has no dense values"


@pytest.mark.behavior("UPSERT-HYBRID")
def test_upsert_hybrid_vector(hybrid_space):
    """A dotproduct dense index stores a vector with both values and sparseValues."""
    rec = _hybrid(hybrid_space, 1, "hy")
    upsert_ok(hybrid_space, [rec])
    got = fetch_present(hybrid_space, ["hy"])["hy"]
    assert got["values"] == approx(rec["values"])
    sv = got["sparseValues"]
    assert sorted(zip(sv["indices"], sv["values"], strict=True)) == [
        (i, approx(x))
        for i, x in zip(rec["sparseValues"]["indices"], rec["sparseValues"]["values"], strict=True)
    ]


@pytest.mark.parametrize(
    "index,accepted",
    [(4294967295, True), (4294967296, False), (-1, False)],
    ids=["max-uint32", "past-max", "negative"],
)
@pytest.mark.behavior("UPSERT-SPARSE-INDEX-RANGE")
def test_upsert_sparse_index_range(sparse_space, index, accepted):
    """Sparse indices must lie in 0…4294967295."""
    vec = {"id": "rng", "sparseValues": {"indices": [3, index], "values": [0.5, 0.25]}}
    resp = sparse_space.upsert([vec])
    if accepted:
        ok(resp)  # the count is UPSERT-RESPONSE-COUNT's, reading it back UPSERT-SPARSE-ROUNDTRIP's
    else:
        assert_invalid(resp)


@pytest.mark.behavior("UPSERT-BODY-LIMIT-413")
def test_upsert_body_over_2mb(dense_space):
    """An upsert body over 2 MB (each vector valid on its own) is a 413."""
    blob = "x" * 38_000
    recs = dense_space.vectors.records(60, metadata=lambda i: {"blob": blob})
    resp = dense_space.upsert(recs)
    assert resp.status == 413, resp
    dense_space.barrier()
    assert fetch_now(dense_space, ["r0", "r59"]) == {}
