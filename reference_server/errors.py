"""ApiError and the two error body shapes the API uses.

The data plane answers with a gRPC-gateway `rpcStatus` body, the control plane with an
`ErrorResponse`; one exception type carries enough to render either, so validation code can raise
without knowing which plane it serves.
"""

from __future__ import annotations

import orjson
from starlette.responses import Response

# gRPC code -> HTTP status (grpc-gateway default mapping, digest §3.1).
GRPC_TO_HTTP = {
    3: 400,
    5: 404,
    6: 409,
    7: 403,
    8: 429,
    9: 400,
    12: 501,
    13: 500,
    14: 503,
    16: 401,
    2: 500,
}
HTTP_TO_CP_CODE = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    412: "FAILED_PRECONDITION",
    413: "PAYLOAD_TOO_LARGE",
    422: "UNPROCESSABLE_ENTITY",
    429: "RESOURCE_EXHAUSTED",
    500: "UNKNOWN",
}


class ApiError(Exception):
    """A request failure with its HTTP status, gRPC code and control-plane string code."""

    def __init__(
        self, http_status: int, message: str, grpc_code: int = 3, cp_code: str = "INVALID_ARGUMENT"
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.message = message
        self.grpc_code = grpc_code
        self.cp_code = cp_code

    def __repr__(self) -> str:
        return f"ApiError({self.http_status}, {self.message!r}, grpc_code={self.grpc_code})"

    def data_plane_body(self) -> dict:
        """The `rpcStatus` body: `{"code", "message", "details": []}`."""
        return {"code": self.grpc_code, "message": self.message, "details": []}

    def control_plane_body(self) -> dict:
        """The control-plane `ErrorResponse` body: `{"error": {"code", "message"}, "status"}`."""
        return {
            "error": {"code": self.cp_code, "message": self.message},
            "status": self.http_status,
        }

    def to_data_plane_response(self) -> Response:
        return error_response(self.http_status, self.data_plane_body())

    def to_control_plane_response(self) -> Response:
        return error_response(self.http_status, self.control_plane_body())


def error_response(status: int, body: dict) -> Response:
    """A JSON error response rendered with orjson."""
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def bad_request(message: str) -> ApiError:
    """400 / INVALID_ARGUMENT, the common case."""
    return ApiError(400, message, 3, "INVALID_ARGUMENT")


def not_found(message: str) -> ApiError:
    """404 / NOT_FOUND."""
    return ApiError(404, message, 5, "NOT_FOUND")


def already_exists(message: str) -> ApiError:
    """409 / ALREADY_EXISTS."""
    return ApiError(409, message, 6, "ALREADY_EXISTS")


def payload_too_large(message: str = "Request body too large") -> ApiError:
    """413: the body exceeded the data-plane request size limit."""
    return ApiError(413, message, 8, "PAYLOAD_TOO_LARGE")
