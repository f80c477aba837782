"""The behavior catalog and the suite cover each other (in-process, no server).

Every catalog entry has at least one suite test; every suite test names at least one behavior and
only behaviors of the catalog; the catalog has at least 120 entries, each with a statement, a level
MUST or SHOULD and a source. The tests are found by collecting the suite (`--collect-only`) and
reading each item's `behavior` markers; the catalog is read both through `conformance.catalog` and
as raw TOML, so an entry the loader dropped would show.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from conformance import catalog
from conformance.plugin.selection import SUITE_DIR
from tests.support.collect import collect_suite

MIN_ENTRIES = 120


@pytest.fixture(scope="module")
def suite_items() -> list[Any]:
    """Every test of the suite (of the widest profile), collected in this process (nothing runs)."""
    # every behavior, the reference server's own decisions included
    status, items, output = collect_suite("--profile", catalog.PARITY)
    assert status == pytest.ExitCode.OK, f"collection failed ({status}):\n{output[-3000:]}"
    assert items, "the suite collected no tests"
    return items


@pytest.fixture(scope="module")
def raw_entries() -> list[dict[str, Any]]:
    """The catalog file's `[[behavior]]` tables, as written."""
    return tomllib.loads(catalog.DEFAULT_PATH.read_text(encoding="utf-8"))["behavior"]


def test_catalog_size_and_fields(raw_entries: list[dict[str, Any]]) -> None:
    """At least 120 entries, unique ids, each with a statement, a MUST/SHOULD level and a source;
    the loader keeps every one of them."""
    assert len(raw_entries) >= MIN_ENTRIES, f"only {len(raw_entries)} behaviors in the catalog"
    ids = [e.get("id") for e in raw_entries]
    assert len(set(ids)) == len(ids), "duplicate ids"
    bad = [
        f"{e.get('id')}: {field}"
        for e in raw_entries
        for field, good in (
            ("statement", isinstance(e.get("statement"), str) and e["statement"].strip()),
            ("level", e.get("level") in ("MUST", "SHOULD")),
            ("source", isinstance(e.get("source"), str) and e["source"].strip()),
        )
        if not good
    ]
    assert not bad, "entries with a missing or invalid field:\n  " + "\n  ".join(bad)
    loaded = catalog.load()
    assert list(loaded) == ids, "catalog.load() does not keep every entry in file order"


def test_every_behavior_has_a_test(suite_items: list[Any]) -> None:
    """No catalog entry is without a suite test."""
    cat = catalog.load()
    tests = catalog.tests_by_behavior(suite_items, cat)
    untested = [i for i in cat if not tests[i]]
    assert not untested, f"{len(untested)} behaviors have no test: {', '.join(untested)}"


def test_every_test_names_catalog_behaviors(suite_items: list[Any]) -> None:
    """Every test of the suite directory carries a behavior marker naming only catalog ids."""
    cat = catalog.load()
    suite_dir = SUITE_DIR.resolve()
    in_suite = [i for i in suite_items if Path(i.path).resolve().is_relative_to(suite_dir)]
    assert len(in_suite) == len(suite_items), "collected tests from outside the suite directory"
    problems = []
    for item in in_suite:
        ids = catalog.marker_ids(item)
        if not ids:
            problems.append(f"{item.nodeid}: no behavior marker")
        unknown = [i for i in ids if i not in cat]
        if unknown:
            problems.append(f"{item.nodeid}: not in the catalog: {', '.join(unknown)}")
    assert not problems, "\n".join(problems)
    print(f"{len(cat)} behaviors, {len(in_suite)} suite tests")
