"""Read capacity of a serverless index: the requested `ReadCapacity` and its response form.

The 2025-10 and 2026-04 response schemas require `spec.serverless.read_capacity`
(`ReadCapacityResponse`: `{mode, status}` or `{mode, dedicated, status}`), and 2026-07 carries it
at the top level of the index; clients read `.mode` from it. An index keeps whatever mode it was
created or configured with; capacity is never actually provisioned, so its state is always
`Ready`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from reference_server.errors import ApiError, bad_request

ON_DEMAND: dict[str, Any] = {"mode": "OnDemand"}
MODES = ("OnDemand", "Dedicated")

# Raised for a body that does not deserialise (missing field, wrong JSON type): the 422 of indexes.
Unprocessable = Callable[[str], ApiError]


def parse_read_capacity(value: Any, where: str, unprocessable: Unprocessable) -> dict[str, Any]:
    """The requested read capacity, keeping only the documented fields; ApiError when malformed.

    `ReadCapacityOnDemandSpec` is `{mode}`; `ReadCapacityDedicatedSpec` requires `dedicated`, a
    `ReadCapacityDedicatedConfig` (`node_type`, `scaling`, `manual{replicas>=0, shards>=1}`).
    """
    if not isinstance(value, dict):
        raise unprocessable(f"{where}: invalid type, expected struct ReadCapacity")
    mode = value.get("mode")
    if not isinstance(mode, str):
        raise unprocessable(f"{where}: missing field `mode`")
    if mode not in MODES:
        raise unprocessable(f"{where}.mode: unknown variant `{mode}`, expected one of {MODES}")
    if mode == "OnDemand":
        return dict(ON_DEMAND)
    dedicated = value.get("dedicated")
    if not isinstance(dedicated, dict):
        raise unprocessable(f"{where}: missing field `dedicated`")
    config: dict[str, Any] = {}
    for key in ("node_type", "scaling"):
        item = dedicated.get(key)
        if item is not None and not isinstance(item, str):
            raise unprocessable(f"{where}.dedicated.{key}: invalid type, expected a string")
        if item is not None:
            config[key] = item
    manual = dedicated.get("manual")
    if manual is not None:
        config["manual"] = _manual(manual, f"{where}.dedicated.manual", unprocessable)
    return {"mode": "Dedicated", "dedicated": config}


def _manual(value: Any, where: str, unprocessable: Unprocessable) -> dict[str, int]:
    """`ScalingConfigManual`: `replicas` (>= 0) and `shards` (>= 1), integers."""
    if not isinstance(value, dict):
        raise unprocessable(f"{where}: invalid type, expected struct ScalingConfigManual")
    out: dict[str, int] = {}
    for key, minimum in (("replicas", 0), ("shards", 1)):
        item = value.get(key)
        if item is None:
            continue
        if isinstance(item, bool) or not isinstance(item, int):
            raise unprocessable(f"{where}.{key}: invalid type, expected an integer")
        if item < minimum:
            raise bad_request(f"{where}.{key} must be at least {minimum}, got {item}")
        out[key] = item
    return out


def describe_read_capacity(requested: dict[str, Any]) -> dict[str, Any]:
    """The `ReadCapacityResponse` of a requested read capacity: the request plus a `status`."""
    status: dict[str, Any] = {"state": "Ready"}
    if requested["mode"] != "Dedicated":
        return {"mode": requested["mode"], "status": status}
    dedicated = copy.deepcopy(requested["dedicated"])
    manual = dedicated.get("manual") or {}
    for key in ("replicas", "shards"):
        if key in manual:
            status[f"current_{key}"] = manual[key]
    return {"mode": "Dedicated", "dedicated": dedicated, "status": status}
