"""The coverage ledger (`docs/coverage/`) and the behavior catalog agree, both ways.

Every catalog behavior has a ledger row, every behavior a row names exists and applies at some
version the row is documented at, every row marked covered names a behavior and every other row
says why it is not covered. The figures in `docs/coverage/README.md` are recomputed here, so they
cannot go stale. No network and no spec files are needed: the ledger is checked in.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from conformance import catalog

ROOT = Path(__file__).resolve().parents[2]
LEDGER = ROOT / "docs" / "coverage"
SPEC_FILES = ("db_data", "db_control", "inference")
FILES = (*SPEC_FILES, "general")
KINDS = {
    "db_data": {"operation", "parameter", "field", "limit", "status"},
    "db_control": {"operation", "parameter", "field", "limit", "status"},
    "inference": {"operation", "parameter", "field", "limit", "status"},
    "general": {"convention"},
}
STATUSES = ("covered", "not-covered", "out-of-scope")
# The keys a row may have: `[ledger] keys` of general.toml, the list the drafting tool writes by.
KEYS = set(tomllib.loads((LEDGER / "general.toml").read_text("utf-8"))["ledger"]["keys"])
_OPERATION = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) /\S*$")
_FIGURE_ROW = re.compile(r"^\| (\d{4}-\d{2}) \|(.*)\|\s*$")


def load_ledger(directory: Path = LEDGER) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The `[ledger]` table (from general.toml) and the rows of every ledger file."""
    data = {name: tomllib.loads((directory / f"{name}.toml").read_text("utf-8")) for name in FILES}
    return data["general"].get("ledger", {}), {name: data[name].get("row", []) for name in FILES}


def expand(spans: str, known: list[str]) -> list[str]:
    """`2024-04..2025-01, 2025-10` -> the versions it names (ValueError: an unknown one)."""
    out: list[str] = []
    for part in (p.strip() for p in spans.split(",")):
        first, _, last = part.partition("..")
        if first not in known or (last and last not in known):
            raise ValueError(f"unknown version in {spans!r}")
        lo, hi = known.index(first), known.index(last or first)
        if hi < lo:
            raise ValueError(f"backwards span {part!r}")
        out += known[lo : hi + 1]
    return out


def row_label(file: str, row: Mapping[str, Any]) -> str:
    return (
        f"{file}.toml: {row.get('kind')} {row.get('operation', '')} {row.get('name', '')}".strip()
    )


def problems(
    meta: Mapping[str, Any], rows: Mapping[str, list[dict[str, Any]]], cat: catalog.Catalog
) -> list[str]:
    """Everything wrong with the ledger against the catalog, one line each."""
    found: list[str] = []
    known = list(meta.get("versions", []))
    drafted = set(meta.get("drafted_from", []))
    if not known or not drafted <= set(known):
        found.append("general.toml: [ledger] versions and drafted_from are missing or disagree")
    named: set[str] = set()
    for file, file_rows in rows.items():
        if not file_rows:
            found.append(f"{file}.toml: no rows")
        seen: set[tuple[str, str, str]] = set()
        for row in file_rows:
            where = row_label(file, row)
            unknown_keys = set(row) - KEYS
            if unknown_keys:
                found.append(f"{where}: unknown keys {sorted(unknown_keys)}")
            if row.get("kind") not in KINDS[file]:
                found.append(f"{where}: kind must be one of {sorted(KINDS[file])}")
            if file == "general":
                if not row.get("name") or not row.get("spec"):
                    found.append(
                        f"{where}: a convention row names its element and the spec it rests on"
                    )
            elif not _OPERATION.match(str(row.get("operation", ""))):
                found.append(f"{where}: operation must be 'METHOD /path'")
            elif row.get("kind") != "operation" and not row.get("name"):
                found.append(f"{where}: needs a name")
            key = (str(row.get("kind")), str(row.get("operation", "")), str(row.get("name", "")))
            if key in seen:
                found.append(f"{where}: duplicate row")
            seen.add(key)
            try:
                versions = expand(str(row.get("versions", "")), known)
            except ValueError as exc:
                found.append(f"{where}: versions: {exc}")
                versions = []
            if file != "general" and set(versions) - drafted and not row.get("origin"):
                found.append(f"{where}: a version no spec was drafted from needs an `origin`")
            status, behaviors = row.get("status"), row.get("behaviors", [])
            if status not in STATUSES:
                found.append(f"{where}: status must be one of {', '.join(STATUSES)}")
            if status == "covered" and not behaviors:
                found.append(f"{where}: covered but names no behavior")
            if status != "covered" and behaviors:
                found.append(f"{where}: names behaviors but is {status}")
            if status != "covered" and not str(row.get("note", "")).strip():
                found.append(f"{where}: {status} needs a note saying why")
            for bid in behaviors:
                named.add(bid)
                if bid not in cat:
                    found.append(f"{where}: {bid} is not in the catalog")
                elif versions and not any(cat[bid].applies_to_version(v) for v in versions):
                    found.append(
                        f"{where}: {bid} ({cat[bid].version_range()}) applies at none of the row's "
                        f"versions ({row.get('versions')})"
                    )
    found += [f"{bid}: no ledger row names it" for bid in cat if bid not in named]
    return found


def figures(
    meta: Mapping[str, Any], rows: Mapping[str, list[dict[str, Any]]], cat: catalog.Catalog
) -> dict[str, dict[tuple[str, str], tuple[int, int]]]:
    """Per version, per (spec file, kind): (rows covered, rows documented) at that version.

    A row counts as covered at a version only when one of its behaviors applies at that version.
    """
    known = list(meta["versions"])
    out: dict[str, dict[tuple[str, str], tuple[int, int]]] = {}
    for version in meta["drafted_from"]:
        per: dict[tuple[str, str], tuple[int, int]] = {}
        for file in SPEC_FILES:
            for kind in ("operation", "parameter", "field", "limit"):
                found = [
                    r
                    for r in rows[file]
                    if r["kind"] == kind and version in expand(r["versions"], known)
                ]
                covered = [
                    r
                    for r in found
                    if r["status"] == "covered"
                    and any(
                        b in cat and cat[b].applies_to_version(version)
                        for b in r.get("behaviors", [])
                    )
                ]
                per[file, kind] = (len(covered), len(found))
        out[version] = per
    return out


def figure_table(table: Mapping[str, Mapping[tuple[str, str], tuple[int, int]]]) -> list[str]:
    """The README's figure rows: version | operations of db_data, db_control, both, inference |
    parameters, fields and limits of both database specs."""
    lines = []
    for version, per in table.items():

        def both(
            kind: str, per: Mapping[tuple[str, str], tuple[int, int]] = per
        ) -> tuple[int, int]:
            data, control = per["db_data", kind], per["db_control", kind]
            return (data[0] + control[0], data[1] + control[1])

        cells = [
            per["db_data", "operation"],
            per["db_control", "operation"],
            both("operation"),
            per["inference", "operation"],
            both("parameter"),
            both("field"),
            both("limit"),
        ]
        lines.append(f"| {version} | " + " | ".join(f"{a} / {b}" for a, b in cells) + " |")
    return lines


def readme_figure_rows(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if _FIGURE_ROW.match(line)]


# -- the checked-in ledger ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ledger() -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    return load_ledger()


def test_ledger_agrees_with_catalog(ledger) -> None:
    meta, rows = ledger
    found = problems(meta, rows, catalog.load())
    assert not found, "the coverage ledger disagrees with the catalog:\n" + "\n".join(found)


def test_readme_figures_match_the_ledger(ledger) -> None:
    meta, rows = ledger
    readme = (LEDGER / "README.md").read_text("utf-8")
    expected = figure_table(figures(meta, rows, catalog.load()))
    assert readme_figure_rows(readme) == expected, (
        "docs/coverage/README.md figures are stale; the table rows should read:\n"
        + "\n".join(expected)
    )


def test_every_spec_file_lists_operations(ledger) -> None:
    _, rows = ledger
    for file in SPEC_FILES:
        assert any(r["kind"] == "operation" for r in rows[file]), file


# -- the checks themselves can fail ---------------------------------------------------------------

CATALOG = catalog.parse(
    """
[[behavior]]
id = "UPSERT-A"
area = "upsert"
level = "MUST"
statement = "s"
source = "seed"

[[behavior]]
id = "LATE-B"
area = "fetch"
level = "MUST"
statement = "s"
source = "seed"
min_version = "2026-07"
"""
)
META = {"versions": ["2025-10", "2026-04", "2026-07"], "drafted_from": ["2025-10", "2026-04"]}


def _rows(**override: Any) -> dict[str, list[dict[str, Any]]]:
    upsert = {
        "kind": "operation",
        "operation": "POST /vectors/upsert",
        "operation_ids": ["upsertVectors"],
        "versions": "2025-10..2026-04",
        "status": "covered",
        "behaviors": ["UPSERT-A"],
    }
    late = {
        "kind": "limit",
        "operation": "GET /vectors/fetch",
        "name": "query ids: maxItems 1000",
        "versions": "2026-07",
        "origin": "digest",
        "status": "covered",
        "behaviors": ["LATE-B"],
    }
    general = {
        "kind": "convention",
        "name": "header Api-Key",
        "spec": "securitySchemes",
        "versions": "2025-10..2026-07",
        "status": "not-covered",
        "note": "gap",
    }
    rows = {
        "db_data": [{**upsert, **override}, late],
        "db_control": [dict(upsert, operation="GET /indexes", behaviors=["UPSERT-A"])],
        "inference": [
            dict(general, kind="operation", operation="POST /embed", versions="2025-10..2026-04")
        ],
        "general": [general],
    }
    del rows["inference"][0]["name"], rows["inference"][0]["spec"]
    return rows


def test_a_sound_ledger_has_no_problems() -> None:
    assert problems(META, _rows(), CATALOG) == []


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"behaviors": []}, "covered but names no behavior"),
        ({"behaviors": ["NOPE"]}, "NOPE is not in the catalog"),
        ({"status": "done"}, "status must be one of"),
        ({"status": "not-covered"}, "names behaviors but is not-covered"),
        ({"status": "out-of-scope", "behaviors": []}, "out-of-scope needs a note"),
        ({"versions": "2025-10..2027-01"}, "unknown version"),
        ({"versions": "2026-04..2025-10"}, "backwards span"),
        ({"versions": "2025-10..2026-07"}, "needs an `origin`"),
        ({"behaviors": ["LATE-B"]}, "applies at none of the row's versions"),
        ({"kind": "thing"}, "kind must be one of"),
        ({"operation": "upsert"}, "operation must be 'METHOD /path'"),
        ({"colour": "red"}, "unknown keys"),
    ],
)
def test_each_check_can_fail(override: dict[str, Any], expected: str) -> None:
    found = problems(META, _rows(**override), CATALOG)
    assert any(expected in line for line in found), found


def test_a_behavior_without_a_row_is_reported() -> None:
    rows = _rows()
    rows["db_control"][0]["behaviors"] = ["UPSERT-A"]
    rows["db_data"][1]["behaviors"] = ["UPSERT-A"]
    rows["db_data"][1]["origin"] = "digest"
    rows["db_data"][1]["versions"] = "2026-04"
    assert problems(META, rows, CATALOG) == ["LATE-B: no ledger row names it"]


def test_a_duplicate_row_is_reported() -> None:
    rows = _rows()
    rows["db_data"].append(dict(rows["db_data"][0]))
    assert any("duplicate row" in line for line in problems(META, rows, CATALOG))


def test_stale_figures_are_seen() -> None:
    table = figure_table(figures(META, _rows(), CATALOG))
    assert table[0] == "| 2025-10 | 1 / 1 | 1 / 1 | 2 / 2 | 0 / 1 | 0 / 0 | 0 / 0 | 0 / 0 |"
    stale = "\n".join(
        ["| 2025-10 | 1 / 2 | 1 / 1 | 2 / 3 | 0 / 1 | 0 / 0 | 0 / 0 | 0 / 0 |", table[1]]
    )
    assert readme_figure_rows(stale) != table


# -- the generator's reading of a spec (no spec files: a small document inline) -------------------

TINY_SPEC = {
    "paths": {
        "/vectors/fetch": {
            "get": {
                "operationId": "fetchVectors",
                "parameters": [
                    {
                        "in": "header",
                        "name": "X-Pinecone-Api-Version",
                        "schema": {"type": "string"},
                    },
                    {
                        "in": "query",
                        "name": "ids",
                        "schema": {"type": "array", "items": {"maxLength": 512}, "maxItems": 1000},
                    },
                ],
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Fetch"}}
                        }
                    },
                    "400": {
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/rpcStatus"}
                            }
                        }
                    },
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Fetch": {
                "type": "object",
                "properties": {
                    "vectors": {
                        "type": "object",
                        "additionalProperties": {"$ref": "#/components/schemas/Vector"},
                    }
                },
            },
            "Vector": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "values": {"type": "array"}},
            },
            "rpcStatus": {"type": "object", "properties": {"code": {"type": "integer"}}},
        }
    },
}


def test_generator_lists_operation_parameters_fields_and_limits() -> None:
    from tools.ledger_from_specs import Spec, operation_rows

    rows = {(r.kind, r.name) for r in operation_rows(Spec(TINY_SPEC), "db_data")}
    assert rows == {
        ("operation", "GET /vectors/fetch"),
        ("parameter", "query ids"),
        ("limit", "query ids: maxItems 1000"),
        ("limit", "query ids[]: maxLength 512"),
        ("field", "response vectors"),
        ("field", "response vectors{}.id"),
        ("field", "response vectors{}.values"),
    }


def test_generator_spans_read_back_by_the_test() -> None:
    from tools.ledger_from_specs import spans

    known = ["2024-04", "2024-07", "2024-10", "2025-01"]
    for present in (["2024-04"], ["2024-04", "2024-07", "2025-01"], known):
        assert expand(spans(present, known), known) == present
