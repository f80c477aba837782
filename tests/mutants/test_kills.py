"""Every mutant must be killed: the conformance suite, run against it, fails on a test of a behavior
the mutant breaks. The same runner with no mutant (`none`) must pass.

Each case runs the whole suite once as a subprocess (`-x`: it stops at the first failure) against
`python -m tests.mutants.run NAME`, and reads the failing test's behavior ids from the junit XML
(recorded there by `tests.mutants.recorder`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conformance import catalog as catalog_mod
from tests.mutants.mutants import MUTANTS
from tests.mutants.recorder import PROPERTY
from tests.mutants.run import CONTROL
from tests.suite_runner import spawn_pytest

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 240.0
VERDICT = "mutant_verdict"


@dataclass
class Failure:
    """One failed or erroring suite test: its node id, behavior ids and first message line."""

    test: str
    behaviors: list[str]
    message: str


@dataclass
class SuiteRun:
    """The outcome of one suite run."""

    returncode: int
    failures: list[Failure] = field(default_factory=list)
    tests: int = 0
    output: str = ""


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


# Exit statuses of a suite run that found problems: 1 non-conformant, 4 a test broke in a way the
# plugin files as a harness error (e.g. a KeyError on a field the target left out).
FOUND = (1, 4)


def run_suite(
    mutant: str,
    workdir: Path,
    behaviors: tuple[str, ...] = (),
    api_version: str | None = None,
) -> SuiteRun:
    """Run the conformance suite (only the tests of `behaviors`, when given; speaking
    `api_version`, when given) against the reference server with `mutant` applied."""
    junit = workdir / f"junit-{'selected' if behaviors else 'full'}.xml"
    args = [
        "--pyargs",
        "conformance.suite",
        "-x",
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
    for behavior in behaviors:
        args += ["--behavior", behavior]
    if api_version is not None:
        args += ["--api-version", api_version]
    env = {**suite_env(), "PINECONE_CONFORMANCE_REPORTS_DIR": str(workdir / "reports")}
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
    run = SuiteRun(process.returncode, output=output)
    if junit.exists():
        run.tests, run.failures = read_junit(junit)
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


def expand(patterns: tuple[str, ...], catalog: catalog_mod.Catalog) -> set[str]:
    """The catalog ids named by a mutant's declared ids and `*` patterns."""
    return {i for p in patterns for i in catalog.match(p)}


@pytest.fixture(scope="module")
def catalog() -> catalog_mod.Catalog:
    return catalog_mod.load()


def test_declared_behaviors_are_in_the_catalog(catalog: catalog_mod.Catalog) -> None:
    """Every id or pattern a mutant declares names at least one catalog behavior."""
    unknown = {
        name: [p for p in m.behaviors if not catalog.match(p)]
        for name, m in MUTANTS.items()
        if any(not catalog.match(p) for p in m.behaviors)
    }
    assert not unknown, f"mutants declare behaviors that are not in the catalog: {unknown}"
    assert len(MUTANTS) >= 25


VERSIONS = sorted({m.api_version for m in MUTANTS.values() if m.api_version})


@pytest.mark.parametrize("api_version", [None, *VERSIONS], ids=["default", *VERSIONS])
def test_reference_passes(tmp_path: Path, api_version: str | None) -> None:
    """The control: the runner with no mutant passes the whole suite (at the default API version
    and at every version a mutant is run with)."""
    run = run_suite(CONTROL, tmp_path, api_version=api_version)
    assert run.returncode == 0 and not run.failures, (
        f"the unmutated reference failed at {api_version or 'the default version'} "
        f"(exit {run.returncode}): "
        f"{[f.test for f in run.failures]}\n{run.output[-3000:]}"
    )
    assert run.tests > 0


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_killed(
    name: str, tmp_path: Path, catalog: catalog_mod.Catalog, record_property
) -> None:
    """The suite fails against the mutant, and a failing test checks a behavior it breaks.

    The full run stops at its first failure. When that test checks some other behavior (a test
    that uses the broken behavior as a means, e.g. an error-shape test sending a wrong
    dimension), the tests of the declared behaviors are run on their own and one must fail.
    """
    mutant = MUTANTS[name]
    declared = expand(mutant.behaviors, catalog)
    run = run_suite(name, tmp_path, api_version=mutant.api_version)
    first = run.failures[0] if run.failures else None
    record_property(VERDICT, f"SURVIVED|{name}|{first.test if first else '-'}")
    assert run.failures and run.returncode in FOUND, (
        f"mutant {name!r} ({mutant.summary}) SURVIVED: the suite did not fail against it "
        f"(exit {run.returncode}); no test catches {', '.join(mutant.behaviors)}\n"
        f"{run.output[-2000:]}"
    )
    named = {b for f in run.failures for b in f.behaviors}
    via = first.test if first else "-"
    if not named & declared:
        own = run_suite(name, tmp_path, mutant.behaviors, mutant.api_version)
        assert own.failures and own.returncode in FOUND, (
            f"mutant {name!r} ({mutant.summary}) was only stopped by {first}; the tests of its "
            f"own behaviors {sorted(mutant.behaviors)} pass against it "
            f"(exit {own.returncode})\n{own.output[-2000:]}"
        )
        named = {b for f in own.failures for b in f.behaviors}
        assert named & declared, (own.failures, sorted(declared))
        via = f"{via} (own behavior: {own.failures[0].test})"
    record_property(VERDICT, f"killed|{name}|{via}")


def test_runner_rejects_unknown_mutant(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m tests.mutants.run` with an unknown name exits 2 and lists the mutants."""
    from tests.mutants.run import main

    assert main(["no-such-mutant", "--port", "0"]) == 2
    assert "upsert-keeps-old" in capsys.readouterr().err
