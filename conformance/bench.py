"""`pinecone-conformance bench`: latency and throughput figures for a Pinecone-compatible index.

Against `--target URL` (an index's data-plane URL) or, by default, a reference server it starts
itself as a subprocess. It loads `--records` vectors of `--dimension` in batches of 100 over
`--connections` concurrent keep-alive connections (the upsert figure: vectors over the wall-clock
time of the whole load, request encoding included), then measures fetch of one id, query topK 10
with and without a metadata filter matching about 10%, and, for scale, a bare numpy matrix–vector
product `M @ q` over the same C-contiguous float32 data in this process. The three are measured
in alternating rounds of 20, so a change in machine load affects them alike. For a server it
started it also reports the server's CPU time per upsert batch (a figure other load on the
machine barely affects) and its peak RSS (VmHWM) against the raw data size. It prints figures only;
nothing here asserts a wall-clock time.

Bodies are JSON encoded with orjson straight from the float32 arrays, so each value is written
as the shortest text that reads back as the same float32 (the six-decimal numbers generated).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import numpy as np
import orjson

from conformance.config import ConfigError, add_argparse_options, resolve_options
from conformance.options import BENCH
from conformance.redact import redact
from conformance.target.launcher import LaunchError, start_server

BATCH = 100
TOP_K = 10
CATEGORIES = 10  # metadata `category` = i % 10, so one value matches ~10% of the records
API_VERSION = "2025-10"
START_TIMEOUT = 60.0
VISIBLE_TIMEOUT = 120.0
_NUMPY = orjson.OPT_SERIALIZE_NUMPY
ROUND = 20  # query calls of one kind in a row
PARK_SECONDS = 0.25  # pause between rounds (OpenBLAS threads spin ~0.1 s after a call)


@dataclass
class Target:
    url: str
    api_key: str
    pid: int | None  # set when the bench started the server itself


def build_parser() -> argparse.ArgumentParser:
    """The options of `bench` from the option table; the defaults are filled in by `main`."""
    parser = argparse.ArgumentParser(
        prog="pinecone-conformance bench",
        description="Latency and throughput of fetch, upsert and query on one index.",
    )
    add_argparse_options(parser, BENCH)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; 0 on success, 1 when the target fails, 2 on a
    bad option."""
    cli = vars(build_parser().parse_args(argv))
    try:
        # Command line > environment > config file > default (api key `bench`, 100000 records...).
        args = argparse.Namespace(**resolve_options(cli, command=BENCH))
    except ConfigError as error:
        print(f"bench: {redact(str(error))}", file=sys.stderr)
        return 2
    try:
        with _target(args) as target:
            _run(args, target)
    except (BenchError, httpx.HTTPError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    return 0


class BenchError(Exception):
    """The target misbehaved or could not be started."""


@contextmanager
def _target(args: argparse.Namespace) -> Iterator[Target]:
    if args.target:
        yield Target(args.target.rstrip("/"), args.api_key, None)
        return
    with _reference_server(args.dimension) as (url, pid):
        yield Target(url, "bench", pid)


@contextmanager
def _reference_server(dimension: int) -> Iterator[tuple[str, int]]:
    """Start `python -m reference_server` on free loopback ports; always stop it."""
    try:
        server = start_server([f"bench:{dimension}:cosine"], api_key="bench", timeout=START_TIMEOUT)
    except LaunchError as error:
        raise BenchError(str(error)) from None
    try:
        yield server.index_urls["bench"], server.pid
    finally:
        server.stop()


def _run(args: argparse.Namespace, target: Target) -> None:
    rng = np.random.default_rng(args.seed)
    # Six decimals keep each batch well under the 2 MiB request limit at dimension 768.
    data = np.round(rng.standard_normal((args.records, args.dimension)), 6).astype(np.float32)
    namespace = f"bench-{uuid.uuid4().hex[:12]}"
    headers = {"Api-Key": target.api_key, "X-Pinecone-Api-Version": API_VERSION}
    origin = "a reference server started by bench" if target.pid else "--target"
    print(f"target: {target.url} ({origin})")
    print(
        f"data: {args.records} records x dimension {args.dimension}, cosine, namespace {namespace}"
    )
    with httpx.Client(base_url=target.url, headers=headers, timeout=120.0) as client:
        try:
            _measure(args, client, data, namespace, rng, target)
        finally:
            with contextlib.suppress(httpx.HTTPError):  # cleanup must not hide the real error
                client.post("/vectors/delete", json={"deleteAll": True, "namespace": namespace})


def _measure(
    args: argparse.Namespace,
    client: httpx.Client,
    data: np.ndarray,
    namespace: str,
    rng: np.random.Generator,
    target: Target,
) -> None:
    batches = -(-args.records // BATCH)
    cpu_before = _cpu_seconds(target.pid) if target.pid is not None else None
    seconds, request_seconds = _load(target, data, namespace, args.connections)
    print(
        f"upsert (batches of {BATCH}): {args.records / seconds:,.0f} vectors/s "
        f"({args.records} vectors in {seconds:.2f} s wall clock over {args.connections} "
        f"connection(s), encoding included; mean request {request_seconds * 1000 / batches:.2f} ms)"
    )
    if target.pid is not None and cpu_before is not None:
        # Independent of other load on the machine: what the server itself spent per batch.
        per_batch = (_cpu_seconds(target.pid) - cpu_before) / batches
        capacity = f"at most {BATCH / per_batch:,.0f}" if per_batch > 0 else "unmeasurably many"
        print(
            f"upsert server CPU: {per_batch * 1000:.2f} ms per batch (user + system), "
            f"{capacity} vectors/s with a core to itself"
        )
    _wait_visible(client, namespace, args.records)

    ids = rng.integers(0, args.records, size=args.fetches)
    fetch = _latencies(
        [lambda i=int(i): _fetch(client, namespace, f"id-{i}") for i in ids]  # type: ignore[misc]
    )
    print(f"fetch 1 id: p50 {_ms(fetch, 50)}, p99 {_ms(fetch, 99)} ({args.fetches} requests)")

    queries = rng.standard_normal((args.queries, args.dimension)).astype(np.float32)
    plain, filtered, baseline = _query_latencies(client, namespace, data, queries)
    print(
        f"query topK {TOP_K}: p50 {_ms(plain, 50)}, p99 {_ms(plain, 99)} ({args.queries} queries)"
    )
    print(
        f"query topK {TOP_K} with filter (~10% match): p50 {_ms(filtered, 50)}, "
        f"p99 {_ms(filtered, 99)} ({args.queries} queries)"
    )
    print(
        f"numpy matrix-vector product ({args.records} x {args.dimension} float32): p50 "
        f"{_ms(baseline, 50)}"
    )
    base = float(np.percentile(baseline, 50))
    print(
        f"ratio query p50 / numpy p50: {np.percentile(plain, 50) / base:.1f}x; "
        f"with filter: {np.percentile(filtered, 50) / base:.1f}x"
    )

    raw = data.nbytes
    if target.pid is not None:
        peak = _peak_rss(target.pid)
        print(
            f"server peak RSS (VmHWM): {peak / 2**20:,.1f} MiB; raw float32 data "
            f"{raw / 2**20:,.1f} MiB; ratio {peak / raw:.2f}x"
        )
    else:
        print(f"server peak RSS: n/a for --target; raw float32 data {raw / 2**20:,.1f} MiB")


def _upsert_body(data: np.ndarray, start: int, namespace: str) -> bytes:
    """One batch as JSON; orjson writes each float32 as its shortest round-trip text."""
    vectors = [
        {"id": f"id-{start + k}", "values": row, "metadata": {"category": (start + k) % CATEGORIES}}
        for k, row in enumerate(data[start : start + BATCH])
    ]
    return orjson.dumps({"vectors": vectors, "namespace": namespace}, option=_NUMPY)


def _load(
    target: Target, data: np.ndarray, namespace: str, connections: int
) -> tuple[float, float]:
    """Upsert every row in batches over `connections` keep-alive connections.

    Returns the wall-clock seconds of the whole load (encoding included: each connection encodes
    its next batch itself) and the summed request seconds.
    """
    starts = iter(range(0, len(data), BATCH))
    take = threading.Lock()
    request_seconds = [0.0] * connections
    errors: list[BaseException] = []
    headers = {
        "Api-Key": target.api_key,
        "X-Pinecone-Api-Version": API_VERSION,
        "Content-Type": "application/json",
    }

    def worker(slot: int) -> None:
        try:
            with httpx.Client(base_url=target.url, headers=headers, timeout=120.0) as client:
                while not errors:
                    with take:
                        start = next(starts, None)
                    if start is None:
                        return
                    body = _upsert_body(data, start, namespace)
                    began = time.perf_counter()
                    response = client.post("/vectors/upsert", content=body)
                    request_seconds[slot] += time.perf_counter() - began
                    _check(response, "upsert")
        except BaseException as error:  # re-raised in the calling thread
            errors.append(error)

    began = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    if errors:
        raise errors[0]
    return seconds, sum(request_seconds)


def _wait_visible(client: httpx.Client, namespace: str, expected: int) -> None:
    """Bounded wait until the namespace holds every record (eventually consistent targets)."""
    deadline = time.monotonic() + VISIBLE_TIMEOUT
    while True:
        response = client.post("/describe_index_stats", json={})
        _check(response, "describe_index_stats")
        count = response.json().get("namespaces", {}).get(namespace, {}).get("vectorCount", 0)
        if int(count) >= expected:
            return
        if time.monotonic() > deadline:
            raise BenchError(f"only {count} of {expected} records visible after loading")
        time.sleep(0.5)


def _fetch(client: httpx.Client, namespace: str, record_id: str) -> None:
    response = client.get("/vectors/fetch", params={"ids": record_id, "namespace": namespace})
    _check(response, "fetch")
    if record_id not in response.json().get("vectors", {}):
        raise BenchError(f"fetch did not return {record_id}")


def _query_latencies(
    client: httpx.Client, namespace: str, data: np.ndarray, queries: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seconds per plain query, filtered query and bare `data @ q`, in alternating rounds.

    Rounds of ROUND calls of each kind keep a drift in machine load from favouring one kind.
    A pause after each run lets the BLAS worker threads of the process that just ran park again
    (OpenBLAS threads spin for a while after a product), so they do not steal a core from the
    next run: on a small machine that would otherwise slow the first calls after each switch.
    """
    matrix = np.ascontiguousarray(data, dtype=np.float32)  # already so: no copy
    filter_ = {"category": {"$eq": 3}}

    def query(body: bytes) -> None:
        response = client.post("/query", content=body, headers={"Content-Type": "application/json"})
        _check(response, "query")
        if len(response.json().get("matches", [])) != TOP_K:
            raise BenchError("query returned fewer than topK matches")

    kinds: list[list[Callable[[], object]]] = [[], [], []]
    for q in queries:
        body = {"vector": q, "topK": TOP_K, "namespace": namespace}
        encoded = orjson.dumps(body, option=_NUMPY)
        with_filter = orjson.dumps({**body, "filter": filter_}, option=_NUMPY)
        vector = np.ascontiguousarray(q)
        kinds[0].append(lambda b=encoded: query(b))  # type: ignore[misc]
        kinds[1].append(lambda b=with_filter: query(b))  # type: ignore[misc]
        kinds[2].append(lambda v=vector: matrix @ v)  # type: ignore[misc]
    times: list[list[float]] = [[], [], []]
    for start in range(0, len(queries), ROUND):
        for kind, calls in enumerate(kinds):
            times[kind].extend(_latencies(calls[start : start + ROUND]))
            time.sleep(PARK_SECONDS)
    return np.array(times[0]), np.array(times[1]), np.array(times[2])


def _latencies(calls: list[Callable[[], object]]) -> np.ndarray:
    """Seconds per call, after one untimed warm-up call."""
    calls[0]()
    times = np.empty(len(calls))
    for n, call in enumerate(calls):
        began = time.perf_counter()
        call()
        times[n] = time.perf_counter() - began
    return times


def _ms(times: np.ndarray, percentile: int) -> str:
    return f"{np.percentile(times, percentile) * 1000:.2f} ms"


def _check(response: httpx.Response, what: str) -> None:
    if response.status_code != 200:
        raise BenchError(f"{what} answered {response.status_code}: {response.text[:200]}")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_rss(pid: int) -> int:
    """VmHWM of a process in bytes (Linux /proc)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise BenchError("VmHWM not found in /proc status")
