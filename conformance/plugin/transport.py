"""The data plane's wire form (`--transport`) during a test.

The suite's tests build REST requests; over gRPC each becomes the RPC its HTTP binding names. A
request with no gRPC form (a raw JSON body, a REST-only route, header or field) raises
`NotExpressible` in the client before anything is sent: the question that test asks exists on the
REST wire only, so the test is not applicable on this transport, with the reason, never failed.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from conformance.outcomes import NOT_APPLICABLE_PREFIX
from conformance.plugin.selection import BEHAVIORS_KEY
from conformance.target.grpc.errors import NotExpressible


def _not_expressible_skips(item: pytest.Item) -> Generator[None, Any, Any]:
    """Around a suite test (one with behavior markers), NotExpressible is a skip."""
    try:
        return (yield)
    except NotExpressible as exc:
        if item.stash.get(BEHAVIORS_KEY, None) is None:
            raise
        pytest.skip(NOT_APPLICABLE_PREFIX + str(exc))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _not_expressible_skips(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    return (yield from _not_expressible_skips(item))
