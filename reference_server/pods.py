"""Pod-based index definitions: the `spec.pod` of a classic create (2024-04 … 2026-04) and the
`deployment` of type `pod` (2026-07), validated and described.

A pod index stores and serves records exactly like a serverless one here; the pod settings are
kept to be described, to tell which indexes may become collections (and which may not be backed
up), and to name the collection a new index starts from (`source_collection`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from reference_server.errors import ApiError, bad_request

POD_TYPE = re.compile(r"^(s1|p1|p2)\.(x1|x2|x4|x8)$")
DEFAULT_POD_TYPE = "p1.x1"

Unprocessable = Callable[[str], ApiError]


def parse_pod(raw: Any, where: str, unprocessable: Unprocessable) -> dict[str, Any]:
    """The pod settings of a create request (`spec.pod`, or a `pod` deployment), with defaults:
    `environment` is required, `pod_type` one of s1/p1/p2 with x1/x2/x4/x8, counts at least 1."""
    if not isinstance(raw, dict):
        raise unprocessable(f"{where}: invalid type, expected struct PodSpec")
    environment = raw.get("environment")
    if environment is None:
        raise unprocessable(f"{where}: missing field `environment`")
    if not isinstance(environment, str):
        raise unprocessable(f"{where}.environment: invalid type, expected a string")
    pod_type = raw.get("pod_type", DEFAULT_POD_TYPE)
    if not isinstance(pod_type, str):
        raise unprocessable(f"{where}.pod_type: invalid type, expected a string")
    if not POD_TYPE.match(pod_type):
        raise bad_request(
            f"Invalid pod_type {pod_type[:40]!r}: one of s1, p1 or p2 followed by .x1, .x2, .x4 "
            "or .x8"
        )
    counts = {}
    for key in ("replicas", "shards"):
        counts[key] = _count(raw, key, where, unprocessable)
    pods = _count(raw, "pods", where, unprocessable) if raw.get("pods") is not None else None
    pod: dict[str, Any] = {"environment": environment, "pod_type": pod_type, **counts}
    pod["pods"] = pods or counts["replicas"] * counts["shards"]
    config = raw.get("metadata_config")
    if config is not None:
        indexed = config.get("indexed") if isinstance(config, dict) else None
        if not isinstance(indexed, list) or not all(isinstance(f, str) for f in indexed):
            raise unprocessable(f"{where}.metadata_config: expected {{indexed: [string]}}")
        pod["metadata_config"] = {"indexed": list(indexed)}
    source = raw.get("source_collection")
    if source is not None:
        if not isinstance(source, str):
            raise unprocessable(f"{where}.source_collection: invalid type, expected a string")
        pod["source_collection"] = source
    return pod


def _count(raw: dict[str, Any], key: str, where: str, unprocessable: Unprocessable) -> int:
    value = raw.get(key, 1)
    if isinstance(value, bool) or not isinstance(value, int):
        raise unprocessable(f"{where}.{key}: invalid type, expected an integer")
    if value < 1:
        raise bad_request(f"{key} must be at least 1, got {value}")
    return value


def describe_pod(pod: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(`spec`, `deployment`) of a pod index's description."""
    deployment = {
        "deployment_type": "pod",
        "environment": pod["environment"],
        "pod_type": pod["pod_type"],
        "replicas": pod["replicas"],
        "shards": pod["shards"],
    }
    return {"pod": dict(pod)}, deployment
