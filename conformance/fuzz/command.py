"""`pinecone-conformance fuzz`: a time-boxed fuzz session against a target, with a live progress
line, a clean stop on Ctrl-C, and at the end results.json plus the suite's reports for the run
(`conformance/fuzz_report.py`) next to the reproducers of every failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from conformance.config import (
    ConfigError,
    TargetConfig,
    add_argparse_options,
    parse_duration,
    resolve,
    resolve_options,
)
from conformance.fuzz.context import Failure, FuzzContext
from conformance.fuzz.coverage import print_coverage
from conformance.fuzz.report import results_document, run_id_for, write_failures, write_reports
from conformance.fuzz.session import SessionResult, open_database, run_session
from conformance.fuzz.workers import merged_reports, run_workers
from conformance.options import DEFAULT_EXAMPLES_DB, FUZZ, GRPC
from conformance.outcomes import ExitCode
from conformance.redact import redact
from conformance.target.client import make_http
from conformance.target.session import StartFailure, start_session

DEFAULT_DB = DEFAULT_EXAMPLES_DB
__all__ = ["DEFAULT_DB", "build_parser", "main", "parse_duration"]


class FuzzProgress:
    """The live progress line on stderr (rewritten in place on a terminal)."""

    def __init__(self, stream: Any, deadline: float, enabled: bool = True) -> None:
        self.stream = stream
        self.deadline = deadline
        self.enabled = enabled
        self.start = time.monotonic()
        self.last = 0.0
        self.tty = bool(getattr(stream, "isatty", lambda: False)())

    def __call__(self, ctx: FuzzContext, final: bool = False) -> None:
        now = time.monotonic()
        interval = 0.5 if self.tty else 10.0
        if not self.enabled or (not final and now - self.last < interval):
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        left = max(self.deadline - now, 0)
        line = (
            f"fuzz: {ctx.examples} examples, {ctx.steps} steps, {ctx.steps / elapsed:.0f} steps/s, "
            f"{len(ctx.found)} failures, {int(left // 60)}:{int(left % 60):02d} left"
        )
        end = "\n" if final or not self.tty else ""
        self.stream.write(("\r\x1b[K" if self.tty else "") + line + end)
        self.stream.flush()


def _stop_on_signals(ctx: FuzzContext, received: list[str]) -> Callable[[], None]:
    """Ctrl-C and SIGTERM ask the session to stop after the current example, keeping what it found;
    a second one stops at once. The signals' names go to `received` (the verdict names the first).
    Returns what puts the previous handlers back."""

    def handler(signum: int, frame: Any) -> None:
        received.append(signal.Signals(signum).name)
        if ctx.stop_requested:
            raise KeyboardInterrupt
        ctx.stop_requested = True

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore


def build_parser() -> argparse.ArgumentParser:
    """The options of `fuzz` from the option table; none has a default here (see `main`)."""
    parser = argparse.ArgumentParser(
        prog="pinecone-conformance fuzz",
        description="Fuzz a target against an independent model of the data plane for a time "
        "budget; every failure is shrunk and written as reports/<run id>/repro-<n>.py and .sh.",
    )
    add_argparse_options(parser, FUZZ)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """`pinecone-conformance fuzz`: exit 0 nothing found, 1 failures found, 2 usage error,
    3 target unavailable, 4 harness error, 130/143 interrupted by SIGINT/SIGTERM (what was found
    is kept and reported)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    cli = vars(build_parser().parse_args(argv))
    err = sys.stderr
    try:
        # Command line > environment > config file > default, for every option of `fuzz`.
        args = argparse.Namespace(**resolve_options(cli, command=FUZZ))
        cfg: TargetConfig = resolve(cli)
        database = open_database(args.examples_db)
    except ConfigError as exc:
        print(f"pinecone-conformance fuzz: {redact(str(exc))}", file=err)
        return ExitCode.USAGE
    seed = args.seed if args.seed is not None else int.from_bytes(uuid.uuid4().bytes[:4], "big")
    started = dt.datetime.now(dt.UTC)
    short_id = uuid.uuid4().hex[:8]  # in namespace names
    run_id = run_id_for(started, short_id)
    if args.workers > 1:
        return _parallel(argv, args, seed, started, run_id, err)
    started_session = start_session(cfg, short_id, "fuzz")
    if isinstance(started_session, StartFailure):
        print(f"pinecone-conformance fuzz: {started_session.message}", file=err)
        return int(started_session.code)
    suite = started_session
    reports_dir = Path(args.reports_dir)
    report_dir = reports_dir / run_id
    target = cfg.target or ("embedded" + (f" ({cfg.server_command})" if cfg.server_command else ""))
    http = make_http(cfg.request_timeout)
    if cfg.transport == GRPC:  # the data plane over gRPC, VectorService on each index
        from conformance.target.grpc.transport import grpc_http

        http = grpc_http(
            {i.host: suite.grpc_address(i) for i in suite.indexes},
            http,
            timeout=cfg.request_timeout,
            max_response_bytes=cfg.max_response_bytes,
        )
    restore_signals: Callable[[], None] = lambda: None  # noqa: E731
    received: list[str] = []
    try:
        ctx = FuzzContext(
            suite.indexes,
            cfg.api_key,
            cfg.api_version,
            http,
            consistency_timeout=cfg.consistency_timeout,
            default_namespace=cfg.embedded,
            details=True,
            prefix=cfg.namespace_prefix,
            run_id=short_id,
        )
        restore_signals = _stop_on_signals(ctx, received)
        progress = FuzzProgress(err, time.monotonic() + args.duration, enabled=not args.quiet)
        ctx.progress = progress
        print(
            f"fuzz run {run_id}: seed {seed}, {args.duration:g}s against {redact(target)}, "
            "indexes "
            + ", ".join(
                f"{i.name} ({i.vector_type}, {i.metric}, dim {i.dimension})" for i in suite.indexes
            ),
            file=err,
        )

        def flush(c: FuzzContext) -> None:
            write_failures(c, report_dir, cfg.consistency_timeout, run_id)

        result = run_session(
            ctx,
            duration=args.duration,
            seed=seed,
            database=database,
            max_failures=args.max_failures,
            max_examples=args.examples,
            step_count=args.steps,
            grace=args.shrink_time,
            on_failures=flush,
        )
        progress(ctx, final=True)
    finally:
        restore_signals()
        http.close()
        suite.close()
    failures = write_failures(ctx, report_dir, cfg.consistency_timeout, run_id) if ctx.found else []
    options = {
        "duration": args.duration,
        "seed": args.seed,
        "examples_db": args.examples_db,
        "max_failures": args.max_failures,
        "examples": args.examples,
        "steps": args.steps,
        "shrink_time": args.shrink_time,
    }
    doc = results_document(
        result,
        run_id=run_id,
        cfg=cfg,
        options=options,
        started=started,
        finished=dt.datetime.now(dt.UTC),
        interrupted_by=(received[0] if received else "SIGINT") if result.interrupted else None,
    )
    written = write_reports(doc, reports_dir)
    _print_outcome(result, ctx, failures, written, args.stats, err)
    if result.harness_errors:
        return ExitCode.HARNESS_ERROR
    if result.interrupted:
        return ExitCode(doc["exit_code"])  # 130 or 143, as results.json says
    return ExitCode.NON_CONFORMANT if failures else ExitCode.CONFORMANT


def _parallel(
    argv: list[str],
    args: argparse.Namespace,
    seed: int,
    started: dt.datetime,
    run_id: str,
    err: Any,
) -> int:
    """`--workers N`: the session as N worker processes, then one merged report."""
    reports_dir = Path(args.reports_dir)
    report_dir = reports_dir / run_id
    grace = args.shrink_time if args.shrink_time is not None else max(10.0, args.duration / 4)
    print(
        f"fuzz run {run_id}: {args.workers} workers, seeds from {seed}, {args.duration:g}s; "
        f"worker logs in {report_dir / 'workers'}",
        file=err,
    )
    outcomes = run_workers(
        argv,
        workers=args.workers,
        seed=seed,
        examples=args.examples,
        time_limit=args.duration + grace,
        report_dir=report_dir,
    )
    merged = merged_reports(
        outcomes,
        reports_dir=reports_dir,
        run_id=run_id,
        seed=seed,
        started=started,
        workers=args.workers,
    )
    if merged is None:
        code = max((c for c, _ in outcomes if c not in (0, 1)), default=int(ExitCode.HARNESS_ERROR))
        print(f"a worker left no results (exit {code}); see its worker.log", file=err)
        return code
    doc, written = merged
    fuzz = doc["fuzz"]
    print(
        f"{fuzz['examples']} examples, {fuzz['steps']} steps in {fuzz['duration']:.1f}s "
        f"({fuzz['steps_per_second']:.0f} steps/s over {args.workers} workers); "
        f"{fuzz['failures']} failures; results: {written[0]}",
        file=err,
    )
    if args.stats:
        print(f"{'operation':<40} {'steps':>6}", file=err)
        for op, count in sorted(fuzz["operations"].items(), key=lambda kv: -kv[1]):
            print(f"  {op:<38} {count:>6}", file=err)
        print_coverage(fuzz["operators"], fuzz["excluding_filters"], err)
    for test in doc["tests"]:
        if test["outcome"] == "failed":
            print(f"FAILURE [{test['signature']}] {test['problem']}", file=err)
    for path in written[1:]:
        print(f"report: {path}", file=err)
    return int(doc["exit_code"])


def _print_outcome(
    result: SessionResult,
    ctx: FuzzContext,
    failures: list[Failure],
    written: list[Path],
    stats: bool,
    err: Any,
) -> None:
    """The closing lines: counts and speed, per-operation figures, failures, harness errors."""
    if result.interrupted:
        print("interrupted: keeping what was found so far", file=err)
    print(
        f"{result.examples} examples, {result.steps} steps in {result.elapsed:.1f}s "
        f"({result.steps_per_second:.0f} steps/s); {len(failures)} failures; results: "
        f"{written[0]}",
        file=err,
    )
    if stats:
        print(f"{'operation':<40} {'steps':>6} {'ms/step':>8}  (time on the wire)", file=err)
        for op, count in sorted(result.ops.items(), key=lambda kv: -kv[1]):
            ms = 1000 * ctx.op_seconds[op] / count
            print(f"  {op:<38} {count:>6} {ms:>8.1f}", file=err)
        print_coverage(result.operators, result.excluding_filters, err)
    for f in failures:
        print(
            f"FAILURE {f.n} [{f.signature}] {redact(f.problem)}\n  reproducers: "
            + " ".join(f.files),
            file=err,
        )
    for error in result.harness_errors:
        print(f"HARNESS ERROR {redact(error)}", file=err)
    for path in written[1:]:
        print(f"report: {path}", file=err)


if __name__ == "__main__":
    sys.exit(main())
