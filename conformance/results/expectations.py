"""Known gaps a vendor carries without forking the suite: the `--expectations FILE` entries.

```toml
[[expectation]]
behavior = "UPSERT-MAX-VECTORS"      # or: test = "conformance/suite/test_x.py::test_y[param]"
reason = "batch limit not enforced yet"
link = "https://example.com/issues/12"   # optional
expires = 2025-06-30                     # optional; after it the entry no longer applies
```

A matching failure becomes `expected-failure`. Entries that stop being true must not linger:
an unexpected pass, an expired entry or one that matches nothing is reported (and fails the run
under `--strict`). A `test` entry without `[...]` covers every parametrization of that test.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance import outcomes as oc

_KEYS = {"behavior", "test", "reason", "link", "expires"}


class ExpectationsError(ValueError):
    """The expectations file is missing or malformed; the message names the entry."""


@dataclass(frozen=True)
class Expectation:
    """One entry: a behavior id or a test id that is known to fail, and why."""

    reason: str
    behavior: str | None = None
    test: str | None = None
    link: str | None = None
    expires: dt.date | None = None

    def matches(self, test: Mapping[str, Any]) -> bool:
        if self.behavior is not None:
            return self.behavior in test["behaviors"]
        nodeid = test["nodeid"]
        return nodeid == self.test or nodeid.split("[", 1)[0] == self.test

    def expired(self, today: dt.date) -> bool:
        return self.expires is not None and self.expires < today

    def as_dict(self) -> dict[str, Any]:
        key = {"behavior": self.behavior} if self.behavior is not None else {"test": self.test}
        expires = self.expires.isoformat() if self.expires else None
        return {**key, "reason": self.reason, "link": self.link, "expires": expires}


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ExpectationsError(f"{where}: expires must be a date like 2025-06-30, not {value!r}")


def parse(text: str, name: str = "expectations") -> list[Expectation]:
    """Parse and validate expectations TOML; raise ExpectationsError naming the bad entry."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExpectationsError(f"{name}: not valid TOML: {exc}") from None
    unknown_top = set(data) - {"expectation"}
    if unknown_top:
        raise ExpectationsError(
            f"{name}: unknown top-level keys {sorted(unknown_top)} (entries are [[expectation]])"
        )
    entries = data.get("expectation", [])
    if not isinstance(entries, list):
        raise ExpectationsError(f"{name}: 'expectation' must be an array of tables")
    out = []
    for n, entry in enumerate(entries, 1):
        where = f"{name}: expectation #{n}"
        if not isinstance(entry, dict):
            raise ExpectationsError(f"{where}: not a table")
        extra = set(entry) - _KEYS
        if extra:
            raise ExpectationsError(f"{where}: unknown keys {sorted(extra)}")
        if ("behavior" in entry) == ("test" in entry):
            raise ExpectationsError(f"{where}: give exactly one of 'behavior' or 'test'")
        for key in ("behavior", "test", "reason", "link"):
            value = entry.get(key)
            if key in entry and (not isinstance(value, str) or not value.strip()):
                raise ExpectationsError(f"{where}: {key!r} must be a non-empty string")
        if "reason" not in entry:
            raise ExpectationsError(f"{where}: 'reason' is required (say why it fails)")
        expires = _date(entry["expires"], where) if "expires" in entry else None
        behavior = entry.get("behavior")
        out.append(
            Expectation(
                reason=entry["reason"],
                behavior=behavior.upper() if behavior else None,
                test=entry.get("test"),
                link=entry.get("link"),
                expires=expires,
            )
        )
    return out


def load(path: str | Path) -> tuple[list[Expectation], bytes]:
    """The entries of an expectations file and its bytes (for the run's hash)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ExpectationsError(f"--expectations: cannot read {path}: {exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ExpectationsError(f"--expectations: {path} is not UTF-8") from None
    return parse(text, str(path)), raw


def apply(
    entries: Iterable[Expectation],
    tests: list[dict[str, Any]],
    catalog_ids: Collection[str],
    today: dt.date,
    *,
    full_selection: bool = True,
) -> list[dict[str, Any]]:
    """Turn matched failures into expected failures and covered passes into unexpected passes,
    in place; return one status row per entry (see docs/results-schema.md).

    `full_selection` says the run selected every test, so a test entry matching nothing is a
    mistake (`unmatched`) rather than a test outside this run's selection (`not-run`).
    """
    rows = []
    for entry in entries:
        matched = [t for t in tests if entry.matches(t)]
        row = {**entry.as_dict(), "status": "not-run", "tests": []}
        rows.append(row)
        if entry.expired(today):
            row["status"] = "expired"
            continue
        if entry.behavior is not None and entry.behavior not in catalog_ids:
            row["status"] = "unmatched"
            continue
        if not matched:
            row["status"] = "unmatched" if entry.test and full_selection else "not-run"
            continue
        failing = [t for t in matched if t["outcome"] in (oc.FAILED, oc.EXPECTED_FAILURE)]
        passing = [t for t in matched if t["outcome"] in oc.PASSING]
        if failing:
            for t in failing:
                t["outcome"] = oc.EXPECTED_FAILURE
                t.setdefault("expectation", entry.as_dict())
            row["status"], row["tests"] = "matched", [t["nodeid"] for t in failing]
        elif passing:
            for t in passing:
                t["outcome"] = oc.UNEXPECTED_PASS
                t.setdefault("expectation", entry.as_dict())
            row["status"], row["tests"] = "unexpected-pass", [t["nodeid"] for t in passing]
    return rows


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def baseline(results: Mapping[str, Any], expires: dt.date | None) -> str:
    """An expectations file covering every failing behavior of a run (one entry per behavior)."""
    messages = {t["nodeid"]: t.get("message", "") for t in results.get("tests", [])}
    earlier = {
        t["nodeid"]: t["expectation"] for t in results.get("tests", []) if t.get("expectation")
    }
    lines = [
        f"# Expectations from run {results.get('run_id')} "
        f"(target {results.get('target', {}).get('url')}, API {results.get('api_version')}).",
        "# Each entry turns a failure of its behavior into an expected failure until it expires.",
        "",
    ]
    count = 0
    for behavior in results.get("behaviors", []):
        if behavior["outcome"] not in (oc.FAILED, oc.EXPECTED_FAILURE):
            continue
        count += 1
        known = next((earlier[n] for n in behavior["tests"] if n in earlier), None)
        if known:
            reason, link = known["reason"], known.get("link")
        else:
            first = next((messages[n] for n in behavior["tests"] if messages.get(n)), "")
            summary = first.strip().splitlines()[0][:160] if first.strip() else "fails"
            reason, link = f"fails in run {results.get('run_id')}: {summary}", None
        lines += ["[[expectation]]", f"behavior = {_toml_str(behavior['id'])}"]
        lines.append(f"reason = {_toml_str(reason)}")
        if link:
            lines.append(f"link = {_toml_str(link)}")
        if expires:
            lines.append(f"expires = {expires.isoformat()}")
        lines.append("")
    if not count:
        lines.append("# No failing behaviors in that run.")
    return "\n".join(lines) + "\n"
