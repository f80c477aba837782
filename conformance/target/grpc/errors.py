"""What the gRPC transport raises before anything reaches the target."""

from __future__ import annotations

NOT_EXPRESSIBLE = "not expressible over gRPC"


class NotExpressible(Exception):
    """The request a test built has no gRPC form (a raw JSON body, a JSON field or query parameter
    no message has, a value of the wrong JSON type, a REST-only route or header). The test is
    reported not applicable on the gRPC transport: its question exists only on the REST wire."""

    def __init__(self, why: str) -> None:
        super().__init__(f"{NOT_EXPRESSIBLE}: {why}")
        self.why = why


class GrpcUnavailable(RuntimeError):
    """The gRPC transport was asked for where grpcio, protobuf or the messages are missing."""


def missing_reason() -> str | None:
    """Why the gRPC transport cannot run here (the `grpc` extra is missing), or None."""
    try:
        import grpc  # noqa: F401
        from google.protobuf import json_format  # noqa: F401
    except ImportError as error:
        return (
            "the gRPC transport needs the grpc extra: pip install 'pinecone-conformance[grpc]' "
            f"({error})"
        )
    try:
        from pinecone_messages import load
    except ImportError as error:
        return f"the gRPC messages (pinecone_messages) are not installed ({error})"
    try:
        load()
    except ImportError as error:
        return str(error)
    return None
