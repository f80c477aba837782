"""The upstream every hostile proxy forwards to: one reference server per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.target.launcher import RunningServer, start_server
from tests.hostile.proxy import HostileProxy

API_KEY = "hostile-7f3a9c2e5b1d4086-key"
INDEX = "conf-cosine:8:cosine"


@pytest.fixture(scope="module")
def upstream() -> Iterator[RunningServer]:
    """One reference server for the module; each case uses its own namespace prefix."""
    server = start_server([INDEX], API_KEY)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def proxy(upstream: RunningServer) -> Iterator[HostileProxy]:
    """A forwarding proxy on 127.0.0.1, stopped (held connections closed) after the test."""
    hostile = HostileProxy(upstream.index_urls[INDEX.split(":")[0]]).start()
    try:
        yield hostile
    finally:
        hostile.stop()
