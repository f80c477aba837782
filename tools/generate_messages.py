"""Regenerate the Python modules of `pinecone_messages/` from its `.proto` files with grpcio-tools.

The generated modules are committed so that neither the suite nor the reference server needs a
protobuf compiler at run time; `tests/test_generated_messages.py` regenerates them into a temporary
directory and compares, so the committed files never drift from the `.proto`.

Usage: python tools/generate_messages.py [--out DIR]   (DIR defaults to the repository root)
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "pinecone_messages"


def proto_files() -> list[str]:
    """The `.proto` files of the package, relative to the repository root, in a stable order."""
    return sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / PACKAGE).glob("*.proto"))


def generate(out: Path) -> None:
    """Write `*_pb2.py`, `*_pb2.pyi` and `*_pb2_grpc.py` of every `.proto` under `out/PACKAGE/`."""
    from grpc_tools import protoc  # the `test` extra; imported here so --help works without it

    (out / PACKAGE).mkdir(parents=True, exist_ok=True)
    well_known = str(resources.files("grpc_tools") / "_proto")
    args = [
        "grpc_tools.protoc",
        f"-I{ROOT}",
        f"-I{well_known}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *proto_files(),
    ]
    status = protoc.main(args)
    if status != 0:
        raise SystemExit(f"protoc failed with status {status}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="output root (default: repo root)")
    generate(parser.parse_args(argv).out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
