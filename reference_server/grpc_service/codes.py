"""How an ApiError travels over gRPC: its status code and message.

ApiError already carries the gRPC code number that the REST `rpcStatus` body sends as `code`
(digest §3.1), so both wire forms report the same code; the HTTP status decides only when the
number is not a gRPC code.
"""

from __future__ import annotations

import grpc

from reference_server.errors import ApiError

_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}
# The standard HTTP -> gRPC mapping, for an ApiError without a usable gRPC code.
_BY_HTTP = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ALREADY_EXISTS,
    412: grpc.StatusCode.FAILED_PRECONDITION,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    501: grpc.StatusCode.UNIMPLEMENTED,
    503: grpc.StatusCode.UNAVAILABLE,
}


def status_of(error: ApiError) -> grpc.StatusCode:
    """The gRPC status code an ApiError is reported with."""
    by_number = _BY_NUMBER.get(error.grpc_code)
    if by_number is not None and by_number is not grpc.StatusCode.OK:
        return by_number
    if error.http_status >= 500:
        return _BY_HTTP.get(error.http_status, grpc.StatusCode.INTERNAL)
    return _BY_HTTP.get(error.http_status, grpc.StatusCode.UNKNOWN)
