"""What a fuzz session leaves behind: a reproducer pair per failure, and the run's results.json in
the suite's schema (docs/results-schema.md), rendered by the same reports as a suite run.

Each distinct failure is a failed test `fuzz::<signature>` tied to FUZZ-MODEL-AGREEMENT and to
the behaviors its operation exercises, carrying the shrunk steps and its reproducers; a session
that found nothing is one passed test `fuzz::session`. The session's own figures (seed, examples,
steps, speed, interruption) are the run fact `fuzz`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TypedDict

from conformance import catalog as catalog_mod
from conformance import outcomes as oc
from conformance import report
from conformance.config import TargetConfig
from conformance.fuzz.context import Failure, FuzzContext
from conformance.fuzz.session import SessionResult
from conformance.outcomes import ExitCode
from conformance.redact import redact
from conformance.repro.runtime import describe
from conformance.repro.writer import write_python, write_shell
from conformance.results import document as results

KIND = "fuzz"
NODE_PREFIX = "fuzz::"
SESSION_NODE = NODE_PREFIX + "session"
AGREEMENT = "FUZZ-MODEL-AGREEMENT"
# the behavior each operation of the machine exercises (where one is clearly the point of it)
OP_BEHAVIORS: dict[str, tuple[str, ...]] = {
    "upsert": ("UPSERT-OVERWRITES", "UPSERT-RESPONSE-COUNT"),
    "update": ("UPDATE-SETMETADATA-MERGES", "UPDATE-MISSING-ID-NOOP"),
    "update-by-filter": ("UPDATE-BY-FILTER", "UPDATE-DRY-RUN"),
    "delete-ids": ("DELETE-BY-IDS",),
    "delete-ids-legacy": ("DELETE-LEGACY-METHOD",),
    "delete-all": ("DELETEALL-REMOVES-NAMESPACE",),
    "delete-by-filter": ("DELETE-BY-FILTER",),
    "fetch": ("FETCH-BY-ID", "FETCH-UNKNOWN-IDS-OMITTED"),
    "query": ("QUERY-AT-MOST-TOPK", "QUERY-FILTER-RESTRICTS"),
    "list": ("LIST-SORTED", "LIST-PAGINATION"),
    "fetch-by-metadata": ("FBM-RETURNS-MATCHES", "FBM-PAGINATION"),
    "stats": ("STATS-NAMESPACE-COUNTS",),
    "stats-legacy-get": ("STATS-LEGACY-GET",),
    "list-namespaces": ("NAMESPACES-LIST", "NAMESPACES-LIST-PREFIX"),
    "describe-namespace": ("NAMESPACES-DESCRIBE",),
    "delete-namespace": ("NAMESPACES-DELETE",),
    "create-namespace": ("NAMESPACES-CREATE",),
}
# invalid requests (conformance/fuzz/invalid_requests.py) with a behavior of their own
INVALID_BEHAVIORS: dict[str, str] = {
    "garbage-body": "ERRORS-MALFORMED-JSON",
    "upsert-too-many-vectors": "UPSERT-MAX-VECTORS",
    "upsert-metadata-too-large": "UPSERT-METADATA-SIZE-LIMIT",
    "upsert-body-too-large": "UPSERT-BODY-LIMIT-413",
    "upsert-dimension": "UPSERT-DIMENSION-MISMATCH-400",
    "upsert-zero-vector": "UPSERT-ZERO-VECTOR-400",
    "upsert-sparse-missing": "UPSERT-SPARSE-REQUIRED",
    "upsert-empty-vectors": "UPSERT-EMPTY-VECTORS-400",
    "fetch-no-ids": "FETCH-NO-IDS-400",
    "fetch-too-many-ids": "FETCH-MAX-IDS",
    "list-bad-limit": "LIST-LIMIT-RANGE-400",
    "stats-filter": "STATS-FILTER-400",
    "update-dimension": "UPDATE-VALUES-DIMENSION-400",
    "query-dimension": "QUERY-DIMENSION-MISMATCH",
    "namespace-bad-schema": "NAMESPACES-SCHEMA-FILTERABLE-TRUE",
}


# -- reproducers ----------------------------------------------------------------------------------
class _ReproFields(TypedDict):
    """What the Python and the shell reproducer of one failure share."""

    n: int
    run_id: str
    title: str
    api_version: str
    suffixes: Sequence[str | None]
    steps: Sequence[dict[str, Any]]


def write_failures(
    ctx: FuzzContext, report_dir: Path, consistency_timeout: float, run_id: str | None = None
) -> list[Failure]:
    """Write `repro-<n>.py` and `repro-<n>.sh` for every failure (numbered in order found)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    used = {f.n for f in ctx.found.values() if f.n}
    for failure in ctx.found.values():
        if not failure.n:
            failure.n = max(used, default=0) + 1
            used.add(failure.n)
        info = failure.index
        index = {
            "name": info.name,
            "dimension": info.dimension,
            "metric": info.metric,
            "vector_type": info.vector_type,
        }
        common: _ReproFields = {
            "n": failure.n,
            "run_id": run_id or ctx.run_id,
            "title": redact(f"{failure.signature}: {failure.problem}"),
            "api_version": ctx.api_version,
            "suffixes": failure.suffixes,
            "steps": failure.steps,
        }
        py = report_dir / f"repro-{failure.n}.py"
        sh = report_dir / f"repro-{failure.n}.sh"
        write_python(
            py,
            index=index,
            consistency_timeout=consistency_timeout,
            failure=redact(failure.problem),
            **common,
        )
        write_shell(sh, **common)
        failure.files = [str(py), str(sh)]
    return sorted(ctx.found.values(), key=lambda f: f.n)


# -- results.json ---------------------------------------------------------------------------------
def behaviors_of(signature: str) -> list[str]:
    """FUZZ-MODEL-AGREEMENT plus the behaviors the failing operation exercises, where known."""
    op, _, kind = signature.rpartition("/")
    if kind.isupper():  # the check blamed one behavior (conformance/repro/checks.py)
        return [kind]
    op = op or signature
    if op.startswith("invalid-"):
        case = INVALID_BEHAVIORS.get(op.removeprefix("invalid-"))
        extra: tuple[str, ...] = ("ERRORS-VALIDATION-400", *([case] if case else []))
    else:
        extra = OP_BEHAVIORS.get(op, ())
    return list(dict.fromkeys((AGREEMENT, *extra)))


def failure_test(failure: Failure) -> dict[str, Any]:
    """A failure as a failed test entry: message, the shrunk steps, and its reproducers."""
    steps = [redact(describe(step)) for step in failure.steps]
    names = [Path(f).name for f in failure.files]
    lines = [f"{failure.signature}: {failure.problem}"]
    if failure.files:
        lines += [
            "",
            "reproducers: " + " and ".join(failure.files),
            f"replay: pinecone-conformance replay {failure.files[0]} --target URL",
        ]
    details = [
        f"{len(steps)} steps on index {failure.index.name} (fresh namespaces, suffixes "
        f"{failure.suffixes!r}); the last one fails:",
        *(f"  {n}. {text}" for n, text in enumerate(steps, 1)),
    ]
    entry: dict[str, Any] = {
        "nodeid": NODE_PREFIX + failure.signature,
        "behaviors": behaviors_of(failure.signature),
        "outcome": oc.FAILED,
        "duration": 0.0,
        "when": "call",
        "message": results.cut(redact("\n".join(lines)), results.MESSAGE_LIMIT),
        "details": results.cut("\n".join(details), results.DETAILS_LIMIT, tail=True),
        "signature": failure.signature,
        "problem": redact(failure.problem),
        "index": failure.index.name,
        "first_example": failure.first_example,
        "steps": steps,
    }
    if names:
        entry["reproducers"] = {"python": names[0], "shell": names[1]}
    return entry


def session_tests(result: SessionResult) -> list[dict[str, Any]]:
    """One test per failure, or `fuzz::session` when the session found nothing (or broke)."""
    tests = [failure_test(f) for f in sorted(result.failures, key=lambda f: f.n)]
    if result.harness_errors:
        tests.append(
            {
                "nodeid": SESSION_NODE,
                "behaviors": [AGREEMENT],
                "outcome": oc.HARNESS_ERROR,
                "duration": round(result.elapsed, 3),
                "when": "call",
                "message": results.cut(
                    redact("\n".join(result.harness_errors)), results.MESSAGE_LIMIT
                ),
            }
        )
    elif not tests:
        tests.append(
            {
                "nodeid": SESSION_NODE,
                "behaviors": [AGREEMENT],
                "outcome": oc.PASSED,
                "duration": round(result.elapsed, 3),
            }
        )
    return tests


def _suite_version() -> str:
    with contextlib.suppress(PackageNotFoundError):
        return version("pinecone-conformance")
    return "unknown"


def _utc(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def run_id_for(started: dt.datetime, ctx_run_id: str) -> str:
    """The run id of a fuzz run, spelled like a suite run's: `<UTC stamp>-<hex>`."""
    return f"{started.strftime('%Y%m%dT%H%M%SZ')}-{ctx_run_id}"


def run_options(cfg: TargetConfig, fuzz_options: Mapping[str, Any]) -> dict[str, Any]:
    """The target options (no API key, URLs redacted) and the fuzz command's own options."""
    out: dict[str, Any] = {}
    for name, value in {**vars(cfg), **fuzz_options}.items():
        if name in ("api_key", "config"):
            continue
        if isinstance(value, tuple | list):
            value = [results.redact_url(v) if isinstance(v, str) else v for v in value]
        out[name] = results.redact_url(value) if isinstance(value, str) else value
    return out


def results_document(
    result: SessionResult,
    *,
    run_id: str,
    cfg: TargetConfig,
    options: Mapping[str, Any],
    started: dt.datetime,
    finished: dt.datetime,
    interrupted_by: str | None = None,
) -> dict[str, Any]:
    """The fuzz run as a results document (docs/results-schema.md, `kind: fuzz`);
    `interrupted_by` names the signal that stopped the session (its verdict is `interrupted`)."""
    cat = catalog_mod.load(catalog_mod.DEFAULT_PATH)
    facts = {
        "kind": KIND,
        "run_id": run_id,
        "suite_version": _suite_version(),
        "catalog_hash": results.sha256(catalog_mod.DEFAULT_PATH.read_bytes()),
        "expectations_file": None,
        "expectations_hash": None,
        "target": {
            "url": results.redact_url(cfg.target),
            "embedded": cfg.embedded,
            "control_plane": results.redact_url(cfg.control_plane),
        },
        "api_version": cfg.api_version,
        "profile": "full",
        "level": "SHOULD",
        "strict": False,
        "options": run_options(cfg, options),
        "seeds": {"vectors": 0, "hypothesis": result.seed},
        "started_at": _utc(started),
        "finished_at": _utc(finished),
        "duration": round((finished - started).total_seconds(), 3),
        "fuzz": {
            "seed": result.seed,
            "examples": result.examples,
            "steps": result.steps,
            "steps_per_second": round(result.steps_per_second, 1),
            "duration": round(result.elapsed, 2),
            "interrupted": result.interrupted,
            "failures": len(result.failures),
            "harness_errors": [redact(e) for e in result.harness_errors],
            "operations": dict(sorted(result.ops.items())),
            "operators": dict(sorted(result.operators.items())),
            "excluding_filters": result.excluding_filters,
        },
    }
    aborted: dict[str, Any] | None = None
    if result.harness_errors:  # the session stopped there: a harness error, like the command
        aborted = {"reason": oc.HARNESS_ERROR, "message": redact(result.harness_errors[0])}
    elif interrupted_by is not None:
        code = ExitCode.TERMINATED if interrupted_by == "SIGTERM" else ExitCode.INTERRUPTED
        aborted = {
            "reason": oc.INTERRUPTED,
            "message": f"interrupted by {interrupted_by}: {result.examples} examples run, "
            f"{len(result.failures)} failures found before the signal",
            "signal": interrupted_by,
            "exit_code": int(code),
        }
    return results.assemble(facts, session_tests(result), cat.values(), [], aborted)


def write_reports(doc: Mapping[str, Any], reports_dir: Path) -> list[Path]:
    """results.json under `<reports_dir>/<run id>/` (and `latest` pointed at it), then every
    report rendered from it; returns the paths written, results.json first."""
    path = results.write(doc, reports_dir)
    return report.render_all(doc, path.parent, results_path=path)
