"""The layering of `conformance/` (docs/internals.md): a module imports only from its own layer and
the layers above it, so the vocabulary never depends on pytest machinery and the target code
never on the reports. `conformance/` never imports `reference_server/`, nor the reverse; both may
import `pinecone_messages/`, which imports neither."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "conformance"
# Top to bottom; a module may import its own layer and every layer listed before it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "vocabulary",
        (
            "conformance",
            "conformance.outcomes",
            "conformance.redact",
            "conformance.catalog",
            "conformance.options",
            "conformance.values",
            "conformance.config",
        ),
    ),
    ("target", ("conformance.target",)),
    ("records", ("conformance.results", "conformance.report")),
    ("fuzzing", ("conformance.fuzz", "conformance.repro")),
    ("pytest", ("conformance.plugin", "conformance.suite")),
    (
        "commands",
        (
            "conformance.cli",
            "conformance.bench",
            "conformance.bench_wire",
            "conformance.bench_transports",
        ),
    ),
]
# Copied verbatim into standalone reproducer scripts: only their own family.
SELF_CONTAINED = {"conformance.repro.checks", "conformance.repro.runtime"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> int:
    """The index of the most specific layer that owns `module`."""
    best, best_len = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            owned = module == prefix or module.startswith(prefix + ".")
            if owned and len(prefix) > best_len and (prefix != "conformance" or module in prefixes):
                best, best_len = index, len(prefix)
    return best


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[_module_name(p) for p in MODULES])
def test_module_imports_only_its_layer_and_above(path: Path) -> None:
    module = _module_name(path)
    own = _layer(module)
    assert own >= 0, f"{module} belongs to no layer of docs/internals.md"
    wrong = []
    for name in _imports(path):
        assert not name.startswith("reference_server"), f"{module} imports {name}"
        if not name.startswith("conformance"):
            continue
        if module in SELF_CONTAINED and not name.startswith("conformance.repro"):
            wrong.append(name)
        target = _layer(name)
        if target > own:
            wrong.append(f"{name} ({LAYERS[target][0]} layer)")
    assert not wrong, f"{module} ({LAYERS[own][0]} layer) imports {', '.join(wrong)}"


def test_reference_server_never_imports_conformance() -> None:
    for path in sorted((ROOT / "reference_server").rglob("*.py")):
        found = [n for n in _imports(path) if n.split(".")[0] == "conformance"]
        assert not found, f"{path.relative_to(ROOT)} imports {found}"


def test_shared_messages_import_neither_side() -> None:
    """`pinecone_messages/` is the gRPC vocabulary both sides use, so it depends on neither."""
    for path in sorted((ROOT / "pinecone_messages").rglob("*.py")):
        sides = {"conformance", "reference_server"}
        found = [n for n in _imports(path) if n.split(".")[0] in sides]
        assert not found, f"{path.relative_to(ROOT)} imports {found}"


def test_the_reference_server_imports_grpc_only_in_its_grpc_package() -> None:
    """A server run without gRPC (`--no-grpc`, or no `grpc` extra) never loads grpc or protobuf."""
    grpc_modules = {"grpc", "google", "pinecone_messages"}
    for path in sorted((ROOT / "reference_server").rglob("*.py")):
        if "grpc_service" in path.parts:
            continue
        found = [n for n in _imports(path) if n.split(".")[0] in grpc_modules]
        assert not found, f"{path.relative_to(ROOT)} imports {found}"
