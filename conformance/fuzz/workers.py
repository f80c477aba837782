"""`pinecone-conformance fuzz --workers N`: N fuzz sessions at once, one process each, merged into
one run.

Each worker is the same command with its own seed (the base seed plus a stride, so no two run the
same chunks), its own reports folder under the run's (`workers/<k>/`), and the session's example
database (a directory or Redis), so what one worker saves the next session replays. Against the
embedded server every worker starts its own, so N workers use N cores. When all have finished,
their results are merged: figures summed, each distinct failure once (the first worker's
reproducers), a harness error or an interruption in any worker is the run's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance import catalog as catalog_mod
from conformance import outcomes as oc
from conformance.fuzz.report import AGREEMENT, SESSION_NODE, write_reports
from conformance.results import document as results

SEED_STRIDE = 1_000_003  # between workers' seeds: chunks use seed, seed + 1, ...
START_MARGIN = 120.0  # seconds a worker may take to start its server and write its reports
STOP_WAIT = 30.0  # after SIGTERM, before a worker is killed
ASSEMBLED = frozenset(
    {
        "schema",
        "verdict",
        "exit_code",
        "verdict_reason",
        "aborted",
        "scores",
        "counts",
        "behavior_counts",
        "expectations",
        "tests",
        "behaviors",
        "leftovers",
    }
)


def worker_argv(
    argv: Sequence[str], k: int, seed: int, folder: Path, examples: int | None
) -> list[str]:
    """The command line of worker `k`: the user's options, then its own (later flags win)."""
    own = ["--workers", "1", "--seed", str(seed + k * SEED_STRIDE), "--report-dir", str(folder)]
    own += ["--quiet"] + (["--examples", str(examples)] if examples is not None else [])
    return [sys.executable, "-m", "conformance.fuzz", *argv, *own]


@contextlib.contextmanager
def _forwarding(procs: list[subprocess.Popen[bytes]]) -> Iterator[list[str]]:
    """Ctrl-C and SIGTERM reach every worker (each stops after its current example, keeping what
    it found); yields the names of the signals received."""
    received: list[str] = []

    def handler(signum: int, frame: Any) -> None:
        received.append(signal.Signals(signum).name)
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signum)

    if threading.current_thread() is not threading.main_thread():
        yield received  # only the main thread may set handlers; the workers get the signal too
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _wait(procs: list[subprocess.Popen[bytes]], deadline: float) -> None:
    """Wait for every worker until `deadline`, then stop the rest (SIGTERM, then kill)."""
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
    late = [p for p in procs if p.poll() is None]
    for proc in late:
        proc.terminate()
    for proc in late:
        try:
            proc.wait(timeout=STOP_WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_WAIT)


def run_workers(
    argv: Sequence[str],
    *,
    workers: int,
    seed: int,
    examples: int | None,
    time_limit: float,
    report_dir: Path,
) -> list[tuple[int, Path]]:
    """Run `workers` sessions of `argv` at once; (exit code, reports folder) of each. Bounded by
    `time_limit` seconds (the session's budget and shrink time, plus START_MARGIN)."""
    share = None if examples is None else math.ceil(examples / workers)
    folders = [report_dir / "workers" / str(k) for k in range(workers)]
    procs: list[subprocess.Popen[bytes]] = []
    for k, folder in enumerate(folders):
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "worker.log", "wb") as log:
            cmd = worker_argv(argv, k, seed, folder, share)
            procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT))
    with _forwarding(procs):
        _wait(procs, time.monotonic() + time_limit + START_MARGIN)
    return [(int(p.returncode), f) for p, f in zip(procs, folders, strict=True)]


def worker_results(folder: Path) -> tuple[dict[str, Any], str] | None:
    """(results document, its folder relative to the run's) of one worker, or None."""
    found = sorted(p for p in folder.glob("*/results.json") if p.parent.name != results.LATEST)
    if not found:
        return None
    return results.load(found[0]), f"{folder.name}/{found[0].parent.name}"


def _sum_counts(docs: Sequence[Mapping[str, Any]], key: str) -> dict[str, int]:
    total: Counter[str] = Counter()
    for doc in docs:
        total.update(doc["fuzz"].get(key) or {})
    return dict(sorted(total.items()))


def _failures(docs: Sequence[tuple[dict[str, Any], str]]) -> list[dict[str, Any]]:
    """Each distinct failure once, its reproducers relative to the merged run's folder."""
    seen: dict[str, dict[str, Any]] = {}
    for doc, rel in docs:
        for test in doc["tests"]:
            if test["outcome"] != oc.FAILED or test["nodeid"] in seen:
                continue
            test = dict(test)
            if "reproducers" in test:
                test["reproducers"] = {
                    k: f"workers/{rel}/{v}" for k, v in test["reproducers"].items()
                }
            seen[test["nodeid"]] = test
    return list(seen.values())


def merge(
    docs: Sequence[tuple[dict[str, Any], str]],
    *,
    run_id: str,
    seed: int,
    started: dt.datetime,
    finished: dt.datetime,
    workers: int,
) -> dict[str, Any]:
    """One results document for the run from the workers' documents."""
    first = docs[0][0]
    facts = {k: v for k, v in first.items() if k not in ASSEMBLED}
    fuzz = [doc["fuzz"] for doc, _ in docs]
    steps = sum(f["steps"] for f in fuzz)
    facts.update(
        run_id=run_id,
        started_at=started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        finished_at=finished.strftime("%Y-%m-%dT%H:%M:%SZ"),
        duration=round((finished - started).total_seconds(), 3),
        seeds={"vectors": 0, "hypothesis": seed},
        options={**first["options"], "seed": seed, "workers": workers},
        fuzz={
            "seed": seed,
            "workers": workers,
            "worker_seeds": [f["seed"] for f in fuzz],
            "examples": sum(f["examples"] for f in fuzz),
            "steps": steps,
            # the workers run at once: their rates add up
            "steps_per_second": round(
                sum(f["steps"] / f["duration"] for f in fuzz if f["duration"]), 1
            ),
            "duration": max(f["duration"] for f in fuzz),
            "interrupted": any(f["interrupted"] for f in fuzz),
            "failures": 0,
            "harness_errors": [e for f in fuzz for e in f["harness_errors"]],
            "operations": _sum_counts([d for d, _ in docs], "operations"),
            "operators": _sum_counts([d for d, _ in docs], "operators"),
            "excluding_filters": sum(f.get("excluding_filters", 0) for f in fuzz),
        },
    )
    tests = _failures(docs)
    facts["fuzz"]["failures"] = len(tests)
    aborted = next((d["aborted"] for d, _ in docs if d.get("aborted")), None)
    harness = [t for d, _ in docs for t in d["tests"] if t["outcome"] == oc.HARNESS_ERROR]
    if harness:
        tests.append(harness[0])
    elif not tests:
        tests.append(
            {
                "nodeid": SESSION_NODE,
                "behaviors": [AGREEMENT],
                "outcome": oc.PASSED,
                "duration": facts["fuzz"]["duration"],
            }
        )
    leftovers = [x for d, _ in docs for x in d.get("leftovers") or []]
    cat = catalog_mod.load(catalog_mod.DEFAULT_PATH)
    return results.assemble(facts, tests, cat.values(), [], aborted, leftovers)


def merged_reports(
    outcomes: Sequence[tuple[int, Path]],
    *,
    reports_dir: Path,
    run_id: str,
    seed: int,
    started: dt.datetime,
    workers: int,
) -> tuple[dict[str, Any], list[Path]] | None:
    """Merge and write the run's reports; None when a worker left no results."""
    docs = [worker_results(folder) for _, folder in outcomes]
    if any(d is None for d in docs):
        return None
    found = [d for d in docs if d is not None]
    doc = merge(
        found,
        run_id=run_id,
        seed=seed,
        started=started,
        finished=dt.datetime.now(dt.UTC),
        workers=workers,
    )
    return doc, write_reports(doc, reports_dir)
