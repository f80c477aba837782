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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conformance import catalog as catalog_mod
from tests.mutants.cascades import CASCADES
from tests.mutants.mutants import MUTANTS
from tests.mutants.suite_runs import SuiteRun, expand, run_suite


def measure(name: str, root: Path, fuzz: bool) -> SuiteRun:
    """The whole-suite run of one mutant, in a folder of its own under `root`."""
    workdir = root / name
    workdir.mkdir(parents=True, exist_ok=True)
    return run_suite(name, workdir, api_version=MUTANTS[name].api_version, whole=True, fuzz=fuzz)


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
    total = 0
    with tempfile.TemporaryDirectory(prefix="blame-") as tmp, ThreadPoolExecutor(args.jobs) as pool:
        runs = pool.map(lambda n: (n, measure(n, Path(tmp), args.fuzz)), names)
        for name, run in runs:
            declared = expand(MUTANTS[name].behaviors, catalog)
            allowed = declared | CASCADES.get(name, {}).keys()
            outside = set(run.blamed) - allowed
            total += len(run.blamed)
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
    print(f"\nmutants: {len(names)}")
    print(f"mean blamed behaviors per mutant: {total / len(names):.2f}")
    print(f"killed on a declared behavior: {len(names) - len(survived)}/{len(names)}")
    if survived:
        print(f"not killed on a declared behavior: {', '.join(survived)}")
    print(f"blame not exact: {len(imprecise)}/{len(names)}")
    for name, outside in sorted(imprecise.items()):
        print(f"  {name}: {', '.join(sorted(outside))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
