"""Fixtures for driving the reference server with the official `pinecone` SDK (9.x and 10.x).

The server runs as a real subprocess on free loopback ports. Every SDK client is configured with
zero retries, and every HTTP attempt the SDK makes is recorded at the transport level, so a test
can prove that no retryable status (408/429/5xx) ever came back and count the requests it made.
Warnings are errors in this directory.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pinecone import Pinecone

from conformance.target.launcher import RunningServer, launch_reference_server
from tests.sdk.sdk_support import (
    DENSE,
    DIMENSION,
    KEY,
    RETRYABLE,
    SDK_MAJOR,
    SPARSE,
    Exchange,
    WireLog,
    make_client,
)

HERE = Path(__file__).parent
START_TIMEOUT = 30.0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Warnings raised in an SDK test fail it (a deprecation or insecure-request warning too)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.filterwarnings("error"))


@pytest.fixture(scope="session")
def wire() -> Iterator[WireLog]:
    """Record each attempt below the SDK's retrying transport (`httpx.HTTPTransport`)."""
    log = WireLog()
    original = httpx.HTTPTransport.handle_request

    def recording(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        response = original(self, request)
        log.add(Exchange(request.method, str(request.url), response.status_code))
        return response

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx.HTTPTransport, "handle_request", recording)
        yield log


@pytest.fixture(autouse=True)
def no_retryable_statuses(wire: WireLog) -> Iterator[None]:
    """After each test: the server never answered with a status the SDK would retry."""
    start = len(wire)
    yield
    retryable = [e for e in wire.since(start) if e.status in RETRYABLE]
    assert not retryable, f"retryable statuses returned: {retryable}"


@pytest.fixture(scope="session")
def server() -> Iterator[RunningServer]:
    """`python -m reference_server` with a dense and a sparse index, started by the suite's own
    launcher (it waits for every index's address and stops the server even when a test raises)."""
    indexes = [f"{DENSE}:{DIMENSION}:cosine", f"{SPARSE}:0:dotproduct:sparse"]
    with launch_reference_server(indexes, KEY, timeout=START_TIMEOUT) as running:
        yield running


@pytest.fixture(scope="session")
def pc(server: RunningServer, wire: WireLog) -> Iterator[Pinecone]:
    client = make_client(server)
    yield client
    client.close()


@pytest.fixture(scope="session")
def dense_index(pc: Pinecone, server: RunningServer) -> Iterator[Any]:
    index = pc.Index(host=server.index_urls[DENSE])
    yield index
    index.close()


@pytest.fixture(scope="session")
def sparse_index(pc: Pinecone, server: RunningServer) -> Iterator[Any]:
    index = pc.Index(host=server.index_urls[SPARSE])
    yield index
    index.close()


_counter = itertools.count()


@pytest.fixture
def namespace(request: pytest.FixtureRequest) -> str:
    """A namespace no other test uses."""
    name = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower()).strip("-")[:40]
    return f"{name}-{next(_counter)}"


@pytest.fixture
def index_name(request: pytest.FixtureRequest) -> str:
    """A fresh, valid index name for control-plane tests."""
    return f"t{next(_counter)}-{SDK_MAJOR}"
