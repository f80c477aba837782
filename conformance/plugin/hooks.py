"""pytest plugin of the conformance suite: options, the `behavior` marker, fixtures and hooks.

Loaded in every pytest run of an environment where the package is installed (pytest11 entry
point), so it stays inert unless a test asks for a suite fixture or carries a `behavior` marker:
then the target is probed (or the embedded reference server started) once, before the first test.

Every run of suite tests writes `<reports dir>/<run id>/results.json` (docs/results-schema.md) and
the reports derived from it, once, on the controller: xdist workers send each phase's record as
the `conformance` attribute of their test reports. The exit status of such a run, plain pytest or
`pinecone-conformance run`, is the documented one (0 conformant, 1 non-conformant, 3 target
unavailable, 4 harness error); a usage error stays pytest's (4) and is 2 through the CLI.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance import catalog as catalog_mod
from conformance import outcomes as oc
from conformance.config import OPTIONS, ConfigError, TargetConfig, resolve
from conformance.plugin.progress import Progress
from conformance.redact import redact
from conformance.results import document as results
from conformance.results import expectations as exp_mod
from conformance.target.client import ControlPlaneClient, DataPlaneClient
from conformance.target.indexes import IndexCreationError, IndexInfo
from conformance.target.launcher import LaunchError
from conformance.target.session import METRICS, SuiteSession, TargetError
from conformance.target.space import Space

SUITE_DIR = Path(__file__).resolve().parents[1] / "suite"
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
# Behaviors observable only on a target that rejects a missing or wrong API key.
AUTH_ENFORCEMENT_BEHAVIORS = frozenset(
    {"AUTH-DATA-PLANE-REJECTS-BAD-KEY", "AUTH-CONTROL-PLANE-UNAUTHENTICATED"}
)
NO_AUTH_ENFORCEMENT_REASON = "the target does not enforce API keys (--no-auth-enforcement)"

CONFIG_KEY = pytest.StashKey[TargetConfig]()
CATALOG_KEY = pytest.StashKey[catalog_mod.Catalog]()
SESSION_KEY = pytest.StashKey[SuiteSession]()
BEHAVIORS_KEY = pytest.StashKey[list[catalog_mod.Behavior]]()
CLIENTS_KEY = pytest.StashKey[list[Any]]()
RECORDER_KEY = pytest.StashKey[results.Recorder]()
RUN_KEY = pytest.StashKey[dict[str, Any]]()
START_FAILURE_KEY = pytest.StashKey[str]()

# Why the last run in this process stopped early: "usage", "unavailable" or "harness" (for the CLI).
exit_reason: str | None = None
exit_message: str | None = None
# The results document of the last run in this process (None when it recorded nothing).
last_results: dict[str, Any] | None = None


def _stop(reason: str, message: str) -> None:
    """End the run: a usage error (exit 2 via the CLI), or pytest.exit with 3 or 4."""
    global exit_reason, exit_message
    exit_reason, exit_message = reason, message
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
    group.addoption(
        "--profile",
        choices=sorted(catalog_mod.PROFILES),
        default=None,
        help="core: the seed document's behaviors; full: every behavior (default) "
        "[env PINECONE_CONFORMANCE_PROFILE]",
    )
    group.addoption(
        "--expectations",
        default=None,
        metavar="FILE",
        help="TOML file of known failures (behavior or test id, reason, link, expires) "
        "[env PINECONE_CONFORMANCE_EXPECTATIONS]",
    )
    group.addoption(
        "--strict-expectations",
        action="store_true",
        default=None,
        help="fail the run on an unexpected pass, an expired or an unmatched expectation "
        "(`pinecone-conformance run --strict`) [env PINECONE_CONFORMANCE_STRICT]",
    )
    group.addoption(
        "--reports-dir",
        default=None,
        metavar="DIR",
        help="where each run writes <run id>/results.json and its reports (default reports) "
        "[env PINECONE_CONFORMANCE_REPORTS_DIR]",
    )
    group.addoption(
        "--no-reports", action="store_true", default=False, help="write no results or reports"
    )
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
    global exit_message, last_results
    exit_message, last_results = None, None
    cli = {o.dest: config.getoption(o.dest, None) for o in OPTIONS}
    try:
        config.stash[CONFIG_KEY] = resolve(cli, os.environ)
    except ConfigError as exc:
        _stop("usage", redact(str(exc)))
    config.stash[RUN_KEY] = _run_options(config)
    global _current_config
    _current_config = config
    if not hasattr(config, "workerinput"):
        config.stash[RECORDER_KEY] = results.Recorder()
        config.pluginmanager.register(Progress(config, _is_suite_report), "conformance-progress")


def _env_or(config: pytest.Config, dest: str, env: str) -> Any:
    value = config.getoption(dest, None)
    return value if value is not None else os.environ.get(env) or None


def _run_options(config: pytest.Config) -> dict[str, Any]:
    """The reporting and gating options (profile, expectations, strict, reports dir), checked."""
    profile = (
        _env_or(config, "profile", "PINECONE_CONFORMANCE_PROFILE") or catalog_mod.DEFAULT_PROFILE
    )
    if profile not in catalog_mod.PROFILES:
        _stop("usage", f"--profile: {profile!r} is not one of {', '.join(catalog_mod.PROFILES)}")
    strict = _env_or(config, "strict_expectations", "PINECONE_CONFORMANCE_STRICT")
    path = _env_or(config, "expectations", "PINECONE_CONFORMANCE_EXPECTATIONS")
    entries: list[exp_mod.Expectation] = []
    digest = None
    if path:
        try:
            entries, raw = exp_mod.load(path)
        except exp_mod.ExpectationsError as exc:
            _stop("usage", str(exc))
        digest = results.sha256(raw)
    reports = _env_or(config, "reports_dir", "PINECONE_CONFORMANCE_REPORTS_DIR") or "reports"
    return {
        "profile": profile,
        "strict": strict in (True, "1", "true", "yes", "on"),
        "expectations": path,
        "expectations_hash": digest,
        "entries": entries,
        "reports_dir": None if config.getoption("no_reports", False) else reports,
        "started": time.time(),
    }


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

    profile = config.stash[RUN_KEY]["profile"]
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
        for problem in suite.close():
            sys.stderr.write(f"conformance: cleanup failed: {problem}\n")


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
    behaviors = item.stash.get(BEHAVIORS_KEY, None)
    if behaviors is not None:
        report.conformance = _phase_record(item, call, report, behaviors, clients or [])


def _phase_record(
    item: pytest.Item,
    call: pytest.CallInfo,
    report: pytest.TestReport,
    behaviors: list[catalog_mod.Behavior],
    clients: list[Any],
) -> dict[str, Any]:
    """What the controller needs of one test phase (plain data: it crosses the xdist channel)."""
    config = item.config
    data: dict[str, Any] = {"behaviors": [b.id for b in behaviors], "outcome": None}
    if report.when == "setup":
        data["run_id"] = _worker(config)[0] if hasattr(config, "workerinput") else None
        suite = config.stash.get(SESSION_KEY, None)
        if suite is not None and suite.primary is not None:
            data["target_url"] = suite.primary.host
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        data["outcome"] = oc.NOT_APPLICABLE
        data["reason"] = redact(oc.skip_reason(str(reason).removeprefix("Skipped: ")))
    elif report.failed:
        excinfo = call.excinfo
        kind = oc.classify_failure(
            report.when,
            excinfo.type if excinfo else None,
            raised_in_test_code=report.when == "call"
            and excinfo is not None
            and _raised_in_test_code(config, excinfo),
        )
        start_failure = config.stash.get(START_FAILURE_KEY, None)
        if start_failure and report.when == "setup":
            kind = start_failure
        data["outcome"] = kind
        if excinfo is not None:
            message = f"{excinfo.type.__name__}: {excinfo.value}"
        else:
            message = report.longreprtext.strip().splitlines()[-1:] or ["failed"]
            message = message[0]
        data["message"] = results.cut(redact(message), results.MESSAGE_LIMIT)
        data["details"] = results.cut(redact(report.longreprtext), results.DETAILS_LIMIT, tail=True)
        transcript, omitted = results.exchanges(clients, redact)
        if transcript:
            data["transcript"], data["transcript_omitted"] = transcript, omitted
    return data


def _raised_in_test_code(config: pytest.Config, excinfo: pytest.ExceptionInfo[Any]) -> bool:
    """Whether the innermost frame in the conformance package or a suite directory is in a suite
    directory (a test or its helper), not in the machinery around it."""
    package = SUITE_DIR.parent.resolve()
    dirs = [d.resolve() for d in _suite_dirs(config)]
    for entry in reversed(excinfo.traceback):
        path = Path(str(entry.path)).resolve()
        if any(path.is_relative_to(d) for d in dirs):
            return True
        if path.is_relative_to(package):
            return False
    return False


def _is_suite_report(report: pytest.TestReport) -> bool:
    return getattr(report, "conformance", None) is not None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """On the controller (or without xdist): collect every suite test's phases."""
    data = getattr(report, "conformance", None)
    if data is None:
        return
    config = _current_config
    recorder = config.stash.get(RECORDER_KEY, None) if config is not None else None
    if recorder is not None:
        recorder.add(report.nodeid, report.when, report.duration, data)


_current_config: pytest.Config | None = None


@pytest.hookimpl(hookwrapper=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Iterator[None]:
    """Write results.json and its reports once, and make the exit status the documented one."""
    global last_results
    config = session.config
    if not hasattr(config, "workerinput") and RECORDER_KEY in config.stash:
        doc = _finish(session, int(exitstatus))
        if doc is not None:
            last_results = doc
            session.exitstatus = doc["exit_code"]
    yield


# -- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> TargetConfig:
    """The validated TargetConfig of this run."""
    return get_config(pytestconfig)


@pytest.fixture(autouse=True)
def conformance_applicability(request: pytest.FixtureRequest) -> None:
    """Report behaviors the target's declared setup cannot show as not applicable before the
    test's own fixtures run: key rejection on a target that ignores keys (--no-auth-enforcement)."""
    behaviors = request.node.stash.get(BEHAVIORS_KEY, None)
    if not behaviors or not get_config(request.config).no_auth_enforcement:
        return
    if any(b.id in AUTH_ENFORCEMENT_BEHAVIORS for b in behaviors):
        pytest.skip(NOT_APPLICABLE + NO_AUTH_ENFORCEMENT_REASON)


@pytest.fixture(scope="session")
def conformance_session(
    request: pytest.FixtureRequest, pytestconfig: pytest.Config
) -> Iterator[SuiteSession]:
    """The started SuiteSession: the embedded server or the probed target (one per xdist worker).

    At its end the temporary indexes it created are deleted; one that may be left over is a
    cleanup error of the last test (or, when the run was interrupted, a message on stderr).
    """
    suite = pytestconfig.stash.get(SESSION_KEY, None)
    if suite is None:
        run_id, worker = _worker(pytestconfig)
        suite = SuiteSession(get_config(pytestconfig), run_id, worker)
        try:
            suite.start()
        except (TargetError, LaunchError) as exc:
            suite.close()
            unavailable = isinstance(exc, TargetError) and exc.kind == "unavailable"
            pytestconfig.stash[START_FAILURE_KEY] = (
                oc.TARGET_UNAVAILABLE if unavailable else oc.HARNESS_ERROR
            )
            pytest.fail(f"target not usable: {redact(str(exc))}", pytrace=False)
        pytestconfig.stash[SESSION_KEY] = suite
    yield suite
    del pytestconfig.stash[SESSION_KEY]
    problems = suite.close()
    if problems:
        message = "cleanup failed: " + "; ".join(problems)
        if request.session.exitstatus == pytest.ExitCode.OK:
            raise AssertionError(message)  # still inside the last test's teardown
        sys.stderr.write(f"conformance: {message}\n")  # interrupted: no test to attach it to


def _check_kind(request: pytest.FixtureRequest, kind: str) -> None:
    for behavior in request.node.stash.get(BEHAVIORS_KEY, []):
        if not behavior.applies_to_kind(kind):
            kinds = ", ".join(behavior.kinds)
            pytest.skip(f"{NOT_APPLICABLE}{behavior.id} applies to {kinds} indexes, not {kind}")


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
    create: Callable[[], IndexInfo | None] | None = None,
) -> Iterator[Space]:
    """A Space on `index`; when it is missing and `create` is given (--allow-create-index), a
    temporary index is made, but only for a test that applies to `kind` at all."""
    if index is None and create is not None and suite.can_create_indexes:
        _check_kind(request, kind)
        try:
            index = create()
        except IndexCreationError as exc:
            raise IndexCreationError(redact(str(exc))) from None  # a harness error, not a verdict
    if index is None:
        pytest.skip(NOT_APPLICABLE + missing)
    _check_kind(request, kind)
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
    """A Space on a dense index of each metric (ids `cosine`, `euclidean`, `dotproduct`); a
    missing metric gets a temporary index with --allow-create-index."""
    suite, metric = conformance_session, request.param
    yield from _open(
        request,
        suite,
        suite.by_metric(metric),
        "dense",
        f"no {metric} index",
        create=lambda: suite.metric_index(metric),
    )


@pytest.fixture
def sparse_space(request: pytest.FixtureRequest, conformance_session: SuiteSession):
    """A Space on a sparse index (a temporary one with --allow-create-index if the target has
    none)."""
    suite = conformance_session
    yield from _open(
        request,
        suite,
        suite.sparse,
        "sparse",
        "the target has no sparse index",
        create=suite.sparse_index,
    )


@pytest.fixture
def hybrid_space(request: pytest.FixtureRequest, conformance_session: SuiteSession):
    """A Space on a dense dotproduct index, for hybrid (dense + sparse) records and queries (a
    temporary one with --allow-create-index if the target has none)."""
    suite = conformance_session
    yield from _open(
        request,
        suite,
        suite.hybrid,
        "hybrid",
        "no dense dotproduct index",
        create=suite.hybrid_index,
    )


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


# -- results ------------------------------------------------------------------------------------
def _suite_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pinecone-conformance")
    except PackageNotFoundError:
        return "unknown"


def _utc(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _options(cfg: TargetConfig, run: dict[str, Any], workers: int) -> dict[str, Any]:
    """Every suite option of the run, without the API key, URLs redacted."""
    out: dict[str, Any] = {}
    for name, value in vars(cfg).items():
        if name in ("api_key", "config"):
            continue
        if isinstance(value, tuple):
            value = [results.redact_url(v) for v in value]
        elif isinstance(value, str):
            value = results.redact_url(value)
        out[name] = value
    out.update(
        profile=run["profile"],
        strict=run["strict"],
        expectations=run["expectations"],
        workers=workers,
    )
    return out


def _finish(session: pytest.Session, exitstatus: int) -> dict[str, Any] | None:
    """Assemble (and write) the run's results; None when the run recorded nothing."""
    config = session.config
    recorder = config.stash[RECORDER_KEY]
    run = config.stash.get(RUN_KEY, None)
    if run is None or exit_reason == "usage":
        return None
    aborted = None
    if exit_reason in ("unavailable", "harness"):
        outcome = oc.TARGET_UNAVAILABLE if exit_reason == "unavailable" else oc.HARNESS_ERROR
        aborted = {"reason": outcome, "message": redact(exit_message or exit_reason)}
        for item in session.items:
            ids = [b.id for b in item.stash.get(BEHAVIORS_KEY, [])]
            if ids:
                recorder.add_unrun(item.nodeid, ids, outcome, aborted["message"])
    if not recorder.active and aborted is None:
        return None
    if exitstatus == pytest.ExitCode.INTERRUPTED and aborted is None:
        return None
    cfg = get_config(config)
    try:
        cat: Any = load_catalog(config)
        catalog_hash = results.sha256((cat.path or catalog_mod.DEFAULT_PATH).read_bytes())
    except (catalog_mod.CatalogError, OSError):
        cat, catalog_hash = {}, None
    started, finished = run["started"], time.time()
    tests = recorder.finished()
    full = run["profile"] == "full" and not cfg.behavior and cfg.level == "SHOULD"
    rows = exp_mod.apply(
        run["entries"],
        tests,
        set(cat),
        dt.datetime.fromtimestamp(started, dt.UTC).date(),
        full_selection=full,
    )
    stamp = dt.datetime.fromtimestamp(started, dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    run_id = f"{stamp}-{recorder.run_id or uuid.uuid4().hex[:8]}"
    workers = int(getattr(config.option, "numprocesses", 0) or 0)
    hypothesis_seed = config.getoption("hypothesis_seed", None)
    facts = {
        "run_id": run_id,
        "suite_version": _suite_version(),
        "catalog_hash": catalog_hash,
        "expectations_file": run["expectations"],
        "expectations_hash": run["expectations_hash"],
        "target": {
            "url": results.redact_url(cfg.target or recorder.target_url),
            "embedded": cfg.embedded,
            "control_plane": results.redact_url(cfg.control_plane),
        },
        "api_version": cfg.api_version,
        "profile": run["profile"],
        "level": cfg.level,
        "strict": run["strict"],
        "options": _options(cfg, run, workers),
        "seeds": {"vectors": 0, "hypothesis": hypothesis_seed},
        "started_at": _utc(started),
        "finished_at": _utc(finished),
        "duration": round(finished - started, 3),
    }
    scope = [b for b in cat.values() if catalog_mod.in_profile(run["profile"], b)]
    doc = results.assemble(facts, tests, scope, rows, aborted)
    if run["reports_dir"]:
        from conformance import report

        path = results.write(doc, Path(config.invocation_params.dir, run["reports_dir"]))
        doc["_written"] = report.render_all(doc, path.parent, results_path=path)
    return doc


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The verdict in one line, what the expectations found, and where the reports are."""
    doc = last_results
    if doc is None or hasattr(terminalreporter.config, "workerinput"):
        return
    tr = terminalreporter
    tr.section("conformance")
    counts = ", ".join(f"{n} {o}" for o, n in doc["counts"].items() if n)
    tr.write_line(f"verdict: {doc['verdict']} (exit {doc['exit_code']}): {doc['verdict_reason']}")
    scores = doc["scores"]
    line = "; ".join(
        f"{level} {s['passed']}/{s['applicable']} behaviors"
        for level, s in scores.items()
        if s["total"]
    )
    tr.write_line(f"tests: {counts or 'none'}; {line}")
    for row in doc["expectations"]:
        if row["status"] in results.PROBLEM_STATUSES:
            what = row.get("behavior") or row.get("test")
            tr.write_line(f"expectation {what}: {row['status']} ({row['reason']})")
    for path in doc.get("_written", []):
        tr.write_line(f"report: {path}")
