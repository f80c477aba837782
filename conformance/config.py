"""Resolving options: command line > environment > TOML config file > default.

Every option of the table (`conformance.options`) has the flag `--some-option`, the environment
variable `PINECONE_CONFORMANCE_SOME_OPTION` (the API key also `PINECONE_API_KEY`) and the file key
`some-option` (or `some_option`, optionally inside a `[conformance]` table). One config file serves
every command: it may hold the options of any command (a `run` ignores `duration`, a `fuzz`
ignores `profile`), and only a key no command knows is rejected, so a typo cannot pass silently.
Values are checked without the network; a mistake raises ConfigError with one message naming its
source (flag, variable or file and key). The API key never appears in a message or a repr.

- `resolve`: the target of a run or fuzz session, as a TargetConfig;
- `resolve_run_options`: the reporting and gating options of `run`, as RunOptions;
- `resolve_options`: every option of one command, as a dict (fuzz, bench, replay);
- `add_pytest_options` / `add_argparse_options`: the table as command-line options.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.options import (
    ALL_OPTIONS,
    DEFAULT_API_VERSION,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_PREFIX,
    DEFAULT_STALL_AFTER,
    FOREIGN_CONSISTENCY_TIMEOUT,
    GATING_OPTIONS,
    LEVELS,
    OPTIONS,
    OPTIONS_BY_DEST,
    REST,
    RUN,
    Option,
    options_for,
)
from conformance.redact import MASK, register_secret
from conformance.values import ConfigError, convert, parse_duration

__all__ = [
    "ALL_OPTIONS",
    "DEFAULT_API_VERSION",
    "DEFAULT_PREFIX",
    "FOREIGN_CONSISTENCY_TIMEOUT",
    "LEVELS",
    "OPTIONS",
    "OPTIONS_BY_DEST",
    "ConfigError",
    "Option",
    "RunOptions",
    "TargetConfig",
    "add_argparse_options",
    "add_pytest_options",
    "options_for",
    "parse_duration",
    "resolve",
    "resolve_options",
    "resolve_run_options",
]

_VERSION_RE = re.compile(r"^\d{4}-\d{2}(\.[a-z0-9]+)?$")
_PREFIX_RE = re.compile(r"^[A-Za-z0-9._-]{3,64}$")
_GRPC_TARGET_RE = re.compile(r"^(https?://[^/\s]+/?|[^:/\s]+:\d{1,5})$")


@dataclass(frozen=True)
class TargetConfig:
    """The validated settings of a run. `embedded` means the suite starts the server itself."""

    target: str | None = None
    api_key: str | None = field(default=None, repr=False)
    api_version: str = DEFAULT_API_VERSION
    transport: str = REST
    grpc_target: tuple[str, ...] = ()
    control_plane: str | None = None
    allow_create_index: bool = False
    metric: str | None = None
    no_auth_enforcement: bool = False
    environment: str | None = None
    index_name: str | None = None
    controller_url: str | None = None
    sparse_target: str | None = None
    hybrid_target: str | None = None
    extra_target: tuple[str, ...] = ()
    import_uri: str | None = None
    namespace_prefix: str = DEFAULT_PREFIX
    consistency_timeout: float = 0.0
    allow_default_namespace: bool = False
    level: str = "SHOULD"
    behavior: tuple[str, ...] = ()
    server_command: str | None = None
    visibility_delay: float = 0.0
    request_timeout: float = 10.0
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    stall_after: int = DEFAULT_STALL_AFTER
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


@dataclass(frozen=True)
class RunOptions:
    """The reporting and gating options of a run; `reports_dir` is None under `--no-reports`."""

    profile: str
    expectations: str | None
    strict: bool
    reports_dir: str | None


# -- sources ----------------------------------------------------------------------------------
def _read_file(path: str) -> dict[str, Any]:
    """The raw values of a config file by dest; any command's option is accepted."""
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
            known = ", ".join(o.key for o in ALL_OPTIONS if o.dest != "config")
            raise ConfigError(f"{path}: unknown key {key!r} (known keys: {known})")
        out[dest] = value
    return out


def _env_value(option: Option, env: Mapping[str, str]) -> tuple[str, str] | None:
    """The option's value in the environment and the variable it came from (None if unset)."""
    for name in (option.env, *option.env_aliases):
        value = env.get(name)
        if value not in (None, ""):
            return str(value), name
    return None


def _merge(
    cli: Mapping[str, Any],
    env: Mapping[str, str],
    options: tuple[Option, ...],
    bare: set[str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The given values of `options` (no defaults), converted, and where each came from;
    `bare` collects the URLs made from a host given without a scheme."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    from_env = _env_value(OPTIONS_BY_DEST["config"], env)
    config_path = cli.get("config") or (from_env[0] if from_env else None)
    file_values = _read_file(config_path) if config_path else {}
    if config_path:
        values["config"] = config_path
    for option in options:
        if option.dest == "config":
            continue
        if option.dest in file_values:
            where = f"{config_path}: {option.key}"
            values[option.dest] = convert(option, file_values[option.dest], where)
            sources[option.dest] = where
            _note_bare(file_values[option.dest], values[option.dest], bare)
        found = _env_value(option, env)
        if found is not None:
            where = f"environment variable {found[1]}"
            values[option.dest], sources[option.dest] = convert(option, found[0], where), where
            _note_bare(found[0], values[option.dest], bare)
        raw = cli.get(option.dest)
        if raw is None or (option.kind == "list" and not raw):
            continue
        values[option.dest] = convert(option, raw, option.flag)
        sources[option.dest] = option.flag
        _note_bare(raw, values[option.dest], bare)
    register_secret(values.get("api_key"))
    return values, sources


def _note_bare(raw: Any, converted: Any, bare: set[str] | None) -> None:
    """Remember which converted URLs came from a host without a scheme (`--target HOST`)."""
    if bare is None or not isinstance(converted, str | tuple):
        return
    items = raw.split(",") if isinstance(raw, str) else raw
    given = [i.strip() for i in items if isinstance(i, str) and i.strip()]
    urls = [converted] if isinstance(converted, str) else list(converted)
    if len(given) == len(urls):
        bare.update(u for g, u in zip(given, urls, strict=True) if "://" not in g)


def _adopt_scheme(values: dict[str, Any], bare: set[str]) -> None:
    """A data-plane host given without a scheme takes the scheme of the control plane (or
    controller) URL the user gave, as hosts described by that control plane do: http for a
    local emulator; https otherwise."""
    given = values.get("control_plane") or values.get("controller_url")
    scheme = urlsplit(given).scheme if given else ""
    if scheme != "http":
        return

    def adopt(url: str) -> str:
        return "http://" + url.split("://", 1)[1] if url in bare else url

    for dest in ("target", "sparse_target", "hybrid_target"):
        if isinstance(values.get(dest), str):
            values[dest] = adopt(values[dest])
    if values.get("extra_target"):
        values["extra_target"] = tuple(adopt(u) for u in values["extra_target"])


# -- resolution -------------------------------------------------------------------------------
def resolve(
    cli: Mapping[str, Any], env: Mapping[str, str] | None = None, *, embedded_key: str | None = None
) -> TargetConfig:
    """Merge CLI values (None = not given), the environment and the `--config` file, and validate.

    For the embedded server without a key, a random key is made up (so auth behaviors apply);
    `embedded_key` fixes it instead (tests).
    """
    bare: set[str] = set()
    values, sources = _merge(cli, os.environ if env is None else env, OPTIONS, bare)
    _adopt_scheme(values, bare)
    return _validate(values, sources, embedded_key)


def resolve_run_options(cli: Mapping[str, Any], env: Mapping[str, str] | None = None) -> RunOptions:
    """The reporting and gating options of `run`, with the same precedence as `resolve`."""
    values = _with_defaults(cli, env, tuple(o for o in GATING_OPTIONS if RUN in o.commands), RUN)
    return RunOptions(
        profile=values["profile"],
        expectations=values["expectations"],
        strict=values["strict_expectations"],
        reports_dir=None if values["no_reports"] else values["reports_dir"],
    )


def resolve_options(
    cli: Mapping[str, Any], env: Mapping[str, str] | None = None, *, command: str
) -> dict[str, Any]:
    """Every option of `command` by dest, checked, with the command's defaults filled in.

    Options are checked one by one only; what depends on several (the target) is `resolve`'s.
    """
    return _with_defaults(cli, env, options_for(command), command)


def _with_defaults(
    cli: Mapping[str, Any],
    env: Mapping[str, str] | None,
    options: tuple[Option, ...],
    command: str,
) -> dict[str, Any]:
    values, _ = _merge(cli, os.environ if env is None else env, options)
    return {o.dest: values.get(o.dest, o.default_for(command)) for o in options}


# -- the table as command-line options --------------------------------------------------------
def _parser_kwargs(option: Option, command: str) -> dict[str, Any]:
    """argparse keywords of an option; every default is None ("not given") so that the
    environment and the file can fill in."""
    text = f"{option.help_for(command)} [env {option.env}]".replace("%", "%%")
    kwargs: dict[str, Any] = {"dest": option.dest, "default": None, "help": text}
    if option.kind == "bool":
        return {**kwargs, "action": "store_true"}
    kwargs["metavar"] = option.metavar
    if option.kind == "list":
        return {**kwargs, "action": "append"}
    if option.kind == "choice":
        kwargs["choices"] = option.choices
    if option.kind in ("int", "count", "duration"):
        kwargs["type"] = _argparse_type(option)  # fail at parse time, with the usage line
    return kwargs


def _argparse_type(option: Option) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return convert(option, text, option.flag)
        except ConfigError as exc:
            raise argparse.ArgumentTypeError(str(exc).removeprefix(f"{option.flag}: ")) from None

    parse.__name__ = option.kind
    return parse


def add_pytest_options(group: Any) -> None:
    """Add the options of `run` to a pytest option group (`parser.getgroup(...)`)."""
    for option in options_for(RUN):
        group.addoption(option.flag, **_parser_kwargs(option, RUN))


def add_argparse_options(parser: argparse.ArgumentParser, command: str) -> None:
    """Add the options of `command` to an argparse parser; deprecated flags stay hidden."""
    for option in options_for(command):
        kwargs = _parser_kwargs(option, command)
        parser.add_argument(option.flag, **kwargs)
        for alias in option.flag_aliases:
            parser.add_argument(alias, **{**kwargs, "help": argparse.SUPPRESS})


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
    if values.get("grpc_target"):
        if values.get("transport", REST) == REST:
            raise ConfigError(f"{src('grpc_target')} applies only to --transport grpc")
        if embedded:
            raise ConfigError(f"{src('grpc_target')} needs --target (a foreign target)")
        for entry in values["grpc_target"]:
            url, _, address = entry.rpartition("=")
            if not _GRPC_TARGET_RE.match(address) or (url and not url.startswith("http")):
                raise ConfigError(
                    f"{src('grpc_target')}: {entry!r} is not [URL=]ADDRESS, ADDRESS HOST:PORT or "
                    "http(s)://HOST[:PORT]"
                )
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
