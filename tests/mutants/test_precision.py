"""One deviation, one blame: a mutant fails the behaviors it declares and nothing else.

Each case runs the whole suite (not `-x`) against one mutant and checks that every behavior the
run blames (rolled up as failed: see `tests.mutants.suite_runs.BLAME` for why harness errors
are not blame) is one the mutant declares, or an extra listed for it in
`tests.mutants.cascades` with its reason. The same run proves the mutant killed, so the
`SAMPLE` mutants have no separate kill case. The fuzz state machine's test is left out (see
`tests.mutants.suite_runs.STATEFUL_TEST`).

Only `SAMPLE` runs by default; every other mutant is in the `exhaustive` tier
(`pytest -n 2 -m exhaustive tests/mutants/test_precision.py`; `-m ""` for all of them).
`python -m tests.mutants.blame_report` prints the same figures without asserting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import catalog as catalog_mod
from tests.mutants.cascades import CASCADES
from tests.mutants.mutants import MUTANTS
from tests.mutants.sample import SAMPLE
from tests.mutants.suite_runs import expand, run_suite
from tests.mutants.test_kills import VERDICT

CASES = [
    pytest.param(name, marks=() if name in SAMPLE else pytest.mark.exhaustive)
    for name in sorted(MUTANTS)
]


@pytest.fixture(scope="module")
def catalog() -> catalog_mod.Catalog:
    return catalog_mod.load()


def test_sample_names_mutants() -> None:
    """Every `SAMPLE` name is a registered mutant, listed once."""
    assert not set(SAMPLE) - set(MUTANTS), set(SAMPLE) - set(MUTANTS)
    assert len(set(SAMPLE)) == len(SAMPLE)


def test_cascades_are_current(catalog: catalog_mod.Catalog) -> None:
    """Every cascade names a mutant and catalog behaviors it does not already declare."""
    for name, extras in CASCADES.items():
        assert name in MUTANTS, f"cascade for unknown mutant {name!r}"
        stale = set(extras) & expand(MUTANTS[name].behaviors, catalog)
        unknown = set(extras) - set(catalog)
        assert not stale and not unknown, (name, sorted(stale), sorted(unknown))


@pytest.mark.parametrize("name", CASES)
def test_blame_is_precise(
    name: str, tmp_path: Path, catalog: catalog_mod.Catalog, record_property
) -> None:
    """The whole suite fails against the mutant on a declared behavior, and only on declared
    (or listed cascade) behaviors."""
    mutant = MUTANTS[name]
    declared = expand(mutant.behaviors, catalog)
    run = run_suite(
        name,
        tmp_path,
        api_version=mutant.api_version,
        whole=True,
        fuzz=False,
        transport=mutant.transport,
    )
    first = run.failures[0].test if run.failures else "-"
    record_property(VERDICT, f"SURVIVED|{name}|{first}")
    assert run.killed and set(run.blamed) & declared, (
        f"mutant {name!r} ({mutant.summary}) SURVIVED: exit {run.returncode}, blamed "
        f"{sorted(run.blamed)}, declared {sorted(mutant.behaviors)}\n{run.output[-2000:]}"
    )
    record_property(VERDICT, f"killed|{name}|{first}")
    outside = {
        b: o for b, o in run.blamed.items() if b not in declared and b not in CASCADES.get(name, {})
    }
    failing = [f"{f.test} {f.behaviors}: {f.message}" for f in run.failures]
    assert not outside, (
        f"mutant {name!r} ({mutant.summary}) declares {sorted(mutant.behaviors)} but the suite "
        f"also blames {outside}; failing tests:\n" + "\n".join(failing)
    )
