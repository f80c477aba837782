"""Run the conformance suite as a subprocess and read its outcome from the junit xml.

Shared by the self-validation tests (`tests/test_suite_vs_reference.py`, `test_safety.py`,
`test_stability.py`). Every run is bounded by a timeout and its whole process group (pytest, its
xdist workers, an embedded server) is killed if it overruns. Outcomes are keyed by
`classname::name` as junit records them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from conformance.outcomes import NOT_APPLICABLE_PREFIX as NOT_APPLICABLE
from conformance.target.launcher import start_server

RUN_TIMEOUT = 240.0
API_VERSION = "2025-10"
SUITE_ARGS = ("-p", "no:cacheprovider", "--pyargs", "conformance.suite")
# An outcome's rank when a test has several junit entries (a teardown error after a pass).
_RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
_SCRUBBED_PREFIXES = ("PINECONE_", "PYTEST_")


@dataclass(frozen=True)
class Case:
    """One test's outcome: `passed`, `skipped`, `failed` or `error`, and the junit message."""

    key: str
    outcome: str
    message: str = ""


@dataclass
class SuiteRun:
    """A finished (or killed) run: exit status, output, wall time and per-test outcomes."""

    args: list[str]
    returncode: int | None
    stdout: str
    stderr: str
    wall: float
    junit: Path
    cases: dict[str, Case] = field(default_factory=dict)
    timed_out: bool = False

    def with_outcome(self, outcome: str) -> list[Case]:
        return [c for c in self.cases.values() if c.outcome == outcome]

    @property
    def counts(self) -> Counter[str]:
        return Counter(c.outcome for c in self.cases.values())

    def outcomes(self) -> dict[str, tuple[str, str]]:
        """Per-test (outcome, skip reason): what must not change from one run to the next."""
        return {
            k: (c.outcome, c.message if c.outcome == "skipped" else "")
            for k, c in self.cases.items()
        }

    def explain(self, tail: int = 4000) -> str:
        """Why the run is not clean: status, counts, failing tests and the end of the output."""
        bad = [c for c in self.cases.values() if c.outcome in ("failed", "error")]
        lines = [
            f"suite run {' '.join(self.args)}",
            f"exit status {self.returncode}{' (killed: timed out)' if self.timed_out else ''}, "
            f"{self.wall:.1f}s, outcomes {dict(self.counts)}",
        ]
        if bad:
            lines.append(f"{len(bad)} failing tests:")
            lines += [f"  {c.outcome.upper()} {c.key}: {c.message[:300]}" for c in bad[:40]]
        lines.append(f"--- stdout (last {tail} chars) ---\n{self.stdout[-tail:]}")
        if self.stderr.strip():
            lines.append(f"--- stderr (last {tail // 2} chars) ---\n{self.stderr[-tail // 2 :]}")
        return "\n".join(lines)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without suite settings (PINECONE_*) or pytest/xdist state (PYTEST_*)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env["PYTHONUNBUFFERED"] = "1"
    return {**env, **(extra or {})}


def spawn_pytest(
    args: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    merge_stderr: bool = False,
) -> subprocess.Popen:
    """Start `python -m pytest ARGS` in a process group of its own (so the embedded server and
    xdist workers can be ended with it), with text pipes and no stdin."""
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", *args],
        cwd=cwd,
        env=clean_env() if env is None else env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run_pytest(
    args: Sequence[str], *, cwd: Path, timeout: float = RUN_TIMEOUT
) -> tuple[int | None, str, str, float, bool]:
    """Run `python -m pytest ARGS` in its own process group; (status, stdout, stderr, wall,
    timed out). On timeout the whole group is killed and status is None."""
    start = time.monotonic()
    process = spawn_pytest(args, cwd=cwd)
    timed_out = False
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        stdout, stderr = _kill_group(process)
    except BaseException:
        _kill_group(process)
        raise
    # A grandchild left running (an embedded server) would hold the pipes open, so communicate()
    # returns only when every process of the group is gone or the timeout kills them.
    status = None if timed_out else process.returncode
    return status, stdout, stderr, time.monotonic() - start, timed_out


def _kill_group(process: subprocess.Popen) -> tuple[str, str]:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    try:
        return process.communicate(timeout=10)
    except (subprocess.TimeoutExpired, ValueError):
        return "", ""


def run_suite(
    options: Sequence[str], tmp: Path, *, name: str = "run", timeout: float = RUN_TIMEOUT
) -> SuiteRun:
    """Run the whole suite with `options` from the directory `tmp/name` (created); its junit xml
    is `tmp/name/junit.xml`. Every file the run writes relative to its directory lands there."""
    workdir = tmp / name
    workdir.mkdir(parents=True, exist_ok=True)
    junit = workdir / "junit.xml"
    args = [*SUITE_ARGS, "-q", "-rfE", f"--junitxml={junit}", *options]
    status, stdout, stderr, wall, timed_out = run_pytest(args, cwd=workdir, timeout=timeout)
    run = SuiteRun(args, status, stdout, stderr, wall, junit, timed_out=timed_out)
    if junit.exists():
        run.cases = read_junit(junit)
    return run


def read_junit(path: Path) -> dict[str, Case]:
    """Per-test outcomes from a junit xml file (worst outcome when a test appears twice)."""
    cases: dict[str, Case] = {}
    for element in ET.parse(path).getroot().iter("testcase"):
        key = f"{element.get('classname', '')}::{element.get('name', '')}"
        outcome, message = "passed", ""
        for tag, name in (("skipped", "skipped"), ("failure", "failed"), ("error", "error")):
            child = element.find(tag)
            if child is not None:
                outcome, message = name, child.get("message") or (child.text or "")
        previous = cases.get(key)
        if previous is None or _RANK[outcome] > _RANK[previous.outcome]:
            cases[key] = Case(key, outcome, message)
    return cases


def collect_count(options: Sequence[str], tmp: Path, timeout: float = 60.0) -> int:
    """How many tests the suite collects with `options` (`--collect-only`, nothing runs)."""
    workdir = tmp / "collect"
    workdir.mkdir(parents=True, exist_ok=True)
    args = [*SUITE_ARGS, "--collect-only", "-q", *options]
    status, stdout, stderr, _, _ = run_pytest(args, cwd=workdir, timeout=timeout)
    for line in reversed(stdout.splitlines()):
        words = line.split()
        if len(words) >= 3 and words[1] in ("test", "tests") and words[2] == "collected":
            return int(words[0].split("/")[0])  # "528/532 tests collected (4 deselected)"
    raise AssertionError(
        f"--collect-only did not report a count (status {status}):\n{stdout[-3000:]}\n{stderr}"
    )


def assert_clean(
    run: SuiteRun, whole_suite: int, *, applicable_only: str | tuple[str, ...] | None = None
) -> None:
    """No failures or errors; passed == whole suite - not-applicable skips; every skip carries a
    `not applicable:` reason (containing `applicable_only` when given, e.g. `API versions`)."""
    assert run.returncode == 0 and run.cases, run.explain()
    counts = run.counts
    assert counts["failed"] == 0 and counts["error"] == 0, run.explain()
    skipped = run.with_outcome("skipped")
    odd = [c for c in skipped if not c.message.startswith(NOT_APPLICABLE)]
    assert not odd, "skips without a `not applicable:` reason:\n" + "\n".join(
        f"  {c.key}: {c.message}" for c in odd
    )
    if applicable_only is not None:
        reasons = (applicable_only,) if isinstance(applicable_only, str) else applicable_only
        odd = [c for c in skipped if not any(r in c.message for r in reasons)]
        assert not odd, (
            f"behaviors reported not applicable although the target has everything they need "
            f"(expected only reasons about {applicable_only!r}):\n"
            + "\n".join(f"  {c.key}: {c.message}" for c in odd)
        )
    assert len(run.cases) == whole_suite, (
        f"the run reported {len(run.cases)} tests but the suite has {whole_suite}\n{run.explain()}"
    )
    assert counts["passed"] == whole_suite - len(skipped), run.explain()


# -- a reference server run as a foreign target ---------------------------------------------------
FOREIGN_INDEXES = {
    "dense": "ext-cosine:8:cosine",
    "euclidean": "ext-euclidean:8:euclidean",
    "hybrid": "ext-dotproduct:8:dotproduct",
    "sparse": "ext-sparse:0:dotproduct:sparse",
}


@contextlib.contextmanager
def foreign_reference(api_key: str, visibility_delay: float = 0.0) -> Iterator[ForeignTarget]:
    """`python -m reference_server` on free loopback ports with an index of every kind the suite
    uses; stopped on leaving the block, also when it raises."""
    server = start_server(list(FOREIGN_INDEXES.values()), api_key, visibility_delay)
    try:
        urls = {
            role: server.index_urls[spec.split(":")[0]] for role, spec in FOREIGN_INDEXES.items()
        }
        yield ForeignTarget(server.control_url, urls, api_key)
    finally:
        server.stop()


@dataclass(frozen=True)
class ForeignTarget:
    """Where a foreign reference server listens, and the suite options that point at all of it."""

    control_url: str
    index_urls: dict[str, str]
    api_key: str

    def options(self) -> list[str]:
        """Every index and the control plane (index creation allowed); default namespace off."""
        urls = self.index_urls
        return [
            f"--target={urls['dense']}",
            f"--sparse-target={urls['sparse']}",
            f"--hybrid-target={urls['hybrid']}",
            f"--extra-target={urls['euclidean']}",
            f"--control-plane={self.control_url}",
            "--allow-create-index",
            f"--api-key={self.api_key}",
        ]

    def client(self) -> httpx.Client:
        """A plain httpx client sending the key and API version (independent of the suite)."""
        headers = {"Api-Key": self.api_key, "X-Pinecone-Api-Version": API_VERSION}
        return httpx.Client(headers=headers, timeout=10.0)
