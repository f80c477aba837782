"""Request body reading and JSON rendering for the data plane.

Bodies are read as a stream and never buffered past the size limit; JSON goes through orjson both
ways (numpy float32 values serialise with their shortest float32 representation).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from reference_server.errors import bad_request, payload_too_large

MAX_BODY_BYTES = 2 * 1024 * 1024
# Past the limit the rest of the body is read and discarded (so the client can read the 413 instead
# of seeing a reset connection), but only up to this many bytes.
MAX_DRAIN_BYTES = 64 * 1024 * 1024
_DUMP_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, or ApiError 413 when it exceeds `limit` bytes."""
    declared = request.headers.get("content-length")
    too_big = False
    if declared is not None and declared.isdigit() and int(declared) > limit:
        too_big = True
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if too_big or size > limit:
            too_big = True
            if size > MAX_DRAIN_BYTES:
                break
            continue
        chunks.append(chunk)
    if too_big:
        raise payload_too_large(
            f"Request body of more than {limit} bytes exceeds the limit of {limit} bytes"
        )
    return b"".join(chunks)


def parse_object(raw: bytes, *, empty_ok: bool = True) -> dict[str, Any]:
    """Parse a JSON object body; malformed JSON or a non-object is a 400."""
    if not raw.strip():
        if empty_ok:
            return {}
        raise bad_request("Invalid request: empty body")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"Invalid request: malformed JSON body ({exc})") from None
    if not isinstance(value, dict):
        raise bad_request("Invalid request: the body must be a JSON object")
    return value


def dumps(payload: Any) -> bytes:
    """Compact JSON bytes (UTF-8) with numpy support."""
    return orjson.dumps(payload, option=_DUMP_OPTIONS)


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response rendered with orjson."""
    return Response(
        dumps(payload), status_code=status, headers=headers, media_type="application/json"
    )
