"""`python -m tests.mutants.blame_report [--jobs N] [--fuzz] [MUTANT...]`: how precisely the suite
blames each mutant.

Runs the whole suite once per mutant (all of them by default; `--jobs` at a time, 2 by default)
and prints, per mutant, the behaviors the run blames (failed: `suite_runs.BLAME`), those among
them the mutant does not declare, and those left unverified (harness errors and the like); then
the mean number of blamed behaviors per mutant and the mutants whose blame is not exact. It
measures, it does not gate: the gate is `test_precision.py`. The fuzz state machine's test is
left out unless `--fuzz` (see `suite_runs.STATEFUL_TEST`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conformance import catalog as catalog_mod
from tests.mutants.cascades import CASCADES
from tests.mutants.mutants import MUTANTS
from tests.mutants.suite_runs import SuiteRun, expand, run_suite

VERDICTS = (0, 1, 4)
"""Exit statuses of a run that reached a verdict (conformant, non-conformant, harness error)."""


def measure(name: str, root: Path, fuzz: bool, attempts: int = 3) -> SuiteRun:
    """The whole-suite run of one mutant, in a folder of its own under `root`; a run that ends
    without a verdict (the suite could not start, e.g. while its code is being edited) is
    retried a few seconds later."""
    for attempt in range(attempts):
        workdir = root / f"{name}-{attempt}"
        workdir.mkdir(parents=True, exist_ok=True)
        api_version = MUTANTS[name].api_version
        transport = MUTANTS[name].transport
        run = run_suite(
            name, workdir, api_version=api_version, whole=True, fuzz=fuzz, transport=transport
        )
        if run.returncode in VERDICTS:
            break
        time.sleep(5)
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutants.blame_report")
    parser.add_argument("mutants", nargs="*", help="mutant names (default: every mutant)")
    parser.add_argument("--jobs", type=int, default=2, help="suite runs at once (default 2)")
    parser.add_argument("--fuzz", action="store_true", help="keep the fuzz state machine's test")
    args = parser.parse_args(argv)
    names = args.mutants or sorted(MUTANTS)
    unknown = [n for n in names if n not in MUTANTS]
    if unknown:
        parser.error(f"unknown mutants: {unknown}")
    catalog = catalog_mod.load()
    imprecise: dict[str, set[str]] = {}
    survived: list[str] = []
    broken: list[str] = []
    total = 0
    with tempfile.TemporaryDirectory(prefix="blame-") as tmp, ThreadPoolExecutor(args.jobs) as pool:
        runs = pool.map(lambda n: (n, measure(n, Path(tmp), args.fuzz)), names)
        for name, run in runs:
            declared = expand(MUTANTS[name].behaviors, catalog)
            allowed = declared | CASCADES.get(name, {}).keys()
            outside = set(run.blamed) - allowed
            total += len(run.blamed)
            if run.returncode not in VERDICTS:
                broken.append(name)
                tail = run.output.strip().splitlines()[-1:] or ["(no output)"]
                print(f"{name}: NO VERDICT exit {run.returncode}: {tail[0][:200]}", flush=True)
                continue
            if not run.killed or not set(run.blamed) & declared:
                survived.append(name)
            if outside:
                imprecise[name] = outside
            blamed = ", ".join(run.blamed)
            print(f"{name}: {len(run.blamed)} blamed [{blamed}] exit {run.returncode} "
                  f"{run.wall:.0f}s", flush=True)  # fmt: skip
            if run.unverified:
                odd = ", ".join(f"{b}({o})" for b, o in run.unverified.items())
                print(f"    unverified: {odd}", flush=True)
            if outside:
                print(f"    NOT DECLARED: {', '.join(sorted(outside))}", flush=True)
    measured = len(names) - len(broken)
    print(f"\nmutants: {len(names)}, measured: {measured}")
    if broken:
        print(f"no verdict (suite did not run): {', '.join(broken)}")
    print(f"mean blamed behaviors per mutant: {total / max(measured, 1):.2f}")
    print(f"killed on a declared behavior: {measured - len(survived)}/{measured}")
    if survived:
        print(f"not killed on a declared behavior: {', '.join(survived)}")
    print(f"blame not exact: {len(imprecise)}/{measured}")
    for name, outside in sorted(imprecise.items()):
        print(f"  {name}: {', '.join(sorted(outside))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
