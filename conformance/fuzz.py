"""Property-based fuzzing of a target against the model (`conformance/model.py`).

`DataPlaneMachine` is a hypothesis RuleBasedStateMachine: each example picks one index of the
target, works in fresh namespaces of its own (`<prefix>-fuzz-<run>-<n>`, deleted afterwards), and
every step sends one request (or one paginated read) to the target and the same operation to the
model, then compares the response with what the model expects. Steps are plain data
(`conformance/repro.py`), so a failing sequence, once hypothesis has shrunk it, is written out as a
standalone reproducer.

`run_session` runs the machine for a time budget in short chunks (so it can stop on time and on
Ctrl-C), and `main` is the `pinecone-conformance fuzz` command.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import re
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase
from hypothesis.internal.conjecture import engine
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conformance import repro
from conformance.client import make_http
from conformance.config import OPTIONS, ConfigError, TargetConfig, resolve
from conformance.invalid_requests import Shape, invalid_requests, is_write
from conformance.launcher import LaunchError
from conformance.model import IndexModel
from conformance.redact import redact
from conformance.space import IndexInfo, SuiteSession, TargetError
from conformance.strategies import (
    dense_vectors,
    filters,
    metadata,
    namespace_suffixes,
    prefixes,
    record_ids,
    sparse_vectors,
)

DEFAULT_DB = ".pinecone-conformance/examples"
FILTER_WRITES_FROM = "2025-10"  # update by filter and fetch_by_metadata
VANISH_UNTIL = "2026-04"  # last version where deleting every record removes the namespace
SLOTS = st.sampled_from((0, 0, 0, 1))  # mostly the main namespace, sometimes the second one
CLEANUP_TIMEOUT = 5.0
# strategies built once (building and validating them per draw dominated the step time)
BATCH = st.integers(1, 4)
FETCH_BATCH = st.integers(1, 5)
TOP_K = st.one_of(st.integers(1, 8), st.just(10000))
LIMIT = st.one_of(st.none(), st.integers(1, 5))
FLAG = st.sampled_from((None, False, True))
UPDATE_FIELDS = st.sets(st.sampled_from(("values", "sparse", "meta")), min_size=1)
METADATA_CHOICE = st.integers(0, 3)
HYBRID_CHOICE = st.integers(0, 4)
SET_METADATA = metadata(allow_null=False).filter(bool)
LEGACY = st.integers(0, 4).map(lambda i: i == 4)  # one time in five


# -- failures -------------------------------------------------------------------------------------
class TargetMismatch(AssertionError):
    """The target's response disagreed with the model (one subclass per kind of failure, so
    hypothesis shrinks distinct bugs separately)."""


_FAILURE_TYPES: dict[str, type[TargetMismatch]] = {}


def failure_type(signature: str) -> type[TargetMismatch]:
    if signature not in _FAILURE_TYPES:
        name = "".join(p.capitalize() for p in re.split(r"[^A-Za-z0-9]+", signature) if p)
        _FAILURE_TYPES[signature] = type(name + "Mismatch", (TargetMismatch,), {})
    return _FAILURE_TYPES[signature]


def classify(problem: str) -> str:
    if problem.startswith("no HTTP response"):
        return "transport"
    if problem.startswith("server error"):
        return "5xx"
    return "mismatch"


@dataclass
class Failure:
    """One distinct failure: the last (shrunk) sequence that showed it."""

    signature: str
    problem: str
    steps: list[dict[str, Any]]
    index: IndexInfo
    suffixes: list[str]
    n: int = 0
    files: list[str] = field(default_factory=list)
    first_example: int = 0  # how many examples the session had run when it first showed


# -- the session-wide context ---------------------------------------------------------------------
@dataclass
class FuzzContext:
    """What every machine instance shares: the target, the HTTP connections, counters."""

    indexes: list[IndexInfo]
    api_key: str | None
    api_version: str
    http: httpx.Client
    consistency_timeout: float = 0.0
    prefix: str = "conformance"
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    hard_deadline: float = math.inf
    progress: Any = None  # callable(ctx) rate-limited by the caller
    examples: int = 0
    steps: int = 0
    ops: Counter = field(default_factory=Counter)
    op_seconds: Counter = field(default_factory=Counter)
    found: dict[str, Failure] = field(default_factory=dict)
    leftover: set[tuple[str, str]] = field(default_factory=set)
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def auth(self) -> dict[str, str]:
        headers = {"X-Pinecone-Api-Version": self.api_version}
        if self.api_key is not None:
            headers["Api-Key"] = self.api_key
        return headers

    @property
    def filter_writes(self) -> bool:
        return self.api_version >= FILTER_WRITES_FROM

    def next_namespace(self) -> str:
        return f"{self.prefix}-fuzz-{self.run_id}-{next(self._counter)}"

    def shape(self, index: IndexInfo) -> Shape:
        return Shape(
            index.dimension or 0, index.metric or "cosine", index.vector_type, self.filter_writes
        )

    def cleanup_leftovers(self) -> None:
        """Delete namespaces whose example was interrupted before its teardown."""
        for host, name in list(self.leftover):
            _delete_all(self, host, name)
            self.leftover.discard((host, name))


_CONTEXT: FuzzContext | None = None


@contextlib.contextmanager
def using(ctx: FuzzContext) -> Iterator[FuzzContext]:
    """Make `ctx` the context new machines use (machines are built by hypothesis, no args)."""
    global _CONTEXT
    previous, _CONTEXT = _CONTEXT, ctx
    try:
        yield ctx
    finally:
        _CONTEXT = previous
        ctx.cleanup_leftovers()


def _delete_all(ctx: FuzzContext, host: str, name: str) -> None:
    with contextlib.suppress(httpx.HTTPError):
        ctx.http.post(
            host + "/vectors/delete",
            json={"deleteAll": True, "namespace": name},
            headers=ctx.auth,
            timeout=CLEANUP_TIMEOUT,
        )


# -- the state machine ----------------------------------------------------------------------------
def _post(path: str, body: dict[str, Any], slot: int) -> dict[str, Any]:
    return {"method": "POST", "path": path, "json": body, "slot": slot, "ns_in": "json"}


def _get(path: str, params: list[list[Any]], slot: int) -> dict[str, Any]:
    return {"method": "GET", "path": path, "params": params, "slot": slot, "ns_in": "params"}


class DataPlaneMachine(RuleBasedStateMachine):
    """Drives one index of the target and the model side by side, comparing every response."""

    def __init__(self) -> None:
        super().__init__()
        if _CONTEXT is None:
            raise RuntimeError("DataPlaneMachine needs a FuzzContext (use `fuzz.using(ctx)`)")
        self.ctx = _CONTEXT
        self.ctx.examples += 1
        self.names = [self.ctx.next_namespace()]
        self.suffixes = [""]
        self.trace: list[dict[str, Any]] = []
        self.known: list[str] = []
        self.touched: set[int] = set()
        self.index: IndexInfo = self.ctx.indexes[0]
        self.model = IndexModel(None, "cosine")

    # -- setup ----------------------------------------------------------------------------------
    @initialize(which=st.integers(0, 7), suffix=namespace_suffixes())
    def choose_index(self, which: int, suffix: str) -> None:
        self.index = self.ctx.indexes[which % len(self.ctx.indexes)]
        self.shape = self.ctx.shape(self.index)
        self.model = IndexModel(self.shape.dimension, self.shape.metric, self.shape.vector_type)
        self.suffixes.append(suffix)
        self.names.append(self.names[0] + suffix)

    @property
    def dense(self) -> bool:
        return self.shape.dense

    def teardown(self) -> None:
        for slot in sorted(self.touched):
            _delete_all(self.ctx, self.index.host, self.names[slot])
            self.ctx.leftover.discard((self.index.host, self.names[slot]))

    # -- execution ------------------------------------------------------------------------------
    def _run(self, op: str, step: dict[str, Any], expect: dict[str, Any], read: bool) -> None:
        """Send a step to the target and check its response against `expect`."""
        ctx = self.ctx
        step = {**step, "op": op, "read": read, "expect": expect}
        self.trace.append(step)
        if not read and step.get("slot") is not None:
            self.touched.add(step["slot"])
            ctx.leftover.add((self.index.host, self.names[step["slot"]]))
        ctx.steps += 1
        ctx.ops[op] += 1
        if ctx.progress is not None:
            ctx.progress(ctx)
        started = time.perf_counter()
        problem, _ = repro.run_step(
            ctx.http, self.index.host, ctx.auth, step, self.names, ctx.consistency_timeout
        )
        ctx.op_seconds[op] += time.perf_counter() - started
        if problem is None:
            return
        signature = f"{op}/{classify(problem)}"
        previous = ctx.found.get(signature)
        ctx.found[signature] = Failure(
            signature,
            problem,
            list(self.trace),
            self.index,
            list(self.suffixes),
            n=previous.n if previous else 0,
            files=previous.files if previous else [],
            first_example=previous.first_example if previous else ctx.examples,
        )
        raise failure_type(signature)(
            f"{signature}: step {len(self.trace)} {repro.describe(step)}\n  {problem}"
        )

    def _settle(self, slot: int) -> None:
        """On an eventually consistent target, wait until the namespace shows the model's state
        (a filter-based write acts on what is visible)."""
        if self.ctx.consistency_timeout > 0:
            self._check_state(slot)

    def _check_state(self, slot: int) -> None:
        vectors = self.model.fetch(str(slot), self.model.list_ids(str(slot)))
        step = {"kind": "state", "slot": slot}
        self._run("state", step, {"type": "state", "vectors": vectors, "dense": self.dense}, True)

    # -- drawing --------------------------------------------------------------------------------
    def _id(self, data: st.DataObject) -> str:
        pool = record_ids()
        if self.known:
            pool = st.one_of(st.sampled_from(self.known), pool)
        rid = data.draw(pool)
        if rid not in self.known:
            self.known.append(rid)
        return rid

    def _record(self, data: st.DataObject) -> dict[str, Any]:
        record: dict[str, Any] = {"id": self._id(data)}
        if self.dense:
            record["values"] = data.draw(dense_vectors(self.shape.dimension))
            if data.draw(HYBRID_CHOICE) == 0:
                record["sparseValues"] = data.draw(sparse_vectors())
        else:
            record["sparseValues"] = data.draw(sparse_vectors())
        choice = data.draw(METADATA_CHOICE)
        if choice == 1:
            record["metadata"] = {}
        elif choice >= 2:
            record["metadata"] = data.draw(metadata())
        return record

    # -- writes ---------------------------------------------------------------------------------
    @rule(data=st.data())
    def upsert(self, data: st.DataObject) -> None:
        slot = data.draw(SLOTS)
        records = [self._record(data) for _ in range(data.draw(BATCH))]
        count = self.model.upsert(str(slot), records)
        expect = {"type": "ok", "body": {"upsertedCount": count}}
        self._run("upsert", _post("/vectors/upsert", {"vectors": records}, slot), expect, False)

    @rule(data=st.data())
    def update(self, data: st.DataObject) -> None:
        slot = data.draw(SLOTS)
        self._settle(slot)  # an update of a record not yet visible may be a no-op
        body: dict[str, Any] = {"id": self._id(data)}
        fields = data.draw(UPDATE_FIELDS)
        if "values" in fields and self.dense:
            body["values"] = data.draw(dense_vectors(self.shape.dimension))
        if "sparse" in fields:
            body["sparseValues"] = data.draw(sparse_vectors())
        if "meta" in fields or len(body) == 1:
            body["setMetadata"] = data.draw(metadata())
        self.model.update(
            str(slot),
            body["id"],
            body.get("values"),
            body.get("sparseValues"),
            body.get("setMetadata"),
        )
        self._run("update", _post("/vectors/update", body, slot), {"type": "ok"}, False)

    @precondition(lambda self: self.ctx.filter_writes)
    @rule(data=st.data())
    def update_by_filter(self, data: st.DataObject) -> None:
        slot = data.draw(SLOTS)
        self._settle(slot)
        flt = data.draw(filters(allow_empty=False))
        meta = data.draw(SET_METADATA)
        dry = data.draw(st.booleans())
        count = self.model.update_by_filter(str(slot), flt, meta, dry)
        body = {"filter": flt, "setMetadata": meta, **({"dryRun": True} if dry else {})}
        expect = {"type": "ok", "body": {"matchedRecords": count}}
        self._run("update-by-filter", _post("/vectors/update", body, slot), expect, False)

    @rule(data=st.data())
    def delete_ids(self, data: st.DataObject) -> None:
        slot = data.draw(SLOTS)
        self._settle(slot)
        ids = [self._id(data) for _ in range(data.draw(BATCH))]
        self.model.delete_ids(str(slot), ids)
        if data.draw(LEGACY):
            # the legacy binding, DELETE with query parameters (a SHOULD of the digest, §4.6)
            step = {**_get("/vectors/delete", [["ids", i] for i in ids], slot), "method": "DELETE"}
            self._run("delete-ids-legacy", step, {"type": "ok"}, False)
            return
        self._run("delete-ids", _post("/vectors/delete", {"ids": ids}, slot), {"type": "ok"}, False)

    @rule(data=st.data())
    def delete_all(self, data: st.DataObject) -> None:
        slot = data.draw(SLOTS)
        self.model.delete_all(str(slot))
        step = _post("/vectors/delete", {"deleteAll": True}, slot)
        self._run("delete-all", step, {"type": "ok"}, False)

    @rule(data=st.data())
    def delete_by_filter(self, data: st.DataObject) -> None:
        slot = data.draw(SLOTS)
        self._settle(slot)
        flt = data.draw(filters(allow_empty=False))
        self.model.delete_filter(str(slot), flt)
        step = _post("/vectors/delete", {"filter": flt}, slot)
        self._run("delete-by-filter", step, {"type": "ok"}, False)

    # -- reads ----------------------------------------------------------------------------------
    @rule(data=st.data())
    def fetch(self, data: st.DataObject) -> None:
        slot = data.draw(SLOTS)
        ids = [self._id(data) for _ in range(data.draw(FETCH_BATCH))]
        expect = {
            "type": "fetch",
            "vectors": self.model.fetch(str(slot), ids),
            "dense": self.dense,
            "slot": slot,
        }
        self._run("fetch", _get("/vectors/fetch", [["ids", i] for i in ids], slot), expect, True)

    @rule(data=st.data())
    def query(self, data: st.DataObject) -> None:
        slot = data.draw(SLOTS)
        ns = str(slot)
        body: dict[str, Any] = {"topK": data.draw(TOP_K)}
        modes = ["id", "vector" if self.dense else "sparse"]
        if self.dense and self.shape.metric == "dotproduct":
            modes.append("hybrid")
        mode = data.draw(st.sampled_from(modes))
        if mode == "id":
            body["id"] = self._id(data)
            source = self.model.records(ns).get(body["id"])
            if self.dense and source is not None and source.sparse:
                mode = "vector"  # whether a record's sparse part joins its query: undocumented
                del body["id"]
        if mode in ("vector", "hybrid"):
            body["vector"] = data.draw(dense_vectors(self.shape.dimension))
        if mode in ("sparse", "hybrid"):
            body["sparseVector"] = data.draw(sparse_vectors())
        if data.draw(st.booleans()):
            body["filter"] = data.draw(filters())
        for flag in ("includeValues", "includeMetadata"):
            value = data.draw(FLAG)
            if value is not None:
                body[flag] = value
        cands = self.model.query(
            ns,
            vector=body.get("vector"),
            sparse=body.get("sparseVector"),
            rid=body.get("id"),
            flt=body.get("filter"),
        )
        expect = {
            "type": "query",
            "candidates": [[c.id, c.score, c.tol, c.optional] for c in cands],
            "top_k": body["topK"],
            "order": "asc" if self.shape.metric == "euclidean" and self.dense else "desc",
            "include_values": bool(body.get("includeValues")),
            "include_metadata": bool(body.get("includeMetadata")),
            "dense": self.dense,
            "slot": slot,
        }
        if expect["include_values"] or expect["include_metadata"]:
            expect["records"] = self.model.fetch(ns, [c.id for c in cands])
        self._run("query", _post("/query", body, slot), expect, True)

    @rule(data=st.data())
    def list_ids(self, data: st.DataObject) -> None:
        slot = data.draw(SLOTS)
        prefix = data.draw(prefixes())
        limit = data.draw(LIMIT)
        params: list[list[Any]] = [["prefix", prefix]] if prefix else []
        if limit is not None:
            params.append(["limit", limit])
        step = {**_get("/vectors/list", params, slot), "kind": "pages"}
        ids = self.model.list_ids(str(slot), prefix)
        expect = {"type": "list", "ids": ids, "limit": limit or 100}
        self._run("list", step, expect, True)

    @precondition(lambda self: self.ctx.filter_writes)
    @rule(data=st.data())
    def fetch_by_metadata(self, data: st.DataObject) -> None:
        slot = data.draw(SLOTS)
        flt = data.draw(filters(allow_empty=False))
        limit = data.draw(LIMIT)
        body: dict[str, Any] = {"filter": flt}
        if limit is not None:
            body["limit"] = limit
        ids = self.model.fetch_by_metadata(str(slot), flt)
        expect = {
            "type": "fbm",
            "ids": ids,
            "limit": limit or 100,
            "dense": self.dense,
            "vectors": self.model.fetch(str(slot), ids),
        }
        step = {**_post("/vectors/fetch_by_metadata", body, slot), "kind": "pages"}
        self._run("fetch-by-metadata", step, expect, True)

    @rule(data=st.data())
    def stats(self, data: st.DataObject) -> None:
        counts = [self.model.count(str(s)) for s in range(len(self.names))]
        expect = {
            "type": "stats",
            "counts": counts,
            "dimension": self.index.dimension,
            # an emptied namespace leaves stats up to 2026-04; later it may stay listed with 0
            "vanish": self.ctx.api_version <= VANISH_UNTIL,
        }
        if data.draw(LEGACY):
            # the legacy binding, GET without a body (a SHOULD of the digest, §4.7)
            step = {"method": "GET", "path": "/describe_index_stats"}
            self._run("stats-legacy-get", step, expect, True)
            return
        step = {"method": "POST", "path": "/describe_index_stats", "json": {}}
        self._run("stats", step, expect, True)

    @rule(slot=SLOTS)
    def check_namespace(self, slot: int) -> None:
        self._check_state(slot)

    # -- invalid input --------------------------------------------------------------------------
    @rule(data=st.data())
    def invalid_request(self, data: st.DataObject) -> None:
        self._invalid(data, invalid_requests(self.shape))

    @rule(data=st.data())
    def over_limit_request(self, data: st.DataObject) -> None:
        """Each documented limit exceeded (a subset of the invalid requests, drawn more often)."""
        self._invalid(data, invalid_requests(self.shape, limits_only=True))

    def _invalid(self, data: st.DataObject, requests: st.SearchStrategy) -> None:
        name, step = data.draw(requests)
        self._run(f"invalid-{name}", step, {"type": "error"}, False)
        if is_write(step):
            self._check_state(0)  # nothing may have changed


# -- sessions -------------------------------------------------------------------------------------
class WriteOnlyDatabase(ExampleDatabase):
    """Saves to another database but replays nothing: later chunks of a session look for new
    failures instead of replaying the ones the first chunk already replayed."""

    def __init__(self, db: ExampleDatabase) -> None:
        super().__init__()
        self.db = db

    def fetch(self, key: bytes):
        return iter(())

    def save(self, key: bytes, value: bytes) -> None:
        self.db.save(key, value)

    def delete(self, key: bytes, value: bytes) -> None:
        self.db.delete(key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self.db.move(src, dest, value)


def open_database(spec: str | None) -> ExampleDatabase | None:
    """A directory path, `redis://HOST:PORT[/DB]`, or `none`."""
    if spec is None or spec.lower() in ("", "none", "off"):
        return None
    if spec.startswith("redis://"):
        try:
            import redis
            from hypothesis.extra.redis import RedisExampleDatabase
        except ImportError as exc:
            raise ConfigError(
                f"--examples-db {spec}: needs the `redis` Python package ({exc})"
            ) from None
        return RedisExampleDatabase(redis.Redis.from_url(spec))
    return DirectoryBasedExampleDatabase(spec)


@dataclass
class SessionResult:
    run_id: str
    examples: int
    steps: int
    elapsed: float
    seed: int
    failures: list[Failure]
    harness_errors: list[str]
    interrupted: bool = False
    ops: Counter = field(default_factory=Counter)

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.elapsed if self.elapsed > 0 else 0.0


@contextlib.contextmanager
def shrink_time_limit(seconds: float) -> Iterator[None]:
    """Cap hypothesis's shrinking time (its engine stops after MAX_SHRINKING_SECONDS and reports
    the smallest failing example found so far): every shrink attempt here costs HTTP requests."""
    previous = engine.MAX_SHRINKING_SECONDS
    engine.MAX_SHRINKING_SECONDS = max(1, int(seconds))
    try:
        yield
    finally:
        engine.MAX_SHRINKING_SECONDS = previous


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    return [exc]


def run_session(
    ctx: FuzzContext,
    *,
    duration: float,
    seed: int,
    database: ExampleDatabase | None = None,
    max_failures: int | None = None,
    max_examples: int | None = None,
    step_count: int = 25,
    chunk_examples: int = 8,
    grace: float | None = None,
    on_failures: Any = None,
) -> SessionResult:
    """Run the machine until `duration` seconds have passed (or Ctrl-C, or `max_failures`, or
    `max_examples` examples: a budget that does not depend on the machine's speed).

    Each chunk is one hypothesis run with its own seed; the first one replays `database` first.
    A failure is shrunk before it is reported; shrinking one takes at most `grace` seconds
    (default: a quarter of the duration, at least 10 s) and ends at `duration + grace` at the
    latest, then the smallest sequence found so far is kept.
    """
    start = time.monotonic()
    deadline = start + duration
    grace = grace if grace is not None else max(10.0, duration / 4)
    ctx.hard_deadline = deadline + grace
    harness: list[str] = []
    interrupted = False
    reported: set[str] = set()
    with using(ctx):
        for chunk in itertools.count():
            if time.monotonic() >= deadline:
                break
            if max_failures is not None and len(ctx.found) >= max_failures:
                break
            if max_examples is not None and ctx.examples >= max_examples:
                break
            db = database if chunk == 0 or database is None else WriteOnlyDatabase(database)
            config = settings(
                max_examples=chunk_examples,
                stateful_step_count=step_count,
                deadline=None,
                database=db,
                suppress_health_check=list(HealthCheck),
                report_multiple_bugs=True,
                verbosity=Verbosity.quiet,
                phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
                print_blob=False,
            )
            DataPlaneMachine._hypothesis_internal_use_seed = seed + chunk  # type: ignore[attr-defined]
            try:
                with shrink_time_limit(min(grace, max(2.0, ctx.hard_deadline - time.monotonic()))):
                    run_state_machine_as_test(DataPlaneMachine, settings=config)
            except KeyboardInterrupt:
                interrupted = True
                break
            except Exception as exc:  # sort target failures from harness bugs
                for leaf in _leaves(exc):
                    if not isinstance(leaf, TargetMismatch):
                        harness.append(f"{type(leaf).__name__}: {leaf}")
            finally:
                DataPlaneMachine._hypothesis_internal_use_seed = None  # type: ignore[attr-defined]
            new = [s for s in ctx.found if s not in reported]
            if new and on_failures is not None:
                on_failures(ctx)
            reported.update(new)
            if harness:
                break
    return SessionResult(
        ctx.run_id,
        ctx.examples,
        ctx.steps,
        time.monotonic() - start,
        seed,
        list(ctx.found.values()),
        harness,
        interrupted,
        Counter(ctx.ops),
    )


# -- reports --------------------------------------------------------------------------------------
def write_failures(ctx: FuzzContext, report_dir: Path, consistency_timeout: float) -> list[Failure]:
    """Write `repro-<n>.py` and `repro-<n>.sh` for every failure (numbered in order found)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    used = {f.n for f in ctx.found.values() if f.n}
    for failure in ctx.found.values():
        if not failure.n:
            failure.n = max(used, default=0) + 1
            used.add(failure.n)
        info = failure.index
        index = {
            "name": info.name,
            "dimension": info.dimension,
            "metric": info.metric,
            "vector_type": info.vector_type,
        }
        title = f"{failure.signature}: {failure.problem}"
        py = report_dir / f"repro-{failure.n}.py"
        sh = report_dir / f"repro-{failure.n}.sh"
        repro.write_python(
            py,
            n=failure.n,
            run_id=ctx.run_id,
            title=redact(title),
            index=index,
            api_version=ctx.api_version,
            suffixes=failure.suffixes,
            steps=failure.steps,
            consistency_timeout=consistency_timeout,
            failure=redact(failure.problem),
        )
        repro.write_shell(
            sh,
            n=failure.n,
            run_id=ctx.run_id,
            title=redact(title),
            api_version=ctx.api_version,
            suffixes=failure.suffixes,
            steps=failure.steps,
        )
        failure.files = [str(py), str(sh)]
    return sorted(ctx.found.values(), key=lambda f: f.n)


def write_results(result: SessionResult, report_dir: Path, target: str) -> Path:
    """`results.json` of a fuzz run: counts, speed and each failure with its reproducers."""
    report_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "kind": "fuzz",
        "run_id": result.run_id,
        "target": target,
        "seed": result.seed,
        "examples": result.examples,
        "steps": result.steps,
        "seconds": round(result.elapsed, 2),
        "steps_per_second": round(result.steps_per_second, 1),
        "interrupted": result.interrupted,
        "harness_errors": [redact(e) for e in result.harness_errors],
        "failures": [
            {
                "n": f.n,
                "signature": f.signature,
                "problem": redact(f.problem),
                "steps": len(f.steps),
                "first_example": f.first_example,
                "index": f.index.name,
                "reproducers": f.files,
            }
            for f in sorted(result.failures, key=lambda f: f.n)
        ],
    }
    path = report_dir / "results.json"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return path


# -- command line ---------------------------------------------------------------------------------
def parse_duration(text: str) -> float:
    """`90`, `90s`, `10m`, `1h`, `1h30m` -> seconds."""
    match = re.fullmatch(
        r"\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*", text
    )
    if not match or not any(match.groups()):
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 90s, 10m or 1h")
    h, m, s = (float(g) if g else 0.0 for g in match.groups())
    return h * 3600 + m * 60 + s


class Progress:
    """The live progress line on stderr (rewritten in place on a terminal)."""

    def __init__(self, stream: Any, deadline: float, enabled: bool = True) -> None:
        self.stream = stream
        self.deadline = deadline
        self.enabled = enabled
        self.start = time.monotonic()
        self.last = 0.0
        self.tty = bool(getattr(stream, "isatty", lambda: False)())

    def __call__(self, ctx: FuzzContext, final: bool = False) -> None:
        now = time.monotonic()
        interval = 0.5 if self.tty else 10.0
        if not self.enabled or (not final and now - self.last < interval):
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        left = max(self.deadline - now, 0)
        line = (
            f"fuzz: {ctx.examples} examples, {ctx.steps} steps, {ctx.steps / elapsed:.0f} steps/s, "
            f"{len(ctx.found)} failures, {int(left // 60)}:{int(left % 60):02d} left"
        )
        end = "\n" if final or not self.tty else ""
        self.stream.write(("\r\x1b[K" if self.tty else "") + line + end)
        self.stream.flush()


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pinecone-conformance fuzz",
        description="Fuzz a target against an independent model of the data plane for a time "
        "budget; every failure is shrunk and written as reports/<run id>/repro-<n>.py and .sh.",
    )
    for option in OPTIONS:
        if option.dest in ("level", "behavior"):
            continue
        if option.kind == "bool":
            parser.add_argument(option.flag, action="store_true", default=None, help=option.help)
        elif option.kind == "list":
            parser.add_argument(option.flag, action="append", default=None, help=option.help)
        else:
            parser.add_argument(option.flag, default=None, metavar=option.metavar, help=option.help)
    parser.add_argument(
        "--duration",
        type=parse_duration,
        default=600.0,
        help="time budget, e.g. 90s, 10m, 1h (default 10m)",
    )
    parser.add_argument("--seed", type=int, help="seed of the first chunk (default: random)")
    parser.add_argument(
        "--examples-db",
        default=DEFAULT_DB,
        metavar="PATH|redis://HOST:PORT",
        help=f"hypothesis example database (default {DEFAULT_DB}; `none` for none)",
    )
    parser.add_argument("--report-dir", default="reports", help="where reports/<run id>/ goes")
    parser.add_argument("--max-failures", type=int, help="stop after this many distinct failures")
    parser.add_argument(
        "--examples",
        type=int,
        help="stop after about this many examples (with --seed: the same examples every time)",
    )
    parser.add_argument("--steps", type=int, default=25, help="steps per example (default 25)")
    parser.add_argument(
        "--shrink-time",
        type=parse_duration,
        help="how long shrinking may run past --duration (default: a quarter of it, >= 10s)",
    )
    parser.add_argument(
        "--stats",
        action="store_true",
        help="print steps per second and per-operation counts at the end",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """`pinecone-conformance fuzz`: exit 0 nothing found, 1 failures found, 2 usage error,
    3 target unavailable, 4 harness error."""
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    cli = {
        o.dest: getattr(args, o.dest, None) for o in OPTIONS if o.dest not in ("level", "behavior")
    }
    err = sys.stderr
    try:
        cfg: TargetConfig = resolve(cli)
        database = open_database(args.examples_db)
    except ConfigError as exc:
        print(f"pinecone-conformance fuzz: {redact(str(exc))}", file=err)
        return 2
    seed = args.seed if args.seed is not None else int.from_bytes(uuid.uuid4().bytes[:4], "big")
    run_id = uuid.uuid4().hex[:8]
    suite = SuiteSession(cfg, run_id, "fuzz")
    try:
        suite.start()
    except TargetError as exc:
        suite.close()
        print(f"pinecone-conformance fuzz: {redact(str(exc))}", file=err)
        return 3 if exc.kind == "unavailable" else 2
    except LaunchError as exc:
        suite.close()
        print(f"pinecone-conformance fuzz: server did not start: {redact(str(exc))}", file=err)
        return 4
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # stop like Ctrl-C: keep what was found
    report_dir = Path(args.report_dir) / run_id
    target = cfg.target or ("embedded" + (f" ({cfg.server_command})" if cfg.server_command else ""))
    http = make_http(cfg.request_timeout)
    try:
        ctx = FuzzContext(
            suite.indexes,
            cfg.api_key,
            cfg.api_version,
            http,
            consistency_timeout=cfg.consistency_timeout,
            prefix=cfg.namespace_prefix,
            run_id=run_id,
        )
        progress = Progress(err, time.monotonic() + args.duration, enabled=not args.quiet)
        ctx.progress = progress
        print(
            f"fuzz run {run_id}: seed {seed}, {args.duration:g}s against {target}, indexes "
            + ", ".join(
                f"{i.name} ({i.vector_type}, {i.metric}, dim {i.dimension})" for i in suite.indexes
            ),
            file=err,
        )

        def flush(c: FuzzContext) -> None:
            write_failures(c, report_dir, cfg.consistency_timeout)

        result = run_session(
            ctx,
            duration=args.duration,
            seed=seed,
            database=database,
            max_failures=args.max_failures,
            max_examples=args.examples,
            step_count=args.steps,
            grace=args.shrink_time,
            on_failures=flush,
        )
        progress(ctx, final=True)
    finally:
        http.close()
        suite.close()
    failures = write_failures(ctx, report_dir, cfg.consistency_timeout) if ctx.found else []
    results = write_results(result, report_dir, target)
    if result.interrupted:
        print("interrupted: keeping what was found so far", file=err)
    print(
        f"{result.examples} examples, {result.steps} steps in {result.elapsed:.1f}s "
        f"({result.steps_per_second:.0f} steps/s); {len(failures)} failures; results: {results}",
        file=err,
    )
    if args.stats:
        print(f"{'operation':<40} {'steps':>6} {'ms/step':>8}  (time on the wire)", file=err)
        for op, count in sorted(result.ops.items(), key=lambda kv: -kv[1]):
            ms = 1000 * ctx.op_seconds[op] / count
            print(f"  {op:<38} {count:>6} {ms:>8.1f}", file=err)
    for f in failures:
        print(
            f"FAILURE {f.n} [{f.signature}] {redact(f.problem)}\n  reproducers: "
            + " ".join(f.files),
            file=err,
        )
    for error in result.harness_errors:
        print(f"HARNESS ERROR {redact(error)}", file=err)
    if result.harness_errors:
        return 4
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
