"""Collection: every suite test names catalog behaviors, and what runs is selected from them.

A suite test without a valid `behavior` marker stops the run (a harness error: the catalog and
the tests must not drift apart). `--behavior`, `--level` and `--profile` deselect tests; a test
whose behaviors do not apply to the API version or to the data plane's wire form (`--transport`)
is kept and reported not applicable.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import catalog as catalog_mod
from conformance.outcomes import NOT_APPLICABLE_PREFIX, ExitCode
from conformance.plugin.run import get_run

SUITE_DIR = Path(__file__).resolve().parents[1] / "suite"
BEHAVIORS_KEY = pytest.StashKey[list[catalog_mod.Behavior]]()
CATALOG_KEY = pytest.StashKey[catalog_mod.Catalog]()


def suite_dirs(config: pytest.Config) -> list[Path]:
    """The packaged suite and any `conformance_suite_paths` directories."""
    extra = [Path(p) for p in config.getini("conformance_suite_paths")]
    return [SUITE_DIR, *(p if p.is_absolute() else config.rootpath / p for p in extra)]


def _in_suite(item: pytest.Item, dirs: list[Path]) -> bool:
    path = Path(item.path).resolve()
    return any(path.is_relative_to(d.resolve()) for d in dirs)


def behaviors_of(item: pytest.Item) -> list[catalog_mod.Behavior] | None:
    """The catalog behaviors a collected suite test checks (None: not a suite test)."""
    return item.stash.get(BEHAVIORS_KEY, None)


def load_catalog(config: pytest.Config) -> catalog_mod.Catalog:
    """The catalog named by the `conformance_catalog` ini option, or the packaged one (cached)."""
    if CATALOG_KEY not in config.stash:
        configured = config.getini("conformance_catalog")
        path = (config.rootpath / configured) if configured else None
        config.stash[CATALOG_KEY] = catalog_mod.load(path)
    return config.stash[CATALOG_KEY]


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    run = get_run(config)
    cfg = run.cfg
    dirs = suite_dirs(config)
    required = [i for i in items if _in_suite(i, dirs)]
    marked = [i for i in items if i.get_closest_marker(catalog_mod.MARKER) is not None]
    if not required and not marked and not cfg.behavior:
        return
    try:
        cat = load_catalog(config)
    except catalog_mod.CatalogError as exc:
        run.stop(ExitCode.HARNESS_ERROR, f"behavior catalog: {exc}")
    problems = []
    for item in dict.fromkeys([*required, *marked]):
        ids = catalog_mod.marker_ids(item)
        problem = catalog_mod.marker_problem(ids, cat)
        if problem:
            problems.append(f"  {item.nodeid}: {problem}")
        else:
            item.stash[BEHAVIORS_KEY] = [cat[i] for i in ids]
    if problems:
        run.stop(
            ExitCode.HARNESS_ERROR,
            f"{len(problems)} suite tests cannot be run:\n" + "\n".join(problems),
        )

    assert run.gating is not None
    profile = run.gating.profile
    wanted: set[str] | None = None
    if cfg.behavior:
        wanted = set()
        for pattern in cfg.behavior:
            found = cat.match(pattern)
            if not found:
                run.stop(ExitCode.USAGE, f"--behavior {pattern}: no such behavior in the catalog")
            wanted.update(found)
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        behaviors = item.stash.get(BEHAVIORS_KEY, [])
        selected = wanted is None or any(b.id in wanted for b in behaviors)
        if behaviors and not any(catalog_mod.in_profile(profile, b) for b in behaviors):
            selected = False
        if cfg.level == "MUST" and any(b.level != "MUST" for b in behaviors):
            selected = False
        (keep if selected else drop).append(item)
        excluded = [b for b in behaviors if not b.applies_to_version(cfg.api_version)]
        if selected and excluded:
            b = excluded[0]
            item.add_marker(
                pytest.mark.skip(
                    reason=f"{NOT_APPLICABLE_PREFIX}{b.id} applies to API versions "
                    f"{b.version_range()}, not {cfg.api_version}"
                )
            )
        elsewhere = [b for b in behaviors if not b.applies_to_transport(cfg.transport)]
        if selected and elsewhere and not excluded:
            b = elsewhere[0]
            item.add_marker(
                pytest.mark.skip(
                    reason=f"{NOT_APPLICABLE_PREFIX}{b.id} exists over "
                    f"{' and '.join(b.transports)} only, not over {cfg.transport}"
                )
            )
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
