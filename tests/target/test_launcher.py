"""The launcher: addresses parsed from the listening lines, bounded waits, always stopped."""

from __future__ import annotations

import sys

import pytest

from conformance.target import launcher
from conformance.target.launcher import IndexSpec, LaunchError, launch_reference_server
from tests.support.standin_server import API_KEY, standin_command


def test_start_and_stop() -> None:
    with launch_reference_server(
        ["a:4:cosine", "b:0:dotproduct:sparse"], command=standin_command()
    ) as s:
        assert set(s.index_urls) == {"a", "b"}
        assert s.control_url.startswith("http://127.0.0.1:")
        assert s.specs["b"] == IndexSpec("b", 0, "dotproduct", "sparse")
        process = s.process
    assert process.poll() is not None
    s.stop()  # idempotent


def test_stopped_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), launch_reference_server(command=standin_command()) as s:
        raise RuntimeError
    assert s.process.poll() is not None


@pytest.mark.parametrize(
    ("extra", "timeout", "message"),
    [(("--crash",), 10, "exited with status 3"), (("--silent",), 0.5, "did not report")],
    ids=["crash", "silent"],
)
def test_failures_are_bounded_and_explained(extra, timeout, message) -> None:
    before = set(launcher._RUNNING)
    with pytest.raises(LaunchError, match=message) as info:
        launcher.start_server(api_key=API_KEY, command=standin_command(*extra), timeout=timeout)
    assert API_KEY not in str(info.value)
    assert before == launcher._RUNNING


def test_argv() -> None:
    argv = launcher.server_argv(
        ["x:2:cosine"], "k", 0.3, ["--flag"], "python -m tests.mutants.run M"
    )
    assert argv == [
        sys.executable, "-m", "tests.mutants.run", "M", "--host", "127.0.0.1", "--port", "0",
        "--index", "x:2:cosine", "--api-key", "k", "--visibility-delay", "0.3", "--flag",
    ]  # fmt: skip
    assert launcher.server_argv([])[:3] == [sys.executable, "-m", "reference_server"]


@pytest.mark.parametrize("bad", ["x", "x:y:cosine", "x:1:cosine:pod"])
def test_bad_index_spec(bad) -> None:
    with pytest.raises(ValueError):
        IndexSpec.parse(bad)
