"""Checking one option value, whatever its source: the kinds of the option table."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from conformance.options import LEVELS, Option

_DURATION_RE = re.compile(
    r"\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*"
)


class ConfigError(ValueError):
    """A mistake in the options, environment or config file; the message names where."""


def parse_duration(text: str) -> float:
    """`90`, `90s`, `10m`, `1h`, `1h30m` -> seconds."""
    match = _DURATION_RE.fullmatch(text)
    if not match or not any(match.groups()):
        raise ConfigError(f"{text!r} is not a duration like 90s, 10m or 1h")
    h, m, s = (float(g) if g else 0.0 for g in match.groups())
    return h * 3600 + m * 60 + s


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


def _as_int(option: Option, value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{where}: expected an integer, got {value!r}") from None
    if option.kind == "count" and number < 1:
        raise ConfigError(f"{where}: must be at least 1, got {number}")
    return number


def _as_seconds(option: Option, value: Any, where: str) -> float:
    """A non-negative finite number of seconds; a duration may also be text like `10m`."""
    if option.kind == "duration" and isinstance(value, str):
        try:
            return parse_duration(value)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if isinstance(value, bool):
        raise ConfigError(f"{where}: expected a number of seconds, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: expected a number of seconds, got {value!r}") from None
    if not number >= 0 or number == float("inf"):
        raise ConfigError(f"{where}: expected a non-negative finite number, got {value!r}")
    return number


def convert(option: Option, value: Any, where: str) -> Any:
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
    if option.kind in ("float", "duration"):
        return _as_seconds(option, value, where)
    if option.kind in ("int", "count"):
        return _as_int(option, value, where)
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    if option.kind == "url":
        return _normalize_url(value, where)
    if option.kind == "level":
        if value.upper() not in LEVELS:
            raise ConfigError(f"{where}: expected MUST or SHOULD, got {value!r}")
        return value.upper()
    if option.kind == "choice" and value not in option.choices:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(option.choices)}")
    return value
