"""TargetConfig resolution: precedence, validation messages, and the key never shown."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conformance.config import OPTIONS, ConfigError, resolve
from conformance.target.launcher import launch_reference_server

try:  # tests/ is a package; this directory is not, so the repository may not be on sys.path yet
    from tests.suite_runner import run_suite
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
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
    others = [c for c in run.cases.values() if c not in rejecting]
    assert others and all(c.outcome == "passed" for c in others), run.explain()

    # Without the option the same target fails exactly those behaviors.
    plain = _auth_run(tmp_path, "plain")
    assert plain.returncode == 1, plain.explain()
    failed = {c.key for c in plain.with_outcome("failed")}
    assert failed == {c.key for c in rejecting}, plain.explain()
