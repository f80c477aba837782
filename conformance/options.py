"""The option table: every option of every command (`run`, `fuzz`, `replay`, `bench`) in one place.

One spelling per option, derived from its `dest`: the flag `--some-option`, the environment
variable `PINECONE_CONFORMANCE_SOME_OPTION` and the config-file key `some-option` (or
`some_option`). Parsers, help texts and resolution (`conformance.config`) are all generated from
this table, so a new option cannot be documented in one place and missing in another.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from conformance.catalog import DEFAULT_PROFILE, PROFILES, TRANSPORTS

DEFAULT_API_VERSION = "2025-10"
DEFAULT_PREFIX = "conformance"
FOREIGN_CONSISTENCY_TIMEOUT = 10.0
DEFAULT_EXAMPLES_DB = ".pinecone-conformance/examples"
DEFAULT_REPORTS_DIR = "reports"
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
DEFAULT_STALL_AFTER = 5
LEVELS = ("MUST", "SHOULD")
REST, GRPC = TRANSPORTS  # the wire forms of the data plane
ENV_PREFIX = "PINECONE_CONFORMANCE_"

RUN, FUZZ, REPLAY, BENCH = "run", "fuzz", "replay", "bench"
COMMANDS = (RUN, FUZZ, REPLAY, BENCH)
KINDS = frozenset(
    {"str", "url", "bool", "float", "int", "count", "list", "level", "path", "choice", "duration"}
)
# Sections group the options in help texts; "target" ones make a TargetConfig (`config.resolve`).
TARGET, GATING = "target", "gating"

_ALL = frozenset(COMMANDS)
_SUITE = frozenset({RUN, FUZZ})  # the commands that start a suite session against a target


@dataclass(frozen=True)
class Option:
    """One setting: the commands it applies to, its kind, default and help.

    `defaults` and `helps` are per-command overrides ((command, value) pairs) for an option that
    means slightly different things to different commands (e.g. bench's own `--seed` default).
    """

    dest: str
    kind: str
    help: str
    metavar: str | None = None
    commands: frozenset[str] = _SUITE
    section: str = TARGET
    choices: tuple[str, ...] = ()
    default: Any = None
    defaults: tuple[tuple[str, Any], ...] = ()
    helps: tuple[tuple[str, str], ...] = ()
    env_aliases: tuple[str, ...] = ()  # older or shared variable names, read after `env`
    flag_aliases: tuple[str, ...] = ()  # deprecated flags, accepted but not shown in help

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"option {self.dest}: unknown kind {self.kind!r}")
        if not self.commands <= _ALL:
            raise ValueError(f"option {self.dest}: unknown command in {sorted(self.commands)}")

    @property
    def flag(self) -> str:
        return "--" + self.dest.replace("_", "-")

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.dest.upper()

    @property
    def key(self) -> str:
        """The config-file key (`some_option` is accepted too)."""
        return self.dest.replace("_", "-")

    def default_for(self, command: str) -> Any:
        return dict(self.defaults).get(command, self.default)

    def help_for(self, command: str) -> str:
        return dict(self.helps).get(command, self.help)


def _bench(dest: str, help: str, default: int) -> Option:
    """A size of the benchmark: a positive count with a default."""
    return Option(
        dest,
        "count",
        f"{help} (default {default})",
        "N",
        commands=frozenset({BENCH}),
        section=BENCH,
        default=default,
    )


ALL_OPTIONS: tuple[Option, ...] = (
    # -- the target (run and fuzz; some also bench and replay) --------------------------------
    Option(
        "config",
        "path",
        "TOML file with any of these options (keys like `api-key`)",
        "FILE",
        commands=_ALL,
    ),
    Option(
        "target",
        "url",
        "data-plane URL of the index under test (may carry a path prefix); "
        "without it the bundled reference server is started",
        "URL",
        commands=_ALL,
        helps=(
            (
                BENCH,
                "data-plane URL of an existing dense cosine index of --dimension "
                "(default: start a reference server)",
            ),
            (REPLAY, "data-plane URL of the index the reproducer runs against (required)"),
        ),
    ),
    Option(
        "api_key",
        "str",
        "API key sent as `Api-Key` (also from PINECONE_API_KEY)",
        "KEY",
        commands=_ALL,
        defaults=((BENCH, "bench"),),
        helps=((BENCH, "API key sent to --target (also from PINECONE_API_KEY; default bench)"),),
        env_aliases=("PINECONE_API_KEY",),
    ),
    Option(
        "api_version",
        "str",
        f"X-Pinecone-Api-Version sent; selects the behaviors that apply "
        f"(default {DEFAULT_API_VERSION})",
        "YYYY-MM",
        commands=_SUITE | {REPLAY},
        helps=((REPLAY, "X-Pinecone-Api-Version sent (default: the fuzz session's)"),),
    ),
    Option(
        "transport",
        "choice",
        "the data plane's wire form: rest (HTTP and JSON) or grpc (VectorService; the grpc "
        "extra); behaviors of the other wire form only are not applicable (default rest)",
        "rest|grpc",
        choices=TRANSPORTS,
        default=REST,
    ),
    Option(
        "grpc_target",
        "list",
        "where an index serves gRPC when not on its own host: HOST:PORT (plaintext) or "
        "https://HOST[:PORT] (TLS) for the --target index, URL=ADDRESS for the index at data-plane "
        "URL (repeatable; default: each index host; the embedded server's are found by themselves)",
        "[URL=]HOST:PORT",
        commands=_SUITE | {REPLAY},
        helps=(
            (
                REPLAY,
                "HOST:PORT (or https://HOST[:PORT]) where the --target index serves gRPC: the "
                "reproducer's steps then travel over gRPC (needs the grpc extra)",
            ),
        ),
    ),
    Option("control_plane", "url", "control-plane URL; enables the index tests", "URL"),
    Option(
        "allow_create_index", "bool", "let the suite create (and always delete) temporary indexes"
    ),
    Option(
        "metric",
        "choice",
        "the metric of the --target index, for a target whose control plane cannot describe it "
        "(describe_index wins when --control-plane is given)",
        "METRIC",
        choices=("cosine", "euclidean", "dotproduct"),
    ),
    Option(
        "no_auth_enforcement",
        "bool",
        "the target accepts any API key (e.g. Pinecone Local): behaviors that need a missing or "
        "wrong key rejected are reported not applicable",
    ),
    Option(
        "environment",
        "str",
        "legacy addressing: with --index-name, the host is found through "
        "https://controller.ENV.pinecone.io/actions/whoami",
        "ENV",
    ),
    Option("index_name", "str", "index name for --environment addressing", "NAME"),
    Option("controller_url", "url", "override the controller URL used with --environment", "URL"),
    Option("sparse_target", "url", "data-plane URL of a sparse index (foreign targets)", "URL"),
    Option(
        "hybrid_target",
        "url",
        "data-plane URL of a dense dotproduct index for hybrid queries",
        "URL",
    ),
    Option(
        "extra_target",
        "list",
        "data-plane URL of another index (repeatable), e.g. one per metric",
        "URL",
    ),
    Option(
        "import_uri",
        "str",
        "file:// directory, readable by the target under the same URI, that the suite writes its "
        "bulk import datasets into (default for the embedded server: a temporary directory; "
        "without it a foreign target's import tests are not applicable)",
        "URI",
    ),
    Option(
        "namespace_prefix",
        "str",
        f"prefix of every namespace the suite creates (default "
        f"{DEFAULT_PREFIX!r}, at least 3 characters)",
        "PREFIX",
        commands=_SUITE | {REPLAY},
        helps=(
            (
                REPLAY,
                f"prefix of the namespaces the reproducer creates (default {DEFAULT_PREFIX!r})",
            ),
        ),
    ),
    Option(
        "consistency_timeout",
        "float",
        "seconds to wait for writes to become visible (default 0 "
        f"for the embedded server, {FOREIGN_CONSISTENCY_TIMEOUT:g} otherwise)",
        "SECONDS",
        commands=_SUITE | {REPLAY},
        helps=((REPLAY, "seconds to poll reads (default: the fuzz session's)"),),
    ),
    Option(
        "allow_default_namespace",
        "bool",
        "allow tests in the default namespace of a foreign "
        "target (they delete exactly the records they wrote)",
    ),
    Option(
        "level",
        "level",
        "MUST runs only MUST behaviors; SHOULD (default) runs all",
        "MUST|SHOULD",
        commands=frozenset({RUN}),
    ),
    Option(
        "behavior",
        "list",
        "run only tests of this behavior id (repeatable; * wildcards)",
        "ID",
        commands=frozenset({RUN}),
    ),
    Option(
        "server_command",
        "str",
        "command that starts the embedded server instead of "
        "`python -m reference_server` (the launcher appends --host/--port/--index flags)",
        "CMD",
    ),
    Option(
        "visibility_delay",
        "float",
        "start the embedded server with this write visibility delay (seconds)",
        "SECONDS",
    ),
    Option(
        "request_timeout",
        "float",
        "deadline of each HTTP request in seconds, connect to the last byte of the response "
        "(default 10)",
        "SECONDS",
        commands=_SUITE | {REPLAY},
    ),
    Option(
        "max_response_bytes",
        "count",
        "a response body larger than this fails its request instead of being read "
        f"(default {DEFAULT_MAX_RESPONSE_BYTES}, 16 MiB)",
        "BYTES",
    ),
    Option(
        "stall_after",
        "count",
        "end the run once this many requests in a row, across workers, got no answer "
        "(transport errors, timeouts); the tests not yet run are target-unavailable "
        f"(default {DEFAULT_STALL_AFTER})",
        "N",
        commands=frozenset({RUN}),
    ),
    # -- reporting and gating ---------------------------------------------------------------
    Option(
        "profile",
        "choice",
        "core: the seed document's behaviors; full: every documented behavior (default); "
        "reference-parity: also the reference server's own decisions (not conformance)",
        "|".join(sorted(PROFILES)),
        commands=frozenset({RUN}),
        section=GATING,
        choices=tuple(sorted(PROFILES)),
        default=DEFAULT_PROFILE,
    ),
    Option(
        "expectations",
        "path",
        "TOML file of known failures (behavior or test id, reason, link, expires)",
        "FILE",
        commands=frozenset({RUN}),
        section=GATING,
    ),
    Option(
        "strict_expectations",
        "bool",
        "unexpected passes, expired and unmatched expectations fail the run "
        "(`pinecone-conformance run --strict`)",
        commands=frozenset({RUN}),
        section=GATING,
        default=False,
        env_aliases=(ENV_PREFIX + "STRICT",),
    ),
    Option(
        "reports_dir",
        "path",
        "each run writes DIR/<run id>/results.json, summary.md, junit.xml, report.html; "
        f"DIR/latest points at the last (default {DEFAULT_REPORTS_DIR})",
        "DIR",
        section=GATING,
        default=DEFAULT_REPORTS_DIR,
        flag_aliases=("--report-dir",),
    ),
    Option(
        "no_reports",
        "bool",
        "write no results or reports",
        commands=frozenset({RUN}),
        section=GATING,
        default=False,
    ),
    # -- fuzz ------------------------------------------------------------------------------
    Option(
        "duration",
        "duration",
        "time budget, e.g. 90s, 10m, 1h (default 10m)",
        "TIME",
        commands=frozenset({FUZZ}),
        section=FUZZ,
        default=600.0,
    ),
    Option(
        "seed",
        "int",
        "seed of the first chunk (default: random)",
        "N",
        commands=frozenset({FUZZ, BENCH}),
        section=FUZZ,
        defaults=((BENCH, 7),),
        helps=((BENCH, "random seed for data and queries (default 7)"),),
    ),
    Option(
        "examples_db",
        "str",
        f"hypothesis example database (default {DEFAULT_EXAMPLES_DB}; `none` for none)",
        "PATH|redis://HOST:PORT",
        commands=frozenset({FUZZ}),
        section=FUZZ,
        default=DEFAULT_EXAMPLES_DB,
    ),
    Option(
        "max_failures",
        "count",
        "stop after this many distinct failures",
        "N",
        commands=frozenset({FUZZ}),
        section=FUZZ,
    ),
    Option(
        "examples",
        "count",
        "stop after about this many examples (with --seed: the same examples every time)",
        "N",
        commands=frozenset({FUZZ}),
        section=FUZZ,
    ),
    Option(
        "steps",
        "count",
        "steps per example (default 25)",
        "N",
        commands=frozenset({FUZZ}),
        section=FUZZ,
        default=25,
    ),
    Option(
        "shrink_time",
        "duration",
        "how long shrinking may run past --duration (default: a quarter of it, >= 10s)",
        "TIME",
        commands=frozenset({FUZZ}),
        section=FUZZ,
    ),
    Option(
        "stats",
        "bool",
        "print steps per second and per-operation counts at the end",
        commands=frozenset({FUZZ}),
        section=FUZZ,
        default=False,
    ),
    Option(
        "quiet", "bool", "no progress line", commands=frozenset({FUZZ}), section=FUZZ, default=False
    ),
    Option(
        "workers",
        "count",
        "run the session as N processes at once (seeds apart, one example database), merging "
        "their reports (default 1)",
        "N",
        commands=frozenset({FUZZ}),
        section=FUZZ,
        default=1,
    ),
    # -- bench -----------------------------------------------------------------------------
    _bench(
        "records",
        "records to load; query time is also measured at 10,000, 25,000, 50,000, 100,000, ... "
        "on the way, for the scaling table",
        100_000,
    ),
    _bench("dimension", "vector dimension", 768),
    _bench("queries", "queries per variant", 200),
    _bench("fetches", "fetch requests", 1000),
    _bench("connections", "concurrent connections the upserts are sent over", 2),
    Option(
        "save_dir",
        "path",
        "write the figures and the query-time-by-record-count table as DIR/bench-<time>.md and "
        "DIR/bench-<time>-scaling.csv (default reports/bench)",
        "DIR",
        commands=frozenset({BENCH}),
        section=BENCH,
        default="reports/bench",
    ),
)
OPTIONS_BY_DEST = {o.dest: o for o in ALL_OPTIONS}
# The options that make a TargetConfig: what `conformance.config.resolve` reads.
OPTIONS: tuple[Option, ...] = tuple(
    o for o in ALL_OPTIONS if o.section == TARGET and RUN in o.commands
)
GATING_OPTIONS: tuple[Option, ...] = tuple(o for o in ALL_OPTIONS if o.section == GATING)
SECTION_TITLES = {
    TARGET: "Target and selection",
    GATING: "Reporting and gating",
    FUZZ: "Fuzzing",
    BENCH: "Benchmark",
}


def options_for(command: str) -> tuple[Option, ...]:
    """The options of one command, in table order."""
    if command not in COMMANDS:
        raise ValueError(f"unknown command {command!r}")
    return tuple(o for o in ALL_OPTIONS if command in o.commands)


def format_help(command: str, indent: int = 2, width: int = 34, columns: int = 100) -> str:
    """The option listing of a command's help, section by section, each option with its
    environment variable, so the help cannot drift from the table."""
    pad = " " * (indent + width + 1)
    lines: list[str] = []
    for section, title in SECTION_TITLES.items():
        options = [o for o in options_for(command) if o.section == section]
        if not options:
            continue
        lines.append(f"{title}:")
        for option in options:
            flag = " " * indent + option.flag + (f" {option.metavar}" if option.metavar else "")
            # Old spellings under our own prefix are accepted but no longer shown.
            shown = [option.env, *(a for a in option.env_aliases if not a.startswith(ENV_PREFIX))]
            body = textwrap.wrap(option.help_for(command), columns - len(pad))
            body.append(f"[env {' or '.join(shown)}]")
            if len(flag) < len(pad):
                lines.append(f"{flag:<{len(pad)}}{body[0]}")
            else:
                lines += [flag, pad + body[0]]
            lines += [pad + line for line in body[1:]]
        lines.append("")
    return "\n".join(lines)
