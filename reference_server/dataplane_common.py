"""Pieces shared by the data-plane handlers: the request context, LSN headers, page tokens."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams
from starlette.responses import Response

from reference_server.errors import bad_request
from reference_server.jsonio import json_response
from reference_server.store import IndexStore

REQUEST_LSN = "x-pinecone-request-lsn"
MAX_INDEXED_LSN = "x-pinecone-max-indexed-lsn"
_TOKEN_PREFIX = "pc1."


@dataclass(frozen=True)
class Context:
    """What a handler needs from a request, already read."""

    store: IndexStore
    version: str
    params: QueryParams
    path: dict[str, Any]
    raw: bytes


def read_response(store: IndexStore, payload: Any) -> Response:
    """A read's response, carrying the LSN of the last applied write (caller holds the lock)."""
    return json_response(payload, headers={MAX_INDEXED_LSN: str(store.applied_lsn)})


def write_response(lsn: int, payload: Any) -> Response:
    """A write's response, carrying the LSN the write was given."""
    return json_response(payload, headers={REQUEST_LSN: str(lsn)})


def usage(units: int) -> dict[str, int]:
    """The usage block; read units are always at least 1."""
    return {"readUnits": max(1, units)}


def encode_token(last: str) -> str:
    """An opaque pagination token that resumes after `last`."""
    return _TOKEN_PREFIX + base64.urlsafe_b64encode(last.encode()).decode().rstrip("=")


def decode_token(token: str | None) -> str | None:
    """The id (or name) a token resumes after; 400 for a token this server did not issue."""
    if token is None or token == "":
        return None
    if type(token) is not str or not token.startswith(_TOKEN_PREFIX) or len(token) > 2048:
        raise bad_request("Invalid pagination token")
    body = token[len(_TOKEN_PREFIX) :]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        raise bad_request("Invalid pagination token") from None
