"""Pod-based indexes and their collections (control plane).

Not applicable unless indexes may be created (--allow-create-index), the control plane serves
collections (`GET /collections` answers 200) and, for tests that need one, the target creates
pod-based indexes (a pod spec answered with a 4xx means it does not). Every index and collection
a test creates is deleted, also when it fails.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conformance.outcomes import SetupFailed
from conformance.suite._backup_helpers import (
    BACKUP_TIMEOUT,
    DIMENSION,
    POD,
    absent_id,
    assert_deleted,
    data_client,
    needs_collections,
    needs_index_creation,
    pod_create_body,
    pod_index,
    seed,
    serverless_index,
)
from conformance.suite._control_plane_helpers import assert_cp_status, drop_index, index_name
from conformance.suite._helpers import setup_ok
from conformance.target import waiting
from conformance.target.client import ControlPlaneClient, WireResponse

RECORDS = {"": [{"id": f"c{i}", "values": [0.1 * (i + 1)] * DIMENSION} for i in range(3)]}


@pytest.fixture
def collections(control_plane: ControlPlaneClient, target: Any) -> ControlPlaneClient:
    """The control plane, once collections are shown to be served and indexes may be created."""
    needs_index_creation(target)
    needs_collections(control_plane)
    return control_plane


@contextlib.contextmanager
def creating_collection(
    cp: ControlPlaneClient, target: Any, source: str
) -> Iterator[tuple[str, WireResponse]]:
    """Send a collection create from `source`; yield (name, response); always deleted."""
    name = index_name(target.namespace_prefix, "coll")
    try:
        yield name, cp.create_collection(name=name, source=source)
    finally:
        with contextlib.suppress(httpx.HTTPError):
            cp.delete_collection(name)


@contextlib.contextmanager
def collection_of(
    cp: ControlPlaneClient, target: Any, records: Any = None
) -> Iterator[tuple[str, str]]:
    """A pod index (holding `records`) and a collection of it: (index name, collection name)."""
    with pod_index(cp, target) as (source, resp):
        setup_ok(resp, f"create pod index {source}", 201)
        if records:
            with data_client(cp, target, source) as data:
                seed(data, target, records)
        else:
            data_client(cp, target, source).close()
        with creating_collection(cp, target, source) as (name, created):
            setup_ok(created, f"create a collection of {source}", 201)
            yield source, name


@pytest.mark.behavior("INDEXES-POD-SPEC")
def test_create_pod_index(collections, target):
    """A pod index is created (201) and describes with the pod settings asked for."""
    with pod_index(collections, target) as (name, resp):
        assert resp.status == 201, resp
        model = setup_ok(collections.describe_index(name), f"describe {name}")
        spec = (model.get("spec") or {}).get("pod")
        deployment = model.get("deployment") or {}
        if deployment.get("deployment_type") == "pod" and spec is None:
            spec = deployment  # 2026-07
        assert isinstance(spec, dict), f"no pod settings described: {model}"
        assert spec.get("environment") == POD["environment"], model
        assert spec.get("pod_type") == POD["pod_type"], model


@pytest.mark.behavior("INDEXES-POD-CREATE-REJECTED")
def test_pod_index_not_created(control_plane, target):
    """From 2026-07 a create with a `pod` deployment is rejected with a 4xx and no index of that
    name appears."""
    needs_index_creation(target)
    name = index_name(target.namespace_prefix, "pod")
    try:
        resp = control_plane.create_index(**pod_create_body(target, name))
        assert 400 <= resp.status < 500, resp
        listed = setup_ok(control_plane.list_indexes(), "list indexes")
        names = [i.get("name") for i in listed.get("indexes") or [] if isinstance(i, dict)]
        assert name not in names, f"a pod-based index was created: {listed}"
    finally:
        drop_index(control_plane, name)


@pytest.mark.behavior("COLLECTIONS-CREATE")
def test_create_collection(collections, target):
    """A collection of a pod index answers 201 with its name, status and environment."""
    with pod_index(collections, target) as (source, created):
        setup_ok(created, f"create pod index {source}", 201)
        data_client(collections, target, source).close()
        with creating_collection(collections, target, source) as (name, resp):
            assert resp.status == 201, resp
            body = resp.json
            assert isinstance(body, dict) and body.get("name") == name, resp
            assert isinstance(body.get("status"), str), body
            assert isinstance(body.get("environment"), str), body


@pytest.mark.behavior("COLLECTIONS-CREATE-CONFLICT-409")
def test_create_collection_twice(collections, target):
    """A second collection under the same name answers 409."""
    with collection_of(collections, target) as (source, name):
        assert_cp_status(collections.create_collection(name=name, source=source), 409)


@pytest.mark.behavior("COLLECTIONS-SERVERLESS-REJECTED")
def test_collection_of_serverless_index_rejected(collections, target):
    """A serverless index has no collections: 4xx, and the collection does not exist."""
    with (
        serverless_index(collections, target, "sl") as (source, _),
        creating_collection(collections, target, source) as (name, resp),
    ):
        assert 400 <= resp.status < 500, resp
        listed = setup_ok(collections.list_collections(), "list collections")
        names = [c.get("name") for c in listed.get("collections") or [] if isinstance(c, dict)]
        assert name not in names, f"a collection of a serverless index: {listed}"


@pytest.mark.behavior("COLLECTIONS-LIST")
def test_list_collections(collections, target):
    """The project's collections include a new one."""
    with collection_of(collections, target) as (_, name):
        resp = collections.list_collections()
        assert resp.status == 200, resp
        listed = resp.json.get("collections")
        assert isinstance(listed, list), resp
        assert name in [c.get("name") for c in listed if isinstance(c, dict)], resp


@pytest.mark.behavior("COLLECTIONS-DESCRIBE")
def test_describe_collection(collections, target):
    """A collection describes with its name, status, environment and the source's dimension."""
    with collection_of(collections, target) as (_, name):
        resp = collections.describe_collection(name)
        assert resp.status == 200, resp
        body = resp.json
        assert body.get("name") == name, body
        assert isinstance(body.get("status"), str), body
        assert isinstance(body.get("environment"), str), body
        assert body.get("dimension", DIMENSION) == DIMENSION, body


@pytest.mark.behavior("COLLECTIONS-VECTOR-COUNT")
def test_collection_vector_count(collections, target):
    """A ready collection counts the records its source held."""
    with collection_of(collections, target, RECORDS) as (_, name):
        ready = waiting.eventually(
            lambda: collections.describe_collection(name),
            lambda r: r.status == 200 and r.json.get("status") == "Ready",
            f"collection {name} Ready",
            BACKUP_TIMEOUT,
        ).json
        assert ready.get("vector_count") == len(RECORDS[""]), ready


@pytest.mark.behavior("COLLECTIONS-DESCRIBE-UNKNOWN-404")
def test_describe_unknown_collection(collections, target):
    """A collection that does not exist describes as 404."""
    resp = collections.describe_collection(index_name(target.namespace_prefix, absent_id()[-6:]))
    assert_cp_status(resp, 404)


@pytest.mark.behavior("COLLECTIONS-DELETE")
def test_delete_collection(collections, target):
    """A deleted collection answers 202 and then describes as 404."""
    absent = index_name(target.namespace_prefix, "absent")
    if collections.describe_collection(absent).status != 404:
        raise SetupFailed("a collection that never existed must describe as 404")
    with collection_of(collections, target) as (_, name):
        assert_deleted(
            lambda: collections.delete_collection(name),
            lambda: collections.describe_collection(name),
            f"collection {name}",
        )


@pytest.mark.behavior("COLLECTIONS-DELETE-UNKNOWN-404")
def test_delete_unknown_collection(collections, target):
    """Deleting a collection that does not exist answers 404."""
    resp = collections.delete_collection(index_name(target.namespace_prefix, "absent"))
    assert_cp_status(resp, 404)
