"""Every mutant must be killed: the conformance suite, run against it, fails on a test of a behavior
the mutant breaks. The same runner with no mutant (`none`) must pass.

Each case runs the tests of the mutant's declared behaviors once as a subprocess (`-x`: it stops
at the first failure) against `python -m tests.mutants.run NAME`, and reads the failing test's
behavior ids from the junit XML (recorded there by `tests.mutants.recorder`). The mutants of
`SAMPLE` are proven killed by their whole-suite run in `test_precision.py` instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import catalog as catalog_mod
from tests.mutants.mutants import MUTANTS
from tests.mutants.run import CONTROL
from tests.mutants.sample import SAMPLE
from tests.mutants.suite_runs import FOUND, expand, run_suite

VERDICT = "mutant_verdict"


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
# (API version, transport) of every run a mutant gets, the default ones first
RUNS = sorted(
    {(None, None)} | {(m.api_version, m.transport) for m in MUTANTS.values()},
    key=lambda r: (r[1] or "", r[0] or ""),
)


@pytest.mark.parametrize(
    ("api_version", "transport"),
    RUNS,
    ids=["-".join(filter(None, r)) or "default" for r in RUNS],
)
def test_reference_passes(tmp_path: Path, api_version: str | None, transport: str | None) -> None:
    """The control: the runner with no mutant passes the whole suite (at the default API version
    and transport, and at every version and transport a mutant is run with)."""
    run = run_suite(CONTROL, tmp_path, api_version=api_version, transport=transport)
    assert run.returncode == 0 and not run.failures, (
        f"the unmutated reference failed at {api_version or 'the default version'} "
        f"over {transport or 'the default transport'} "
        f"(exit {run.returncode}): "
        f"{[f.test for f in run.failures]}\n{run.output[-3000:]}"
    )
    assert run.tests > 0


@pytest.mark.parametrize("name", sorted(set(MUTANTS) - set(SAMPLE)))
def test_mutant_is_killed(
    name: str, tmp_path: Path, catalog: catalog_mod.Catalog, record_property
) -> None:
    """The suite fails against the mutant on a test of a behavior it breaks.

    Only the tests of the declared behaviors run (stopping at the first failure): that one of them
    fails is the whole claim, and what the rest of the suite blames is the precision tests'
    business (`test_precision.py`, whose exhaustive tier runs the whole suite per mutant).
    """
    mutant = MUTANTS[name]
    declared = expand(mutant.behaviors, catalog)
    run = run_suite(
        name, tmp_path, mutant.behaviors, mutant.api_version, transport=mutant.transport
    )
    first = run.failures[0] if run.failures else None
    record_property(VERDICT, f"SURVIVED|{name}|{first.test if first else '-'}")
    assert run.failures and run.returncode in FOUND, (
        f"mutant {name!r} ({mutant.summary}) SURVIVED: no test of {sorted(mutant.behaviors)} "
        f"fails against it (exit {run.returncode})\n{run.output[-2000:]}"
    )
    named = {b for f in run.failures for b in f.behaviors}
    assert named & declared, (run.failures, sorted(declared))
    record_property(VERDICT, f"killed|{name}|{first.test if first else '-'}")


def test_runner_rejects_unknown_mutant(capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m tests.mutants.run` with an unknown name exits 2 and lists the mutants."""
    from tests.mutants.run import main

    assert main(["no-such-mutant", "--port", "0"]) == 2
    assert "upsert-keeps-old" in capsys.readouterr().err
