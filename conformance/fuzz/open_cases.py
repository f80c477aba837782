"""Invalid-request cases whose rejection the documentation does not state for every API version.

`conformance/fuzz/invalid_requests.py` draws requests the reference server rejects; some of them
are rejected by a rule only the 2026-07 specification states (the id pattern, fetch and list
bounds), or by no documented rule at all (duplicate sparse indices, an empty delete). The fuzz
machine does not hold a target to those: it sends such a read and accepts any answer but a server
error, and does not send such a write (the model could not follow an accepted one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SPEC_2026_07 = "2026-07"  # the first version whose spec states the id pattern and these bounds
_BOM = "\ufeff"


def _non_ascii(value: Any) -> bool:
    return isinstance(value, str) and any(not 0 < ord(c) < 128 for c in value)


def _body(step: Mapping[str, Any]) -> Any:
    return step.get("json")


def _params(step: Mapping[str, Any], name: str) -> list[Any]:
    return [v for k, v in step.get("params") or [] if k == name]


def _upsert_ids(step: Mapping[str, Any]) -> list[Any]:
    body = _body(step) or {}
    vectors = body.get("vectors") if isinstance(body, dict) else None
    return [v.get("id") for v in vectors or [] if isinstance(v, dict)]


def _duplicate_sparse(step: Mapping[str, Any]) -> bool:
    for v in (_body(step) or {}).get("vectors") or []:
        indices = (v.get("sparseValues") or {}).get("indices") if isinstance(v, dict) else None
        if isinstance(indices, list) and len(set(map(repr, indices))) != len(indices):
            return True
    return False


def _wrong_delete_types(body: Mapping[str, Any]) -> bool:
    ids = body.get("ids")
    bad_ids = ids is not None and not (
        isinstance(ids, list) and all(isinstance(i, str) for i in ids)
    )
    return bad_ids or ("deleteAll" in body and not isinstance(body["deleteAll"], bool))


def outcome_open(name: str, step: Mapping[str, Any], api_version: str) -> bool:
    """Whether the documentation of `api_version` leaves open if this invalid request is refused."""
    early = api_version[:7] < SPEC_2026_07
    body = _body(step)
    if name == "upsert-non-finite":
        return "json" in step  # NaN/Infinity as JSON strings, which protojson reads as numbers
    if name == "upsert-bad-sparse":
        return _duplicate_sparse(step)
    if name == "upsert-bad-id":
        return early and any(_non_ascii(i) for i in _upsert_ids(step))
    if name in ("fetch-too-many-ids", "fetch-bad-id"):
        return early
    if name == "update-bad-id":
        return early and isinstance(body, dict) and _non_ascii(body.get("id"))
    if name == "list-bad-limit":
        return early and any(str(v) in ("0", "101", "-1") for v in _params(step, "limit"))
    if name == "fbm-bad-request":
        return early and isinstance(body, dict) and body.get("limit") == 10001
    if name == "delete-bad-request":
        # an empty body, or fields of the wrong JSON type (a SHOULD, ERRORS-WRONG-JSON-TYPE)
        return body == {} or (isinstance(body, dict) and _wrong_delete_types(body))
    if name == "garbage-body":
        content = step.get("content")
        return isinstance(content, str) and content.startswith(_BOM)
    return False


def should_reject(name: str, step: Mapping[str, Any]) -> str | None:
    """The SHOULD behavior that states this request's rejection where no MUST does (a field of
    the wrong JSON type), or None."""
    body = _body(step)
    if name == "delete-bad-request" and isinstance(body, dict) and body:
        return "ERRORS-WRONG-JSON-TYPE" if _wrong_delete_types(body) else None
    return None
