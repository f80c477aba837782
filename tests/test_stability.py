"""Five consecutive runs of the whole suite against the embedded reference give identical
per-test outcomes (no flaky test, no order or scheduling dependence).

The runs alternate between serial and `-n 2`, so an outcome that depends on which worker runs a
test, or in which order, shows up as a difference too. Outcomes come from each run's junit xml.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.timeout(300)

RUNS = 5


def _differences(runs: list[SuiteRun]) -> list[str]:
    """Tests whose outcome (or not-applicable reason) is not the same in every run."""
    outcomes = [r.outcomes() for r in runs]
    keys = sorted(set().union(*outcomes))
    return [
        f"  {key}: " + " | ".join(str(o.get(key, ("absent", ""))[0]) for o in outcomes)
        for key in keys
        if len({o.get(key) for o in outcomes}) > 1
    ]


def test_five_runs_identical(tmp_path: Path) -> None:
    """Every test has the same outcome in five consecutive runs."""
    runs: list[SuiteRun] = []
    for n in range(RUNS):
        workers = ["-n", "2"] if n % 2 else []
        run = run_suite(workers, tmp_path, name=f"run{n}")
        assert run.cases and not run.timed_out, run.explain()
        runs.append(run)
    walls = ", ".join(f"{r.wall:.1f}s" for r in runs)
    print(f"{RUNS} runs: {dict(runs[0].counts)} each; wall {walls}")
    diff = _differences(runs)
    assert not diff, (
        f"outcomes differ between {RUNS} runs ({len(diff)} tests; outcome per run):\n"
        + "\n".join(diff[:60])
        + "\n\nfirst run with a failure:\n"
        + next((r.explain(2000) for r in runs if r.counts["failed"] or r.counts["error"]), "(none)")
    )
    assert len({r.returncode for r in runs}) == 1, [r.returncode for r in runs]
