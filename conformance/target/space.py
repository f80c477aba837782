"""One `Space` per test: an index, a fresh namespace of its own and a client.

A Space injects its namespace into every call, waits for eventual consistency when asked to, and
cleans up after itself: `cleanup()` deletes each namespace it owns (`deleteAll`); in the default
namespace it deletes exactly the ids it upserted. The suite never writes anywhere else. What it
could not delete is kept in `leftovers`, each with the command that removes it by hand.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

from conformance.target import waiting
from conformance.target.client import DataPlaneClient, WireResponse
from conformance.target.indexes import IndexInfo
from conformance.target.leftovers import Deleter, curl
from conformance.target.vectors import VectorFactory, batches

T = TypeVar("T")
FETCH_CHUNK = 1000


class Space:
    """One index, one namespace (`ns`, `""` for the default one) and one client, for one test."""

    def __init__(
        self,
        index: IndexInfo,
        client: DataPlaneClient,
        ns: str,
        *,
        api_version: str,
        consistency_timeout: float = 0.0,
        new_namespace: Callable[[], str] | None = None,
        seed: int = 0,
    ) -> None:
        self.index = index
        self.client = client
        self.ns = ns
        self.api_version = api_version
        self.consistency_timeout = consistency_timeout
        self.vectors = VectorFactory(index.dimension, index.metric, index.vector_type, seed)
        self._new_namespace = new_namespace
        self._owned: list[str] = [ns] if ns else []
        self._explicit: set[str] = set()
        self._tracked: set[str] = set()
        self._barriers = itertools.count(1)
        self.leftovers: list[dict[str, Any]] = []
        self._cleaned = False

    def __repr__(self) -> str:
        return f"<Space {self.index.name} ns={self.ns!r}>"

    # -- namespace injection ------------------------------------------------------------------
    def _ns(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.ns and "namespace" not in body:
            return {**body, "namespace": self.ns}
        return body

    def upsert(self, vectors: Sequence[dict[str, Any]], **extra: Any) -> WireResponse:
        """POST /vectors/upsert `{"vectors": vectors, "namespace": ns, **extra}`."""
        body = self._ns({"vectors": vectors, **extra})
        return self.client.request("POST", "/vectors/upsert", json=body)

    def query(self, **body: Any) -> WireResponse:
        return self.client.query(**self._ns(body))

    def fetch(self, ids: Sequence[str], **params: Any) -> WireResponse:
        """GET /vectors/fetch?ids=..&ids=..&namespace=ns (`namespace=` overrides)."""
        namespace = params.pop("namespace", self.ns or None)
        query: list[tuple[str, Any]] = [("ids", i) for i in ids]
        if namespace is not None:
            query.append(("namespace", namespace))
        query += list(params.items())
        return self.client.request("GET", "/vectors/fetch", params=query)

    def fetch_by_metadata(self, **body: Any) -> WireResponse:
        return self.client.fetch_by_metadata(**self._ns(body))

    def update(self, **body: Any) -> WireResponse:
        return self.client.update(**self._ns(body))

    def delete(self, **body: Any) -> WireResponse:
        return self.client.delete(**self._ns(body))

    def list_ids(self, **params: Any) -> WireResponse:
        return self.client.list_ids(**self._ns(params))

    def stats(self, body: dict[str, Any] | None = None) -> WireResponse:
        """POST /describe_index_stats (index-wide; not limited to this namespace)."""
        return self.client.describe_index_stats(body)

    # -- more namespaces ------------------------------------------------------------------------
    def new_namespace(self) -> str:
        """Another fresh namespace name owned (and cleaned up) by this Space."""
        if self._new_namespace is None:
            raise RuntimeError("this Space cannot allocate namespaces")
        name = self._new_namespace()
        self._owned.append(name)
        return name

    def create_namespace(self, name: str | None = None, **extra: Any) -> WireResponse:
        """POST /namespaces for `name` (default: this Space's namespace); it is cleaned up too."""
        name = self.ns if name is None else name
        self._explicit.add(name)
        return self.client.create_namespace(name, **extra)

    def track_ids(self, ids: Iterable[str]) -> None:
        """Have cleanup delete these default-namespace ids too (upserts through this Space's
        client are found in its transcript already; this is for writes made some other way)."""
        self._tracked.update(ids)

    def written_default_ids(self) -> set[str]:
        """Ids this Space's client upserted to the default namespace (`""`, `__default__`, none)."""
        ids = set(self._tracked)
        for exchange in self.client.transcript:
            body = exchange.sent
            if exchange.method != "POST" or not exchange.url.split("?")[0].endswith(
                "/vectors/upsert"
            ):
                continue
            if not isinstance(body, dict) or body.get("namespace", "") not in ("", "__default__"):
                continue
            for vector in body.get("vectors") or []:
                if isinstance(vector, dict) and isinstance(vector.get("id"), str):
                    ids.add(vector["id"])
        return ids

    # -- consistency ---------------------------------------------------------------------------
    def eventually(self, probe: Callable[[], T], check: Callable[[T], object], what: str) -> T:
        """Poll `probe` until `check` holds, up to --consistency-timeout (once when it is 0)."""
        return waiting.eventually(probe, check, what, self.consistency_timeout)

    def _visible(self, ids: Iterable[str], namespace: str | None = None) -> None:
        wanted = list(dict.fromkeys(ids))
        for start in range(0, len(wanted), FETCH_CHUNK):
            chunk = wanted[start : start + FETCH_CHUNK]
            params = {} if namespace is None else {"namespace": namespace}

            def probe(chunk=chunk, params=params) -> WireResponse:
                return self.fetch(chunk, **params)

            def check(response: WireResponse, chunk=chunk) -> bool:
                found = (response.json or {}).get("vectors") or {}
                return response.status == 200 and all(i in found for i in chunk)

            self.eventually(probe, check, f"ids {_short(chunk)} fetchable")

    def upsert_visible(self, vectors: Sequence[dict[str, Any]], **extra: Any) -> WireResponse:
        """Upsert (asserting 200) in batches under the documented request limits, and wait until
        every upserted id is fetchable; the last batch's response."""
        response: WireResponse | None = None
        for batch in batches(vectors):
            response = self.upsert(batch, **extra)
            if response.status != 200:
                raise AssertionError(f"upsert of {len(batch)} records failed: {response!r}")
        if response is None:
            raise ValueError("upsert_visible needs at least one record")
        self._visible([v["id"] for v in vectors], extra.get("namespace"))
        return response

    def barrier(self) -> str:
        """Write a marker record `__barrier__-N` and wait until fetch sees it; returns its id.

        Any write made before the barrier is then as visible as a later write, so a negative check
        ("X did not happen") is meaningful. The marker adds one record to the namespace.
        """
        n = next(self._barriers)
        record = self.vectors.record(100_000 + n)
        record["id"] = f"__barrier__-{n}"
        self.upsert_visible([record])
        return record["id"]

    # -- teardown -------------------------------------------------------------------------------
    def cleanup(self, deleter: Deleter | None = None) -> None:
        """Delete what this Space wrote, going on past a failure to the other namespaces, each
        deletion retried when the failure looks transient; raise AssertionError naming every
        namespace left behind (also kept in `leftovers`). A second call does nothing."""
        if self._cleaned:
            return
        self._cleaned = True
        deleter = deleter or Deleter()
        client, host, version = self.client, self.client.base_url, self.client.api_version
        for name in dict.fromkeys(self._owned):
            body: dict[str, Any] = {"deleteAll": True, "namespace": name}
            deleter.delete(
                functools.partial(client.delete, **body),
                kind="namespace",
                name=name,
                host=host,
                command=curl("POST", f"{host}/vectors/delete", version, body),
            )
            if name in self._explicit:
                path = f"/namespaces/{quote(name, safe='')}"
                deleter.delete(
                    functools.partial(client.delete_namespace, name),
                    kind="namespace",
                    name=name,
                    host=host,
                    command=curl("DELETE", f"{host}{path}", version),
                )
        if not self.ns:
            ids = sorted(self.written_default_ids())
            for start in range(0, len(ids), FETCH_CHUNK):
                chunk = ids[start : start + FETCH_CHUNK]
                body = {"ids": chunk}
                deleter.delete(
                    functools.partial(client.delete, ids=chunk),
                    kind="ids",
                    name=f"{len(chunk)} ids in the default namespace",
                    host=host,
                    command=curl("POST", f"{host}/vectors/delete", version, body),
                    ok=(200, 202),
                )
        self.leftovers = list(deleter.leftovers)
        if self.leftovers:
            raise AssertionError(
                "cleanup failed, left on the target: "
                + "; ".join(f"{x['kind']} {x['name']!r} ({x['problem']})" for x in self.leftovers)
            )


def _short(ids: Sequence[str]) -> str:
    return repr(list(ids)) if len(ids) <= 5 else f"{list(ids[:5])!r} and {len(ids) - 5} more"
