"""The behavior catalog (`behaviors.toml`): loading, validation and applicability.

Each `[[behavior]]` has `id`, `area`, `level` (MUST|SHOULD), `statement`, `source` and optionally
`min_version`/`max_version` (inclusive, `YYYY-MM`), `kinds` (index kinds it applies to: `dense`,
`sparse`, `hybrid`), `transports` (the data plane's wire forms it exists in: `rest`, `grpc`; default
both) and `profile` (`reference-parity`: a decision only the reference server made).
Every suite test names the behaviors it checks with `@pytest.mark.behavior("ID", ...)`; `load`
rejects a malformed catalog with every problem listed.

Profiles are named subsets of the catalog a vendor can gate on: `core` is what the seed document
(seed-manage-data.md) describes (the behaviors whose `source` starts with `seed:`), `full` every
documented behavior. `reference-parity` adds what the documentation leaves open and only the
reference server decided (`profile = "reference-parity"` entries): it measures sameness with the
reference server, not conformance, and is never the default. `--level MUST` narrows any of them
to MUST behaviors.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

DEFAULT_PATH = Path(__file__).with_name("behaviors.toml")
MARKER = "behavior"
LEVELS = ("MUST", "SHOULD")
KINDS = ("dense", "sparse", "hybrid")
TRANSPORTS = ("rest", "grpc")  # the wire forms of the data plane (`--transport`)
_AREA_RE = re.compile(r"^[a-z][a-z-]*$")
_ID_RE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
_VERSION_RE = re.compile(r"^\d{4}-\d{2}$")
_REQUIRED = ("id", "area", "level", "statement", "source")
_OPTIONAL = ("min_version", "max_version", "kinds", "transports", "profile")
PARITY = "reference-parity"
BEHAVIOR_PROFILES = (PARITY,)  # the values of a behavior's `profile` field


class CatalogError(ValueError):
    """The catalog file is missing or malformed; the message lists every problem."""


@dataclass(frozen=True)
class Behavior:
    """One documented, testable statement."""

    id: str
    area: str
    level: str
    statement: str
    source: str
    min_version: str | None = None
    max_version: str | None = None
    kinds: tuple[str, ...] = ()
    profile: str | None = None
    transports: tuple[str, ...] = ()

    @property
    def parity_only(self) -> bool:
        """Whether only the reference server decided it (it is not a conformance requirement)."""
        return self.profile == PARITY

    def applies_to_version(self, version: str) -> bool:
        """Whether `version` (`YYYY-MM`, suffixes like `.alpha` ignored) is within the range."""
        v = version[:7]
        return (self.min_version is None or self.min_version <= v) and (
            self.max_version is None or v <= self.max_version
        )

    def applies_to_kind(self, kind: str) -> bool:
        """Whether the behavior applies to an index kind; a hybrid index is also a dense one."""
        if not self.kinds:
            return True
        return kind in self.kinds or (kind == "hybrid" and "dense" in self.kinds)

    def applies_to_transport(self, transport: str) -> bool:
        """Whether the behavior exists in a wire form of the data plane (`rest`, `grpc`): a JSON
        detail exists over REST only, a gRPC status or metadata detail over gRPC only."""
        return not self.transports or transport in self.transports

    def version_range(self) -> str:
        return f"{self.min_version or '…'} to {self.max_version or '…'}"


class Catalog(Mapping[str, Behavior]):
    """Behaviors by id, in file order."""

    def __init__(self, behaviors: Iterable[Behavior], path: Path | None = None) -> None:
        self._by_id = {b.id: b for b in behaviors}
        self.path = path

    def __getitem__(self, key: str) -> Behavior:
        return self._by_id[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def match(self, pattern: str) -> list[str]:
        """Ids equal to `pattern` or matching it as a `*` wildcard (case-insensitive)."""
        pattern = pattern.upper()
        return [i for i in self._by_id if fnmatch.fnmatchcase(i, pattern)]


def _check(entry: Any, n: int) -> tuple[Behavior | None, list[str]]:
    where = f"behavior #{n}"
    if not isinstance(entry, dict):
        return None, [f"{where}: not a table"]
    if isinstance(entry.get("id"), str):
        where = f"behavior #{n} ({entry['id']})"
    problems = [f"{where}: missing {k!r}" for k in _REQUIRED if k not in entry]
    problems += [
        f"{where}: unknown field {k!r}" for k in entry if k not in _REQUIRED and k not in _OPTIONAL
    ]
    problems += [
        f"{where}: {k!r} must be a non-empty string"
        for k in _REQUIRED
        if k in entry and (not isinstance(entry[k], str) or not entry[k].strip())
    ]
    if problems:
        return None, problems
    if not _ID_RE.match(entry["id"]):
        problems.append(f"{where}: id must be upper-case words joined by '-'")
    if entry["level"] not in LEVELS:
        problems.append(f"{where}: level must be MUST or SHOULD, not {entry['level']!r}")
    if not _AREA_RE.match(entry["area"]):
        problems.append(f"{where}: area must be a lower-case word, not {entry['area']!r}")
    for key in ("min_version", "max_version"):
        if key in entry and not (isinstance(entry[key], str) and _VERSION_RE.match(entry[key])):
            problems.append(f"{where}: {key} must be YYYY-MM, not {entry[key]!r}")
    kinds = entry.get("kinds", [])
    if (
        not isinstance(kinds, list)
        or (not kinds and "kinds" in entry)
        or any(k not in KINDS for k in kinds)
    ):
        problems.append(f"{where}: kinds must be a non-empty list of {', '.join(KINDS)}")
    transports = entry.get("transports", [])
    if (
        not isinstance(transports, list)
        or (not transports and "transports" in entry)
        or any(t not in TRANSPORTS for t in transports)
        or len(set(transports)) != len(transports)
    ):
        problems.append(f"{where}: transports must be a non-empty list of {', '.join(TRANSPORTS)}")
    if "profile" in entry and entry["profile"] not in BEHAVIOR_PROFILES:
        problems.append(f"{where}: profile must be {', '.join(BEHAVIOR_PROFILES)}")
    lo, hi = entry.get("min_version"), entry.get("max_version")
    if not problems and lo and hi and lo > hi:
        problems.append(f"{where}: min_version {lo} is after max_version {hi}")
    if problems:
        return None, problems
    keys = (*_REQUIRED, "min_version", "max_version", "profile")
    fields = {k: entry[k] for k in keys if k in entry}
    return Behavior(**fields, kinds=tuple(kinds), transports=tuple(transports)), []


def parse(text: str, path: Path | None = None) -> Catalog:
    """Parse and validate catalog text; raise CatalogError listing every problem."""
    name = str(path) if path else "catalog"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{name}: not valid TOML: {exc}") from None
    entries = data.get("behavior")
    if not isinstance(entries, list) or not entries:
        raise CatalogError(f"{name}: no [[behavior]] entries")
    problems: list[str] = []
    behaviors: list[Behavior] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        behavior, found = _check(entry, n)
        problems += found
        if behavior is not None:
            if behavior.id in seen:
                problems.append(f"behavior #{n}: duplicate id {behavior.id}")
            seen.add(behavior.id)
            behaviors.append(behavior)
    if problems:
        raise CatalogError(f"{name}: " + "; ".join(problems))
    return Catalog(behaviors, path)


def load(path: str | Path | None = None) -> Catalog:
    """Load and validate the catalog (default: the one shipped in the package)."""
    path = Path(path) if path else DEFAULT_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"cannot read the behavior catalog {path}: {exc}") from None
    return parse(text, path)


def marker_ids(item: pytest.Item) -> list[str]:
    """The behavior ids named by every `behavior` marker of a test item, in order."""
    ids: list[str] = []
    for mark in item.iter_markers(MARKER):
        ids += [str(a) for a in mark.args]
    return list(dict.fromkeys(ids))


def marker_problem(ids: Sequence[str], catalog: Catalog) -> str | None:
    """Why a test's behavior marker is unusable, or None."""
    if not ids:
        return "has no @pytest.mark.behavior(ID) marker"
    unknown = [i for i in ids if i not in catalog]
    if unknown:
        return f"names behaviors not in the catalog: {', '.join(unknown)}"
    return None


def tests_by_behavior(items: Iterable[pytest.Item], catalog: Catalog) -> dict[str, list[str]]:
    """Test node ids behind each catalog id (every id present, possibly with no test)."""
    result: dict[str, list[str]] = {i: [] for i in catalog}
    for item in items:
        for i in marker_ids(item):
            result.setdefault(i, []).append(item.nodeid)
    return result


def untested(items: Iterable[pytest.Item], catalog: Catalog) -> list[str]:
    """Catalog ids that no test names."""
    return [i for i, tests in tests_by_behavior(items, catalog).items() if not tests]


# -- profiles -------------------------------------------------------------------------------------
DEFAULT_PROFILE = "full"


def _core(behavior: Behavior) -> bool:
    return str(behavior.source).startswith("seed:") and not behavior.parity_only


def _full(behavior: Behavior) -> bool:
    return not behavior.parity_only


def _parity(behavior: Behavior) -> bool:
    return True


PROFILES: dict[str, Callable[[Behavior], bool]] = {"core": _core, "full": _full, PARITY: _parity}


def in_profile(profile: str, behavior: Behavior) -> bool:
    """Whether a catalog behavior belongs to a profile (KeyError for an unknown profile)."""
    return PROFILES[profile](behavior)
