"""TargetConfig resolution: precedence, validation messages, and the key never shown."""

from __future__ import annotations

import pytest

from conformance.config import OPTIONS, ConfigError, resolve

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
