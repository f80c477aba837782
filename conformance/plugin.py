"""pytest plugin of the conformance suite: options, the `behavior` marker, fixtures and hooks.

Loaded in every pytest run of an environment where the package is installed (pytest11 entry
point), so it stays inert unless a test asks for a suite fixture or carries a `behavior` marker:
then the target is probed (or the embedded reference server started) once, before the first test.

Exit codes of a plain pytest run keep pytest's meaning, except: an unreachable target ends the run
with 3 and a server that fails to start with 4 (`pytest.exit`). `pinecone-conformance run` maps all
outcomes to its own documented codes using `exit_reason`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import catalog as catalog_mod
from conformance.client import ControlPlaneClient, DataPlaneClient
from conformance.config import OPTIONS, ConfigError, TargetConfig, resolve
from conformance.launcher import LaunchError
from conformance.redact import redact
from conformance.space import METRICS, IndexInfo, Space, SuiteSession, TargetError

SUITE_DIR = Path(__file__).with_name("suite")
SUITE_FIXTURES = frozenset(
    {
        "target",
        "dense_space",
        "metric_space",
        "sparse_space",
        "hybrid_space",
        "default_space",
        "control_plane",
        "data_client",
        "conformance_session",
    }
)
NOT_APPLICABLE = "not applicable: "

CONFIG_KEY = pytest.StashKey[TargetConfig]()
CATALOG_KEY = pytest.StashKey[catalog_mod.Catalog]()
SESSION_KEY = pytest.StashKey[SuiteSession]()
BEHAVIORS_KEY = pytest.StashKey[list[catalog_mod.Behavior]]()
CLIENTS_KEY = pytest.StashKey[list[Any]]()

# Why the last run in this process stopped early: "usage", "unavailable" or "harness" (for the CLI).
exit_reason: str | None = None


def _stop(reason: str, message: str) -> None:
    """End the run: a usage error (exit 2 via the CLI), or pytest.exit with 3 or 4."""
    global exit_reason
    exit_reason = reason
    if reason == "usage":
        raise pytest.UsageError(message)
    pytest.exit(message, returncode=3 if reason == "unavailable" else 4)


# -- options ------------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Pinecone API conformance suite")
    for option in OPTIONS:
        help_text = f"{option.help} [env {option.env}]"
        if option.kind == "bool":
            group.addoption(option.flag, action="store_true", default=None, help=help_text)
        elif option.kind == "list":
            group.addoption(
                option.flag, action="append", default=None, metavar=option.metavar, help=help_text
            )
        else:
            group.addoption(option.flag, default=None, metavar=option.metavar, help=help_text)
    parser.addini("conformance_catalog", "behavior catalog file (default: the packaged one)")
    parser.addini(
        "conformance_suite_paths",
        "extra directories whose tests must carry a behavior marker",
        type="linelist",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    global exit_reason
    exit_reason = None
    config.addinivalue_line(
        "markers",
        "behavior(*ids): the catalog behaviors (conformance/behaviors.toml) this test checks",
    )
    cli = {o.dest: config.getoption(o.dest, None) for o in OPTIONS}
    try:
        config.stash[CONFIG_KEY] = resolve(cli, os.environ)
    except ConfigError as exc:
        _stop("usage", redact(str(exc)))


def get_config(config: pytest.Config) -> TargetConfig:
    """The run's validated TargetConfig."""
    return config.stash[CONFIG_KEY]


# -- collection: markers, selection, applicability ------------------------------------------------
def _suite_dirs(config: pytest.Config) -> list[Path]:
    extra = [Path(p) for p in config.getini("conformance_suite_paths")]
    return [SUITE_DIR, *(p if p.is_absolute() else config.rootpath / p for p in extra)]


def _in_suite(item: pytest.Item, dirs: list[Path]) -> bool:
    path = Path(item.path).resolve()
    return any(path.is_relative_to(d.resolve()) for d in dirs)


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
    cfg = get_config(config)
    dirs = _suite_dirs(config)
    required = [i for i in items if _in_suite(i, dirs)]
    marked = [i for i in items if i.get_closest_marker(catalog_mod.MARKER) is not None]
    if not required and not marked and not cfg.behavior:
        return
    try:
        cat = load_catalog(config)
    except catalog_mod.CatalogError as exc:
        _stop("harness", f"behavior catalog: {exc}")
    problems = []
    for item in dict.fromkeys([*required, *marked]):
        ids = catalog_mod.marker_ids(item)
        problem = catalog_mod.marker_problem(ids, cat)
        if problem:
            problems.append(f"  {item.nodeid}: {problem}")
        else:
            item.stash[BEHAVIORS_KEY] = [cat[i] for i in ids]
    if problems:
        _stop("harness", f"{len(problems)} suite tests cannot be run:\n" + "\n".join(problems))

    wanted: set[str] | None = None
    if cfg.behavior:
        wanted = set()
        for pattern in cfg.behavior:
            found = cat.match(pattern)
            if not found:
                _stop("usage", f"--behavior {pattern}: no such behavior in the catalog")
            wanted.update(found)
    keep, drop = [], []
    for item in items:
        behaviors = item.stash.get(BEHAVIORS_KEY, [])
        selected = wanted is None or any(b.id in wanted for b in behaviors)
        if cfg.level == "MUST" and any(b.level != "MUST" for b in behaviors):
            selected = False
        (keep if selected else drop).append(item)
        excluded = [b for b in behaviors if not b.applies_to_version(cfg.api_version)]
        if selected and excluded:
            b = excluded[0]
            item.add_marker(
                pytest.mark.skip(
                    reason=f"{NOT_APPLICABLE}{b.id} applies to API versions {b.version_range()}, "
                    f"not {cfg.api_version}"
                )
            )
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _uses_suite(items: list[pytest.Item]) -> bool:
    return any(SUITE_FIXTURES & set(getattr(i, "fixturenames", ())) for i in items)


def _worker(config: pytest.Config) -> tuple[str, str]:
    """(run id, worker id): shared run id across xdist workers."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput:
        return str(workerinput.get("testrunuid", uuid.uuid4().hex))[:8], workerinput["workerid"]
    return uuid.uuid4().hex[:8], "m"


def _start(config: pytest.Config) -> SuiteSession:
    """Start the embedded server or probe the target, ending the run cleanly if that fails."""
    run_id, worker = _worker(config)
    suite = SuiteSession(get_config(config), run_id, worker)
    try:
        suite.start()
    except TargetError as exc:
        suite.close()
        _stop("unavailable" if exc.kind == "unavailable" else "usage", redact(str(exc)))
    except LaunchError as exc:
        suite.close()
        _stop("harness", f"the embedded server did not start: {redact(str(exc))}")
    return suite


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under xdist the controller collects nothing: probe a foreign target here, once."""
    config = session.config
    if hasattr(config, "workerinput") or not config.pluginmanager.hasplugin("dsession"):
        return
    cfg = get_config(config)
    suite_run = any("conformance.suite" in a or "conformance/suite" in a for a in config.args)
    if suite_run and not cfg.embedded:
        _start(config).close()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Outside xdist workers, check the target before the first test rather than in every test."""
    config = session.config
    if hasattr(config, "workerinput") or SESSION_KEY in config.stash:
        return
    if session.items and _uses_suite(session.items) and not config.option.collectonly:
        config.stash[SESSION_KEY] = _start(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    suite = config.stash.get(SESSION_KEY, None)
    if suite is not None:
        suite.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Attach the wire transcript (API key masked) to a failed or erroring test's report."""
    outcome = yield
    report = outcome.get_result()
    clients = item.stash.get(CLIENTS_KEY, None)
    if report.failed and clients:
        text = "\n\n".join(c.render_transcript() for c in clients if c.transcript)
        if text:
            report.sections.append((f"wire transcript ({report.when})", redact(text[-20000:])))


# -- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> TargetConfig:
    """The validated TargetConfig of this run."""
    return get_config(pytestconfig)


@pytest.fixture(scope="session")
def conformance_session(pytestconfig: pytest.Config) -> Iterator[SuiteSession]:
    """The started SuiteSession: the embedded server or the probed target (one per xdist worker)."""
    suite = pytestconfig.stash.get(SESSION_KEY, None)
    if suite is None:
        run_id, worker = _worker(pytestconfig)
        suite = SuiteSession(get_config(pytestconfig), run_id, worker)
        try:
            suite.start()
        except (TargetError, LaunchError) as exc:
            suite.close()
            pytest.fail(f"target not usable: {redact(str(exc))}", pytrace=False)
        pytestconfig.stash[SESSION_KEY] = suite
    yield suite
    suite.close()
    del pytestconfig.stash[SESSION_KEY]


def _track(request: pytest.FixtureRequest, client: Any) -> None:
    node = request.node
    if CLIENTS_KEY not in node.stash:
        node.stash[CLIENTS_KEY] = []
    node.stash[CLIENTS_KEY].append(client)


def _open(
    request: pytest.FixtureRequest,
    suite: SuiteSession,
    index: IndexInfo | None,
    kind: str,
    missing: str,
    *,
    default: bool = False,
) -> Iterator[Space]:
    if index is None:
        pytest.skip(NOT_APPLICABLE + missing)
    for behavior in request.node.stash.get(BEHAVIORS_KEY, []):
        if not behavior.applies_to_kind(kind):
            kinds = ", ".join(behavior.kinds)
            pytest.skip(f"{NOT_APPLICABLE}{behavior.id} applies to {kinds} indexes, not {kind}")
    space = suite.space(index, default=default)
    _track(request, space.client)
    yield space
    space.cleanup()


@pytest.fixture
def dense_space(request: pytest.FixtureRequest, conformance_session: SuiteSession):
    """A Space in a fresh namespace of a dense index (cosine on the embedded server)."""
    yield from _open(
        request, conformance_session, conformance_session.dense, "dense", "no dense index"
    )


@pytest.fixture(params=METRICS)
def metric_space(request: pytest.FixtureRequest, conformance_session: SuiteSession):
    """A Space on a dense index of each metric (ids `cosine`, `euclidean`, `dotproduct`)."""
    index = conformance_session.by_metric(request.param)
    yield from _open(request, conformance_session, index, "dense", f"no {request.param} index")


@pytest.fixture
def sparse_space(request: pytest.FixtureRequest, conformance_session: SuiteSession):
    """A Space on a sparse index."""
    index = conformance_session.sparse
    yield from _open(
        request, conformance_session, index, "sparse", "the target has no sparse index"
    )


@pytest.fixture
def hybrid_space(request: pytest.FixtureRequest, conformance_session: SuiteSession):
    """A Space on a dense dotproduct index, for hybrid (dense + sparse) records and queries."""
    index = conformance_session.hybrid
    yield from _open(request, conformance_session, index, "hybrid", "no dense dotproduct index")


@pytest.fixture
def default_space(request: pytest.FixtureRequest, conformance_session: SuiteSession):
    """A Space in the dense index's default namespace (`ns == ""`); cleanup deletes exactly the
    ids upserted through it."""
    if not conformance_session.cfg.allow_default_namespace:
        pytest.skip(NOT_APPLICABLE + "the default namespace needs --allow-default-namespace")
    index = conformance_session.dense
    yield from _open(request, conformance_session, index, "dense", "no dense index", default=True)


@pytest.fixture
def control_plane(
    request: pytest.FixtureRequest, conformance_session: SuiteSession
) -> ControlPlaneClient:
    """A ControlPlaneClient (not applicable without --control-plane)."""
    client = conformance_session.control_client()
    if client is None:
        pytest.skip(NOT_APPLICABLE + "no control plane given (--control-plane)")
    _track(request, client)
    return client


@pytest.fixture
def data_client(
    request: pytest.FixtureRequest, conformance_session: SuiteSession
) -> DataPlaneClient:
    """A DataPlaneClient for the dense index (the main target), for raw requests."""
    index = conformance_session.dense or conformance_session.primary
    if index is None:
        pytest.skip(NOT_APPLICABLE + "no index")
    client = conformance_session.data_client(index)
    _track(request, client)
    return client
