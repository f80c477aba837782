"""The `pinecone-conformance` command: run | report | baseline | compare | behaviors | serve |
bench.

`run` is `pytest --pyargs conformance.suite` with the same options; its exit status says what
happened (`conformance.outcomes.ExitCode`), so CI can tell a non-conformant target from a broken
setup.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest

from conformance.options import RUN, format_help
from conformance.outcomes import ExitCode
from conformance.plugin.run import find_run
from conformance.plugin.selection import load_catalog

# This command imports the `conformance` package before pytest loads it as a plugin, so pytest
# cannot rewrite its asserts and would say so on every run; the suite's own modules are rewritten.
SUITE = [
    "--pyargs",
    "conformance.suite",
    "-W",
    "ignore:Module already imported so cannot be rewritten:pytest.PytestAssertRewriteWarning",
]

USAGE = """\
usage: pinecone-conformance run [OPTIONS] [PYTEST OPTIONS]
       pinecone-conformance report RESULTS [--out DIR]
       pinecone-conformance baseline RESULTS [--expires YYYY-MM-DD | --days N] > expectations.toml
       pinecone-conformance compare A/results.json B/results.json [--format text|markdown]
       pinecone-conformance behaviors [--untested] [--json] [OPTIONS]
       pinecone-conformance serve [REFERENCE SERVER OPTIONS]
       pinecone-conformance bench [BENCH OPTIONS]
       pinecone-conformance fuzz [OPTIONS] [--duration 10m] [--seed N] [--examples-db PATH|redis://H:P]
       pinecone-conformance replay reports/<run id>/repro-<n>.py --target URL

run        run the suite: same as `pytest --pyargs conformance.suite [OPTIONS]` (add `-n 2` or
           `-n auto` to run in parallel). Without --target it starts the bundled reference server.
report     re-render summary.md, junit.xml (and report.html) from a results.json
baseline   write an expectations file covering every failing behavior of a run
compare    list the behaviors whose outcome differs between two runs
behaviors  list the behavior catalog with the tests behind each behavior
serve      run the bundled reference server (`python -m reference_server --help`)
bench      benchmark the reference server
fuzz       fuzz the target against a model of the data plane for a time budget; failures are
           shrunk and written as reports/<run id>/repro-<n>.py and .sh (`fuzz --help`)
replay     re-run one reproducer: exit 0 the target conforms, 1 reproduced

Options of `run` below; `fuzz`, `bench` and `replay` list theirs with --help. Every option also
comes from its environment variable and from a `--config FILE` key of the same name (one file may
hold the options of every command); precedence: command line > environment > file > default.
"""
# Generated from the option table, so the help lists exactly the options `run` accepts.
RUN_OPTIONS = format_help(RUN)


def _help() -> str:
    lines = [USAGE, RUN_OPTIONS, "Exit status of `run`:"]
    lines += [f"  {int(code)}  {code.meaning}" for code in ExitCode]
    return "\n".join(lines) + "\n"


class _Outcomes:
    """Counts test failures apart from errors (setup, cleanup, collection)."""

    def __init__(self) -> None:
        self.failed = 0
        self.errors = 0
        self.items: list[Any] = []
        self.config: pytest.Config | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        self.config = config

    def exit_code(self, status: int) -> ExitCode:
        """The documented exit code of the run these outcomes observed."""
        run = find_run(self.config)
        return exit_code(status, self.failed, run.exit_code if run is not None else None)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            if report.when == "call":
                self.failed += 1
            else:
                self.errors += 1

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.errors += 1

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        self.items = list(items)


def exit_code(status: int, failed: int, decided: ExitCode | None) -> ExitCode:
    """The documented exit code: the one the run decided (results written or stopped early), else
    mapped from pytest's status and the number of failed tests."""
    if decided is not None:
        return decided
    if status == pytest.ExitCode.OK:
        return ExitCode.CONFORMANT
    if status == pytest.ExitCode.TESTS_FAILED:
        return ExitCode.NON_CONFORMANT if failed else ExitCode.HARNESS_ERROR
    if status in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        return ExitCode.USAGE
    return ExitCode.HARNESS_ERROR


def run(argv: Sequence[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        sys.stdout.write(_help())
        return 0
    outcomes = _Outcomes()
    args = ["--strict-expectations" if a == "--strict" else a for a in argv]
    status = pytest.main([*SUITE, *args], plugins=[outcomes])
    if int(status) == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("pinecone-conformance: no tests selected", file=sys.stderr)
    return int(outcomes.exit_code(int(status)))


def behaviors(argv: Sequence[str]) -> int:
    """Print the catalog, each behavior followed by the tests that check it."""
    args = list(argv)
    as_json = "--json" in args
    only_untested = "--untested" in args
    args = [a for a in args if a not in ("--json", "--untested")]
    outcomes = _Outcomes()
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = pytest.main([*SUITE, "--collect-only", "-q", *args], plugins=[outcomes])
    if status != pytest.ExitCode.OK or outcomes.config is None:
        sys.stderr.write(buffer.getvalue())
        return int(outcomes.exit_code(int(status)))
    from conformance import catalog as catalog_mod

    cat = load_catalog(outcomes.config)
    tests = catalog_mod.tests_by_behavior(outcomes.items, cat)
    selected = [b for b in cat.values() if not only_untested or not tests[b.id]]
    if as_json:
        rows = [
            {
                **vars(b),
                "kinds": list(b.kinds),
                "transports": list(b.transports),
                "tests": tests[b.id],
            }
            for b in selected
        ]
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for b in selected:
        versions = "" if not (b.min_version or b.max_version) else f" [{b.version_range()}]"
        wire = f" ({' and '.join(b.transports)} only)" if b.transports else ""
        print(f"{b.id}  {b.level}  {b.area}{versions}{wire}\n    {b.statement}")
        for nodeid in tests[b.id]:
            print(f"    - {nodeid}")
        if not tests[b.id]:
            print("    (no test)")
    untested = sum(1 for b in cat.values() if not tests[b.id])
    print(
        f"\n{len(cat)} behaviors, {len(outcomes.items)} tests, {untested} behaviors without a test"
    )
    return 0


def serve(argv: Sequence[str]) -> int:
    try:
        return subprocess.call([sys.executable, "-m", "reference_server", *argv])
    except KeyboardInterrupt:
        return 0


def bench(argv: Sequence[str]) -> int:
    try:
        from conformance import bench as bench_mod
    except ImportError as exc:
        print(f"pinecone-conformance bench: not available ({exc})", file=sys.stderr)
        return ExitCode.HARNESS_ERROR
    return int(bench_mod.main(list(argv)) or 0)


def fuzz(argv: Sequence[str]) -> int:
    from conformance.fuzz import command as fuzz_mod

    return int(fuzz_mod.main(list(argv)) or 0)


def replay(argv: Sequence[str]) -> int:
    from conformance.repro import replay as repro

    return int(repro.replay_main(list(argv)) or 0)


def _load(path: str, command: str) -> dict | None:
    from conformance.results import document as results

    try:
        return results.load(path)
    except results.ResultsError as exc:
        print(f"pinecone-conformance {command}: {exc}", file=sys.stderr)
        return None


def _option(args: list[str], name: str) -> str | None:
    """Remove `NAME VALUE` or `NAME=VALUE` from `args` and return VALUE (None if absent)."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            value = args[i + 1]
            del args[i : i + 2]
            return value
        if arg.startswith(name + "="):
            del args[i]
            return arg.split("=", 1)[1]
    return None


def report(argv: Sequence[str]) -> int:
    """Re-render every report of a stored results.json (into its folder, or --out DIR)."""
    from conformance import report as report_mod
    from conformance.results import document as results

    args = list(argv)
    out = _option(args, "--out")
    if len(args) != 1:
        print("usage: pinecone-conformance report RESULTS [--out DIR]", file=sys.stderr)
        return ExitCode.USAGE
    doc = _load(args[0], "report")
    if doc is None:
        return ExitCode.USAGE
    folder = out or results.resolve_path(args[0]).parent
    for path in report_mod.render_all(doc, folder):
        print(path)
    return 0


def baseline(argv: Sequence[str]) -> int:
    """Print an expectations file covering every failing behavior of a run."""
    import datetime as dt

    from conformance.results import expectations

    args = list(argv)
    expires_text, days = _option(args, "--expires"), _option(args, "--days")
    if len(args) != 1:
        print(
            "usage: pinecone-conformance baseline RESULTS [--expires YYYY-MM-DD | --days N]",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    try:
        if expires_text:
            expires: dt.date | None = dt.date.fromisoformat(expires_text)
        else:
            expires = dt.date.today() + dt.timedelta(days=int(days or 90))
    except ValueError as exc:
        print(f"pinecone-conformance baseline: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    doc = _load(args[0], "baseline")
    if doc is None:
        return ExitCode.USAGE
    sys.stdout.write(expectations.baseline(doc, expires))
    return 0


def compare(argv: Sequence[str]) -> int:
    """Print the behaviors whose outcome differs between two runs."""
    from conformance.results import compare as compare_mod

    args = list(argv)
    fmt = _option(args, "--format") or "text"
    if len(args) != 2 or fmt not in ("text", "markdown"):
        print(
            "usage: pinecone-conformance compare A/results.json B/results.json "
            "[--format text|markdown]",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    a, b = _load(args[0], "compare"), _load(args[1], "compare")
    if a is None or b is None:
        return ExitCode.USAGE
    sys.stdout.write(compare_mod.render(a, b, fmt))
    return 0


COMMANDS = {
    "run": run,
    "report": report,
    "baseline": baseline,
    "compare": compare,
    "behaviors": behaviors,
    "serve": serve,
    "bench": bench,
    "fuzz": fuzz,
    "replay": replay,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `pinecone-conformance` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(_help())
        return ExitCode.CONFORMANT if args else ExitCode.USAGE
    command = COMMANDS.get(args[0])
    if command is None:
        print(f"pinecone-conformance: unknown command {args[0]!r}\n", file=sys.stderr)
        sys.stderr.write(_help())
        return ExitCode.USAGE
    return command(args[1:])


if __name__ == "__main__":
    sys.exit(main())
