"""`pinecone-conformance bench`: latency and throughput figures for a Pinecone-compatible index.

Against `--target URL` (an index's data-plane URL) or, by default, a reference server it starts
itself as a subprocess. It loads `--records` vectors of `--dimension` in batches of 100 over
`--connections` concurrent keep-alive connections (the upsert figure: vectors over the wall-clock
time of the whole load, request encoding included), then measures fetch of one id, query topK 10
with and without a metadata filter matching about 10%, and, for scale, a bare numpy matrix–vector
product `M @ q` over the same C-contiguous float32 data in this process (the BLAS library numpy
uses is printed). The three are measured in alternating rounds of 20, so a change in machine load
affects them alike; fetches and queries go over one standard-library keep-alive connection
(`bench_wire.py`), so their latency is the server's, not a client library's. For a server it started
it also reports the server's CPU time per operation (a figure other load on the machine barely
affects) and its peak RSS (VmHWM) against the raw data size. On the way to `--records` the same
three are measured at 10,000, 25,000, 50,000, 100,000, ... records, so the printed table shows how
query time grows with the record count; the figures and that table are also saved under
`--save-dir`. Last, upsert and query are measured over REST and gRPC side by side when the index
serves both (`bench_transports.py`). It prints figures only; nothing here asserts a wall-clock time.

Bodies are JSON encoded with orjson straight from the float32 arrays, so each value is written
as the shortest text that reads back as the same float32 (the six-decimal numbers generated).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson

from conformance import bench_transports
from conformance.bench_wire import KeepAliveClient, Reply
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
SCALING_QUERIES = 40  # queries per kind at each intermediate record count
FIRST_CHECKPOINT = 10_000
GENERATE_ROWS = 16_384  # data is generated this many rows at a time (bounded float64 temporaries)
# Memory a run needs per byte of raw float32 data: this process's copy, plus for a server it
# starts the server's copy and its per-record overhead.
CLIENT_FACTOR = 1.05
LOCAL_SERVER_FACTOR = 1.4


@dataclass
class Target:
    url: str
    api_key: str
    pid: int | None  # set when the bench started the server itself
    grpc_address: str | None = None  # HOST:PORT of the index's gRPC listener, when known


@dataclass
class Point:
    """Query figures at one record count (a row of the scaling table)."""

    records: int
    plain: np.ndarray
    filtered: np.ndarray
    baseline: np.ndarray
    cpu_plain: float | None  # server CPU seconds per query, when the server is ours
    cpu_filtered: float | None


@dataclass
class Figures:
    """Everything one run measured, in the order it is printed (the saved report repeats it)."""

    lines: list[str] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)

    def say(self, line: str) -> None:
        print(line, flush=True)
        self.lines.append(line)


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
        _check_memory(args)
        with _target(args) as target:
            figures = _run(args, target)
        _save(args, figures)
    except (BenchError, httpx.HTTPError, http.client.HTTPException, OSError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    return 0


class BenchError(Exception):
    """The target misbehaved or could not be started."""


def _check_memory(args: argparse.Namespace) -> None:
    """Refuse up front a size this machine cannot hold, instead of swapping or being killed."""
    raw = args.records * args.dimension * 4
    needed = raw * (CLIENT_FACTOR + (0 if args.target else LOCAL_SERVER_FACTOR))
    available = _mem_available()
    if available is not None and needed > available:
        raise BenchError(
            f"{args.records} records x {args.dimension} need about {needed / 2**30:.1f} GiB "
            f"(data {raw / 2**30:.1f} GiB, here and in the server); only "
            f"{available / 2**30:.1f} GiB is available"
        )


@contextmanager
def _target(args: argparse.Namespace) -> Iterator[Target]:
    if args.target:
        yield Target(args.target.rstrip("/"), args.api_key, None)
        return
    with _reference_server(args.dimension) as (url, pid, grpc_address):
        yield Target(url, "bench", pid, grpc_address)


@contextmanager
def _reference_server(dimension: int) -> Iterator[tuple[str, int, str | None]]:
    """Start `python -m reference_server` on free loopback ports; always stop it."""
    try:
        server = start_server([f"bench:{dimension}:cosine"], api_key="bench", timeout=START_TIMEOUT)
    except LaunchError as error:
        raise BenchError(str(error)) from None
    try:
        yield server.index_urls["bench"], server.pid, server.grpc_urls.get("bench")
    finally:
        server.stop()


def _generate(rng: np.random.Generator, records: int, dimension: int) -> np.ndarray:
    """Six-decimal float32 data, made in slices so no float64 copy of the whole is ever held."""
    data = np.empty((records, dimension), dtype=np.float32)
    for start in range(0, records, GENERATE_ROWS):
        stop = min(records, start + GENERATE_ROWS)
        # Six decimals keep each batch well under the 2 MiB request limit at dimension 768.
        data[start:stop] = np.round(rng.standard_normal((stop - start, dimension)), 6)
    return data


def _run(args: argparse.Namespace, target: Target) -> Figures:
    rng = np.random.default_rng(args.seed)
    data = _generate(rng, args.records, args.dimension)
    namespace = f"bench-{uuid.uuid4().hex[:12]}"
    headers = {"Api-Key": target.api_key, "X-Pinecone-Api-Version": API_VERSION}
    origin = "a reference server started by bench" if target.pid else "--target"
    figures = Figures()
    figures.say(f"target: {target.url} ({origin})")
    figures.say(
        f"data: {args.records} records x dimension {args.dimension}, cosine, namespace {namespace}"
    )
    figures.say(f"numpy kernel: {_numpy_kernel()}")
    with (
        httpx.Client(base_url=target.url, headers=headers, timeout=120.0) as client,
        KeepAliveClient(target.url, headers, timeout=120.0) as timed,
    ):
        try:
            _measure(args, client, timed, data, namespace, rng, target, figures)
            queries = rng.standard_normal((args.queries, args.dimension)).astype(np.float32)
            meter = _ServerMeter(target.pid)
            bench_transports.compare(
                target.url,
                target.grpc_address,
                target.api_key,
                data,
                queries,
                namespace,
                meter.cpu if target.pid is not None else None,
                figures.say,
            )
        finally:
            with contextlib.suppress(httpx.HTTPError):  # cleanup must not hide the real error
                client.post("/vectors/delete", json={"deleteAll": True, "namespace": namespace})
    return figures


def checkpoints(records: int) -> list[int]:
    """Record counts the query time is measured at: 10k, 25k, 50k, 100k, ... below `records`,
    then `records` itself."""
    points: list[int] = []
    scale = FIRST_CHECKPOINT
    while True:
        for step in (scale, scale * 5 // 2, scale * 5):
            if step >= records:
                return [*points, records]
            points.append(step)
        scale *= 10


def _measure(
    args: argparse.Namespace,
    client: httpx.Client,
    timed: KeepAliveClient,
    data: np.ndarray,
    namespace: str,
    rng: np.random.Generator,
    target: Target,
    figures: Figures,
) -> None:
    """Load the data, measuring on the way; `timed` sends the requests whose latency is shown."""
    server = _ServerMeter(target.pid)
    idle_rss = server.rss()
    queries = rng.standard_normal((args.queries, args.dimension)).astype(np.float32)
    batches = -(-args.records // BATCH)
    seconds = request_seconds = upsert_cpu = 0.0
    loaded = 0
    for point in checkpoints(args.records):
        cpu_before = server.cpu()
        took, requested = _load(target, data, namespace, args.connections, loaded, point)
        upsert_cpu += server.cpu() - cpu_before
        seconds += took
        request_seconds += requested
        loaded = point
        if point < args.records:  # the last point is measured with every query below
            _wait_visible(client, namespace, point)
            at = _query_point(timed, namespace, data[:point], queries[:SCALING_QUERIES], server)
            figures.points.append(at)
            print(  # progress only: the table at the end repeats it
                f"... {point:,} records loaded: query p50 {_ms(at.plain, 50)}, with filter "
                f"{_ms(at.filtered, 50)}, numpy {_ms(at.baseline, 50)}",
                flush=True,
            )
    figures.say(
        f"upsert (batches of {BATCH}): {args.records / seconds:,.0f} vectors/s "
        f"({args.records} vectors in {seconds:.2f} s wall clock over {args.connections} "
        f"connection(s), encoding included; mean request {request_seconds * 1000 / batches:.2f} ms)"
    )
    if server.pid is not None:
        # Independent of other load on the machine: what the server itself spent per batch.
        per_batch = upsert_cpu / batches
        capacity = f"at most {BATCH / per_batch:,.0f}" if per_batch > 0 else "unmeasurably many"
        figures.say(
            f"upsert server CPU: {per_batch * 1000:.2f} ms per batch (user + system), "
            f"{capacity} vectors/s with a core to itself"
        )
    _wait_visible(client, namespace, args.records)

    ids = rng.integers(0, args.records, size=args.fetches)
    cpu_before = server.cpu()
    fetch = _latencies(
        [lambda i=int(i): _fetch(timed, namespace, f"id-{i}") for i in ids]  # type: ignore[misc]
    )
    fetch_cpu = (server.cpu() - cpu_before) / (len(ids) + 1)  # +1: the warm-up call
    figures.say(f"fetch 1 id: p50 {_ms(fetch, 50)}, p99 {_ms(fetch, 99)} ({args.fetches} requests)")

    full = _query_point(timed, namespace, data, queries, server)
    figures.points.append(full)
    figures.say(
        f"query topK {TOP_K}: p50 {_ms(full.plain, 50)}, p99 {_ms(full.plain, 99)} "
        f"({args.queries} queries)"
    )
    figures.say(
        f"query topK {TOP_K} with filter (~10% match): p50 {_ms(full.filtered, 50)}, "
        f"p99 {_ms(full.filtered, 99)} ({args.queries} queries)"
    )
    figures.say(
        f"numpy matrix-vector product ({args.records} x {args.dimension} float32): p50 "
        f"{_ms(full.baseline, 50)}"
    )
    base = float(np.percentile(full.baseline, 50))
    figures.say(
        f"ratio query p50 / numpy p50: {np.percentile(full.plain, 50) / base:.2f}x; "
        f"with filter: {np.percentile(full.filtered, 50) / base:.2f}x"
    )
    if server.pid is not None and full.cpu_plain is not None and full.cpu_filtered is not None:
        figures.say(
            f"server CPU per operation: upsert {upsert_cpu * 1000 / batches:.2f} ms per batch "
            f"of {BATCH}, query {full.cpu_plain * 1000:.2f} ms, filtered query "
            f"{full.cpu_filtered * 1000:.2f} ms, fetch {fetch_cpu * 1000:.3f} ms "
            "(user + system, every server thread)"
        )

    raw = data.nbytes
    if server.pid is not None:
        peak = server.peak_rss()
        above = (peak - idle_rss) / raw if idle_rss is not None else float("nan")
        figures.say(
            f"server peak RSS (VmHWM): {peak / 2**20:,.1f} MiB; raw float32 data "
            f"{raw / 2**20:,.1f} MiB; ratio {peak / raw:.2f}x "
            f"(idle server {(idle_rss or 0) / 2**20:,.1f} MiB; growth over idle {above:.2f}x)"
        )
    else:
        figures.say(f"server peak RSS: n/a for --target; raw float32 data {raw / 2**20:,.1f} MiB")
    figures.say("query time by record count:")
    for line in scaling_table(figures.points):
        figures.say(line)


def _query_point(
    client: KeepAliveClient,
    namespace: str,
    data: np.ndarray,
    queries: np.ndarray,
    server: _ServerMeter,
) -> Point:
    plain, filtered, baseline, cpu = _query_latencies(client, namespace, data, queries, server)
    return Point(len(data), plain, filtered, baseline, cpu[0], cpu[1])


def scaling_table(points: list[Point]) -> list[str]:
    """The scaling table as markdown lines (also what is printed)."""
    lines = [
        "| records | query p50 ms | filtered p50 ms | numpy p50 ms | query / numpy "
        "| server CPU per query ms | per filtered query ms |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in _scaling_rows(points):
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _scaling_rows(points: list[Point]) -> list[list[str]]:
    rows = []
    for p in points:
        plain, filtered, base = (
            float(np.percentile(t, 50)) for t in (p.plain, p.filtered, p.baseline)
        )
        rows.append(
            [
                str(p.records),
                f"{plain * 1000:.2f}",
                f"{filtered * 1000:.2f}",
                f"{base * 1000:.2f}",
                f"{plain / base:.2f}",
                "" if p.cpu_plain is None else f"{p.cpu_plain * 1000:.2f}",
                "" if p.cpu_filtered is None else f"{p.cpu_filtered * 1000:.2f}",
            ]
        )
    return rows


def _save(args: argparse.Namespace, figures: Figures) -> None:
    """The printed figures as markdown and the scaling table as CSV, under `--save-dir`."""
    folder = Path(args.save_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = "bench-" + time.strftime("%Y%m%d-%H%M%S")
    report = folder / f"{stem}.md"
    body = [line for line in figures.lines if not line.startswith("|")]
    table = scaling_table(figures.points)
    cut = body.index("query time by record count:")
    text = "# pinecone-conformance bench\n\n```\n" + "\n".join(body[:cut]) + "\n```\n\n"
    text += "## Query time by record count\n\n" + "\n".join(table) + "\n"
    report.write_text(text, encoding="utf-8")
    table_csv = folder / f"{stem}-scaling.csv"
    with table_csv.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "records",
                "query_p50_ms",
                "filtered_p50_ms",
                "numpy_p50_ms",
                "query_over_numpy",
                "server_cpu_per_query_ms",
                "server_cpu_per_filtered_query_ms",
            ]
        )
        writer.writerows(_scaling_rows(figures.points))
    print(f"saved: {report} and {table_csv}")


def _upsert_body(data: np.ndarray, start: int, stop: int, namespace: str) -> bytes:
    """One batch as JSON; orjson writes each float32 as its shortest round-trip text."""
    vectors = [
        {"id": f"id-{start + k}", "values": row, "metadata": {"category": (start + k) % CATEGORIES}}
        for k, row in enumerate(data[start:stop])
    ]
    return orjson.dumps({"vectors": vectors, "namespace": namespace}, option=_NUMPY)


def _load(
    target: Target, data: np.ndarray, namespace: str, connections: int, first: int, end: int
) -> tuple[float, float]:
    """Upsert rows `first` to `end` in batches over `connections` keep-alive connections.

    Returns the wall-clock seconds of the whole load (encoding included: each connection encodes
    its next batch itself) and the summed request seconds.
    """
    starts = iter(range(first, end, BATCH))
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
                    body = _upsert_body(data, start, min(end, start + BATCH), namespace)
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


def _fetch(client: KeepAliveClient, namespace: str, record_id: str) -> None:
    response = client.get("/vectors/fetch", params={"ids": record_id, "namespace": namespace})
    _check(response, "fetch")
    if record_id not in response.json().get("vectors", {}):
        raise BenchError(f"fetch did not return {record_id}")


def _query_latencies(
    client: KeepAliveClient,
    namespace: str,
    data: np.ndarray,
    queries: np.ndarray,
    server: _ServerMeter,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[float | None, float | None]]:
    """Seconds per plain query, filtered query and bare `data @ q`, in alternating rounds, and
    the server's CPU seconds per plain and per filtered query.

    Rounds of ROUND calls of each kind keep a drift in machine load from favouring one kind.
    A pause after each run lets the BLAS worker threads of the process that just ran park again
    (OpenBLAS threads spin for a while after a product), so they do not steal a core from the
    next run: on a small machine that would otherwise slow the first calls after each switch.
    """
    matrix = np.ascontiguousarray(data, dtype=np.float32)  # already so: no copy
    filter_ = {"category": {"$eq": 3}}

    def query(body: bytes) -> None:
        response = client.post("/query", body)
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
    cpu = [0.0, 0.0]
    calls_made = [0, 0]
    for start in range(0, len(queries), ROUND):
        for kind, calls in enumerate(kinds):
            chunk = calls[start : start + ROUND]
            before = server.cpu()
            times[kind].extend(_latencies(chunk))
            if kind < 2:
                cpu[kind] += server.cpu() - before
                calls_made[kind] += len(chunk) + 1  # +1: the warm-up call
            time.sleep(PARK_SECONDS)
    per_query = (
        (cpu[0] / calls_made[0], cpu[1] / calls_made[1]) if server.pid is not None else (None, None)
    )
    return np.array(times[0]), np.array(times[1]), np.array(times[2]), per_query


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


def _check(response: httpx.Response | Reply, what: str) -> None:
    if response.status_code != 200:
        raise BenchError(f"{what} answered {response.status_code}: {response.text[:200]}")


def _numpy_kernel() -> str:
    """numpy's version and the BLAS library it was built with (what `M @ q` runs on)."""
    try:
        config: Any = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        detail = str(blas.get("openblas configuration") or blas.get("detection method", ""))
        library = f"{blas.get('name', '?')} {blas.get('version', '?')}"
        kernel = f"{library} ({' '.join(detail.split())})" if detail else library
    except (TypeError, KeyError, AttributeError):  # numpy before 1.25 prints instead
        kernel = "BLAS unknown"
    cpu = _cpu_model()
    return f"numpy {np.__version__}, {kernel}" + (f"; CPU {cpu}" if cpu else "")


def _cpu_model() -> str | None:
    with (
        contextlib.suppress(OSError),
        open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info,
    ):
        for line in info:
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} x {os.cpu_count()}"
    return None


def _mem_available() -> int | None:
    """MemAvailable in bytes (Linux /proc), or None elsewhere."""
    with (
        contextlib.suppress(OSError, ValueError),
        open("/proc/meminfo", encoding="ascii") as meminfo,
    ):
        for line in meminfo:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return None


@dataclass
class _ServerMeter:
    """CPU time and memory of the server process, when the bench started it (Linux /proc)."""

    pid: int | None

    def cpu(self) -> float:
        """User + system CPU seconds of every server thread so far (0 when not ours).

        Clock ticks (10 ms): per-operation figures are sums over many calls divided by their
        count, so the rounding of each reading is spread thin.
        """
        return 0.0 if self.pid is None else _cpu_seconds(self.pid)

    def rss(self) -> int | None:
        return _status_bytes(self.pid, "VmRSS:") if self.pid is not None else None

    def peak_rss(self) -> int:
        assert self.pid is not None
        return _status_bytes(self.pid, "VmHWM:")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _status_bytes(pid: int, key: str) -> int:
    """A kB figure of /proc/PID/status (VmHWM, VmRSS) in bytes."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    raise BenchError(f"{key} not found in /proc status")
