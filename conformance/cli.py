"""The `pinecone-conformance` command: run | behaviors | serve | bench.

`run` is `pytest --pyargs conformance.suite` with the same options; its exit status says what
happened (see EXIT_CODES), so CI can tell a non-conformant target from a broken setup.
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

from conformance import plugin
from conformance.config import OPTIONS

EXIT_CODES = {
    0: "every selected test passed (or was not applicable)",
    1: "the target failed at least one test (non-conformant)",
    2: "usage or configuration error (bad option, rejected key, wrong URL, nothing selected)",
    3: "target unavailable (connection refused, timeout, 5xx on the first probe)",
    4: "harness error (the suite broke: setup/cleanup errors, catalog problems, server start)",
}
SUITE = ["--pyargs", "conformance.suite"]

USAGE = """\
usage: pinecone-conformance run [OPTIONS] [PYTEST OPTIONS]
       pinecone-conformance behaviors [--untested] [--json] [OPTIONS]
       pinecone-conformance serve [REFERENCE SERVER OPTIONS]
       pinecone-conformance bench [BENCH OPTIONS]

run        run the suite: same as `pytest --pyargs conformance.suite [OPTIONS]` (add `-n 2` or
           `-n auto` to run in parallel). Without --target it starts the bundled reference server.
behaviors  list the behavior catalog with the tests behind each behavior
serve      run the bundled reference server (`python -m reference_server --help`)
bench      benchmark the reference server

Suite options (each also from its environment variable and from `--config FILE` keys;
precedence: command line > environment > file):
"""


def _help() -> str:
    lines = [USAGE]
    for option in OPTIONS:
        flag = option.flag + (f" {option.metavar}" if option.metavar else "")
        lines.append(f"  {flag:<34} {option.help}")
        lines.append(f"  {'':<34} [env {option.env}]")
    lines.append("\nExit status of `run`:")
    lines += [f"  {code}  {text}" for code, text in EXIT_CODES.items()]
    return "\n".join(lines) + "\n"


class _Outcomes:
    """Counts test failures apart from errors (setup, cleanup, collection)."""

    def __init__(self) -> None:
        self.failed = 0
        self.errors = 0
        self.items: list[Any] = []
        self.config: pytest.Config | None = None

    def pytest_configure(self, config: pytest.Config) -> None:
        self.config = config

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


def exit_code(status: int, outcomes: _Outcomes, reason: str | None) -> int:
    """Map pytest's exit status and what the plugin recorded to the documented exit codes."""
    if reason is not None:
        return {"usage": 2, "unavailable": 3, "harness": 4}[reason]
    if status == pytest.ExitCode.OK:
        return 0
    if status == pytest.ExitCode.TESTS_FAILED:
        return 1 if outcomes.failed else 4
    if status in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        return 2
    return 4


def run(argv: Sequence[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        sys.stdout.write(_help())
        return 0
    outcomes = _Outcomes()
    plugin.exit_reason = None
    status = pytest.main([*SUITE, *argv], plugins=[outcomes])
    code = exit_code(int(status), outcomes, plugin.exit_reason)
    if int(status) == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("pinecone-conformance: no tests selected", file=sys.stderr)
    return code


def behaviors(argv: Sequence[str]) -> int:
    """Print the catalog, each behavior followed by the tests that check it."""
    args = list(argv)
    as_json = "--json" in args
    only_untested = "--untested" in args
    args = [a for a in args if a not in ("--json", "--untested")]
    outcomes = _Outcomes()
    plugin.exit_reason = None
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = pytest.main([*SUITE, "--collect-only", "-q", *args], plugins=[outcomes])
    if status != pytest.ExitCode.OK or outcomes.config is None:
        sys.stderr.write(buffer.getvalue())
        return exit_code(int(status), outcomes, plugin.exit_reason)
    from conformance import catalog as catalog_mod

    cat = plugin.load_catalog(outcomes.config)
    tests = catalog_mod.tests_by_behavior(outcomes.items, cat)
    selected = [b for b in cat.values() if not only_untested or not tests[b.id]]
    if as_json:
        rows = [{**vars(b), "kinds": list(b.kinds), "tests": tests[b.id]} for b in selected]
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for b in selected:
        versions = "" if not (b.min_version or b.max_version) else f" [{b.version_range()}]"
        print(f"{b.id}  {b.level}  {b.area}{versions}\n    {b.statement}")
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
        return 4
    return int(bench_mod.main(list(argv)) or 0)


COMMANDS = {"run": run, "behaviors": behaviors, "serve": serve, "bench": bench}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `pinecone-conformance` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(_help())
        return 0 if args else 2
    command = COMMANDS.get(args[0])
    if command is None:
        print(f"pinecone-conformance: unknown command {args[0]!r}\n", file=sys.stderr)
        sys.stderr.write(_help())
        return 2
    return command(args[1:])


if __name__ == "__main__":
    sys.exit(main())
