"""Fixtures for the fuzzing tests: reference and mutant servers started through the launcher, and
FuzzContexts over them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.client import make_http
from conformance.fuzz import FuzzContext
from conformance.launcher import RunningServer, launch_reference_server
from conformance.space import IndexInfo

API_KEY = "fuzz-test-key"
REPO = Path(__file__).resolve().parents[2]


def mutant_command(name: str) -> str:
    """The command that starts the reference server with mutant `name` (tests/mutants)."""
    return f"python -m tests.mutants.run {name}"


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
