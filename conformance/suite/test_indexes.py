"""The control plane's /indexes (digest §10, §14.134–§14.149).

Tests that create an index need --allow-create-index; each creates its own temporary index under the
namespace prefix and always deletes it, also when the test fails.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from conformance.outcomes import SetupFailed
from conformance.suite._control_plane_helpers import assert_cp_status, drop_index, index_name
from conformance.suite._helpers import at_least, ok
from conformance.target import waiting
from conformance.target.client import ControlPlaneClient, DataPlaneClient, WireResponse
from conformance.target.indexes import index_url

DIMENSION = 4
READY_TIMEOUT = 120.0  # index creation on a hosted service takes seconds to minutes
SPEC = {"serverless": {"cloud": "aws", "region": "us-east-1"}}


def _creating(target: Any) -> None:
    if not target.allow_create_index:
        pytest.skip("not applicable: creating indexes needs --allow-create-index")


def create_body(target: Any, name: str, **fields: Any) -> dict[str, Any]:
    """A create body in the shape of the target's API version (2026-07: schema + deployment)."""
    dimension = fields.pop("dimension", DIMENSION)
    metric = fields.pop("metric", "cosine")
    vector_type = fields.pop("vector_type", "dense")
    if at_least(target.api_version, "2026-07"):
        sparse = vector_type == "sparse"
        field = "_sparse_values" if sparse else "_values"
        vector: dict[str, Any] = {"type": "sparse_vector" if sparse else "dense_vector"}
        if dimension is not None:
            vector["dimension"] = dimension
        if metric is not None:
            vector["metric"] = metric
        deployment = {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"}
        return {"name": name, "schema": {"fields": {field: vector}}, "deployment": deployment,
                **fields}  # fmt: skip
    body: dict[str, Any] = {"name": name, "spec": SPEC, **fields}
    if dimension is not None:
        body["dimension"] = dimension
    if metric is not None:
        body["metric"] = metric
    if vector_type != "dense":
        body["vector_type"] = vector_type
    return body


@contextlib.contextmanager
def temp_index(
    cp: ControlPlaneClient, target: Any, tag: str = "", **fields: Any
) -> Iterator[tuple[str, WireResponse]]:
    """Create a temporary index (asserting 201); yield (name, response); always delete it."""
    _creating(target)
    name = index_name(target.namespace_prefix, tag)
    try:
        resp = cp.create_index(**create_body(target, name, **fields))
        assert resp.status == 201, f"create index: expected 201, got {resp!r}"
        yield name, resp
    finally:
        drop_index(cp, name)


@contextlib.contextmanager
def rejected_create(
    cp: ControlPlaneClient, target: Any, body: dict[str, Any]
) -> Iterator[WireResponse]:
    """Send a create that must fail; yield the response; delete the index if it was created."""
    _creating(target)
    try:
        yield cp.create_index(**body)
    finally:
        if body.get("name"):
            drop_index(cp, body["name"])


def ready(cp: ControlPlaneClient, name: str) -> dict[str, Any]:
    """Describe `name` until its status is ready; return the description."""
    resp = waiting.eventually(
        lambda: cp.describe_index(name),
        lambda r: r.status == 200 and (r.json.get("status") or {}).get("ready") is True,
        f"index {name} ready",
        READY_TIMEOUT,
    )
    return resp.json


# ---- list, create, describe ---------------------------------------------------------------------


@pytest.mark.behavior("INDEXES-LIST")
def test_list_indexes(control_plane, target):
    """GET /indexes lists every index, a freshly created one included."""
    with temp_index(control_plane, target) as (name, _):
        body = ok(control_plane.list_indexes())
        indexes = body.get("indexes")
        assert isinstance(indexes, list), body
        assert all(isinstance(i, dict) and isinstance(i.get("name"), str) for i in indexes), body
        assert name in [i["name"] for i in indexes], body


@pytest.mark.behavior("INDEXES-CREATE")
@pytest.mark.parametrize("metric", ["cosine", "euclidean", "dotproduct"])
def test_create_returns_index_model(control_plane, target, metric):
    """A valid create returns 201 with the IndexModel fields."""
    with temp_index(control_plane, target, metric=metric) as (name, resp):
        model = resp.json
        assert isinstance(model, dict), resp
        assert model.get("name") == name, model
        assert model.get("dimension") == DIMENSION, model
        assert model.get("metric") == metric, model
        assert isinstance(model.get("host"), str) and model["host"], model
        assert isinstance(model.get("spec"), dict), model
        assert isinstance(model.get("status"), dict), model
        assert model.get("vector_type") == "dense", model


@pytest.mark.behavior("INDEXES-CREATE-DIMENSION")
@pytest.mark.parametrize("dimension", [None, 0, -1, 20001], ids=["missing", "0", "-1", "20001"])
def test_create_bad_dimension_rejected(control_plane, target, dimension):
    """A dense index needs a dimension within 1…20000."""
    name = index_name(target.namespace_prefix, "dim")
    body = create_body(target, name, dimension=dimension)
    with rejected_create(control_plane, target, body) as resp:
        expected = (400, 422) if dimension is None else (400,)
        assert_cp_status(resp, expected)


@pytest.mark.behavior("INDEXES-CREATE-DIMENSION")
def test_create_max_dimension_accepted(control_plane, target):
    """Dimension 20000 is accepted."""
    with temp_index(control_plane, target, dimension=20000) as (name, _):
        assert ok(control_plane.describe_index(name)).get("name") == name


@pytest.mark.behavior("INDEXES-CREATE-NAME-RULES")
@pytest.mark.parametrize(
    "shape",
    ["upper", "leading-hyphen", "trailing-hyphen", "underscore", "dot", "too-long", "empty"],
)
def test_create_bad_name_rejected(control_plane, target, shape):
    """Names that are not 1…45 lowercase alphanumerics or inner hyphens are rejected with 400."""
    base = index_name(target.namespace_prefix, "nm")
    name = {
        "upper": base.upper(),
        "leading-hyphen": "-" + base[1:],
        "trailing-hyphen": base[:-1] + "-",
        "underscore": base.replace("-", "_"),
        "dot": base[:-1] + ".",
        "too-long": (base + "x" * 46)[:46],
        "empty": "",
    }[shape]
    with rejected_create(control_plane, target, create_body(target, name)) as resp:
        assert_cp_status(resp, 400)


@pytest.mark.behavior("INDEXES-CREATE-NAME-RULES")
def test_create_45_character_name_accepted(control_plane, target):
    """A 45-character name is accepted."""
    _creating(target)
    name = (index_name(target.namespace_prefix, "long") + "a" * 45)[:45]
    try:
        resp = control_plane.create_index(**create_body(target, name))
        assert resp.status == 201, resp
        assert resp.json.get("name") == name, resp
    finally:
        drop_index(control_plane, name)


@pytest.mark.behavior("INDEXES-CREATE-DUPLICATE-409")
def test_create_duplicate_409(control_plane, target):
    """Creating an index whose name exists returns 409 ALREADY_EXISTS."""
    with temp_index(control_plane, target) as (name, _):
        resp = control_plane.create_index(**create_body(target, name))
        assert_cp_status(resp, 409, "ALREADY_EXISTS")


@pytest.mark.behavior("INDEXES-CREATE-INVALID-METRIC")
@pytest.mark.parametrize("metric", ["manhattan", "Cosine", ""])
def test_create_invalid_metric_rejected(control_plane, target, metric):
    """A metric outside cosine, euclidean and dotproduct is rejected with 400."""
    name = index_name(target.namespace_prefix, "met")
    with rejected_create(control_plane, target, create_body(target, name, metric=metric)) as resp:
        assert_cp_status(resp, 400)


@pytest.mark.behavior("INDEXES-SPARSE-METRIC-DOTPRODUCT")
@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_sparse_needs_dotproduct(control_plane, target, metric):
    """A sparse index with another metric than dotproduct is rejected with 400."""
    name = index_name(target.namespace_prefix, "sp")
    body = create_body(target, name, vector_type="sparse", dimension=None, metric=metric)
    with rejected_create(control_plane, target, body) as resp:
        assert_cp_status(resp, 400)


@pytest.mark.behavior("INDEXES-SPARSE-DIMENSION-REJECTED")
def test_sparse_with_dimension_rejected(control_plane, target):
    """A sparse index given a dimension is rejected with 4xx."""
    name = index_name(target.namespace_prefix, "spd")
    body = create_body(target, name, vector_type="sparse", dimension=8, metric="dotproduct")
    with rejected_create(control_plane, target, body) as resp:
        assert 400 <= resp.status < 500 and resp.status != 429, resp


@pytest.mark.behavior("INDEXES-METRIC-DEFAULT-COSINE")
def test_metric_defaults_to_cosine(control_plane, target):
    """A dense index created without metric is a cosine index."""
    with temp_index(control_plane, target, metric=None) as (name, _):
        assert ok(control_plane.describe_index(name)).get("metric") == "cosine"


@pytest.mark.behavior("INDEXES-DELETION-PROTECTION-DEFAULT")
def test_deletion_protection_defaults_to_disabled(control_plane, target):
    """deletion_protection is disabled unless asked for."""
    with temp_index(control_plane, target) as (name, resp):
        assert resp.json.get("deletion_protection") == "disabled", resp
        assert ok(control_plane.describe_index(name)).get("deletion_protection") == "disabled"


@pytest.mark.behavior("INDEXES-DESCRIBE-UNKNOWN-404")
def test_describe_unknown_index_404(control_plane, target):
    """Describing an index that does not exist returns 404 NOT_FOUND."""
    resp = control_plane.describe_index(index_name(target.namespace_prefix, "absent"))
    assert_cp_status(resp, 404, "NOT_FOUND")


@pytest.mark.behavior("INDEXES-READY-HOST")
def test_created_index_ready_and_served(control_plane, target):
    """A created index becomes Ready and its host serves its data plane."""
    with temp_index(control_plane, target) as (name, _):
        model = ready(control_plane, name)
        assert model["status"].get("state") == "Ready", model
        host = model.get("host")
        assert isinstance(host, str) and host, model
        url = index_url(host, control_plane.base_url)
        with DataPlaneClient(url, target.api_key, target.api_version) as data:
            stats = ok(data.describe_index_stats())
        # the index served is this one (whether stats carry `dimension` at all is STATS-SHAPE's)
        assert stats.get("dimension", DIMENSION) == DIMENSION, stats
        assert stats.get("totalVectorCount") == 0, stats


# ---- delete and configure -----------------------------------------------------------------------


@pytest.mark.behavior("INDEXES-DELETE")
def test_delete_index(control_plane, target):
    """Deleting returns 202 and the index then describes as 404.

    The index is created unprotected (the default is INDEXES-DELETION-PROTECTION-DEFAULT's), and
    an index that never existed must describe as 404 first (INDEXES-DESCRIBE-UNKNOWN-404's), so
    the 404 afterwards tells that this deletion took effect.
    """
    with temp_index(control_plane, target, deletion_protection="disabled") as (name, _):
        absent = control_plane.describe_index(index_name(target.namespace_prefix, "absent"))
        if absent.status != 404:
            raise SetupFailed(f"an index that never existed must describe as 404: {absent!r}")
        resp = control_plane.delete_index(name)
        assert resp.status == 202, resp
        waiting.eventually(
            lambda: control_plane.describe_index(name),
            lambda r: r.status == 404,
            f"index {name} gone",
            READY_TIMEOUT,
        )


@pytest.mark.behavior("INDEXES-DELETE-UNKNOWN-404")
def test_delete_unknown_index_404(control_plane, target):
    """Deleting an index that does not exist returns 404."""
    resp = control_plane.delete_index(index_name(target.namespace_prefix, "absent"))
    assert_cp_status(resp, 404)


@pytest.mark.behavior("INDEXES-DELETION-PROTECTION")
def test_deletion_protection_blocks_delete(control_plane, target):
    """A protected index is not deleted: 403 FORBIDDEN, and it still exists."""
    with temp_index(control_plane, target, deletion_protection="enabled") as (name, _):
        assert_cp_status(control_plane.delete_index(name), 403, "FORBIDDEN")
        assert ok(control_plane.describe_index(name)).get("name") == name


@pytest.mark.behavior("INDEXES-CONFIGURE")
def test_configure_protection_and_tags(control_plane, target):
    """PATCH changes deletion_protection and tags, answering 202 (200 from 2026-07); a tag set
    to "" is removed."""
    tags = {"env": "dev", "team": "search"}
    configured = 200 if at_least(target.api_version, "2026-07") else 202
    with temp_index(control_plane, target, tags=tags) as (name, _):
        resp = control_plane.configure_index(
            name, deletion_protection="enabled", tags={"env": "prod", "team": ""}
        )
        assert resp.status == configured, resp
        for model in (resp.json, ok(control_plane.describe_index(name))):
            assert model.get("deletion_protection") == "enabled", model
            assert model.get("tags") == {"env": "prod"}, model


@pytest.mark.behavior("INDEXES-CONFIGURE-UNKNOWN-404")
def test_configure_unknown_index_404(control_plane, target):
    """Configuring an index that does not exist returns 404."""
    name = index_name(target.namespace_prefix, "absent")
    resp = control_plane.configure_index(name, deletion_protection="disabled")
    assert_cp_status(resp, 404)


@pytest.mark.behavior("INDEXES-2026-07-SHAPE")
def test_index_model_2026_07(control_plane, target):
    """The 2026-07 IndexModel has schema.fields with the vector field and a deployment."""
    with temp_index(control_plane, target, metric="euclidean") as (name, _):
        model = ok(control_plane.describe_index(name))
        fields = (model.get("schema") or {}).get("fields")
        assert isinstance(fields, dict), model
        vectors = [f for f in fields.values() if f.get("type") == "dense_vector"]
        assert len(vectors) == 1, model
        assert vectors[0].get("dimension") == DIMENSION, model
        assert vectors[0].get("metric") == "euclidean", model
        assert isinstance(model.get("deployment"), dict), model
        assert model["deployment"].get("deployment_type") == "managed", model


@pytest.mark.behavior("INDEXES-HOST-HTTP-SCHEME")
def test_plain_http_hosts_have_scheme(control_plane):
    """Over plain HTTP every index host carries an explicit http:// scheme."""
    if not control_plane.base_url.startswith("http://"):
        pytest.skip("not applicable: the control plane is not served over plain HTTP")
    indexes = ok(control_plane.list_indexes()).get("indexes")
    assert indexes, "expected at least one index to inspect"
    for model in indexes:
        assert str(model.get("host", "")).startswith("http://"), model
