"""The API-key middleware on both planes."""

from __future__ import annotations

import pytest
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from reference_server.auth import ApiKeyMiddleware
from tests.reference_server.asgi_client import AsgiClient

KEY = "s3cret-key"


async def ok_app(scope: Scope, receive: Receive, send: Send) -> None:
    await PlainTextResponse("ok")(scope, receive, send)


def client(api_key: str | None, plane: str) -> AsgiClient:
    return AsgiClient(ApiKeyMiddleware(ok_app, api_key, plane))  # type: ignore[arg-type]


@pytest.mark.parametrize("plane", ["control", "data"])
@pytest.mark.parametrize("header", ["Api-Key", "api-key", "API-KEY"])
def test_right_key_passes_whatever_the_header_case(plane: str, header: str) -> None:
    response = client(KEY, plane).get("/anything", headers={header: KEY})
    assert (response.status_code, response.text) == (200, "ok")


@pytest.mark.parametrize("headers", [{}, {"Api-Key": "wrong"}, {"Api-Key": ""}, {"X-Api-Key": KEY}])
def test_control_plane_401_is_json_error_response(headers: dict[str, str]) -> None:
    response = client(KEY, "control").post("/indexes", headers=headers, json={})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": {"code": "UNAUTHENTICATED", "message": "Invalid API key."},
        "status": 401,
    }


@pytest.mark.parametrize("headers", [{}, {"Api-Key": "wrong"}, {"Api-Key": KEY + "x"}])
def test_data_plane_401_is_plain_text(headers: dict[str, str]) -> None:
    response = client(KEY, "data").post("/query", headers=headers, json={})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "Unauthorized"


@pytest.mark.parametrize("plane", ["control", "data"])
def test_key_is_never_echoed(plane: str) -> None:
    response = client(KEY, plane).get("/", headers={"Api-Key": "guess"})
    assert KEY not in response.text
    assert "guess" not in response.text
    assert all(KEY not in value for value in response.headers.values())


@pytest.mark.parametrize("plane", ["control", "data"])
@pytest.mark.parametrize("headers", [{}, {"Api-Key": "anything"}])
def test_without_configured_key_everything_passes(plane: str, headers: dict[str, str]) -> None:
    assert client(None, plane).get("/", headers=headers).status_code == 200


def test_two_key_headers_are_rejected() -> None:
    response = client(KEY, "data").get("/", headers=[("Api-Key", KEY), ("Api-Key", "other")])
    assert response.status_code == 401
