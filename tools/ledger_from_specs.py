"""Draft the coverage ledger (`docs/coverage/*.toml`) from a checkout of Pinecone's OpenAPI specs.

A one-off, run by hand when a new API version is published; it is not part of CI (the specs are not
vendored here). Point it at a directory holding one sub-directory per API version, as in the
`pinecone-io/pinecone-api` repository:

    git clone https://github.com/pinecone-io/pinecone-api /tmp/pinecone-api
    python tools/ledger_from_specs.py /tmp/pinecone-api --out docs/coverage

For the database specs (`db_data_<v>` / `data_<v>`, `db_control_<v>` / `control_<v>`) and the
inference spec (`inference_<v>`) of every `YYYY-MM` version it lists each operation (method and
path), its query and path parameters, the fields of its JSON request body and of its success
responses (dotted paths, `[]` for array items, `{}` for map values) and every numeric bound
(`minimum`, `maxItems`, ...) as one row, merged across versions: a row names the versions whose
spec has it. The `X-Pinecone-Api-Version` header and the error bodies are not repeated per
operation; `general.toml` holds them.

Rows already in the output files keep their `status`, `behaviors` and `note`, so the hand-made
mapping to the behavior catalog survives a regeneration; new rows start as `not-covered` with the
note `not reviewed`, and rows that no spec has any more are dropped (the run says how many).
PyYAML is needed to read the specs (`pip install pyyaml`); it is not a dependency of the project.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPECS = {  # file-name stem (without `_<version>.oas.yaml`) -> ledger area
    "db_data": "db_data",
    "data": "db_data",
    "db_control": "db_control",
    "control": "db_control",
    "inference": "inference",
}
AREAS = ("db_data", "db_control", "inference")
KINDS = ("operation", "parameter", "field", "limit")
METHODS = ("get", "post", "put", "patch", "delete")
BOUNDS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
)
VERSION_HEADER = "x-pinecone-api-version"
INFERENCE_PATHS = ("/embed", "/rerank", "/models")  # in the 2024-07 control spec, later their own
ERROR_SCHEMAS = ("rpcStatus", "ErrorResponse", "UnauthorizedMessage")
MAX_DEPTH = 8
_VERSION_DIR = re.compile(r"^\d{4}-\d{2}$")


@dataclass
class Row:
    area: str
    kind: str
    operation: str
    name: str
    versions: list[str] = field(default_factory=list)
    operation_ids: list[str] = field(default_factory=list)
    deprecated: bool = False

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.area, self.kind, self.operation, self.name)


class Spec:
    """One OpenAPI document with `$ref` resolution."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def resolve(self, node: Any, seen: tuple[str, ...] = ()) -> tuple[Any, tuple[str, ...]]:
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen:
                return {}, seen
            seen = (*seen, ref)
            target: Any = self.doc
            for part in ref.lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node, seen

    def ref_name(self, node: Any) -> str | None:
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            return str(node["$ref"]).rsplit("/", 1)[-1]
        return None


def _bounds(schema: dict[str, Any]) -> Iterator[str]:
    for key in BOUNDS:
        value = schema.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            yield f"{key} {int(value) if value == int(value) else value}"
    if isinstance(schema.get("pattern"), str):
        yield f"pattern {schema['pattern']}"


def _walk(
    spec: Spec, node: Any, path: str, seen: tuple[str, ...], depth: int
) -> Iterator[tuple[str, list[str]]]:
    """(dotted field path, bounds) for every field below `node`."""
    schema, seen = spec.resolve(node, seen)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return
    for combinator in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(combinator, []):
            yield from _walk(spec, sub, path, seen, depth + 1)
    if "items" in schema:
        items, _ = spec.resolve(schema["items"], seen)
        bounds = list(_bounds(items)) if isinstance(items, dict) else []
        if bounds:
            yield f"{path}[]", bounds
        yield from _walk(spec, schema["items"], f"{path}[]", seen, depth + 1)
    for name, prop in (schema.get("properties") or {}).items():
        child = f"{path}.{name}" if path else name
        resolved, _ = spec.resolve(prop, seen)
        if isinstance(resolved, dict):
            yield child, list(_bounds(resolved))
            yield from _walk(spec, prop, child, seen, depth + 1)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        yield from _walk(spec, extra, f"{path}{{}}", seen, depth + 1)


def _json_schema(content: dict[str, Any] | None) -> Any:
    for media, body in (content or {}).items():
        if "json" in media and isinstance(body, dict) and "schema" in body:
            return body["schema"]
    return None


def operation_rows(spec: Spec, area: str) -> Iterator[Row]:
    """Every row one spec document contributes (without versions)."""
    spec_area = area
    for path, item in (spec.doc.get("paths") or {}).items():
        area = "inference" if path.startswith(INFERENCE_PATHS) else spec_area
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            name = f"{method.upper()} {path}"
            yield Row(
                area,
                "operation",
                name,
                name,
                operation_ids=[str(op.get("operationId", ""))],
                deprecated=bool(op.get("deprecated")),
            )
            for raw in [*item.get("parameters", []), *op.get("parameters", [])]:
                param, _ = spec.resolve(raw)
                if str(param.get("name", "")).lower() == VERSION_HEADER:
                    continue
                label = f"{param.get('in')} {param.get('name')}"
                yield Row(area, "parameter", name, label)
                schema = spec.resolve(param.get("schema", {}))[0]
                for bound in _bounds(schema):
                    yield Row(area, "limit", name, f"{label}: {bound}")
                for bound in _bounds(spec.resolve(schema.get("items", {}))[0]):
                    yield Row(area, "limit", name, f"{label}[]: {bound}")
            body = op.get("requestBody")
            if body:
                body, _ = spec.resolve(body)
                schema = _json_schema(body.get("content"))
                if schema is not None:
                    for child, bounds in _walk(spec, schema, "", (), 0):
                        yield Row(area, "field", name, f"request {child}")
                        for bound in bounds:
                            yield Row(area, "limit", name, f"request {child}: {bound}")
                elif body.get("content"):
                    for media in body["content"]:
                        yield Row(area, "field", name, f"request body ({media})")
            for status, response in (op.get("responses") or {}).items():
                if not str(status).startswith("2"):
                    continue
                response, _ = spec.resolve(response)
                schema = _json_schema(response.get("content"))
                if schema is None or spec.ref_name(schema) in ERROR_SCHEMAS:
                    continue
                for child, _bounds_of_response in _walk(spec, schema, "", (), 0):
                    yield Row(area, "field", name, f"response {child}")


def spec_files(root: Path) -> Iterator[tuple[str, str, Path]]:
    """(version, area, file) for every database or inference spec under `root`."""
    for version_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        version = version_dir.name
        if not _VERSION_DIR.match(version):
            continue
        for path in sorted(version_dir.glob(f"*_{version}.oas.yaml")):
            stem = path.name[: -len(f"_{version}.oas.yaml")]
            if stem in SPECS:
                yield version, SPECS[stem], path


def collect(root: Path) -> tuple[list[str], dict[tuple[str, str, str, str], Row]]:
    yaml = importlib.import_module("yaml")
    rows: dict[tuple[str, str, str, str], Row] = {}
    versions: list[str] = []
    for version, area, path in spec_files(root):
        if version not in versions:
            versions.append(version)
        spec = Spec(yaml.safe_load(path.read_text(encoding="utf-8")))
        for row in operation_rows(spec, area):
            merged = rows.setdefault(row.key, row)
            if version not in merged.versions:
                merged.versions.append(version)
            for op_id in row.operation_ids:
                if op_id and op_id not in merged.operation_ids:
                    merged.operation_ids.append(op_id)
            merged.deprecated = merged.deprecated or row.deprecated
    return versions, rows


def spans(present: list[str], known: list[str]) -> str:
    """`2024-04..2025-01, 2025-10`: the versions of `known` that are in `present`, as spans."""
    out: list[str] = []
    run: list[str] = []
    for version in known:
        if version in present:
            run.append(version)
            continue
        if run:
            out.append(run[0] if len(run) == 1 else f"{run[0]}..{run[-1]}")
            run = []
    if run:
        out.append(run[0] if len(run) == 1 else f"{run[0]}..{run[-1]}")
    return ", ".join(out)


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(values: list[str]) -> str:
    return "[" + ", ".join(_q(v) for v in values) + "]"


HEADER = """\
# Coverage ledger: {area} operations, parameters, fields and limits of the official specifications,
# one row per element (one line each), with the API versions whose spec has it.
# See docs/coverage/README.md.
# Drafted by tools/ledger_from_specs.py; status, behaviors and note are maintained by hand.
# Rows with an `origin` were added by hand: facts no generated row can carry.
"""
LEDGER = Path(__file__).resolve().parents[1] / "docs" / "coverage"


def key_order(ledger: Path = LEDGER) -> tuple[str, ...]:
    """The keys of a row in the order they are written: `[ledger] keys` of general.toml, the one
    list the ledger test checks rows against too."""
    meta = tomllib.loads((ledger / "general.toml").read_text(encoding="utf-8"))["ledger"]
    return tuple(meta["keys"])


KEY_ORDER = key_order()


def emit(row: dict[str, Any]) -> str:
    """One row as an inline table on one line, keys in a fixed order."""
    parts = []
    for key in KEY_ORDER:
        value = row.get(key)
        if value is None or value == [] or value is False:
            continue
        if isinstance(value, bool):
            parts.append(f"{key} = true")
        elif isinstance(value, list):
            parts.append(f"{key} = {_list(value)}")
        else:
            parts.append(f"{key} = {_q(str(value))}")
    return "  { " + ", ".join(parts) + " },"


def render(
    area: str, rows: list[Row], known: list[str], old: dict[tuple[str, ...], dict[str, Any]]
) -> str:
    lines = [HEADER.format(area=area), "row = ["]
    operation = None
    for row in rows:
        if row.operation != operation:
            operation = row.operation
            lines += ["", f"  # {operation}"]
        previous = old.get(row.key, {})
        status = previous.get("status", "not-covered")
        out: dict[str, Any] = {"kind": row.kind, "operation": row.operation}
        if row.kind == "operation":
            out["operation_ids"] = row.operation_ids
            out["deprecated"] = row.deprecated
        else:
            out["name"] = row.name
        out["versions"] = spans(row.versions, known)
        out["status"] = status
        out["behaviors"] = previous.get("behaviors", [])
        out["note"] = previous.get("note", "" if status == "covered" else "not reviewed") or None
        lines.append(emit(out))
    hand = [emit(previous) for previous in old.values() if previous.get("origin")]
    if hand:
        lines += ["", "  # added by hand", *hand]
    return "\n".join([*lines, "]", ""])


def _order(row: Row) -> tuple[str, str, int, str]:
    path, method = row.operation.split(" ", 1)[1], row.operation.split(" ", 1)[0]
    return (path, method, KINDS.index(row.kind), row.name)


def read_existing(path: Path, area: str) -> dict[tuple[str, ...], dict[str, Any]]:
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in data.get("row", []):
        name = row.get("name", row["operation"])
        out[(area, row["kind"], row["operation"], name)] = row
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("specs", type=Path, help="directory with one sub-directory per API version")
    parser.add_argument("--out", type=Path, default=Path("docs/coverage"), help="ledger directory")
    args = parser.parse_args(argv)
    versions, rows = collect(args.specs)
    if not rows:
        print(f"no database or inference specs under {args.specs}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for area in AREAS:
        target = args.out / f"{area}.toml"
        old = read_existing(target, area)
        mine = sorted((r for r in rows.values() if r.area == area), key=_order)
        generated = {r.key for r in mine}
        dropped = len([k for k, v in old.items() if k not in generated and not v.get("origin")])
        target.write_text(render(area, mine, versions, old), encoding="utf-8")
        print(f"{target}: {len(mine)} rows ({dropped} no longer in any spec dropped)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
