"""Fixtures for the fuzzing tests: reference and mutant servers started through the launcher, and
FuzzContexts over them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from conformance.fuzz.context import FuzzContext
from conformance.fuzz.session import SessionResult, open_database, run_session
from conformance.target.client import make_http
from conformance.target.indexes import IndexInfo
from conformance.target.launcher import RunningServer, launch_reference_server

API_KEY = "fuzz-test-key"
REPO = Path(__file__).resolve().parents[2]


def mutant_command(name: str) -> str:
    """The command that starts the reference server with mutant `name` (tests/mutants)."""
    return f"python -m tests.mutants.run {name}"


def run_results(reports_dir: Path) -> Path:
    """The results.json of the one run under `reports_dir` (not through `latest`)."""
    (path,) = [p for p in reports_dir.glob("*/results.json") if p.parent.name != "latest"]
    return path


def indexes_of(server: RunningServer) -> list[IndexInfo]:
    return [
        IndexInfo(name, url, spec.dimension or None, spec.metric, spec.vector_type)
        for name, url in server.index_urls.items()
        for spec in [server.specs[name]]
    ]


def make_context(server: RunningServer, http: httpx.Client, **extra) -> FuzzContext:
    return FuzzContext(indexes_of(server), API_KEY, "2025-10", http, **extra)


@contextlib.contextmanager
def mutant_server(name: str) -> Iterator[RunningServer]:
    with launch_reference_server(api_key=API_KEY, command=mutant_command(name)) as server:
        yield server


@pytest.fixture(scope="session")
def reference() -> Iterator[RunningServer]:
    """The plain reference server with the default indexes (dense of each metric, sparse)."""
    with launch_reference_server(api_key=API_KEY) as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    client = make_http(10.0)
    yield client
    client.close()


def replay_across_sessions(
    http: httpx.Client, db_spec: str, saved: Callable[[], int], second_seed: int
) -> tuple[SessionResult, SessionResult]:
    """Session 1 finds and saves a failure in the example database `db_spec`; session 2, with
    another seed and a budget of one generated example, must report it at once (replayed from the
    database). `saved` counts the database's entries."""
    with mutant_server("filter-drops-in") as server:
        first = run_session(
            make_context(server, http),
            duration=60.0,
            seed=1,
            database=open_database(db_spec),
            max_failures=1,
            grace=5.0,
        )
        assert first.failures, "session 1 found nothing"
        entries = saved()
        assert entries > 0
        second = run_session(
            make_context(server, http),
            duration=60.0,
            seed=second_seed,
            database=open_database(db_spec),
            max_failures=1,
            max_examples=1,
            chunk_examples=1,
            grace=5.0,
        )
    # Shrinking is time-capped, so a loaded machine may save several examples; what matters is
    # that the earlier failure is reported while they are replayed, before any generated example.
    replayed = {f.signature: f for f in second.failures}
    earlier = first.failures[0]
    assert earlier.signature in replayed, list(replayed)
    assert 1 <= replayed[earlier.signature].first_example <= entries
    assert len(replayed[earlier.signature].steps) <= len(earlier.steps)
    return first, second
