"""Shared fixtures for the infrastructure tests: a stand-in server launched through the launcher."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.target.launcher import RunningServer, launch_reference_server
from tests.support.standin_server import API_KEY, standin_command


@pytest.fixture(scope="session")
def standin() -> Iterator[RunningServer]:
    """A stand-in server with the default indexes and API key `API_KEY`, for the whole session."""
    with launch_reference_server(api_key=API_KEY, command=standin_command()) as server:
        yield server


@pytest.fixture(scope="session")
def delayed_standin() -> Iterator[RunningServer]:
    """A stand-in whose writes become visible 0.15 s late."""
    with launch_reference_server(
        api_key=API_KEY, visibility_delay=0.15, command=standin_command()
    ) as server:
        yield server
