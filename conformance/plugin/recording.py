"""What a run records: each suite test phase as plain data, and the run's results.json.

Workers attach a phase record to each test report (it crosses the xdist channel as the
`conformance` attribute); the run object collects them on the controller, and `finish` assembles
results.json (docs/results-schema.md) and the reports derived from it, once per run.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance import catalog as catalog_mod
from conformance import outcomes as oc
from conformance.config import TargetConfig
from conformance.outcomes import ExitCode
from conformance.plugin.fixtures import CLIENTS_KEY, LEFTOVERS_KEY
from conformance.plugin.run import get_run
from conformance.plugin.selection import BEHAVIORS_KEY, SUITE_DIR, load_catalog, suite_dirs
from conformance.plugin.signals import interruption, planned, stopped_leftovers, suite_run
from conformance.redact import redact
from conformance.results import document as results
from conformance.results import expectations as exp_mod

if TYPE_CHECKING:
    from conformance.plugin.run import ConformanceRun, Gating


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the wire transcript (API key masked) to a failed or erroring test's report."""
    report = yield
    clients = item.stash.get(CLIENTS_KEY, None)
    if report.failed and clients:
        text = "\n\n".join(c.render_transcript() for c in clients if c.transcript)
        if text:
            report.sections.append((f"wire transcript ({report.when})", redact(text[-20000:])))
    behaviors = item.stash.get(BEHAVIORS_KEY, None)
    if behaviors is not None:
        record = _phase_record(item, call, report, behaviors, clients or [])
        report.conformance = record  # type: ignore[attr-defined]  # crosses the xdist channel
    return report


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
        run = get_run(config)
        data["run_id"] = None if run.controller else run.ids()[0]
        suite = run.session
        if suite is not None and suite.primary is not None:
            data["target_url"] = suite.primary.host
    if report.when == "teardown" and item.stash.get(LEFTOVERS_KEY, None):
        data["leftovers"] = item.stash[LEFTOVERS_KEY]
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
        start_failure = get_run(config).start_failure
        if start_failure and report.when == "setup":
            kind = start_failure
        if interruption(config) is not None and get_run(config).cfg.embedded:
            kind = oc.NOT_RUN  # the embedded server got the signal too: no one to blame
        data["outcome"] = kind
        if excinfo is not None:
            message = f"{excinfo.type.__name__}: {excinfo.value}"
        else:
            message = (report.longreprtext.strip().splitlines()[-1:] or ["failed"])[0]
        data["message"] = results.cut(redact(message), results.MESSAGE_LIMIT)
        data["details"] = results.cut(redact(report.longreprtext), results.DETAILS_LIMIT, tail=True)
        transcript, omitted = results.exchanges(clients, redact)
        if transcript:
            data["transcript"], data["transcript_omitted"] = transcript, omitted
    return data


def is_suite_report(report: pytest.TestReport) -> bool:
    """Whether a test report carries a phase record, i.e. belongs to a suite test."""
    return getattr(report, "conformance", None) is not None


def _raised_in_test_code(config: pytest.Config, excinfo: pytest.ExceptionInfo[Any]) -> bool:
    """Whether the innermost frame in the conformance package or a suite directory is in a suite
    directory (a test or its helper), not in the machinery around it."""
    package = SUITE_DIR.parent.resolve()
    dirs = [d.resolve() for d in suite_dirs(config)]
    for entry in reversed(excinfo.traceback):
        path = Path(str(entry.path)).resolve()
        if any(path.is_relative_to(d) for d in dirs):
            return True
        if path.is_relative_to(package):
            return False
    return False


def _suite_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pinecone-conformance")
    except PackageNotFoundError:
        return "unknown"


def _utc(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _options(cfg: TargetConfig, gating: Gating, workers: int) -> dict[str, Any]:
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
        profile=gating.profile,
        strict=gating.strict,
        expectations=gating.expectations,
        workers=workers,
    )
    return out


def finish(session: pytest.Session, run: ConformanceRun, exitstatus: int) -> dict[str, Any] | None:
    """Assemble (and write) the run's results; None when the run recorded nothing."""
    config = session.config
    recorder, gating, stop = run.recorder, run.gating, run.stop_reason
    if recorder is None or gating is None or run.target is None:
        return None
    if stop is not None and stop.code == ExitCode.USAGE:
        return None
    aborted = None
    if stop is not None:
        unavailable = stop.code == ExitCode.TARGET_UNAVAILABLE
        outcome = oc.TARGET_UNAVAILABLE if unavailable else oc.HARNESS_ERROR
        aborted = {"reason": outcome, "message": redact(stop.message)}
        for item in session.items:
            ids = [b.id for b in item.stash.get(BEHAVIORS_KEY, [])]
            if ids:
                recorder.add_unrun(item.nodeid, ids, outcome, aborted["message"])
    stalled = run.stalled_message()
    if aborted is None and stalled is not None:
        # the tests not run after the stall are already target-unavailable; say why the run ended
        aborted = {"reason": oc.TARGET_UNAVAILABLE, "message": redact(stalled)}
    interrupt = interruption(config)
    if aborted is None and interrupt is not None and (recorder.active or suite_run(session)):
        aborted = _interrupted(session, recorder, interrupt.signal, int(interrupt.code))
    if not recorder.active and aborted is None:
        return None
    if exitstatus == pytest.ExitCode.INTERRUPTED and aborted is None:
        return None
    cfg = run.cfg
    try:
        cat: Any = load_catalog(config)
        catalog_hash = results.sha256((cat.path or catalog_mod.DEFAULT_PATH).read_bytes())
    except (catalog_mod.CatalogError, OSError):
        cat, catalog_hash = {}, None
    started, finished = run.started, time.time()
    tests = recorder.finished()
    full = gating.profile == "full" and not cfg.behavior and cfg.level == "SHOULD"
    rows = exp_mod.apply(
        list(gating.entries),
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
        "expectations_file": gating.expectations,
        "expectations_hash": gating.expectations_hash,
        "target": {
            "url": results.redact_url(cfg.target or recorder.target_url),
            "embedded": cfg.embedded,
            "control_plane": results.redact_url(cfg.control_plane),
        },
        "api_version": cfg.api_version,
        "transport": cfg.transport,
        "profile": gating.profile,
        "level": cfg.level,
        "strict": gating.strict,
        "options": _options(cfg, gating, workers),
        "seeds": {"vectors": 0, "hypothesis": hypothesis_seed},
        "started_at": _utc(started),
        "finished_at": _utc(finished),
        "duration": round(finished - started, 3),
    }
    scope = [b for b in cat.values() if catalog_mod.in_profile(gating.profile, b)]
    leftovers = [*recorder.leftovers, *stopped_leftovers(config)]
    doc = results.assemble(facts, tests, scope, rows, aborted, leftovers)
    if gating.reports_dir:
        from conformance import report

        path = results.write(doc, Path(config.invocation_params.dir, gating.reports_dir))
        doc["_written"] = report.render_all(doc, path.parent, results_path=path)
    return doc


def _interrupted(
    session: pytest.Session, recorder: results.Recorder, signal_name: str, code: int
) -> dict[str, Any]:
    """Record the tests a signal kept from running as `not-run`; the run's `aborted` entry."""
    recorder.mark_unfinished(oc.NOT_RUN, f"interrupted by {signal_name} before it finished")
    for nodeid, ids in planned(session):
        recorder.add_unrun(nodeid, ids, oc.NOT_RUN, f"interrupted by {signal_name}")
    tests = recorder.tests.values()
    unrun = sum(1 for t in tests if t["outcome"] == oc.NOT_RUN)
    failed = sum(1 for t in tests if t["outcome"] == oc.FAILED)
    message = (
        f"interrupted by {signal_name}: {len(tests) - unrun} of {len(tests)} tests done, "
        f"{unrun} did not run" + (f" ({failed} failed before the signal)" if failed else "")
    )
    return {"reason": oc.INTERRUPTED, "message": message, "signal": signal_name, "exit_code": code}


def write_summary(tr: Any, doc: dict[str, Any]) -> None:
    """The verdict in one line, what the expectations found, and where the reports are."""
    tr.section("conformance")
    counts = ", ".join(f"{n} {o}" for o, n in doc["counts"].items() if n)
    tr.write_line(f"verdict: {doc['verdict']} (exit {doc['exit_code']}): {doc['verdict_reason']}")
    scores = doc["scores"]
    line = "; ".join(
        f"{level} {s['passed']}/{s['applicable']} behaviors"
        for level, s in scores.items()
        if s["total"]
    )
    tr.write_line(f"tests: {counts or 'none'}" + (f"; {line}" if line else ""))
    for row in doc["expectations"]:
        if row["status"] in results.PROBLEM_STATUSES:
            what = row.get("behavior") or row.get("test")
            tr.write_line(f"expectation {what}: {row['status']} ({row['reason']})")
    for leftover in doc.get("leftovers") or []:
        tr.write_line(
            f"cleanup-error: {leftover['kind']} {leftover['name']!r} left on {leftover['host']} "
            f"({leftover['problem']}); remove it with: {leftover['command']}",
            red=True,
        )
    for path in doc.get("_written", []):
        tr.write_line(f"report: {path}")
