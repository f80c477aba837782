"""One run of the conformance suite against one mutant, and what it blames.

Shared by the kill tests, the precision tests and the blame report. A run is a subprocess
(`python -m pytest --pyargs conformance.suite`) against `python -m tests.mutants.run NAME`; its
whole process group is ended afterwards, the suite's embedded server included.

What a run blames is read from its results.json (the suite's own source of truth, so the
outcomes are the ones a vendor sees); the junit XML, with behavior ids recorded by
`tests.mutants.recorder`, gives the failing tests in run order (what `-x` stopped on).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import catalog as catalog_mod
from conformance.outcomes import (
    CLEANUP_ERROR,
    EXPECTED_FAILURE,
    FAILED,
    HARNESS_ERROR,
    TARGET_UNAVAILABLE,
)
from tests.mutants.recorder import PROPERTY
from tests.suite_runner import spawn_pytest

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 240.0

# Exit statuses of a suite run that found problems: 1 non-conformant, 4 a test broke in a way the
# plugin files as a harness error (e.g. a fixture's setup failing on a reply the target mangled).
FOUND = (1, 4)

# The fuzz state machine's one test names every behavior its random sequences touch (19), so when
# it fails it blames all of them whatever the deviation; and it shrinks for up to 30 s. Precision
# runs leave it out (`fuzz=False`): its own blame is FUZZ-MODEL-AGREEMENT, proven able to fail by
# tests/fuzz/test_mutant_hunt.py, and its marker is the suite's to narrow.
STATEFUL_TEST = "test_state_machine_agrees_with_model"

# The behavior outcomes that blame the target: non-conformant. A harness error, cleanup error or
# unavailable target says the suite could not reach a verdict (e.g. its setup used the broken
# operation as a means), which DESIGN.md routes away from the target on purpose: those are
# `unverified`, reported but not counted against precision.
BLAME = frozenset({FAILED, EXPECTED_FAILURE})
UNVERIFIED = frozenset({HARNESS_ERROR, CLEANUP_ERROR, TARGET_UNAVAILABLE})


@dataclass
class Failure:
    """One failed or erroring suite test: its node id, behavior ids and first message line."""

    test: str
    behaviors: list[str]
    message: str


@dataclass
class SuiteRun:
    """The outcome of one suite run: `blamed` and `unverified` map behaviors to their roll-up
    outcome (see `BLAME`, `UNVERIFIED`)."""

    returncode: int | None
    failures: list[Failure] = field(default_factory=list)
    tests: int = 0
    output: str = ""
    blamed: dict[str, str] = field(default_factory=dict)
    unverified: dict[str, str] = field(default_factory=dict)
    wall: float = 0.0

    @property
    def killed(self) -> bool:
        return bool(self.failures) and self.returncode in FOUND


def suite_env() -> dict[str, str]:
    """The environment without settings that would redirect the suite or add options."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PINECONE_CONFORMANCE_", "PYTEST_")) and k != "PINECONE_API_KEY"
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_suite(
    mutant: str,
    workdir: Path,
    behaviors: tuple[str, ...] = (),
    api_version: str | None = None,
    *,
    whole: bool = False,
    workers: int = 0,
    fuzz: bool = True,
    transport: str | None = None,
) -> SuiteRun:
    """Run the conformance suite against the reference server with `mutant` applied: only the
    tests of `behaviors` when given, speaking `api_version` when given; stopping at the first
    failure unless `whole`; on `workers` xdist workers when more than 0; without the fuzz state
    machine's test unless `fuzz`; over `transport` when given (`--transport`)."""
    tag = "selected" if behaviors else "whole" if whole else "first"
    junit = workdir / f"junit-{tag}.xml"
    reports = workdir / f"reports-{tag}"
    args = [
        "--pyargs",
        "conformance.suite",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-p",
        "tests.mutants.recorder",
        "-o",
        "addopts=",
        "--server-command",
        f"python -m tests.mutants.run {mutant}",
        f"--junitxml={junit}",
    ]
    if not whole:
        args.append("-x")
    if not fuzz:
        args += ["-k", f"not {STATEFUL_TEST}"]
    if workers:
        args += ["-n", str(workers)]
    # every behavior, the reference server's own decisions too: some mutants break only those
    args += ["--profile", "reference-parity"]
    for behavior in behaviors:
        args += ["--behavior", behavior]
    if api_version is not None:
        args += ["--api-version", api_version]
    if transport is not None:
        args += ["--transport", transport]
    env = {**suite_env(), "PINECONE_CONFORMANCE_REPORTS_DIR": str(reports)}
    started = time.monotonic()
    process = spawn_pytest(args, cwd=REPO, env=env, merge_stderr=True)
    try:
        output, _ = process.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        output = f"suite run timed out after {RUN_TIMEOUT:g}s"
    finally:
        # The suite's own server runs in this session too: end whatever is left of the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
    run = SuiteRun(process.returncode, output=output, wall=time.monotonic() - started)
    if junit.exists():
        run.tests, run.failures = read_junit(junit)
    results = reports / "latest" / "results.json"
    if results.exists():
        data = json.loads(results.read_text(encoding="utf-8"))
        run.blamed = behaviors_with(data, BLAME)
        run.unverified = behaviors_with(data, UNVERIFIED)
    return run


def read_junit(path: Path) -> tuple[int, list[Failure]]:
    """(number of test cases, the failed or erroring ones) of a junit XML report."""
    root = ET.parse(path).getroot()
    cases = list(root.iter("testcase"))
    failures = []
    for case in cases:
        bad = [c for c in case if c.tag in ("failure", "error")]
        if not bad:
            continue
        behaviors = [p.get("value", "") for p in case.iter("property") if p.get("name") == PROPERTY]
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        message = (bad[0].get("message") or "").strip().splitlines()
        failures.append(Failure(name, behaviors, message[0][:200] if message else bad[0].tag))
    return len(cases), failures


def behaviors_with(results: dict[str, Any], outcomes: frozenset[str]) -> dict[str, str]:
    """Each behavior of a results.json roll-up whose outcome is one of `outcomes`: that outcome."""
    return {
        str(b["id"]): str(b["outcome"])
        for b in results.get("behaviors", [])
        if b.get("outcome") in outcomes
    }


def expand(patterns: tuple[str, ...], catalog: catalog_mod.Catalog) -> set[str]:
    """The catalog ids named by a mutant's declared ids and `*` patterns."""
    return {i for p in patterns for i in catalog.match(p)}
