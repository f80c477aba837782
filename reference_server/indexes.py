"""Index definitions: validating create/configure requests and describing an index.

One `IndexModel` per index. Its description carries both the classic (2024-07 … 2026-04) fields
and the 2026-07 `schema`/`deployment` fields, so python SDKs 7.x through 10.x all parse the same
body (each ignores what it does not know).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from reference_server.errors import ApiError, bad_request
from reference_server.pods import describe_pod, parse_pod
from reference_server.read_capacity import ON_DEMAND, describe_read_capacity, parse_read_capacity

METRICS = ("cosine", "euclidean", "dotproduct")
VECTOR_TYPES = ("dense", "sparse")
MAX_DIMENSION = 20000
NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,43}[a-z0-9])?$")
NAME_RULE = (
    "Name must be 1 to 45 characters long, consist of lowercase alphanumeric characters or '-', "
    "and start and end with an alphanumeric character"
)
SPARSE_METRIC = "Sparse vector indexes must use the metric dotproduct"
DEFAULT_CLOUD = "aws"
DEFAULT_REGION = "us-east-1"


def unprocessable(detail: str) -> ApiError:
    """422: the body does not deserialise into the request type (missing field, wrong JSON type)."""
    return ApiError(
        422,
        f"Failed to deserialize the JSON body into the target type: {detail}",
        3,
        "UNPROCESSABLE_ENTITY",
    )


@dataclass
class IndexModel:
    """What the control plane knows about one index; `host` is filled in once it listens."""

    name: str
    dimension: int | None
    metric: str
    vector_type: str = "dense"
    deletion_protection: str = "disabled"
    tags: dict[str, str] = field(default_factory=dict)
    read_capacity: dict[str, Any] = field(default_factory=lambda: dict(ON_DEMAND))
    cloud: str = DEFAULT_CLOUD
    region: str = DEFAULT_REGION
    embed: dict[str, Any] | None = None  # integrated embedding (ModelIndexEmbed)
    vector_field: str = ""
    host: str = ""
    # The records' owner once the index serves (set by the app factory); backups copy from it.
    store: Any = field(default=None, repr=False, compare=False)
    pod: dict[str, Any] | None = None  # the pod settings of a pod-based index (`pods.py`)
    ready_at: float = 0.0  # time.monotonic() from which it is Ready (a restore sets it later)

    def __post_init__(self) -> None:
        if not self.vector_field:
            self.vector_field = "_values" if self.vector_type == "dense" else "_sparse_values"

    def describe(self) -> dict[str, Any]:
        """The IndexModel body, classic and 2026-07 fields together.

        `read_capacity` sits under `spec.serverless` (required there by the 2025-10 and 2026-04
        schemas) and at the top level (2026-07); `tags` is always an object (`IndexTags`).
        """
        read_capacity = describe_read_capacity(self.read_capacity)
        serverless = {"cloud": self.cloud, "region": self.region, "read_capacity": read_capacity}
        if self.vector_type == "dense":
            vector = {"type": "dense_vector", "dimension": self.dimension, "metric": self.metric}
        else:
            vector = {"type": "sparse_vector"}
        body: dict[str, Any] = {"name": self.name}
        if self.dimension is not None:
            body["dimension"] = self.dimension
        body.update(
            {
                "metric": self.metric,
                "host": self.host,
                "spec": {"serverless": serverless},
                "status": self.status(),
                "vector_type": self.vector_type,
                "deletion_protection": self.deletion_protection,
                "tags": dict(self.tags),
                "schema": {"fields": {self.vector_field: vector}},
                "deployment": {
                    "deployment_type": "managed",
                    "cloud": self.cloud,
                    "region": self.region,
                },
                "read_capacity": describe_read_capacity(self.read_capacity),
            }
        )
        if self.pod is not None:
            body["spec"], body["deployment"] = describe_pod(self.pod)
        if self.embed is not None:
            from reference_server.inference.integrated import semantic_field

            body["embed"] = dict(self.embed)
            name, semantic = semantic_field(self.embed)
            body["schema"]["fields"][name] = semantic
        return body

    def status(self) -> dict[str, Any]:
        """`Ready`, or `Initializing` while a restore into it runs."""
        if time.monotonic() < self.ready_at:
            return {"ready": False, "state": "Initializing"}
        return {"ready": True, "state": "Ready"}


def check_definition(
    name: str, dimension: int | None, metric: str | None, vector_type: str
) -> tuple[int | None, str]:
    """Apply the control-plane rules (digest §10.3); return `(dimension, metric)` with defaults.

    Raises `ApiError` 400 for a rule violation.
    """
    if not NAME_RE.match(name):
        raise bad_request(NAME_RULE)
    if vector_type not in VECTOR_TYPES:
        raise bad_request(f"Invalid vector_type '{vector_type}': must be dense or sparse")
    if metric is not None and metric not in METRICS:
        raise bad_request("Metric must be cosine, euclidean, or dotproduct.")
    if vector_type == "sparse":
        if metric is not None and metric != "dotproduct":
            raise bad_request(SPARSE_METRIC)
        if dimension is not None:
            raise bad_request("Dimension must not be specified for sparse vector indexes")
        return None, "dotproduct"
    if dimension is None:
        raise bad_request("Dimension must be specified for dense vector indexes")
    if not 1 <= dimension <= MAX_DIMENSION:
        raise bad_request(f"Dimension must be between 1 and {MAX_DIMENSION}, got {dimension}")
    return dimension, metric or "cosine"


_EXPECTED = {str: "a string", int: "an integer", dict: "an object"}


def _get(body: dict[str, Any], key: str, kind: type, where: str = "") -> Any:
    """`body[key]` if present and not null, else None; 422 when it has the wrong JSON type."""
    value = body.get(key)
    if value is None:
        return None
    bad_bool = isinstance(value, bool) and kind is int
    if bad_bool or not isinstance(value, kind):
        expected = _EXPECTED[kind]
        raise unprocessable(f"{where}{key}: invalid type {_json_type(value)}, expected {expected}")
    return value


# Checked in this order: a bool is also an int in Python, but a boolean in JSON.
_JSON_TYPES = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "floating point"),
    (str, "string"),
    (list, "sequence"),
    (dict, "map"),
)


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value, for 422 messages."""
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), "null")


def _protection(body: dict[str, Any]) -> str | None:
    value = _get(body, "deletion_protection", str)
    if value is not None and value not in ("enabled", "disabled"):
        raise bad_request("deletion_protection must be enabled or disabled")
    return value


# IndexTags (every API version's spec): keys of at most 80 characters, alphanumeric, `_` or `-`;
# values of at most 120 characters, alphanumeric, `;`, `@`, `_`, `-`, `.`, `+` or space.
_TAG_KEY = re.compile(r"[A-Za-z0-9_-]{1,80}")
_TAG_VALUE = re.compile(r"[A-Za-z0-9;@_\-.+ ]{0,120}")


def _tags(body: dict[str, Any]) -> dict[str, str] | None:
    tags = _get(body, "tags", dict)
    if tags is None:
        return None
    for key, value in tags.items():
        if not isinstance(value, str):
            raise unprocessable(f"tags.{key}: invalid type {_json_type(value)}, expected a string")
        if not _TAG_KEY.fullmatch(key):
            raise bad_request(
                f"Invalid tag key {key[:100]!r}: keys are 1 to 80 characters, alphanumeric, "
                "'_' or '-'"
            )
        if not _TAG_VALUE.fullmatch(value):
            raise bad_request(
                f"Invalid value for tag {key!r}: values are at most 120 characters, alphanumeric, "
                "';', '@', '_', '-', '.', '+' or ' '"
            )
    return tags


def parse_create(body: Any) -> IndexModel:
    """Build an `IndexModel` from a create body, classic (`dimension`/`metric`/`spec`) or
    2026-07 (`schema`/`deployment`, digest §10.4). Raises `ApiError` 422 or 400."""
    if not isinstance(body, dict):
        raise unprocessable(f"invalid type: {_json_type(body)}, expected struct CreateIndexRequest")
    name = _get(body, "name", str)
    if name is None:
        raise unprocessable("missing field `name`")
    if isinstance(body.get("schema"), dict):
        model = _parse_schema_create(name, body)
    else:
        model = _parse_classic_create(name, body)
    model.deletion_protection = _protection(body) or "disabled"
    tags = _tags(body) or {}
    model.tags = {k: v for k, v in tags.items() if v != ""}
    return model


def _parse_classic_create(name: str, body: dict[str, Any]) -> IndexModel:
    spec = _get(body, "spec", dict)
    if spec is None:
        raise unprocessable("missing field `spec`")
    dimension = _get(body, "dimension", int)
    metric = _get(body, "metric", str)
    vector_type = _get(body, "vector_type", str) or "dense"
    cloud, region = DEFAULT_CLOUD, DEFAULT_REGION
    read_capacity = None
    pod = None
    serverless = _get(spec, "serverless", dict, "spec.")
    if serverless is not None:
        cloud = _get(serverless, "cloud", str, "spec.serverless.") or DEFAULT_CLOUD
        region = _get(serverless, "region", str, "spec.serverless.") or DEFAULT_REGION
        read_capacity = _read_capacity(serverless, "spec.serverless.")
    elif spec.get("pod") is not None and vector_type == "sparse":
        raise bad_request("Sparse vector type is not supported for pod indexes")
    elif spec.get("pod") is not None:
        pod = parse_pod(spec["pod"], "spec.pod", unprocessable)
    elif spec.get("pod") is None and spec.get("byoc") is None:
        raise unprocessable("spec: expected one of `serverless`, `pod`, `byoc`")
    dimension, metric = check_definition(name, dimension, metric, vector_type)
    model = IndexModel(name, dimension, metric, vector_type, cloud=cloud, region=region, pod=pod)
    model.read_capacity = read_capacity or model.read_capacity
    return model


def _parse_schema_create(name: str, body: dict[str, Any]) -> IndexModel:
    fields = _get(body["schema"], "fields", dict, "schema.")
    if fields is None:
        raise unprocessable("schema: missing field `fields`")
    vectors = [
        (key, value)
        for key, value in fields.items()
        if isinstance(value, dict) and value.get("type") in ("dense_vector", "sparse_vector")
    ]
    if len(vectors) != 1:
        raise bad_request("The schema must define exactly one dense_vector or sparse_vector field")
    field_name, definition = vectors[0]
    where = f"schema.fields.{field_name}."
    vector_type = "dense" if definition["type"] == "dense_vector" else "sparse"
    dimension = _get(definition, "dimension", int, where)
    metric = _get(definition, "metric", str, where)
    dimension, metric = check_definition(name, dimension, metric, vector_type)
    cloud, region = DEFAULT_CLOUD, DEFAULT_REGION
    deployment = _get(body, "deployment", dict)
    if deployment is not None and deployment.get("deployment_type", "managed") == "managed":
        cloud = _get(deployment, "cloud", str, "deployment.") or DEFAULT_CLOUD
        region = _get(deployment, "region", str, "deployment.") or DEFAULT_REGION
    model = IndexModel(
        name, dimension, metric, vector_type, cloud=cloud, region=region, vector_field=field_name
    )
    if deployment is not None and deployment.get("deployment_type") == "pod":
        model.pod = parse_pod(deployment, "deployment", unprocessable)
    model.read_capacity = _read_capacity(body, "") or model.read_capacity
    return model


def _read_capacity(container: dict[str, Any], where: str) -> dict[str, Any] | None:
    """The `read_capacity` asked for in `container`, or None when absent."""
    value = container.get("read_capacity")
    if value is None:
        return None
    return parse_read_capacity(value, f"{where}read_capacity", unprocessable)


def apply_configure(model: IndexModel, body: Any) -> None:
    """Apply a PATCH body: `deletion_protection`, `tags` merged with `""` removing a tag, and
    `read_capacity` (`spec.serverless.read_capacity`, or top-level from 2026-07) replaced.

    Other configurable fields (pod size, embed) have no effect here. Validates the whole body
    before changing anything.
    """
    if not isinstance(body, dict):
        kind = _json_type(body)
        raise unprocessable(f"invalid type: {kind}, expected struct ConfigureIndexRequest")
    protection = _protection(body)
    tags = _tags(body)
    read_capacity = _read_capacity(body, "")
    spec = _get(body, "spec", dict)
    serverless = _get(spec, "serverless", dict, "spec.") if spec is not None else None
    if serverless is not None:
        read_capacity = _read_capacity(serverless, "spec.serverless.") or read_capacity
    if protection is not None:
        model.deletion_protection = protection
    if read_capacity is not None:
        model.read_capacity = read_capacity
    for key, value in (tags or {}).items():
        if value == "":
            model.tags.pop(key, None)
        else:
            model.tags[key] = value
