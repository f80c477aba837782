"""The suite's tests collected in this process (`--collect-only`, nothing runs), for tests that
inspect the collected items and their behavior markers."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import pytest

SUITE_COLLECT = ["--pyargs", "conformance.suite", "--collect-only", "-q", "-p", "no:cacheprovider"]


class _Collector:
    """Keeps the items of the collection, after every other plugin has selected them."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        self.items = list(items)


def collect_suite(*options: str) -> tuple[int, list[Any], str]:
    """(pytest's exit status, the collected items, its output) of the suite with `options`."""
    collector = _Collector()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = pytest.main([*SUITE_COLLECT, *options], plugins=[collector])
    return int(status), collector.items, out.getvalue()
