"""Bad input never breaks the server or its state; LSN headers, visibility delay, concurrency."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

DataClient = Any  # the conftest class (tests/ is not a package)
MakeClient = Any

BAD_BODIES = [
    b"{bad",
    b"[]",
    b"5",
    b'"s"',
    b"null",
    b'{"vectors": {}}',
    b'{"vectors": [5]}',
    b'{"vectors": [{"id": 5, "values": [1,1,1,1]}]}',
    b'{"vectors": [{"id": "a", "values": ["a",1,1,1]}]}',
    b'{"vectors": [{"id": "a", "values": [true,1,1,1]}]}',
    b'{"vectors": [{"id": "a", "values": [NaN,1,1,1]}]}',
    b'{"vectors": [{"id": "a", "values": [1e400,1,1,1]}]}',
    b'{"vectors": [{"id": "a", "values": [1,1,1,1], "metadata": [1]}]}',
    b'{"vectors": [{"id": "a", "values": [1,1,1,1], "metadata": {"a": {"b": 1}}}]}',
    b'{"vectors": [{"id": "a", "values": [1,1,1,1], "sparseValues": {"indices": [1]}}]}',
    b'{"vectors": [], "namespace": "ns"}',
    b'{"vectors": [{"id": "a", "values": [1,1,1,1]}], "namespace": 5}',
    b"[" * 100_000 + b"]" * 100_000,
    b'{"vectors": [{"id": "a", "values": [1,1,1,1], "metadata": {"x": '
    + b"[" * 5000
    + b"]" * 5000
    + b"}}]}",
]


@pytest.mark.parametrize("raw", BAD_BODIES, ids=range(len(BAD_BODIES)))
@pytest.mark.parametrize(
    "path", ["/vectors/upsert", "/query", "/vectors/update", "/vectors/delete"]
)
def test_bad_bodies_are_clean_400s(dense: DataClient, path: str, raw: bytes) -> None:
    response = dense.post(path, content=raw, headers={"content-type": "application/json"})
    dense.assert_error(response, 400)
    assert dense.store.last_lsn == 0


def test_deep_filter_is_400(dense: DataClient) -> None:
    flt: dict[str, Any] = {"a": 1}
    for _ in range(200):
        flt = {"$or": [flt]}
    dense.assert_error(
        dense.post("/query", json={"topK": 1, "vector": [1, 1, 1, 1], "filter": flt}), 400
    )


def test_upsert_limits(dense: DataClient) -> None:
    ok = [{"id": str(i), "values": [1, 1, 1, 1]} for i in range(1000)]
    assert dense.post("/vectors/upsert", json={"vectors": ok}).status_code == 200
    too_many = [*ok, {"id": "x", "values": [1, 1, 1, 1]}]
    response = dense.post("/vectors/upsert", json={"vectors": too_many})
    dense.assert_error(response, 400)
    assert "Invalid request" in response.json()["message"]
    dense.assert_error(dense.post("/vectors/upsert", json={"vectors": []}), 400)


def test_body_size_limit(dense: DataClient) -> None:
    filler = "x" * (2 * 1024 * 1024 - 200)
    at_limit = b'{"vectors": [{"id": "a", "values": [1,1,1,1]}], "pad": "' + filler.encode() + b'"}'
    assert len(at_limit) <= 2 * 1024 * 1024
    assert dense.post("/vectors/upsert", content=at_limit).status_code == 200
    over = at_limit + b" " * (2 * 1024 * 1024 - len(at_limit) + 1)
    dense.assert_error(dense.post("/vectors/upsert", content=over), 413)
    huge = b" " * (20 * 1024 * 1024)
    dense.assert_error(dense.post("/vectors/upsert", content=huge), 413)
    assert dense.store.last_lsn == 1


def test_unknown_fields_ignored_and_snake_case(dense: DataClient) -> None:
    body = {
        "vectors": [{"id": "a", "values": [1, 1, 1, 1], "extra": 1}],
        "namespace": "ns",
        "x": {},
    }
    assert dense.post("/vectors/upsert", json=body).status_code == 200
    got = dense.query(top_k=1, vector=[1, 1, 1, 1], include_values=True)
    assert got["matches"][0]["values"] == [1, 1, 1, 1]


def test_routing_errors(dense: DataClient) -> None:
    dense.assert_error(dense.get("/nope"), 404)
    assert dense.request("PUT", "/query").status_code == 405


def test_lsn_headers(dense: DataClient) -> None:
    first = dense.upsert([{"id": "a", "values": [1, 1, 1, 1]}])
    second = dense.post("/vectors/delete", json={"ids": ["zz"], "namespace": "ns"})
    assert int(second.headers["x-pinecone-request-lsn"]) > int(
        first.headers["x-pinecone-request-lsn"]
    )
    read = dense.post("/query", json={"topK": 1, "id": "a", "namespace": "ns"})
    assert read.headers["x-pinecone-max-indexed-lsn"] == second.headers["x-pinecone-request-lsn"]


def test_visibility_delay(make_client: MakeClient) -> None:
    client = make_client(delay=0.3)
    write = client.upsert([{"id": "a", "values": [1, 1, 1, 1]}])
    lsn = int(write.headers["x-pinecone-request-lsn"])
    early = client.get("/vectors/fetch?ids=a&namespace=ns")
    assert early.json()["vectors"] == {}
    assert int(early.headers["x-pinecone-max-indexed-lsn"]) < lsn
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        late = client.get("/vectors/fetch?ids=a&namespace=ns")
        if late.json()["vectors"]:
            break
        time.sleep(0.05)
    assert "a" in late.json()["vectors"]
    assert int(late.headers["x-pinecone-max-indexed-lsn"]) >= lsn


def test_concurrent_writers(dense: DataClient) -> None:
    errors: list[str] = []

    def writer(worker: int) -> None:
        for i in range(15):
            vid = f"w{worker}-{i}"
            r = dense.post(
                "/vectors/upsert",
                json={
                    "namespace": "ns",
                    "vectors": [{"id": vid, "values": [1, worker + 1, i, 1], "metadata": {"c": 0}}],
                },
            )
            if r.status_code != 200:
                errors.append(r.text)
            r = dense.post(
                "/vectors/update",
                json={"namespace": "ns", "id": "shared", "setMetadata": {f"k{worker}": i}},
            )
            if r.status_code != 200:
                errors.append(r.text)

    dense.upsert([{"id": "shared", "values": [1, 1, 1, 1]}])
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    stats = dense.post("/describe_index_stats", json={}).json()
    assert stats["totalVectorCount"] == 4 * 15 + 1
    shared = dense.fetch(["shared"])["shared"]["metadata"]
    assert shared == {f"k{w}": 14.0 for w in range(4)}
    fetched = dense.fetch([f"w{w}-{i}" for w in range(4) for i in range(15)])
    assert all(v["values"][1] == float(k[1]) + 1 for k, v in fetched.items())
