"""REST and gRPC side by side on one index: the `bench` figures of upsert and query per wire form.

The same vectors are upserted in batches of 100 over each wire form (into a namespace of its own,
one connection each, request encoding included) and the same queries are sent over each. Both
encode straight from the float32 arrays: orjson's numpy support writes the JSON, and the protobuf
wire form of an upsert is put together from each row's bytes (a packed `repeated float` is the
little-endian floats themselves; the encoder is checked against the protobuf library first).
The two alternate in blocks, so a change in machine load affects both alike, and each figure comes
with the CPU time this process spent on it (encoding, the client library, decoding the answer)
and, for a server the bench started, the server's: on a busy machine the CPU times are the steadier
figures. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import orjson

BATCH = 100
BLOCK = 10  # batches (or queries x 2) of one wire form in a row
UPSERT_RECORDS = 5_000  # per wire form (fewer when the run loads fewer)
QUERIES = 100
TOP_K = 10
CATEGORIES = 10
API_VERSION = "2025-10"
TIMEOUT = 120.0


class TransportError(Exception):
    """A call on one wire form failed."""


class _Rest:
    name = "REST"

    def __init__(self, url: str, api_key: str) -> None:
        headers = {
            "Api-Key": api_key,
            "X-Pinecone-Api-Version": API_VERSION,
            "Content-Type": "application/json",
        }
        self.client = httpx.Client(base_url=url, headers=headers, timeout=TIMEOUT)

    def upsert(self, rows: np.ndarray, first: int, namespace: str) -> None:
        vectors = [
            {"id": f"id-{n}", "values": row, "metadata": {"category": n % CATEGORIES}}
            for n, row in enumerate(rows, first)
        ]
        body = orjson.dumps(
            {"vectors": vectors, "namespace": namespace}, option=orjson.OPT_SERIALIZE_NUMPY
        )
        self._post("/vectors/upsert", body)

    def query(self, vector: np.ndarray, namespace: str) -> None:
        body = orjson.dumps(
            {"vector": vector, "topK": TOP_K, "namespace": namespace},
            option=orjson.OPT_SERIALIZE_NUMPY,
        )
        if len(orjson.loads(self._post("/query", body)).get("matches", [])) != TOP_K:
            raise TransportError("REST query returned fewer than topK matches")

    def delete_all(self, namespace: str) -> None:
        self.client.post(
            "/vectors/delete", content=orjson.dumps({"deleteAll": True, "namespace": namespace})
        )

    def _post(self, path: str, body: bytes) -> bytes:
        response = self.client.post(path, content=body)
        if response.status_code != 200:
            raise TransportError(f"REST {path} answered {response.status_code}")
        return response.content

    def close(self) -> None:
        self.client.close()


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2): tag, length, bytes."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


class UpsertEncoder:
    """`UpsertRequest` bytes of a batch straight from a float32 matrix (fields: Vector.id 1,
    values 2, metadata 3; UpsertRequest.vectors 1, namespace 2)."""

    def __init__(self, metadata: list[bytes]) -> None:
        self.metadata = metadata  # serialized Struct of each category, made once

    def encode(self, rows: np.ndarray, first: int, namespace: str) -> bytes:
        little = np.ascontiguousarray(rows, dtype="<f4")
        parts = []
        for n, row in enumerate(little, first):
            vector = (
                _field(1, f"id-{n}".encode())
                + _field(2, row.tobytes())
                + _field(3, self.metadata[n % CATEGORIES])
            )
            parts.append(_field(1, vector))
        parts.append(_field(2, namespace.encode()))
        return b"".join(parts)


class _Grpc:
    name = "gRPC"

    def __init__(self, address: str, api_key: str) -> None:
        import grpc
        from google.protobuf.struct_pb2 import Struct

        from pinecone_messages import load

        self.pb, services = load()
        self.grpc = grpc
        self.channel = grpc.insecure_channel(address)
        self.stub = services.VectorServiceStub(self.channel)
        # The same method, sent bytes made by UpsertEncoder as they are.
        self.upsert_bytes: Any = self.channel.unary_unary(
            "/VectorService/Upsert", response_deserializer=self.pb.UpsertResponse.FromString
        )
        self.metadata = (("api-key", api_key), ("x-pinecone-api-version", API_VERSION))
        categories = []
        for category in range(CATEGORIES):
            struct = Struct()
            struct["category"] = category
            categories.append(struct.SerializeToString())
        self.encoder = UpsertEncoder(categories)

    def check_encoder(self, rows: np.ndarray) -> None:
        """The encoder's bytes read back as the message the protobuf library builds."""
        pb = self.pb
        expected = pb.UpsertRequest(namespace="check")
        for n, row in enumerate(rows):
            vector = expected.vectors.add(id=f"id-{n}", values=row.tolist())
            vector.metadata["category"] = n % CATEGORIES
        if pb.UpsertRequest.FromString(self.encoder.encode(rows, 0, "check")) != expected:
            raise TransportError("the upsert encoder disagrees with the protobuf library")

    def upsert(self, rows: np.ndarray, first: int, namespace: str) -> None:
        self._call(self.upsert_bytes, self.encoder.encode(rows, first, namespace))

    def query(self, vector: np.ndarray, namespace: str) -> None:
        request = self.pb.QueryRequest(vector=vector.tolist(), top_k=TOP_K, namespace=namespace)
        if len(self._call(self.stub.Query, request).matches) != TOP_K:
            raise TransportError("gRPC query returned fewer than topK matches")

    def _call(self, method: Any, request: Any) -> Any:
        try:
            return method(request, metadata=self.metadata, timeout=TIMEOUT)
        except self.grpc.RpcError as error:
            raise TransportError(f"gRPC call failed: {error.code()} {error.details()}") from None

    def close(self) -> None:
        self.channel.close()


def compare(
    url: str,
    grpc_address: str | None,
    api_key: str,
    data: np.ndarray,
    queries: np.ndarray,
    namespace: str,
    server_cpu: Callable[[], float] | None,
    say: Callable[[str], None],
) -> None:
    """Print upsert and query figures of REST and gRPC on the index at `url` / `grpc_address`."""
    if grpc_address is None:
        say("transports: gRPC not measured (the target reports no gRPC address)")
        return
    from pinecone_messages import missing_reason

    missing = missing_reason()
    if missing is not None:
        say(f"transports: gRPC not measured ({missing})")
        return
    rest, grpc = _Rest(url, api_key), _Grpc(grpc_address, api_key)
    grpc.check_encoder(data[:3])
    forms: list[Any] = [rest, grpc]
    spaces = {form.name: f"{namespace}-{form.name.lower()}" for form in forms}
    try:
        _measure(forms, spaces, data, queries, server_cpu, say)
    finally:
        for space in spaces.values():
            rest.delete_all(space)
        rest.close()
        grpc.close()


def _measure(
    forms: list[Any],
    spaces: dict[str, str],
    data: np.ndarray,
    queries: np.ndarray,
    server_cpu: Callable[[], float] | None,
    say: Callable[[str], None],
) -> None:
    cpu = server_cpu or (lambda: 0.0)
    records = min(len(data), UPSERT_RECORDS)
    starts = list(range(0, records, BATCH))
    upsert_seconds = dict.fromkeys(spaces, 0.0)
    upsert_cpu = dict.fromkeys(spaces, 0.0)
    client_cpu = dict.fromkeys(spaces, 0.0)
    for block in range(0, len(starts), BLOCK):
        for form in forms:
            space = spaces[form.name]
            before_cpu, before_own, began = cpu(), time.process_time(), time.perf_counter()
            for start in starts[block : block + BLOCK]:
                form.upsert(data[start : start + BATCH], start, space)
            upsert_seconds[form.name] += time.perf_counter() - began
            client_cpu[form.name] += time.process_time() - before_own
            upsert_cpu[form.name] += cpu() - before_cpu
    dimension = data.shape[1]
    say(
        f"transports, side by side ({records} vectors x {dimension} each in batches of {BATCH}, "
        "one connection, encoding included):"
    )
    for form in forms:
        seconds = upsert_seconds[form.name]
        line = (
            f"  upsert over {form.name}: {records / seconds:,.0f} vectors/s "
            f"({seconds * 1000 / len(starts):.2f} ms per batch; client CPU "
            f"{client_cpu[form.name] * 1000 / len(starts):.2f} ms"
        )
        if server_cpu is not None:
            line += f", server CPU {upsert_cpu[form.name] * 1000 / len(starts):.2f} ms"
        say(line + " per batch)")
    ratio = upsert_seconds["REST"] / upsert_seconds["gRPC"]
    say(f"  upsert gRPC / REST throughput: {ratio:.2f}x")

    chosen = queries[:QUERIES]
    times: dict[str, list[float]] = {name: [] for name in spaces}
    query_cpu = dict.fromkeys(spaces, 0.0)
    for form in forms:  # one untimed warm-up each
        form.query(chosen[0], spaces[form.name])
    for block in range(0, len(chosen), BLOCK * 2):
        for form in forms:
            before_cpu = cpu()
            for vector in chosen[block : block + BLOCK * 2]:
                began = time.perf_counter()
                form.query(vector, spaces[form.name])
                times[form.name].append(time.perf_counter() - began)
            query_cpu[form.name] += cpu() - before_cpu
    for form in forms:
        spent = np.array(times[form.name])
        line = (
            f"  query topK {TOP_K} over {form.name} ({records} records): "
            f"p50 {np.percentile(spent, 50) * 1000:.2f} ms, "
            f"p99 {np.percentile(spent, 99) * 1000:.2f} ms"
        )
        if server_cpu is not None:
            line += f"; server CPU {query_cpu[form.name] * 1000 / len(spent):.2f} ms per query"
        say(line)
    rest_p50 = float(np.percentile(times["REST"], 50))
    say(f"  query REST p50 / gRPC p50: {rest_p50 / float(np.percentile(times['gRPC'], 50)):.2f}x")
