"""Where tests work: the target's indexes (`IndexInfo`), one session per run (`SuiteSession`) and
one `Space` per test: an index, a fresh namespace of its own and a client.

A Space injects its namespace into every call, waits for eventual consistency when asked to, and
cleans up after itself: `cleanup()` deletes each namespace it owns (`deleteAll`); in the default
namespace it deletes exactly the ids it upserted. The suite never writes anywhere else.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from conformance import waiting
from conformance.client import ControlPlaneClient, DataPlaneClient, WireResponse, make_http
from conformance.config import TargetConfig
from conformance.launcher import IndexSpec, RunningServer, start_server
from conformance.redact import redact
from conformance.vectors import VectorFactory

T = TypeVar("T")
PROBE_TIMEOUT = 5.0
FETCH_CHUNK = 1000
METRICS = ("cosine", "euclidean", "dotproduct")
# Temporary indexes (--allow-create-index): hosted services take seconds to minutes to get ready.
INDEX_READY_TIMEOUT = 300.0
INDEX_DELETE_TIMEOUT = 60.0
TEMPORARY_DIMENSION = 8
INDEX_NAME_MAX = 45
CREATED_BY = {"created-by": "pinecone-conformance"}


class TargetError(Exception):
    """The target cannot be used; `kind` is `unavailable`, `auth` or `usage` (a wrong URL)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class IndexCreationError(RuntimeError):
    """A temporary index could not be created or did not become usable; the run cannot judge the
    behaviors that needed it (a harness problem, not a verdict on the target)."""


@dataclass(frozen=True)
class IndexInfo:
    """An index of the target, as learned from the launcher or from `describe_index_stats`."""

    name: str
    host: str
    dimension: int | None
    metric: str | None
    vector_type: str = "dense"


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
        """Upsert (asserting 200) and wait until every upserted id is fetchable."""
        response = self.upsert(vectors, **extra)
        if response.status != 200:
            raise AssertionError(f"upsert of {len(vectors)} records failed: {response!r}")
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
    def cleanup(self) -> None:
        """Delete what this Space wrote; raise AssertionError describing any failed deletion."""
        problems: list[str] = []
        for name in dict.fromkeys(self._owned):
            response = self.client.delete(deleteAll=True, namespace=name)
            if response.status not in (200, 202, 404):
                problems.append(f"deleteAll in {name!r}: {response!r}")
            if name in self._explicit:
                response = self.client.delete_namespace(name)
                if response.status not in (200, 202, 404):
                    problems.append(f"DELETE /namespaces/{name}: {response!r}")
        if not self.ns:
            ids = sorted(self.written_default_ids())
            for start in range(0, len(ids), FETCH_CHUNK):
                response = self.client.delete(ids=ids[start : start + FETCH_CHUNK])
                if response.status not in (200, 202):
                    problems.append(
                        f"delete of {len(ids)} ids in the default namespace: {response!r}"
                    )
        if problems:
            raise AssertionError("cleanup failed: " + "; ".join(problems))


def _short(ids: Sequence[str]) -> str:
    return repr(list(ids)) if len(ids) <= 5 else f"{list(ids[:5])!r} and {len(ids) - 5} more"


def probe_index(
    url: str, cfg: TargetConfig, http: httpx.Client, timeout: float = PROBE_TIMEOUT
) -> IndexInfo:
    """Learn an index's dimension, metric and kind from `describe_index_stats`.

    Raises TargetError: `unavailable` (no connection, 5xx), `auth` (401/403), `usage` (no index).
    """
    client = DataPlaneClient(url, cfg.api_key, cfg.api_version, timeout=timeout, http=http)
    try:
        response = client.describe_index_stats()
    except httpx.TransportError as exc:
        raise TargetError(
            "unavailable",
            f"target {url} is unreachable ({type(exc).__name__}: {redact(str(exc))}); "
            "check the URL and that the server is running",
        ) from None
    if response.status in (401, 403):
        raise TargetError(
            "auth",
            f"target {url} rejected the API key (HTTP {response.status}); check --api-key or "
            "PINECONE_API_KEY",
        )
    if response.status >= 500:
        raise TargetError(
            "unavailable",
            f"target {url} is unavailable: describe_index_stats answered {response!r}",
        )
    stats = response.json
    if response.status != 200 or not isinstance(stats, dict):
        raise TargetError(
            "usage",
            f"{url} does not look like an index's data-plane URL: POST /describe_index_stats "
            f"answered {response!r}",
        )
    kind = stats.get("vectorType") or stats.get("vector_type")
    dimension = stats.get("dimension")
    if kind is None:
        kind = "dense" if dimension else "sparse"
    host = urlsplit(url).hostname or url
    return IndexInfo(host.split(".")[0], url, dimension, stats.get("metric"), kind)


def environment_host(cfg: TargetConfig, http: httpx.Client) -> str:
    """The seed's addressing: `https://NAME-PROJECT.svc.ENV.pinecone.io`, PROJECT from whoami."""
    controller = cfg.controller_url or f"https://controller.{cfg.environment}.pinecone.io"
    client = ControlPlaneClient(controller, cfg.api_key, None, timeout=PROBE_TIMEOUT, http=http)
    try:
        response = client.whoami()
    except httpx.TransportError as exc:
        raise TargetError(
            "unavailable", f"controller {controller} is unreachable ({type(exc).__name__})"
        ) from None
    if response.status in (401, 403):
        raise TargetError(
            "auth",
            f"controller {controller} rejected the API key (HTTP {response.status}); check "
            "--api-key or PINECONE_API_KEY",
        )
    project = (response.json or {}).get("project_name") if response.status == 200 else None
    if not isinstance(project, str) or not project:
        raise TargetError(
            "usage", f"{controller}/actions/whoami gave no project_name: {response!r}"
        )
    return f"https://{cfg.index_name}-{project}.svc.{cfg.environment}.pinecone.io"


def temporary_index_name(prefix: str, run_id: str, worker: str, role: str) -> str:
    """`<prefix>-<run id>[-<worker>]-<role>`: a valid index name (lowercase alphanumerics and
    `-`, at most 45 characters) that no other run or xdist worker uses; the prefix is shortened
    (never the unique part) to fit."""

    def clean(text: str) -> str:
        return "-".join(
            filter(None, "".join(c if c.isalnum() else "-" for c in text.lower()).split("-"))
        )

    parts = [clean(run_id), clean(worker) if worker != "m" else "", clean(role)]
    suffix = "-" + "-".join(p for p in parts if p)
    base = clean(prefix)[: INDEX_NAME_MAX - len(suffix)].rstrip("-") or "conf"
    return (base + suffix)[:INDEX_NAME_MAX].rstrip("-")


def create_index_body(
    api_version: str, name: str, vector_type: str, metric: str, dimension: int | None
) -> dict[str, Any]:
    """A serverless create-index body in the shape of `api_version` (2026-07 and later: `schema`
    and `deployment`; before: `spec`, `dimension`, `metric`, `vector_type`)."""
    if api_version[:7] >= "2026-07":
        sparse = vector_type == "sparse"
        vector: dict[str, Any] = {"type": "sparse_vector" if sparse else "dense_vector"}
        if dimension is not None:
            vector["dimension"] = dimension
        vector["metric"] = metric
        return {
            "name": name,
            "schema": {"fields": {"_sparse_values" if sparse else "_values": vector}},
            "deployment": {"deployment_type": "managed", "cloud": "aws", "region": "us-east-1"},
            "deletion_protection": "disabled",
            "tags": dict(CREATED_BY),
        }
    body: dict[str, Any] = {
        "name": name,
        "metric": metric,
        "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}},
        "deletion_protection": "disabled",
        "tags": dict(CREATED_BY),
    }
    if dimension is not None:
        body["dimension"] = dimension
    if vector_type != "dense":
        body["vector_type"] = vector_type
    return body


def _poll(probe: Callable[[], T], check: Callable[[T], object], what: str, timeout: float) -> T:
    """Call `probe` until `check` holds, pausing 0.05 s growing to 2 s, for at most `timeout`
    seconds (index operations take seconds to minutes on hosted services, whose control planes
    are rate limited); AssertionError naming `what` and the last value on timeout."""
    deadline = time.monotonic() + timeout
    pause = 0.05
    while True:
        value = probe()
        if check(value):
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(
                f"expected {what} within {timeout:g}s; last observed: {str(value)[:500]}"
            )
        time.sleep(min(pause, remaining))
        pause = min(pause * 2, 2.0)


def index_url(host: str, control_url: str) -> str:
    """A data-plane URL from a described `host`: hosted services return it bare (the control
    plane's scheme is used, so http for a local emulator), others as a URL."""
    if "://" in host:
        return host.rstrip("/")
    return f"{urlsplit(control_url).scheme or 'https'}://{host.rstrip('/')}"


class SuiteSession:
    """The run's view of the target: its indexes, control plane, shared HTTP connections, and the
    namespace counter. For the embedded target it owns the server it starts."""

    def __init__(self, cfg: TargetConfig, run_id: str | None = None, worker: str = "m") -> None:
        self.cfg = cfg
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.worker = worker
        self.http = make_http(cfg.request_timeout)
        self.server: RunningServer | None = None
        self.indexes: list[IndexInfo] = []
        self.primary: IndexInfo | None = None
        self.sparse: IndexInfo | None = None
        self.hybrid: IndexInfo | None = None
        self.control_url: str | None = cfg.control_plane
        self._counter = itertools.count(1)
        self.started = False
        # Names of the temporary indexes this session created (or may have: a create whose answer
        # was lost); only these are ever deleted. Failed creations are not retried.
        self.created: list[str] = []
        self._creation_failures: dict[str, str] = {}
        self.index_ready_timeout = INDEX_READY_TIMEOUT
        self.index_delete_timeout = INDEX_DELETE_TIMEOUT

    def start(self) -> SuiteSession:
        """Start the embedded server or probe the foreign target (idempotent)."""
        if self.started:
            return self
        cfg = self.cfg
        if cfg.embedded:
            self.server = start_server(
                api_key=cfg.api_key,
                visibility_delay=cfg.visibility_delay,
                command=cfg.server_command,
            )
            self.control_url = self.server.control_url
            for name, url in self.server.index_urls.items():
                spec: IndexSpec = self.server.specs[name]
                dimension = spec.dimension or None
                self.indexes.append(IndexInfo(name, url, dimension, spec.metric, spec.vector_type))
            self.primary = next((i for i in self.indexes if i.metric == "cosine"), None)
        else:
            main = cfg.target or environment_host(cfg, self.http)
            self.primary = probe_index(main, cfg, self.http)
            self.indexes.append(self.primary)
            for url in (cfg.sparse_target, cfg.hybrid_target, *cfg.extra_target):
                if url:
                    self.indexes.append(probe_index(url, cfg, self.http))
            if cfg.sparse_target:
                self.sparse = self.indexes[1]
            if cfg.hybrid_target:
                self.hybrid = self.indexes[2 if cfg.sparse_target else 1]
        dense = [i for i in self.indexes if i.vector_type == "dense"]
        if self.primary is None or self.primary.vector_type != "dense":
            self.primary = self.primary if not dense else dense[0]
        self.sparse = self.sparse or next(
            (i for i in self.indexes if i.vector_type == "sparse"), None
        )
        self.hybrid = self.hybrid or next((i for i in dense if i.metric == "dotproduct"), None)
        self.started = True
        return self

    def close(self) -> list[str]:
        """Delete the temporary indexes, stop the embedded server, close connections (idempotent).

        Returns a message per temporary index that could not be deleted, naming it, so that the
        caller reports it: a leftover index costs the user money and must never go unnoticed.
        """
        problems: list[str] = []
        try:
            problems = self.delete_temporary_indexes()
        finally:
            if self.server is not None:
                self.server.stop()
            self.http.close()
        return problems

    # -- temporary indexes (--allow-create-index on a foreign target) ---------------------------
    @property
    def can_create_indexes(self) -> bool:
        """Whether a missing index kind may be created: a foreign target, a control plane and
        --allow-create-index (the embedded server has every kind already)."""
        cfg = self.cfg
        return not cfg.embedded and cfg.allow_create_index and self.control_url is not None

    def metric_index(self, metric: str) -> IndexInfo | None:
        """A dense index of `metric`: the target's own, else a temporary one when allowed."""
        found = self.by_metric(metric)
        if found is None and self.can_create_indexes:
            found = self._temporary(metric, "dense", metric)
        return found

    def sparse_index(self) -> IndexInfo | None:
        """A sparse index: the target's own, else a temporary one when allowed."""
        if self.sparse is None and self.can_create_indexes:
            self.sparse = self._temporary("sparse", "sparse", "dotproduct")
        return self.sparse

    def hybrid_index(self) -> IndexInfo | None:
        """A dense dotproduct index for hybrid records (shared with the dotproduct metric tests)."""
        if self.hybrid is None and self.can_create_indexes:
            self.hybrid = self.metric_index("dotproduct")
        return self.hybrid

    def _temporary(self, role: str, vector_type: str, metric: str) -> IndexInfo:
        if role in self._creation_failures:
            raise IndexCreationError(self._creation_failures[role])
        name = temporary_index_name(self.cfg.namespace_prefix, self.run_id, self.worker, role)
        try:
            info = self._create_index(name, vector_type, metric)
        except IndexCreationError as exc:
            self._creation_failures[role] = str(exc)
            raise
        self.indexes.append(info)
        return info

    def _create_index(self, name: str, vector_type: str, metric: str) -> IndexInfo:
        """Create `name`, wait (bounded) until it is ready and its data plane answers."""
        cp = self.control_client()
        assert cp is not None and self.control_url is not None
        dimension = None if vector_type == "sparse" else TEMPORARY_DIMENSION
        what = f"temporary {vector_type} {metric} index {name!r}"
        body = create_index_body(self.cfg.api_version, name, vector_type, metric, dimension)
        self.created.append(name)  # before sending: a lost answer may still mean it exists
        try:
            response = cp.create_index(**body)
        except httpx.TransportError as exc:
            raise IndexCreationError(
                f"could not create the {what}: the control plane did not answer "
                f"({type(exc).__name__}: {redact(str(exc))})"
            ) from None
        if 400 <= response.status < 500:
            self.created.remove(name)  # certainly not created by this request: never delete it
        if response.status not in (200, 201, 202):
            raise IndexCreationError(f"could not create the {what}: {response!r}")
        deadline = time.monotonic() + self.index_ready_timeout

        def described() -> WireResponse | None:
            try:
                return cp.describe_index(name)
            except httpx.TransportError:
                return None

        def is_ready(r: WireResponse | None) -> bool:
            body = r.json if r is not None and r.status == 200 else None
            return (
                isinstance(body, dict)
                and (body.get("status") or {}).get("ready") is True
                and isinstance(body.get("host"), str)
                and bool(body["host"])
            )

        try:
            ready = _poll(
                described, is_ready, f"{what} ready with a host", self.index_ready_timeout
            )
        except AssertionError as exc:
            raise IndexCreationError(f"could not use the {what}: {exc}") from None
        assert ready is not None
        url = index_url(ready.json["host"], self.control_url)
        client = self.data_client(IndexInfo(name, url, dimension, metric, vector_type))

        def stats() -> WireResponse | None:
            try:
                return client.describe_index_stats()
            except httpx.TransportError:
                return None

        try:
            _poll(
                stats,
                lambda r: r is not None and r.status == 200,
                f"the data plane of {what} at {url} answering describe_index_stats",
                max(deadline - time.monotonic(), 1.0),
            )
        except AssertionError as exc:
            raise IndexCreationError(f"could not use the {what}: {exc}") from None
        return IndexInfo(name, url, dimension, metric, vector_type)

    def delete_temporary_indexes(self) -> list[str]:
        """Delete every index this session created and wait (bounded) until each is gone;
        returns a message per index that may be left over. Never touches any other index."""
        if not self.created:
            return []
        names, self.created = list(dict.fromkeys(self.created)), []
        cp = self.control_client()
        if cp is None:
            return [f"temporary index {n!r} may be left over: no control plane" for n in names]
        problems: dict[str, str] = {}
        pending: list[str] = []
        for name in names:
            try:
                response = cp.delete_index(name)
            except httpx.TransportError as exc:
                problems[name] = f"DELETE failed ({type(exc).__name__}: {redact(str(exc))})"
                continue
            if response.status in (200, 202, 204, 404):
                pending.append(name)
            else:
                problems[name] = f"DELETE answered {response!r}"
        deadline = time.monotonic() + self.index_delete_timeout
        for name in pending:
            try:
                _poll(
                    lambda name=name: cp.describe_index(name).status,
                    lambda status: status == 404,
                    f"index {name!r} gone",
                    max(deadline - time.monotonic(), 0.0),
                )
            except AssertionError:
                problems[name] = f"still present {self.index_delete_timeout:g}s after its deletion"
            except httpx.TransportError as exc:
                problems[name] = f"could not confirm its deletion ({type(exc).__name__})"
        control = redact(self.control_url or "")
        return [
            f"temporary index {name!r} created by this run may be left over on {control}: "
            f"{why}; delete it by hand"
            for name, why in problems.items()
        ]

    @property
    def dense(self) -> IndexInfo | None:
        return self.primary if self.primary and self.primary.vector_type == "dense" else None

    def by_metric(self, metric: str) -> IndexInfo | None:
        dense = [i for i in self.indexes if i.vector_type == "dense" and i.metric == metric]
        if self.dense in dense:
            return self.dense
        return dense[0] if dense else None

    def next_namespace(self) -> str:
        return f"{self.cfg.namespace_prefix}-{self.run_id}-{self.worker}-{next(self._counter)}"

    def data_client(self, index: IndexInfo) -> DataPlaneClient:
        cfg = self.cfg
        return DataPlaneClient(
            index.host, cfg.api_key, cfg.api_version, timeout=cfg.request_timeout, http=self.http
        )

    def control_client(self) -> ControlPlaneClient | None:
        if self.control_url is None:
            return None
        cfg = self.cfg
        return ControlPlaneClient(
            self.control_url,
            cfg.api_key,
            cfg.api_version,
            timeout=cfg.request_timeout,
            http=self.http,
        )

    def space(self, index: IndexInfo, *, default: bool = False) -> Space:
        """A Space on `index`: in a fresh namespace, or in the default namespace."""
        return Space(
            index,
            self.data_client(index),
            "" if default else self.next_namespace(),
            api_version=self.cfg.api_version,
            consistency_timeout=self.cfg.consistency_timeout,
            new_namespace=self.next_namespace,
        )
