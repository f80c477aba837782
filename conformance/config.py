"""TargetConfig: what the suite runs against, from the command line, environment and a TOML file.

Precedence is CLI > environment > file > default. Every option `--some-option` has the environment
variable `PINECONE_CONFORMANCE_SOME_OPTION` (the API key also `PINECONE_API_KEY`) and the file key
`some-option` (or `some_option`, optionally inside a `[conformance]` table). `resolve` checks
everything it can without the network and raises ConfigError with one message naming the source of
the mistake; the API key never appears in a message or a repr.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.redact import MASK, register_secret

DEFAULT_API_VERSION = "2025-10"
DEFAULT_PREFIX = "conformance"
FOREIGN_CONSISTENCY_TIMEOUT = 10.0
LEVELS = ("MUST", "SHOULD")
_VERSION_RE = re.compile(r"^\d{4}-\d{2}(\.[a-z0-9]+)?$")
_PREFIX_RE = re.compile(r"^[A-Za-z0-9._-]{3,64}$")


class ConfigError(ValueError):
    """A mistake in the options, environment or config file; the message names where."""


@dataclass(frozen=True)
class Option:
    """One setting: its command-line flag, its kind and its help text."""

    dest: str
    kind: str  # str | url | bool | float | list | level | path
    help: str
    metavar: str | None = None

    @property
    def flag(self) -> str:
        return "--" + self.dest.replace("_", "-")

    @property
    def env(self) -> str:
        return "PINECONE_CONFORMANCE_" + self.dest.upper()


OPTIONS: tuple[Option, ...] = (
    Option("config", "path", "TOML file with any of these options (keys like `api-key`).", "FILE"),
    Option(
        "target",
        "url",
        "data-plane URL of the index under test (may carry a path prefix); "
        "without it the bundled reference server is started",
        "URL",
    ),
    Option("api_key", "str", "API key sent as `Api-Key` (also from PINECONE_API_KEY)", "KEY"),
    Option(
        "api_version",
        "str",
        f"X-Pinecone-Api-Version sent; selects the behaviors that apply "
        f"(default {DEFAULT_API_VERSION})",
        "YYYY-MM",
    ),
    Option("control_plane", "url", "control-plane URL; enables the index tests", "URL"),
    Option(
        "allow_create_index", "bool", "let the suite create (and always delete) temporary indexes"
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
        "namespace_prefix",
        "str",
        f"prefix of every namespace the suite creates (default "
        f"{DEFAULT_PREFIX!r}, at least 3 characters)",
        "PREFIX",
    ),
    Option(
        "consistency_timeout",
        "float",
        "seconds to wait for writes to become visible (default 0 "
        f"for the embedded server, {FOREIGN_CONSISTENCY_TIMEOUT:g} otherwise)",
        "SECONDS",
    ),
    Option(
        "allow_default_namespace",
        "bool",
        "allow tests in the default namespace of a foreign "
        "target (they delete exactly the records they wrote)",
    ),
    Option(
        "level", "level", "MUST runs only MUST behaviors; SHOULD (default) runs all", "MUST|SHOULD"
    ),
    Option(
        "behavior", "list", "run only tests of this behavior id (repeatable; * wildcards)", "ID"
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
        "timeout of each HTTP request in seconds (default 10)",
        "SECONDS",
    ),
)
OPTIONS_BY_DEST = {o.dest: o for o in OPTIONS}


@dataclass(frozen=True)
class TargetConfig:
    """The validated settings of a run. `embedded` means the suite starts the server itself."""

    target: str | None = None
    api_key: str | None = field(default=None, repr=False)
    api_version: str = DEFAULT_API_VERSION
    control_plane: str | None = None
    allow_create_index: bool = False
    no_auth_enforcement: bool = False
    environment: str | None = None
    index_name: str | None = None
    controller_url: str | None = None
    sparse_target: str | None = None
    hybrid_target: str | None = None
    extra_target: tuple[str, ...] = ()
    namespace_prefix: str = DEFAULT_PREFIX
    consistency_timeout: float = 0.0
    allow_default_namespace: bool = False
    level: str = "SHOULD"
    behavior: tuple[str, ...] = ()
    server_command: str | None = None
    visibility_delay: float = 0.0
    request_timeout: float = 10.0
    config: str | None = None

    @property
    def embedded(self) -> bool:
        return self.target is None and self.environment is None

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={MASK if f.name == 'api_key' and self.api_key else getattr(self, f.name)!r}"
            for f in fields(self)
        )
        return f"TargetConfig({shown})"


def _normalize_url(value: str, where: str) -> str:
    if "://" not in value:
        value = "https://" + value  # hosts are returned bare by describe_index
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: {value!r} is not an http(s) URL")
    return value.rstrip("/")


def _as_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{where}: expected true or false, got {value!r}")


def _convert(option: Option, value: Any, where: str) -> Any:
    """Check and convert one raw value (from the environment, a TOML file or the CLI)."""
    if option.kind == "bool":
        return _as_bool(value, where)
    if option.kind == "list":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
        items = [i.strip() for i in items if i.strip()]
        if option.dest == "extra_target":
            items = [_normalize_url(i, where) for i in items]
        return tuple(items)
    if option.kind == "float":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: expected a number of seconds, got {value!r}") from None
        if not number >= 0 or number == float("inf"):
            raise ConfigError(f"{where}: expected a non-negative finite number, got {value!r}")
        return number
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    if option.kind == "url":
        return _normalize_url(value, where)
    if option.kind == "level":
        if value.upper() not in LEVELS:
            raise ConfigError(f"{where}: expected MUST or SHOULD, got {value!r}")
        return value.upper()
    return value


def _read_file(path: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--config: file {path!r} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"--config: cannot read {path!r}: {exc}") from None
    if isinstance(data.get("conformance"), dict):
        data = {**{k: v for k, v in data.items() if k != "conformance"}, **data["conformance"]}
    out: dict[str, Any] = {}
    for key, value in data.items():
        dest = key.replace("-", "_")
        if dest not in OPTIONS_BY_DEST or dest == "config":
            known = ", ".join(o.dest.replace("_", "-") for o in OPTIONS if o.dest != "config")
            raise ConfigError(f"{path}: unknown key {key!r} (known keys: {known})")
        out[dest] = value
    return out


def _env_value(option: Option, env: Mapping[str, str]) -> str | None:
    value = env.get(option.env)
    if value is None and option.dest == "api_key":
        value = env.get("PINECONE_API_KEY")
    return value if value not in (None, "") else None


def resolve(
    cli: Mapping[str, Any], env: Mapping[str, str] | None = None, *, embedded_key: str | None = None
) -> TargetConfig:
    """Merge CLI values (None = not given), the environment and the `--config` file, and validate.

    For the embedded server without a key, a random key is made up (so auth behaviors apply);
    `embedded_key` fixes it instead (tests).
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    config_path = cli.get("config") or _env_value(OPTIONS_BY_DEST["config"], env)
    if config_path:
        for dest, raw in _read_file(config_path).items():
            option = OPTIONS_BY_DEST[dest]
            where = f"{config_path}: {dest.replace('_', '-')}"
            values[dest], sources[dest] = _convert(option, raw, where), where
        values["config"] = config_path
    for option in OPTIONS:
        if option.dest == "config":
            continue
        raw = _env_value(option, env)
        if raw is not None:
            where = (
                f"environment variable {option.env if env.get(option.env) else 'PINECONE_API_KEY'}"
            )
            values[option.dest], sources[option.dest] = _convert(option, raw, where), where
    for option in OPTIONS:
        raw = cli.get(option.dest)
        if raw is None or (option.kind == "list" and not raw) or option.dest == "config":
            continue
        values[option.dest] = _convert(option, raw, option.flag)
        sources[option.dest] = option.flag
    register_secret(values.get("api_key"))
    return _validate(values, sources, embedded_key)


def _validate(
    values: dict[str, Any], sources: dict[str, str], embedded_key: str | None
) -> TargetConfig:
    def src(dest: str) -> str:
        return sources.get(dest, OPTIONS_BY_DEST[dest].flag)

    version = values.get("api_version", DEFAULT_API_VERSION)
    if not _VERSION_RE.match(version):
        raise ConfigError(f"{src('api_version')}: {version!r} is not an API version like 2025-10")
    prefix = values.get("namespace_prefix", DEFAULT_PREFIX)
    if not _PREFIX_RE.match(prefix):
        raise ConfigError(
            f"{src('namespace_prefix')}: {prefix!r} must be 3 to 64 characters of letters, digits, "
            "'.', '_' or '-' (a short prefix risks colliding with real namespaces)"
        )
    env_name, index_name = values.get("environment"), values.get("index_name")
    if (env_name is None) != (index_name is None):
        missing = "--index-name" if index_name is None else "--environment"
        raise ConfigError(f"--environment and --index-name go together: {missing} is missing")
    if env_name is not None and values.get("target"):
        raise ConfigError(
            f"{src('target')} and {src('environment')} both name the target; give one"
        )
    embedded = values.get("target") is None and env_name is None
    if embedded:
        for dest in ("sparse_target", "hybrid_target", "extra_target", "control_plane"):
            if values.get(dest):
                raise ConfigError(f"{src(dest)} needs --target (a foreign target)")
    else:
        for dest in ("server_command", "visibility_delay"):
            if values.get(dest):
                raise ConfigError(f"{src(dest)} applies only to the embedded server (no --target)")
        if values.get("allow_create_index") and not values.get("control_plane"):
            raise ConfigError(f"{src('allow_create_index')} needs --control-plane")
    if values.get("request_timeout") == 0:
        raise ConfigError(f"{src('request_timeout')}: must be greater than 0")
    if embedded:
        if values.get("api_key") is None:
            values["api_key"] = embedded_key or "conf-" + secrets.token_hex(12)
            register_secret(values["api_key"])
        values["allow_default_namespace"] = True
        values["allow_create_index"] = True
        values.setdefault(
            "consistency_timeout",
            FOREIGN_CONSISTENCY_TIMEOUT if values.get("visibility_delay") else 0.0,
        )
    else:
        values.setdefault("consistency_timeout", FOREIGN_CONSISTENCY_TIMEOUT)
    return TargetConfig(**values)
