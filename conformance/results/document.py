"""results.json: the one record of a run that every report is derived from.

`assemble` turns run facts and per-test records into the document described in
docs/results-schema.md (roll-up, scores, verdict); `write` stores it under
`<reports dir>/<run id>/` and points `<reports dir>/latest` at it; `load` reads one back.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from conformance import outcomes as oc
from conformance.catalog import Behavior
from conformance.outcomes import ExitCode
from conformance.redact import MASK, redact

SCHEMA = "pinecone-conformance/results/1"
LATEST = "latest"
PROBLEM_STATUSES = ("unexpected-pass", "expired", "unmatched")
BEHAVIOR_FIELDS = ("id", "area", "level", "statement", "source")


class ResultsError(ValueError):
    """A results file is missing or is not a results.json of this suite."""


def sha256(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def redact_url(url: str | None) -> str | None:
    """A URL (or any option text) without credentials: userinfo and registered secrets masked."""
    if not url:
        return url
    text = redact(url)
    if "://" in text:
        parts = urlsplit(text)
        if parts.username or parts.password:
            host = parts.hostname or ""
            netloc = f"{MASK}@{host}" + (f":{parts.port}" if parts.port else "")
            text = urlunsplit(parts._replace(netloc=netloc))
    return text


def roll_up(
    tests: Iterable[Mapping[str, Any]], catalog: Iterable[Behavior | Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Per-behavior outcomes, in catalog order, for behaviors with a test in the run.

    `catalog` yields behaviors: catalog entries, or the behavior rows of a results document.
    """
    by_behavior: dict[str, list[Mapping[str, Any]]] = {}
    for test in tests:
        for bid in test["behaviors"]:
            by_behavior.setdefault(bid, []).append(test)
    rows = []
    for behavior in catalog:
        fields = behavior if isinstance(behavior, Mapping) else vars(behavior)
        its = by_behavior.get(fields["id"])
        if not its:
            continue
        counts = Counter(t["outcome"] for t in its)
        rows.append(
            {
                **{k: fields[k] for k in BEHAVIOR_FIELDS},
                "outcome": oc.rollup(counts),
                "tests": [t["nodeid"] for t in its],
                "counts": {o: counts[o] for o in oc.OUTCOMES if counts[o]},
            }
        )
    return rows


def scores(behaviors: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """MUST and SHOULD scores over behaviors (see the schema for the definitions)."""
    out: dict[str, dict[str, Any]] = {}
    for level in ("MUST", "SHOULD"):
        mine = [b for b in behaviors if b["level"] == level]
        passed = sum(1 for b in mine if b["outcome"] in oc.PASSING)
        failed = sum(1 for b in mine if b["outcome"] in (oc.FAILED, oc.EXPECTED_FAILURE))
        applicable = sum(1 for b in mine if b["outcome"] != oc.NOT_APPLICABLE)
        percent = round(100 * passed / applicable, 1) if applicable else None
        out[level] = {
            "passed": passed,
            "failed": failed,
            "applicable": applicable,
            "total": len(mine),
            "percent": percent,
        }
    return out


def verdict(
    tests: Iterable[Mapping[str, Any]],
    expectations: Iterable[Mapping[str, Any]],
    strict: bool,
    aborted: Mapping[str, Any] | None = None,
) -> tuple[str, ExitCode, str]:
    """(verdict, exit code, one-line reason) of a run; `aborted` is why the run stopped early."""
    if aborted and aborted["reason"] == oc.INTERRUPTED:
        code = ExitCode(int(aborted.get("exit_code") or ExitCode.INTERRUPTED))
        return oc.INTERRUPTED, code, aborted["message"].splitlines()[0][:300]
    if aborted:
        code = (
            ExitCode.TARGET_UNAVAILABLE
            if aborted["reason"] == oc.TARGET_UNAVAILABLE
            else ExitCode.HARNESS_ERROR
        )
        return aborted["reason"], code, aborted["message"].splitlines()[0][:300]
    counts = Counter(t["outcome"] for t in tests)
    problems = [e for e in expectations if e["status"] in PROBLEM_STATUSES]
    if counts[oc.TARGET_UNAVAILABLE]:
        return (
            "target-unavailable",
            ExitCode.TARGET_UNAVAILABLE,
            f"{counts[oc.TARGET_UNAVAILABLE]} tests could not reach the target",
        )
    if counts[oc.FAILED]:
        return "non-conformant", ExitCode.NON_CONFORMANT, f"{counts[oc.FAILED]} tests failed"
    if strict and problems:
        return (
            "non-conformant",
            ExitCode.NON_CONFORMANT,
            f"{len(problems)} expectation problems (--strict)",
        )
    broken = counts[oc.HARNESS_ERROR] + counts[oc.CLEANUP_ERROR]
    if broken:
        return (
            "harness-error",
            ExitCode.HARNESS_ERROR,
            f"{broken} tests hit a harness or cleanup error",
        )
    return (
        "conformant",
        ExitCode.CONFORMANT,
        "every selected test passed, was expected to fail or did not apply",
    )


def assemble(
    facts: Mapping[str, Any],
    tests: list[dict[str, Any]],
    catalog: Iterable[Behavior | Mapping[str, Any]],
    expectations: list[dict[str, Any]] | None = None,
    aborted: Mapping[str, Any] | None = None,
    leftovers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The results document: `facts` (run facts) plus tests, roll-up, counts, scores, verdict.

    `aborted` (`{"reason": "target-unavailable"|"harness-error"|"interrupted", "message": ...}`)
    records a run that stopped before its tests could run; it decides the verdict. `leftovers`:
    what cleanup could not remove from the target (the reports name each, with its command).
    """
    expectations = expectations or []
    tests = sorted(tests, key=lambda t: t["nodeid"])
    behaviors = roll_up(tests, catalog)
    name, code, reason = verdict(tests, expectations, bool(facts.get("strict")), aborted)
    test_counts = Counter(t["outcome"] for t in tests)
    behavior_counts = Counter(b["outcome"] for b in behaviors)
    return {
        "schema": SCHEMA,
        **facts,
        "verdict": name,
        "exit_code": int(code),  # a plain number in the JSON
        "verdict_reason": reason,
        "aborted": dict(aborted) if aborted else None,
        "scores": scores(behaviors),
        "counts": {o: test_counts[o] for o in oc.OUTCOMES},
        "behavior_counts": {o: behavior_counts[o] for o in oc.OUTCOMES},
        "expectations": expectations,
        "tests": tests,
        "behaviors": behaviors,
        "leftovers": list(leftovers or []),
    }


def write(results: Mapping[str, Any], reports_dir: str | Path) -> Path:
    """Write `<reports_dir>/<run id>/results.json` and point `<reports_dir>/latest` at the folder.

    `latest` is a relative symlink where the filesystem allows one, else a small file holding the
    run id (`load` follows both). Returns the path of results.json.
    """
    root = Path(reports_dir)
    folder = root / results["run_id"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "results.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    _point_latest(root, results["run_id"])
    return path


def _point_latest(root: Path, run_id: str) -> None:
    latest = root / LATEST
    tmp = root / f".{LATEST}.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        os.symlink(run_id, tmp, target_is_directory=True)
    except OSError:
        tmp.write_text(run_id + "\n", encoding="utf-8")
    try:
        os.replace(tmp, latest)
    except OSError:  # `latest` is a real directory (made by hand): leave it alone
        tmp.unlink()


def resolve_path(path: str | Path) -> Path:
    """A results.json path from a file, a run folder, or a `latest` pointer file."""
    p = Path(path)
    if p.is_file() and p.name == LATEST:
        p = p.parent / p.read_text(encoding="utf-8").strip()
    if p.is_dir():
        p = p / "results.json"
    return p


def load(path: str | Path) -> dict[str, Any]:
    """Read a results.json (or a run folder, or `latest`); raise ResultsError if it is not one."""
    p = resolve_path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such results file") from None
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path}: cannot read results: {exc}") from None
    if not isinstance(data, dict) or not str(data.get("schema", "")).startswith(
        "pinecone-conformance/results/"
    ):
        raise ResultsError(f"{path}: not a pinecone-conformance results.json")
    return data


# -- recording (controller side) ------------------------------------------------------------------
TRANSCRIPT_KEEP = 30  # exchanges kept per test (the last ones: closest to the failure)
DETAILS_LIMIT = 8000
MESSAGE_LIMIT = 4000


def cut(text: str, limit: int, *, tail: bool = False) -> str:
    """`text` within `limit` characters, with the `... (N chars)` marker when cut."""
    if len(text) <= limit:
        return text
    if tail:
        return f"... ({len(text)} chars) " + text[-limit:]
    return text[:limit] + f"... ({len(text)} chars)"


def exchanges(clients: Iterable[Any], redact: Any) -> tuple[list[dict[str, Any]], int]:
    """The tests' HTTP exchanges as schema dicts (the last TRANSCRIPT_KEEP), and how many were
    left out. `redact` masks secrets once more, in case a body echoed the key."""
    entries = [e for c in clients for e in c.transcript]
    kept, omitted = entries[-TRANSCRIPT_KEEP:], max(0, len(entries) - TRANSCRIPT_KEEP)
    out = []
    for e in kept:
        out.append(
            {
                "method": e.method,
                "url": redact(e.url),
                "request_headers": {k: redact(v) for k, v in e.request_headers.items()},
                "request_body": cut(redact(e.request_body), 4000),
                "status": e.status,
                "response_headers": {k: redact(v) for k, v in e.response_headers.items()},
                "response_body": cut(redact(e.response_body), 4000),
                "error": redact(e.error) if e.error is not None else None,
            }
        )
    return out, omitted


class Recorder:
    """Collects per-phase records (sent by workers as a report attribute) into one test entry
    per node id: the first phase that did not pass decides the outcome."""

    def __init__(self) -> None:
        self.tests: dict[str, dict[str, Any]] = {}
        self.run_id: str | None = None
        self.target_url: str | None = None
        self.leftovers: list[dict[str, Any]] = []

    @property
    def active(self) -> bool:
        return bool(self.tests)

    def add(self, nodeid: str, when: str, duration: float, data: Mapping[str, Any]) -> None:
        self.run_id = self.run_id or data.get("run_id")
        self.target_url = self.target_url or data.get("target_url")
        self.leftovers += [{**x, "test": nodeid} for x in data.get("leftovers") or []]
        test = self.tests.setdefault(
            nodeid,
            {"nodeid": nodeid, "behaviors": list(data.get("behaviors", [])), "outcome": None},
        )
        test["duration"] = round(test.get("duration", 0.0) + duration, 6)
        outcome = data.get("outcome")
        if outcome is None:
            if when == "call" and test["outcome"] is None:
                test["outcome"] = oc.PASSED
            return
        if test["outcome"] not in (None, oc.PASSED):
            return  # an earlier phase decided already (a teardown error after a failure)
        test["outcome"] = outcome
        test["when"] = when
        for key in ("message", "details", "reason", "transcript", "transcript_omitted"):
            if data.get(key) is not None:
                test[key] = data[key]

    def add_unrun(self, nodeid: str, behaviors: list[str], outcome: str, message: str) -> None:
        """A test that never ran because the run stopped first (target unavailable)."""
        if nodeid not in self.tests:
            self.tests[nodeid] = {
                "nodeid": nodeid,
                "behaviors": behaviors,
                "outcome": outcome,
                "duration": 0.0,
                "when": "setup",
                "message": message,
            }

    def mark_unfinished(self, outcome: str, message: str) -> None:
        """Give tests that started but never reported their call (interrupted) `outcome`."""
        for test in self.tests.values():
            if test["outcome"] is None:
                test.update(outcome=outcome, when="call", message=message)

    def finished(self) -> list[dict[str, Any]]:
        """Test entries; one whose call never reported (interrupted) counts as a harness error."""
        out = []
        for test in self.tests.values():
            if test["outcome"] is None:
                test = {**test, "outcome": oc.HARNESS_ERROR, "when": "call"}
                test["message"] = "the test did not finish (interrupted or its worker crashed)"
            out.append(test)
        return out
