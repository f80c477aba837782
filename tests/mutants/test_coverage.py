"""Every catalog behavior is named by at least one registered mutant, so every conformance test is
shown able to fail; the few exceptions are listed here, each with its reason.

A new catalog behavior without a mutant fails `test_every_behavior_has_a_mutant`; a listed
exception that gains a mutant fails `test_allow_list_is_current`, so the list only shrinks.
"""

from __future__ import annotations

from conformance import catalog as catalog_mod
from tests.mutants.mutants import MUTANTS

NOT_COVERED: dict[str, str] = {
    # The fuzz model's agreement is a property of whole random sessions, not of one test: it is
    # proven able to fail by tests/fuzz/test_mutant_hunt.py, whose fuzz sessions find the mutants.
    "FUZZ-MODEL-AGREEMENT": "proven by tests/fuzz/test_mutant_hunt.py",
    # Applies only to a target addressed by --environment/--index-name (DNS names under
    # pinecone.io); the mutant runs address the embedded server by URL, where it does not apply.
    "SEED-INDEX-ENDPOINT-FORM": "not applicable to a target addressed by URL",
}
"""Behaviors no mutant names yet, with the reason."""


def covered(catalog: catalog_mod.Catalog) -> set[str]:
    """The catalog ids named by some registered mutant's ids or `*` patterns."""
    return {i for m in MUTANTS.values() for p in m.behaviors for i in catalog.match(p)}


def test_every_behavior_has_a_mutant() -> None:
    """Each catalog behavior outside `NOT_COVERED` is named by a mutant."""
    catalog = catalog_mod.load()
    missing = [i for i in catalog if i not in covered(catalog) and i not in NOT_COVERED]
    assert not missing, f"behaviors no mutant breaks (add a mutant in tests/mutants): {missing}"


def test_allow_list_is_current() -> None:
    """Every `NOT_COVERED` id is in the catalog and still has no mutant."""
    catalog = catalog_mod.load()
    unknown = sorted(set(NOT_COVERED) - set(catalog))
    assert not unknown, f"NOT_COVERED names behaviors that are not in the catalog: {unknown}"
    stale = sorted(set(NOT_COVERED) & covered(catalog))
    assert not stale, f"these now have a mutant; remove them from NOT_COVERED: {stale}"
