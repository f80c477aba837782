"""What a fuzz session shares: the target and its connections (`FuzzContext`), the counters,
and the distinct failures found so far (`Failure`, one `TargetMismatch` subclass per kind).

Hypothesis builds state machines without arguments, so `using(ctx)` makes a context the one new
machines pick up (`current()`).
"""

from __future__ import annotations

import contextlib
import itertools
import math
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from conformance.fuzz.invalid_requests import Shape
from conformance.target.indexes import IndexInfo

FILTER_WRITES_FROM = "2025-10"  # update by filter and fetch_by_metadata
CLEANUP_TIMEOUT = 5.0


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
    """The kind of a problem: a catalog behavior's id when the check blames one (`[ID] ...`),
    else transport, 5xx or mismatch."""
    if problem.startswith("[") and "] " in problem:
        return problem[1 : problem.index("] ")]
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
    suffixes: list[str | None]  # None: the default namespace
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
    # the session owns the target (an embedded server): the default namespace is its to use
    default_namespace: bool = False
    # judge the documented details each blamed on a behavior of its own (response fields,
    # headers, error texts, legacy bindings); off in the suite, whose focused tests judge them
    details: bool = False
    prefix: str = "conformance"
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    hard_deadline: float = math.inf
    progress: Callable[[FuzzContext], None] | None = None  # rate-limited by the caller
    examples: int = 0
    steps: int = 0
    ops: Counter[str] = field(default_factory=Counter)
    operators: Counter[str] = field(default_factory=Counter)  # filters using each operator
    excluding_filters: int = 0  # filters that excluded a record the namespace held
    op_seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    found: dict[str, Failure] = field(default_factory=dict)
    leftover: set[tuple[str, str]] = field(default_factory=set)
    # behaviors whose deviation the session has reported: later checks leave them out, so one
    # missing field does not hide every other deviation
    waived: set[str] = field(default_factory=set)
    # Set by a signal handler (Ctrl-C, SIGTERM): steps stop reaching the target, the session ends
    # after the current chunk and keeps what it found. A flag rather than KeyboardInterrupt, which
    # can be swallowed when it lands inside a garbage-collector callback.
    stop_requested: bool = False
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
            delete_all(self, host, name)
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


def current() -> FuzzContext:
    """The context of the enclosing `using` block."""
    if _CONTEXT is None:
        raise RuntimeError("DataPlaneMachine needs a FuzzContext (use `fuzz.using(ctx)`)")
    return _CONTEXT


def delete_all(ctx: FuzzContext, host: str, name: str) -> None:
    """Best-effort removal of a namespace the session wrote to."""
    with contextlib.suppress(httpx.HTTPError):
        ctx.http.post(
            host + "/vectors/delete",
            json={"deleteAll": True, "namespace": name},
            headers=ctx.auth,
            timeout=CLEANUP_TIMEOUT,
        )
