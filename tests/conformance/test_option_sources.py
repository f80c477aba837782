"""Every option (those the README documents and the ones only `--help` lists) works from the
command line, the environment and the config file, for every command it applies to: parsed by that
command's own parser, then resolved the way the command resolves it. Also: the README and the help
name only options the table knows, and the README's examples resolve."""

from __future__ import annotations

import argparse
import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance import bench, cli
from conformance.config import (
    add_pytest_options,
    resolve,
    resolve_options,
    resolve_run_options,
)
from conformance.fuzz import command as fuzz_command
from conformance.options import (
    ALL_OPTIONS,
    OPTIONS_BY_DEST,
    TARGET,
    Option,
    options_for,
)
from conformance.repro import replay

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
# Flags the README or the usage text mention that are not options of the table: pytest's own, the
# `run --strict` spelling of --strict-expectations, and the arguments of report/baseline/compare.
NOT_TABLE_FLAGS = {"--help", "--pyargs", "--strict", "--out", "--expires", "--days", "--format"}
NOT_TABLE_FLAGS |= {"--untested", "--json", "--maxfail"}  # --maxfail: pytest's own
FLAG_RE = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def _documented_text() -> str:
    """The README without the reference server's own section (its flags are the server's)."""
    start = README.index("## The reference server")
    return README[:start] + README[README.index("### Benchmark", start) :]


README_FLAGS = set(FLAG_RE.findall(_documented_text())) - NOT_TABLE_FLAGS
DOCUMENTED = sorted(
    (o for o in ALL_OPTIONS if o.flag in README_FLAGS),
    key=lambda o: o.dest,
)


class _PytestGroup:
    """Stands in for pytest's option group: the `run` options on a plain argparse parser."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser

    def addoption(self, *flags: str, **kwargs: Any) -> None:
        self.parser.add_argument(*flags, **kwargs)


def _run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_pytest_options(_PytestGroup(parser))
    return parser


PARSERS: dict[str, Callable[[], argparse.ArgumentParser]] = {
    "run": _run_parser,
    "fuzz": fuzz_command.build_parser,
    "bench": bench.build_parser,
    "replay": replay.build_parser,
}
POSITIONAL = {"replay": ["repro-1.py"]}

# A raw value per option (as typed on a command line) and what it resolves to.
SAMPLES: dict[str, tuple[str, Any]] = {
    "api_version": ("2025-04", "2025-04"),
    "namespace_prefix": ("sample-prefix", "sample-prefix"),
    "environment": ("us-east1-gcp", "us-east1-gcp"),
    "behavior": ("UPSERT-*", ("UPSERT-*",)),
    "extra_target": ("http://127.0.0.1:9/extra", ("http://127.0.0.1:9/extra",)),
    "metric": ("euclidean", "euclidean"),
    "transport": ("grpc", "grpc"),
    "grpc_target": ("127.0.0.1:9", ("127.0.0.1:9",)),
}
KIND_SAMPLES: dict[str, tuple[str, Any]] = {
    "url": ("http://127.0.0.1:9/idx/", "http://127.0.0.1:9/idx"),
    "str": ("sample-value", "sample-value"),
    "path": ("sample/dir", "sample/dir"),
    "bool": ("1", True),
    "float": ("2.5", 2.5),
    "int": ("3", 3),
    "count": ("3", 3),
    "level": ("must", "MUST"),
    "choice": ("core", "core"),
    "duration": ("1m", 60.0),
}
FOREIGN = ["--target", "http://127.0.0.1:9"]
# What a `run` or `fuzz` target option needs beside it to be valid (never the option itself); the
# other commands check their options one by one.
CONTEXT: dict[str, list[str]] = {
    "control_plane": FOREIGN,
    "sparse_target": FOREIGN,
    "hybrid_target": FOREIGN,
    "extra_target": FOREIGN,
    "no_auth_enforcement": FOREIGN,
    "allow_default_namespace": FOREIGN,  # implied for the embedded server
    "allow_create_index": [*FOREIGN, "--control-plane", "http://127.0.0.1:9"],
    "environment": ["--index-name", "idx"],
    "index_name": ["--environment", "us-east1-gcp"],
    "grpc_target": [*FOREIGN, "--transport", "grpc"],
}


def _sample(option: Option) -> tuple[str, Any]:
    return SAMPLES.get(option.dest) or KIND_SAMPLES[option.kind]


def _toml(option: Option, raw: str) -> str:
    """The sample as a config-file value of the option's natural TOML type."""
    if option.kind == "bool":
        return "true"
    if option.kind in ("float", "int", "count"):
        return raw
    if option.kind == "list":
        return json.dumps([raw])
    return json.dumps(raw)


def _resolved(command: str, option: Option, cli_values: dict[str, Any], env: dict[str, str]) -> Any:
    """The value a command ends up with, resolved as the command resolves it."""
    if command in ("run", "fuzz") and option.section == TARGET:
        return getattr(resolve(cli_values, env, embedded_key="k"), option.dest)
    if command == "run":
        run = resolve_run_options(cli_values, env)
        return {
            "profile": run.profile,
            "expectations": run.expectations,
            "strict_expectations": run.strict,
            "reports_dir": run.reports_dir,
            "no_reports": run.reports_dir is None,
        }[option.dest]
    return resolve_options(cli_values, env, command=command)[option.dest]


CASES = [
    pytest.param(option, command, source, id=f"{command}-{option.key}-{source}")
    for option in ALL_OPTIONS  # the README's options and the ones only --help lists
    for command in sorted(option.commands)
    for source in ("cli", "env", "file")
    if not (option.dest == "config" and source == "file")  # a file cannot name another
]


def test_the_readme_documents_only_table_options() -> None:
    assert {o.flag for o in ALL_OPTIONS} >= README_FLAGS, README_FLAGS
    assert len(DOCUMENTED) > 20, [o.dest for o in DOCUMENTED]
    for dest in ("profile", "strict_expectations", "reports_dir", "duration", "examples_db"):
        assert OPTIONS_BY_DEST[dest] in DOCUMENTED


@pytest.mark.parametrize(("option", "command", "source"), CASES)
def test_documented_option_from_each_source(
    tmp_path: Path, option: Option, command: str, source: str
) -> None:
    context = CONTEXT.get(option.dest, []) if command in ("run", "fuzz") else []
    argv = [*POSITIONAL.get(command, []), *context]
    env: dict[str, str] = {}
    if option.dest == "config":  # the file's own option: a file naming the API key
        path = tmp_path / "c.toml"
        path.write_text('api-key = "from-file"\n')
        option, raw, expected = OPTIONS_BY_DEST["api_key"], str(path), "from-file"
        if source == "cli":
            argv += ["--config", raw]
        else:
            env["PINECONE_CONFORMANCE_CONFIG"] = raw
    else:
        raw, expected = _sample(option)
        if source == "cli":
            argv += [option.flag] if option.kind == "bool" else [option.flag, raw]
        elif source == "env":
            env[option.env] = raw
        else:
            path = tmp_path / "c.toml"
            path.write_text(f"{option.key} = {_toml(option, raw)}\n")
            argv += ["--config", str(path)]
    cli_values = vars(PARSERS[command]().parse_args(argv))
    assert _resolved(command, option, cli_values, env) == expected


def test_readme_variables_and_file_keys_are_the_tables() -> None:
    names = {name for o in ALL_OPTIONS for name in (o.env, *o.env_aliases)}
    mentioned = set(re.findall(r"PINECONE_(?:CONFORMANCE_)?[A-Z_]+", README))
    assert mentioned and mentioned <= names
    examples = re.findall(r"`([a-z][a-z0-9_-]*) = ([^`]+)`", README)
    assert ("profile", '"core"') in examples
    for key, literal in examples:
        option = OPTIONS_BY_DEST[key.replace("-", "_")]
        value = tomllib.loads(f"v = {literal}")["v"]
        command = sorted(option.commands)[0]
        context = {"target": "http://127.0.0.1:9"} if option.dest == "no_auth_enforcement" else {}
        assert _resolved(command, option, {**context, option.dest: value}, {}) is not None


def test_profile_core_in_a_config_file_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "conformance.toml"
    path.write_text('profile = "core"\ntarget = "http://127.0.0.1:9"\n')
    assert resolve({"config": str(path)}, {}).target == "http://127.0.0.1:9"
    assert resolve_run_options({"config": str(path)}, {}).profile == "core"


def test_help_and_usage_name_only_table_options() -> None:
    text = cli._help()
    for option in options_for("run"):
        assert option.flag in text and option.env in text
    flags = set(FLAG_RE.findall(cli.USAGE)) - NOT_TABLE_FLAGS
    assert flags <= {o.flag for o in ALL_OPTIONS}, flags
