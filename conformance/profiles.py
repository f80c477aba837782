"""Profiles: named subsets of the catalog a vendor can gate on.

`core` is what the seed document (seed-manage-data.md) describes: the behaviors whose `source`
starts with `seed:`. `full` is the whole catalog. `--level MUST` narrows either to MUST behaviors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DEFAULT = "full"


def _core(behavior: Any) -> bool:
    return str(behavior.source).startswith("seed:")


def _full(behavior: Any) -> bool:
    return True


PROFILES: dict[str, Callable[[Any], bool]] = {"core": _core, "full": _full}


def includes(profile: str, behavior: Any) -> bool:
    """Whether a catalog behavior belongs to a profile (KeyError for an unknown profile)."""
    return PROFILES[profile](behavior)
