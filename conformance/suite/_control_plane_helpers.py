"""Helpers for the control-plane tests (index lifecycle, control-plane errors).

Indexes a test creates are named under the run's namespace prefix and deleted by `drop_index`,
which lifts deletion protection first.
"""

from __future__ import annotations

import secrets
from typing import Any

from conformance.target.client import ControlPlaneClient, WireResponse


def assert_cp_error(
    resp: WireResponse, status: int | tuple[int, ...], code: str | None = None
) -> dict[str, Any]:
    """Assert a control-plane ErrorResponse `{"error": {"code", "message"}, "status"}`."""
    assert_cp_status(resp, status)
    body = assert_cp_shape(resp)
    if code is not None:
        assert body["error"]["code"] == code, f"expected error code {code}, got {resp!r}"
    return body


def assert_cp_shape(resp: WireResponse) -> dict[str, Any]:
    """Assert an error's body is `{"error": {"code": str, "message": str}, "status": int}` with
    `status` equal to the HTTP status, whatever that status is (ERRORS-CONTROL-PLANE-SHAPE)."""
    body = resp.json
    assert isinstance(body, dict), f"expected a JSON ErrorResponse, got {resp!r}"
    error = body.get("error")
    assert isinstance(error, dict), f"`error` must be an object: {resp!r}"
    assert isinstance(error.get("code"), str), f"`error.code` must be a string: {resp!r}"
    assert isinstance(error.get("message"), str), f"`error.message` must be a string: {resp!r}"
    assert body.get("status") == resp.status, f"`status` must equal the HTTP status: {resp!r}"
    return body


def assert_cp_status(
    resp: WireResponse, status: int | tuple[int, ...], code: str | None = None
) -> None:
    """Assert a control-plane rejection's status (and `error.code`, when the body carries one).

    The body's shape is ERRORS-CONTROL-PLANE-SHAPE's to judge, not every rejection's.
    """
    statuses = (status,) if isinstance(status, int) else status
    assert resp.status in statuses, f"expected HTTP {statuses}, got {resp!r}"
    body = resp.json
    error = body.get("error") if isinstance(body, dict) else None
    found = error.get("code") if isinstance(error, dict) else None
    if code is not None and isinstance(found, str):
        assert found == code, f"expected error code {code}, got {resp!r}"


def index_name(prefix: str, tag: str = "") -> str:
    """A fresh valid index name under the run's namespace prefix (1…45 lowercase alnum or `-`)."""
    base = "".join(c if c.isalnum() else "-" for c in prefix.lower()).strip("-") or "conf"
    suffix = f"-{tag}-{secrets.token_hex(4)}" if tag else f"-{secrets.token_hex(4)}"
    return (base[: 45 - len(suffix)].rstrip("-") + suffix)[:45]


def drop_index(control_plane: ControlPlaneClient, name: str) -> None:
    """Delete index `name` if it exists, lifting deletion protection first (cleanup helper)."""
    if control_plane.describe_index(name).status == 404:
        return
    control_plane.configure_index(name, deletion_protection="disabled")
    control_plane.delete_index(name)
