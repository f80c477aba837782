"""The suite against a hostile target: every way of failing still ends in a verdict.

Each case puts `HostileProxy` in front of a reference server, runs a slice of the suite through
it and checks the promise of "Always a verdict": the documented exit code, an end within a
generous bound, all four reports with the matching verdict, no namespace of the run left on the
upstream unless the summary names it, and the API key in no file the run wrote. Wall times and
memory peaks are printed (`-s`) and appended to $HOSTILE_FIGURES, not asserted tightly.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.hostile.conftest import API_KEY
from tests.hostile.proxy import HostileProxy, Mode
from tests.hostile.runner import HostileRun, run_cli

SLICE = "UPSERT-*"  # about 180 requests, 82 tests: long enough to get past `after`
AFTER = 60
REQUEST_TIMEOUT = 3.0
REPORTS = ("results.json", "summary.md", "junit.xml", "report.html")
MEMORY_BOUND_MIB = 1536.0  # very loose: a leak of a 50 MB body per request would pass it
FIGURES_ENV = "HOSTILE_FIGURES"  # a file to append one JSON line of figures per run to


@dataclass(frozen=True)
class Case:
    """One hostile mode, the exit code and verdict it must produce, and its time bound."""

    name: str
    mode: Mode
    exit_code: int
    verdict: str
    bound: float
    marks: tuple[Any, ...] = field(default=())

    def param(self) -> Any:
        return pytest.param(self, id=self.name, marks=self.marks)


UNAVAILABLE, NON_CONFORMANT = "target-unavailable", "non-conformant"
CASES = [
    Case("stall-start", Mode("stall"), 3, UNAVAILABLE, 60.0),
    Case("stall-mid", Mode("stall", after=AFTER), 3, UNAVAILABLE, 90.0),
    Case("drip-mid", Mode("drip", after=AFTER), 3, UNAVAILABLE, 90.0),
    # A 5xx answer to a valid request is that request's behavior failing (the target answered,
    # wrongly): exit 1. Exit 3 is for a target that does not answer, or a 5xx to the first probe.
    Case("errors-every-10th", Mode("errors", every=10), 1, NON_CONFORMANT, 120.0),
    Case("html-mid", Mode("html", after=AFTER), 1, NON_CONFORMANT, 120.0),
    Case("huge-mid", Mode("huge", after=AFTER), 1, NON_CONFORMANT, 120.0),
    Case("close-mid", Mode("close", after=AFTER), 3, UNAVAILABLE, 90.0),
    Case("latency", Mode("latency"), 0, "conformant", 150.0),
]


def suite_args(target: str, reports: Path, prefix: str) -> list[str]:
    return [
        "-n",
        "2",
        "-p",
        "no:cacheprovider",
        f"--target={target}",
        f"--api-key={API_KEY}",
        f"--reports-dir={reports}",
        f"--request-timeout={REQUEST_TIMEOUT}",
        f"--namespace-prefix={prefix}",
        f"--behavior={SLICE}",
    ]


def assert_key_hidden(root: Path, run: HostileRun) -> None:
    """The API key is in no file under `root` and in none of the run's output."""
    leaked = [p for p in root.rglob("*") if p.is_file() and API_KEY.encode() in p.read_bytes()]
    assert not leaked, f"the API key was written to {leaked}"
    assert API_KEY not in run.stdout + run.stderr, "the API key was printed"


def assert_reports(reports: Path, case: Case, run: HostileRun) -> str:
    """All four reports exist under DIR/latest and carry the verdict; the summary's text."""
    latest = reports / "latest"
    missing = [name for name in REPORTS if not (latest / name).is_file()]
    assert not missing, f"reports missing under {latest}: {missing}\n{run.explain()}"
    results = json.loads((latest / "results.json").read_text())
    assert (results["verdict"], results["exit_code"]) == (case.verdict, case.exit_code), (
        results.get("verdict_reason"),
        run.explain(),
    )
    summary = (latest / "summary.md").read_text()
    assert case.verdict in summary, summary
    return summary


def assert_no_leftovers(proxy: HostileProxy, prefix: str, summary: str) -> None:
    """Every namespace of the run left on the upstream is named in the summary as a cleanup
    error (what a vendor needs to delete it by hand)."""
    left = [ns for ns in proxy.namespaces(API_KEY) if ns.startswith(prefix + "-")]
    unnamed = [ns for ns in left if f"`{ns}`" not in summary]
    assert not unnamed, f"namespaces left on the target and not named in summary.md: {unnamed}"
    if left:
        assert "cleanup error" in summary.lower().replace("-", " "), summary


def hostile_run(proxy: HostileProxy, case: Case, tmp_path: Path) -> tuple[HostileRun, str, Path]:
    prefix = "hostile" + case.name.replace("-", "")[:12]
    reports = tmp_path / "reports"
    proxy.mode = case.mode
    run = run_cli(suite_args(proxy.url, reports, prefix), tmp_path / "run", case.bound)
    figures(case.name, run, proxy.requests)
    return run, prefix, reports


def figures(name: str, run: HostileRun, requests: int) -> None:
    """Print the run's figures and append them to $HOSTILE_FIGURES when set (xdist hides -s)."""
    row = {
        "case": name,
        "exit": run.returncode,
        "wall_s": round(run.wall, 1),
        "requests": requests,
        "largest_process_peak_mib": round(run.largest_mib),
        "tree_peak_mib": round(run.total_mib),
    }
    print(f"\n{json.dumps(row)}")
    path = os.environ.get(FIGURES_ENV)
    if path:
        with open(path, "a") as out:
            out.write(json.dumps(row) + "\n")


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_hostile_target_gets_a_verdict(proxy: HostileProxy, case: Case, tmp_path: Path) -> None:
    run, prefix, reports = hostile_run(proxy, case, tmp_path)
    assert proxy.requests > case.mode.after, "the run ended before the target turned hostile"
    assert run.returncode is not None, f"no verdict within {case.bound:.0f}s\n{run.explain()}"
    assert run.returncode == case.exit_code, run.explain()
    summary = assert_reports(reports, case, run)
    assert_no_leftovers(proxy, prefix, summary)
    assert_key_hidden(tmp_path, run)
    assert run.largest_mib < MEMORY_BOUND_MIB, f"a process peaked at {run.largest_mib:.0f} MiB"


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_unreachable_target_ends_in_seconds(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    target = f"http://127.0.0.1:{free_port()}"
    run = run_cli(suite_args(target, reports, "hostileunreach"), tmp_path / "run", 60.0)
    figures("unreachable", run, 0)
    assert run.returncode == 3, run.explain()
    assert run.wall < 60.0, run.explain()
    assert "unreachable" in run.stdout + run.stderr, run.explain()
    assert_key_hidden(tmp_path, run)
