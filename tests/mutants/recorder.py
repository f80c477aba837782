"""pytest plugin loaded into the suite runs of the mutant tests (`-p tests.mutants.recorder`):
records each suite test's behavior ids as junit properties (`<property name="behavior" .../>`), so
the verdict can say which behaviors the failing tests check."""

from __future__ import annotations

import pytest

from conformance.catalog import marker_ids

PROPERTY = "behavior"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for behavior in marker_ids(item):
            item.user_properties.append((PROPERTY, behavior))
