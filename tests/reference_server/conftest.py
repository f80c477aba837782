"""Fixtures for the data-plane tests: an in-process client over a fresh index's app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reference_server.dataplane import create_data_app
from reference_server.store import IndexStore
from tests.reference_server.asgi_client import AsgiClient


class DataClient(AsgiClient):
    """A synchronous in-process client of one index's data-plane app."""

    def __init__(self, store: IndexStore, version: str | None = None) -> None:
        super().__init__(create_data_app(store), base_url="http://index")
        self.store = store
        self.version = version

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """The request, with the API version header when the client has one."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.version is not None:
            headers.setdefault("X-Pinecone-Api-Version", self.version)
        return super().request(method, url, headers=headers, **kwargs)

    @staticmethod
    def assert_error(response: httpx.Response, status: int, message: str | None = None) -> None:
        """The rpcStatus error shape with the right status (and message, when given)."""
        assert response.status_code == status, response.text
        body = response.json()
        assert set(body) == {"code", "message", "details"}
        assert body["details"] == []
        assert body["code"] == {400: 3, 404: 5, 409: 6, 413: 8}[status]
        if message is not None:
            assert body["message"] == message

    def upsert(self, vectors: list[dict[str, Any]], namespace: str = "ns") -> httpx.Response:
        response = self.post("/vectors/upsert", json={"vectors": vectors, "namespace": namespace})
        assert response.status_code == 200, response.text
        return response

    def query(self, **body: Any) -> dict[str, Any]:
        body.setdefault("namespace", "ns")
        response = self.post("/query", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def fetch(self, ids: list[str], namespace: str = "ns") -> dict[str, Any]:
        response = self.get("/vectors/fetch", params={"ids": ids, "namespace": namespace})
        assert response.status_code == 200, response.text
        return response.json()["vectors"]


MakeClient = Callable[..., DataClient]


@pytest.fixture
def make_client() -> MakeClient:
    """A factory of clients, each over a fresh index (dense cosine, dimension 4, by default)."""

    def make(
        dimension: int | None = 4,
        metric: str = "cosine",
        vector_type: str = "dense",
        delay: float = 0.0,
        version: str | None = None,
    ) -> DataClient:
        store = IndexStore(
            name="idx",
            dimension=dimension,
            metric=metric,
            vector_type=vector_type,
            visibility_delay=delay,
        )
        return DataClient(store, version)

    return make


@pytest.fixture
def dense(make_client: MakeClient) -> DataClient:
    return make_client()


@pytest.fixture
def sparse(make_client: MakeClient) -> DataClient:
    return make_client(dimension=None, metric="dotproduct", vector_type="sparse")
