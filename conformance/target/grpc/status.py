"""gRPC status codes as the HTTP statuses of the REST transcoding, and the REST error body.

The mapping is the documented one of `google.rpc.Code` (each code's "HTTP Mapping", used by the
gRPC-gateway and by Pinecone's REST data plane, whose `rpcStatus.code` carries the same numbers):
tests that expect 400, 404 or 401 judge a gRPC reply by the same numbers.
"""

from __future__ import annotations

from typing import Any

# gRPC code number -> HTTP status (google/rpc/code.proto)
HTTP_STATUS: dict[int, int] = {
    0: 200,  # OK
    1: 499,  # CANCELLED
    2: 500,  # UNKNOWN
    3: 400,  # INVALID_ARGUMENT
    4: 504,  # DEADLINE_EXCEEDED
    5: 404,  # NOT_FOUND
    6: 409,  # ALREADY_EXISTS
    7: 403,  # PERMISSION_DENIED
    8: 429,  # RESOURCE_EXHAUSTED
    9: 400,  # FAILED_PRECONDITION
    10: 409,  # ABORTED
    11: 400,  # OUT_OF_RANGE
    12: 501,  # UNIMPLEMENTED
    13: 500,  # INTERNAL
    14: 503,  # UNAVAILABLE
    15: 500,  # DATA_LOSS
    16: 401,  # UNAUTHENTICATED
}
GRPC_STATUS_HEADER = "grpc-status"  # the code, as a response header of the WireResponse
GRPC_MESSAGE_HEADER = "grpc-message"


def http_status(code: int) -> int:
    """The HTTP status of a gRPC code (500 for a number outside the enumeration)."""
    return HTTP_STATUS.get(code, 500)


def error_body(code: int, message: str) -> dict[str, Any]:
    """The REST `rpcStatus` body of a gRPC error: `{"code", "message", "details": []}`."""
    return {"code": code, "message": message, "details": []}
