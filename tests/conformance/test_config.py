"""TargetConfig resolution: precedence, validation messages, and the key never shown."""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

import pytest

from conformance.catalog import PROFILES
from conformance.config import (
    ALL_OPTIONS,
    OPTIONS,
    ConfigError,
    RunOptions,
    TargetConfig,
    add_argparse_options,
    add_pytest_options,
    options_for,
    resolve,
    resolve_options,
    resolve_run_options,
)
from conformance.target.launcher import launch_reference_server
from tests.suite_runner import run_suite

KEY = "sk-secret-value-42"


def test_embedded_defaults() -> None:
    cfg = resolve({}, {}, embedded_key="k-embedded")
    assert cfg.embedded
    assert (cfg.api_version, cfg.namespace_prefix, cfg.consistency_timeout) == (
        "2025-10",
        "conformance",
        0.0,
    )
    assert cfg.allow_default_namespace and cfg.allow_create_index
    assert cfg.api_key == "k-embedded"


def test_embedded_without_key_gets_a_random_one() -> None:
    a, b = resolve({}, {}), resolve({}, {})
    assert a.api_key and b.api_key and a.api_key != b.api_key


def test_visibility_delay_implies_a_consistency_timeout() -> None:
    assert resolve({"visibility_delay": "0.3"}, {}).consistency_timeout == 10.0


def test_foreign_defaults() -> None:
    cfg = resolve({"target": "idx.svc.example.io/"}, {"PINECONE_API_KEY": KEY})
    assert not cfg.embedded
    assert cfg.target == "https://idx.svc.example.io"
    assert cfg.consistency_timeout == 10.0
    assert not cfg.allow_default_namespace
    assert cfg.api_key == KEY


@pytest.mark.parametrize(
    ("cli", "env", "file", "expected"),
    [
        (
            {"api_version": "2024-07"},
            {"PINECONE_CONFORMANCE_API_VERSION": "2025-01"},
            "2025-04",
            "2024-07",
        ),
        ({}, {"PINECONE_CONFORMANCE_API_VERSION": "2025-01"}, "2025-04", "2025-01"),
        ({}, {}, "2025-04", "2025-04"),
        ({}, {}, None, "2025-10"),
    ],
    ids=["cli-wins", "env-over-file", "file", "default"],
)
def test_precedence(tmp_path, cli, env, file, expected) -> None:
    if file:
        path = tmp_path / "c.toml"
        path.write_text(f'api-version = "{file}"\n')
        cli = {**cli, "config": str(path)}
    assert resolve(cli, env).api_version == expected


def test_file_keys_table_and_types(tmp_path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[conformance]\ntarget = "http://127.0.0.1:9/idx"\nconsistency_timeout = 2\n'
        'allow-default-namespace = true\nbehavior = ["UPSERT-*"]\nlevel = "must"\n'
    )
    cfg = resolve({}, {"PINECONE_CONFORMANCE_CONFIG": str(path)})
    assert cfg.target == "http://127.0.0.1:9/idx"
    assert (cfg.consistency_timeout, cfg.allow_default_namespace) == (2.0, True)
    assert (cfg.behavior, cfg.level) == (("UPSERT-*",), "MUST")


def test_env_list_and_bool() -> None:
    env = {
        "PINECONE_CONFORMANCE_BEHAVIOR": "A-B, C-D",
        "PINECONE_CONFORMANCE_ALLOW_DEFAULT_NAMESPACE": "yes",
        "PINECONE_CONFORMANCE_TARGET": "http://h:1",
    }
    cfg = resolve({}, env)
    assert cfg.behavior == ("A-B", "C-D") and cfg.allow_default_namespace


@pytest.mark.parametrize(
    ("cli", "env", "message"),
    [
        ({"namespace_prefix": "ab"}, {}, "--namespace-prefix"),
        (
            {},
            {"PINECONE_CONFORMANCE_NAMESPACE_PREFIX": "x"},
            "PINECONE_CONFORMANCE_NAMESPACE_PREFIX",
        ),
        ({"api_version": "latest"}, {}, "--api-version"),
        ({"consistency_timeout": "-1"}, {}, "--consistency-timeout"),
        ({"consistency_timeout": "soon"}, {}, "--consistency-timeout"),
        ({"level": "MAY"}, {}, "--level"),
        ({"target": "ftp://x"}, {}, "--target"),
        ({"environment": "us-east1-gcp"}, {}, "--index-name"),
        ({"environment": "e", "index_name": "i", "target": "http://h"}, {}, "give one"),
        ({"sparse_target": "http://h"}, {}, "needs --target"),
        ({"target": "http://h", "server_command": "x"}, {}, "embedded"),
        ({"target": "http://h", "allow_create_index": True}, {}, "--control-plane"),
        ({}, {"PINECONE_CONFORMANCE_ALLOW_DEFAULT_NAMESPACE": "maybe"}, "true or false"),
        ({"config": "/nonexistent/c.toml"}, {}, "does not exist"),
    ],
)
def test_mistakes_name_their_source(cli, env, message) -> None:
    with pytest.raises(ConfigError, match=message.replace("-", r"\-")):
        resolve(cli, env)


def test_unknown_file_key(tmp_path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('targett = "http://h"\n')
    with pytest.raises(ConfigError, match="unknown key 'targett'"):
        resolve({"config": str(path)}, {})


def test_key_not_in_repr() -> None:
    cfg = resolve({"target": "http://h", "api_key": KEY}, {})
    assert KEY not in repr(cfg) and KEY not in str(cfg)


def test_every_option_has_flag_and_env() -> None:
    flags = [o.flag for o in OPTIONS]
    assert len(set(flags)) == len(flags)
    assert all(o.env.startswith("PINECONE_CONFORMANCE_") for o in OPTIONS)


def test_table_spellings_are_unique_and_derived() -> None:
    flags = [o.flag for o in ALL_OPTIONS]
    assert len(set(flags)) == len(flags)
    for o in ALL_OPTIONS:
        assert (
            o.commands
            and o.flag == "--" + o.key
            and o.env == "PINECONE_CONFORMANCE_" + (o.dest.upper())
        )
    assert {o.dest for o in OPTIONS} <= {f.name for f in fields(TargetConfig)}


# -- the file serves every command ---------------------------------------------------------------
def _file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "c.toml"
    path.write_text(text)
    return str(path)


def test_file_with_every_commands_keys_is_accepted_by_each(tmp_path) -> None:
    path = _file(
        tmp_path,
        'profile = "core"\nduration = "1m"\nrecords = 10\nstrict-expectations = true\n'
        'api-version = "2025-04"\n',
    )
    assert resolve({"config": path}, {}).api_version == "2025-04"
    assert resolve_run_options({"config": path}, {}) == RunOptions("core", None, True, "reports")
    assert resolve_options({"config": path}, {}, command="fuzz")["duration"] == 60.0
    assert (
        resolve_options({}, {"PINECONE_CONFORMANCE_CONFIG": path}, command="bench")["records"] == 10
    )


def test_unknown_file_key_lists_every_commands_keys(tmp_path) -> None:
    path = _file(tmp_path, "durations = 3\n")
    with pytest.raises(ConfigError, match=r"unknown key 'durations'.*profile.*duration.*records"):
        resolve_run_options({"config": path}, {})


# -- run options ---------------------------------------------------------------------------------
def test_run_options_defaults() -> None:
    assert resolve_run_options({}, {}) == RunOptions("full", None, False, "reports")


@pytest.mark.parametrize(
    ("cli", "env", "file", "expected"),
    [
        ({"profile": "core"}, {"PINECONE_CONFORMANCE_PROFILE": "full"}, "full", "core"),
        ({}, {"PINECONE_CONFORMANCE_PROFILE": "core"}, "full", "core"),
        ({}, {}, "core", "core"),
        ({}, {}, None, "full"),
    ],
    ids=["cli-wins", "env-over-file", "file", "default"],
)
def test_run_options_precedence(tmp_path, cli, env, file, expected) -> None:
    if file:
        cli = {**cli, "config": _file(tmp_path, f'profile = "{file}"\n')}
    assert resolve_run_options(cli, env).profile == expected


@pytest.mark.parametrize(
    ("cli", "env", "file", "message"),
    [
        ({"profile": "most"}, {}, None, "--profile: 'most' is not one of core, full"),
        ({}, {"PINECONE_CONFORMANCE_PROFILE": "most"}, None, "PINECONE_CONFORMANCE_PROFILE"),
        ({}, {}, 'profile = "most"', "c.toml: profile"),
        ({}, {"PINECONE_CONFORMANCE_NO_REPORTS": "sometimes"}, None, "NO_REPORTS"),
        ({}, {}, "strict_expectations = 1", "c.toml: strict-expectations"),
    ],
)
def test_run_option_mistakes_name_their_source(tmp_path, cli, env, file, message) -> None:
    if file:
        cli = {**cli, "config": _file(tmp_path, file + "\n")}
    with pytest.raises(ConfigError, match=message.replace("-", r"\-")):
        resolve_run_options(cli, env)


def test_strict_old_variable_and_no_reports() -> None:
    env = {"PINECONE_CONFORMANCE_STRICT": "1", "PINECONE_CONFORMANCE_REPORTS_DIR": "out"}
    assert resolve_run_options({}, env) == RunOptions("full", None, True, "out")
    env["PINECONE_CONFORMANCE_STRICT_EXPECTATIONS"] = "0"  # the option's own name wins
    assert resolve_run_options({"no_reports": True}, env) == RunOptions("full", None, False, None)


def test_resolution_ignores_options_it_does_not_know() -> None:
    """The plugin hands over pytest's whole option namespace."""
    cli = {"verbose": 2, "duration": "not read by run", "profile": "core", "target": None}
    assert resolve_run_options(cli, {}).profile == "core"
    assert resolve(cli, {}).embedded


# -- other commands ------------------------------------------------------------------------------
def test_command_defaults_and_kinds(tmp_path) -> None:
    bench = resolve_options({}, {}, command="bench")
    assert (bench["api_key"], bench["records"], bench["dimension"], bench["seed"]) == (
        "bench",
        100_000,
        768,
        7,
    )
    fuzz = resolve_options({}, {"PINECONE_CONFORMANCE_SHRINK_TIME": "1h30m"}, command="fuzz")
    assert (fuzz["duration"], fuzz["shrink_time"], fuzz["steps"], fuzz["seed"]) == (
        600.0,
        5400.0,
        25,
        None,
    )
    assert fuzz["reports_dir"] == "reports" and fuzz["stats"] is False
    path = _file(tmp_path, "duration = 90\nseed = 5\n")
    assert resolve_options({"config": path}, {}, command="fuzz")["duration"] == 90.0
    with pytest.raises(ValueError, match="unknown command"):
        options_for("serve")


@pytest.mark.parametrize(
    ("command", "cli", "env", "message"),
    [
        ("bench", {"records": 0}, {}, "--records: must be at least 1"),
        ("bench", {}, {"PINECONE_CONFORMANCE_DIMENSION": "many"}, "DIMENSION: expected an integer"),
        ("fuzz", {}, {"PINECONE_CONFORMANCE_DURATION": "soon"}, "DURATION: 'soon' is not a dur"),
        ("fuzz", {}, {"PINECONE_CONFORMANCE_SEED": "true"}, "SEED: expected an integer"),
        ("replay", {"target": "ftp://x"}, {}, "--target: 'ftp://x' is not an http"),
    ],
)
def test_command_option_mistakes_name_their_source(command, cli, env, message) -> None:
    with pytest.raises(ConfigError, match=message.replace("-", r"\-")):
        resolve_options(cli, env, command=command)


def test_api_key_from_the_shared_variable_is_masked() -> None:
    options = resolve_options({"target": "http://h"}, {"PINECONE_API_KEY": KEY}, command="replay")
    assert options["api_key"] == KEY
    from conformance.redact import redact

    assert KEY not in redact(f"key {KEY}")


# -- the table as parsers ------------------------------------------------------------------------
class _Group:
    """Stands in for pytest's OptionGroup: records each addoption call."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], dict]] = []

    def addoption(self, *flags: str, **kwargs) -> None:
        self.calls.append((flags, kwargs))


def test_pytest_options_keep_their_dests_and_default_to_none() -> None:
    group = _Group()
    add_pytest_options(group)
    dests = [kwargs["dest"] for _, kwargs in group.calls]
    assert dests == [o.dest for o in options_for("run")]
    for name in ("target", "api_key", "control_plane", "behavior", "level", "profile"):
        assert name in dests
    for name in ("expectations", "strict_expectations", "reports_dir", "no_reports"):
        assert name in dests
    assert "duration" not in dests and "records" not in dests
    assert all(kwargs["default"] is None for _, kwargs in group.calls)
    profile = next(kwargs for _, kwargs in group.calls if kwargs["dest"] == "profile")
    assert profile["choices"] == tuple(PROFILES)


def test_argparse_options_default_to_none_and_keep_the_old_fuzz_flag() -> None:
    parser = argparse.ArgumentParser()
    add_argparse_options(parser, "fuzz")
    assert all(v is None for v in vars(parser.parse_args([])).values())
    assert parser.parse_args(["--report-dir", "x"]).reports_dir == "x"
    assert parser.parse_args(["--reports-dir", "y", "--duration", "2m"]).duration == 120.0
    assert "--report-dir" not in parser.format_help()
    with pytest.raises(SystemExit):
        parser.parse_args(["--steps", "0"])


# -- --no-auth-enforcement ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cli", "env", "file", "expected"),
    [
        ({}, {}, None, False),
        ({"no_auth_enforcement": True}, {}, None, True),
        ({}, {"PINECONE_CONFORMANCE_NO_AUTH_ENFORCEMENT": "1"}, None, True),
        ({}, {}, "no-auth-enforcement = true", True),
        (
            {},
            {"PINECONE_CONFORMANCE_NO_AUTH_ENFORCEMENT": "0"},
            "no-auth-enforcement = true",
            False,
        ),
    ],
    ids=["default", "cli", "env", "file", "env-over-file"],
)
def test_no_auth_enforcement_sources(tmp_path, cli, env, file, expected) -> None:
    if file:
        path = tmp_path / "c.toml"
        path.write_text(f'target = "http://127.0.0.1:9"\n{file}\n')
        cli = {**cli, "config": str(path)}
    else:
        cli = {"target": "http://127.0.0.1:9", **cli}
    assert resolve(cli, env).no_auth_enforcement is expected


def test_no_auth_enforcement_rejects_a_non_boolean() -> None:
    env = {"PINECONE_CONFORMANCE_NO_AUTH_ENFORCEMENT": "perhaps"}
    with pytest.raises(ConfigError, match="PINECONE_CONFORMANCE_NO_AUTH_ENFORCEMENT"):
        resolve({"target": "http://h"}, env)


def _auth_run(tmp_path: Path, name: str, *extra: str):
    """The auth behaviors against a reference server started without a key (it accepts any)."""
    with launch_reference_server(["keyless:8:cosine"]) as server:
        options = [
            f"--target={server.index_urls['keyless']}",
            f"--control-plane={server.control_url}",
            "--api-key=any-key-accepted-here",
            "--behavior=AUTH-*",
            *extra,
        ]
        return run_suite(options, tmp_path, name=name)


@pytest.mark.timeout(240)
def test_no_auth_enforcement_makes_key_rejection_not_applicable(tmp_path: Path) -> None:
    run = _auth_run(tmp_path, "flag", "--no-auth-enforcement")
    assert run.returncode == 0, run.explain()
    rejecting = [c for c in run.cases.values() if "rejects_bad_key" in c.key]
    assert len(rejecting) == 8, run.explain()  # 6 data-plane and 2 control-plane cases
    reason = "not applicable: the target does not enforce API keys (--no-auth-enforcement)"
    assert all(c.outcome == "skipped" and c.message == reason for c in rejecting), rejecting
    # (behaviors bounded to other API versions, such as the optional version header before
    # 2025-10, are not applicable at the default version either way)
    other_versions = "applies to API versions"
    others = [
        c for c in run.cases.values() if c not in rejecting and other_versions not in c.message
    ]
    assert others and all(c.outcome == "passed" for c in others), run.explain()

    # Without the option the same target fails exactly those behaviors.
    plain = _auth_run(tmp_path, "plain")
    assert plain.returncode == 1, plain.explain()
    failed = {c.key for c in plain.with_outcome("failed")}
    assert failed == {c.key for c in rejecting}, plain.explain()
