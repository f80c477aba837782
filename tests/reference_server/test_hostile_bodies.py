"""Bodies a hostile or careless client sends: each gets its 4xx, never a 500 and never an
unbounded read (metadata nested past orjson's depth limit, oversized control-plane bodies, tags
outside the documented rules)."""

from __future__ import annotations

from typing import Any

import pytest

from reference_server.controlplane import create_control_app
from tests.reference_server.asgi_client import AsgiClient
from tests.reference_server.conftest import DataClient
from tests.reference_server.test_controlplane import FakeManager, assert_error, create

SERVERLESS = {"serverless": {"cloud": "aws", "region": "us-east-1"}}


@pytest.fixture
def control() -> AsgiClient:
    return AsgiClient(create_control_app(FakeManager()))


def _nested(depth: int) -> str:
    text = '{"a":1}'
    for _ in range(depth):
        text = '{"k":' + text + "}"
    return text


@pytest.mark.parametrize("depth", [10, 254, 255, 300, 900])
def test_deeply_nested_metadata_is_a_400(dense: DataClient, depth: int) -> None:
    body = '{"vectors":[{"id":"x","values":[1,2,3,4],"metadata":' + _nested(depth) + "}]}"
    response = dense.request(
        "POST", "/vectors/upsert", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text[:300]
    assert len(response.text) < 1000


def test_control_plane_body_past_the_limit_is_a_413(control: AsgiClient) -> None:
    tags = {f"k{i}": "v" * 100 for i in range(30_000)}  # about 3.5 MB
    response = create(control, name="big", dimension=4, spec=SERVERLESS, tags=tags)
    assert response.status_code == 413, response.text[:300]


@pytest.mark.parametrize(
    "tags",
    [{"bad key": "v"}, {"k" * 81: "v"}, {"k": "v" * 121}, {"k": "no/slash"}],
    ids=["space-in-key", "long-key", "long-value", "slash-in-value"],
)
def test_tags_outside_the_documented_rules_are_a_400(control: AsgiClient, tags: Any) -> None:
    response = create(control, name="tagged", dimension=4, spec=SERVERLESS, tags=tags)
    assert_error(response, 400, "INVALID_ARGUMENT")


def test_tags_inside_the_rules_are_kept(control: AsgiClient) -> None:
    tags = {"env_1-x": "a;b@c_d-e.f+g h", "k" * 80: "v" * 120, "empty": ""}
    response = create(control, name="tagged", dimension=4, spec=SERVERLESS, tags=tags)
    assert response.status_code == 201, response.text
    assert response.json()["tags"]["env_1-x"] == "a;b@c_d-e.f+g h"
