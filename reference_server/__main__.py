"""`pinecone-reference-server` / `python -m reference_server`: run the reference server.

Prints one flushed line per listening address (`listening control URL`, `listening index NAME URL`,
and before each index line `listening grpc NAME HOST:PORT` when gRPC is served) so scripts can wait
for it; SIGINT and SIGTERM stop it cleanly with exit status 0.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from reference_server.auth import ApiKeyMiddleware
from reference_server.controlplane import create_control_app
from reference_server.errors import ApiError
from reference_server.grpc_service import GrpcServiceFactory, available, default_grpc_service
from reference_server.indexes import IndexModel, check_definition
from reference_server.server import (
    AppFactory,
    AuthFactory,
    ControlAppFactory,
    ReferenceServer,
    default_app_factory,
)


def parse_index(text: str) -> IndexModel:
    """`NAME:DIMENSION:METRIC[:dense|sparse]`; a sparse index takes `0` or nothing as dimension."""
    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise argparse.ArgumentTypeError(
            f"expected NAME:DIMENSION:METRIC[:dense|sparse], got {text!r}"
        )
    name, raw_dimension, metric = parts[:3]
    vector_type = parts[3] if len(parts) == 4 else "dense"
    dimension: int | None = None
    if raw_dimension not in ("", "0") or vector_type != "sparse":
        try:
            dimension = int(raw_dimension)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"dimension must be an integer, got {raw_dimension!r} in {text!r}"
            ) from None
    try:
        dimension, metric = check_definition(name, dimension, metric or None, vector_type)
    except ApiError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: {error.message}") from None
    return IndexModel(name, dimension, metric, vector_type)


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def port_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0..65535 (0 = any free port), got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pinecone-reference-server",
        description="An exact, in-memory Pinecone-compatible server: control plane on --port, "
        "each index on its own port.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=port_number, default=5080, help="control-plane port (0 = any free port)"
    )
    parser.add_argument(
        "--api-key", default=None, help="require this Api-Key on every request (default: any)"
    )
    parser.add_argument(
        "--index",
        action="append",
        type=parse_index,
        default=[],
        metavar="NAME:DIMENSION:METRIC[:dense|sparse]",
        help="create this index at start-up (repeatable)",
    )
    parser.add_argument(
        "--visibility-delay",
        type=non_negative_float,
        default=0.0,
        metavar="SECONDS",
        help="delay before writes become visible to reads (default 0: strongly consistent)",
    )
    parser.add_argument(
        "--no-grpc",
        action="store_true",
        help="serve no gRPC (default: each index also serves VectorService over gRPC on a "
        "loopback port of its own when the grpc extra is installed)",
    )
    return parser


def main(
    argv: list[str] | None = None,
    app_factory: AppFactory = default_app_factory,
    control_app_factory: ControlAppFactory = create_control_app,
    auth_factory: AuthFactory = ApiKeyMiddleware,
    grpc_factory: GrpcServiceFactory = default_grpc_service,
) -> int:
    """Entry point; returns the exit status (argparse exits with 2 on bad flags).

    `app_factory` builds each index's data-plane app, `control_app_factory` the control plane's and
    `auth_factory` the API-key check in front of either, `grpc_factory` each index's gRPC service
    (see `reference_server.grpc_service`); the mutant tests pass ones that wrap the defaults, so a
    mutant server takes exactly these flags and prints exactly these lines.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    names = [model.name for model in args.index]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        parser.error(f"--index names must be unique: {', '.join(duplicates)}")
    serve_grpc: GrpcServiceFactory | None = None
    if not args.no_grpc:
        missing = available()
        if missing is None:
            serve_grpc = grpc_factory
        else:
            print(f"pinecone-reference-server: no gRPC: {missing}", file=sys.stderr)
    server = ReferenceServer(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        indexes=args.index,
        visibility_delay=args.visibility_delay,
        app_factory=app_factory,
        control_app_factory=control_app_factory,
        auth_factory=auth_factory,
        grpc_factory=serve_grpc,
    )
    try:
        asyncio.run(server.run())
    except OSError as error:
        print(f"pinecone-reference-server: cannot listen: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
