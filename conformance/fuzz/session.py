"""Fuzz sessions: the state machine run for a time budget in short chunks (so a session stops on
time and on Ctrl-C with what it found), each chunk one hypothesis run with its own seed, the
first replaying the example database (a directory, or Redis shared between machines).
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase
from hypothesis.errors import Flaky
from hypothesis.stateful import run_state_machine_as_test

from conformance.config import ConfigError
from conformance.fuzz.context import Failure, FuzzContext, TargetMismatch, using
from conformance.fuzz.machine import DataPlaneMachine


def _shrink_engine() -> ModuleType | None:
    """Hypothesis's internal engine module, only for the shrink time cap (see shrink_time_limit)."""
    try:
        from hypothesis.internal.conjecture import engine
    except ImportError:  # pragma: no cover - a hypothesis release that moved it
        return None
    return engine


_engine: ModuleType | None = _shrink_engine()


class WriteOnlyDatabase(ExampleDatabase):
    """Saves to another database but replays nothing: later chunks of a session look for new
    failures instead of replaying the ones the first chunk already replayed."""

    def __init__(self, db: ExampleDatabase) -> None:
        super().__init__()
        self.db = db

    def fetch(self, key: bytes) -> Iterator[bytes]:
        return iter(())

    def save(self, key: bytes, value: bytes) -> None:
        self.db.save(key, value)

    def delete(self, key: bytes, value: bytes) -> None:
        self.db.delete(key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self.db.move(src, dest, value)


REDIS_MISSING = (
    "redis:// example databases need the redis extra: pip install 'pinecone-conformance[redis]'"
)


def open_database(spec: str | None) -> ExampleDatabase | None:
    """A directory path, `redis://HOST:PORT[/DB]`, or `none`."""
    if spec is None or spec.lower() in ("", "none", "off"):
        return None
    if spec.startswith("redis://"):
        try:
            import redis
            from hypothesis.extra.redis import RedisExampleDatabase
        except ImportError:
            raise ConfigError(REDIS_MISSING) from None
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
    ops: Counter[str] = field(default_factory=Counter)
    operators: Counter[str] = field(default_factory=Counter)
    excluding_filters: int = 0

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.elapsed if self.elapsed > 0 else 0.0


@contextlib.contextmanager
def shrink_time_limit(seconds: float) -> Iterator[None]:
    """Cap hypothesis's shrinking time: every shrink attempt here costs HTTP requests.

    Hypothesis has no public setting for this; its engine stops shrinking after the module
    constant MAX_SHRINKING_SECONDS and reports the smallest failing example found so far. Should a
    release move or rename that constant, shrinking runs uncapped (slower, still correct) rather
    than the session failing.
    """
    previous = getattr(_engine, "MAX_SHRINKING_SECONDS", None)
    if _engine is None or not isinstance(previous, int | float):
        yield
        return
    # by name, like the lookup: the constant is not part of hypothesis's API
    setattr(_engine, "MAX_SHRINKING_SECONDS", max(1, int(seconds)))  # noqa: B010
    try:
        yield
    finally:
        setattr(_engine, "MAX_SHRINKING_SECONDS", previous)  # noqa: B010


def seeded_machine(seed_value: int) -> Callable[[], DataPlaneMachine]:
    """A factory of DataPlaneMachine that hypothesis runs with `seed_value` (the public `@seed`).

    A fresh factory per chunk leaves the machine class itself unseeded (a gate run in the same
    process stays derandomized), and its source, the same every time, keys the example database
    the same in every session.
    """

    def data_plane_machine() -> DataPlaneMachine:
        return DataPlaneMachine()

    return hypothesis_seed(seed_value)(data_plane_machine)


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
    on_failures: Callable[[FuzzContext], None] | None = None,
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
            if ctx.stop_requested:
                interrupted = True
                break
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
                phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
                print_blob=False,
            )
            try:
                with shrink_time_limit(min(grace, max(2.0, ctx.hard_deadline - time.monotonic()))):
                    run_state_machine_as_test(
                        # hypothesis annotates type[RuleBasedStateMachine], but documents and
                        # accepts any callable returning a machine
                        seeded_machine(seed + chunk),  # type: ignore[arg-type]
                        settings=config,
                    )
            except KeyboardInterrupt:
                interrupted = True
                break
            except Exception as exc:  # sort target failures from harness bugs
                found_now = any(s not in reported for s in ctx.found)
                for leaf in _leaves(exc):
                    if not isinstance(leaf, TargetMismatch) and not (
                        # a failure that did not happen again when replayed (a dropped
                        # connection, say): it is reported as found, unshrunk
                        isinstance(leaf, Flaky) and found_now
                    ):
                        harness.append(f"{type(leaf).__name__}: {leaf}")
            interrupted = interrupted or ctx.stop_requested
            new = [s for s in ctx.found if s not in reported]
            if new and on_failures is not None:
                on_failures(ctx)
            reported.update(new)
            # a deviation blamed on one behavior is reported once; later chunks look past it
            ctx.waived.update(kind for s in new if (kind := s.rpartition("/")[2]).isupper())
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
        Counter(ctx.operators),
        ctx.excluding_filters,
    )
