"""The run's view of the target (`SuiteSession`): the embedded server or the probed foreign
target, its indexes by role, one client factory, the namespace counter, and `start_session`, the
one way the plugin and the fuzz command start a target and learn why it could not be used.
"""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance.config import TargetConfig
from conformance.options import GRPC
from conformance.outcomes import ExitCode
from conformance.redact import redact
from conformance.target.client import ControlPlaneClient, DataPlaneClient, make_http
from conformance.target.grpc import missing_reason as grpc_missing_reason
from conformance.target.indexes import IndexInfo, TemporaryIndexes, index_url
from conformance.target.launcher import IndexSpec, LaunchError, RunningServer, start_server
from conformance.target.space import Space
from conformance.target.stall import StallWatch

PROBE_TIMEOUT = 5.0
METRICS = ("cosine", "euclidean", "dotproduct")


class TargetError(Exception):
    """The target cannot be used; `kind` is `unavailable`, `auth` or `usage` (a wrong URL)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


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
    # The stats `metric` is only a last resort (STATS-METRIC judges whether it is
    # there): `SuiteSession` prefers describe_index and a declared --metric.
    dimension = stats.get("dimension")
    if kind is None:
        kind = "dense" if dimension else "sparse"
    host = urlsplit(url).hostname or url
    return IndexInfo(host.split(".")[0], url, dimension, stats.get("metric"), kind)


def _host(url: str) -> str:
    """The host[:port] of a URL or of a bare host name, lower-cased, for matching index hosts."""
    return (urlsplit(url if "://" in url else f"//{url}").netloc or url).lower()


def environment_host(cfg: TargetConfig, http: httpx.Client) -> str:
    """The seed's addressing: `NAME-PROJECT.svc.ENV.pinecone.io`, PROJECT from whoami, with the
    controller URL's scheme."""
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
    return index_url(f"{cfg.index_name}-{project}.svc.{cfg.environment}.pinecone.io", controller)


class SuiteSession:
    """The run's view of the target: its indexes, control plane, shared HTTP connections, and the
    namespace counter. For the embedded target it owns the server it starts."""

    def __init__(
        self,
        cfg: TargetConfig,
        run_id: str | None = None,
        worker: str = "m",
        watch: StallWatch | None = None,
    ) -> None:
        self.cfg = cfg
        self.watch = watch  # every client of the session reports to it: a stall ends the run
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.worker = worker
        self.http = make_http(cfg.request_timeout)
        self._data_http: httpx.Client | None = None  # over gRPC: see `data_http`
        self.server: RunningServer | None = None
        self.indexes: list[IndexInfo] = []
        self.primary: IndexInfo | None = None
        self.sparse: IndexInfo | None = None
        self.hybrid: IndexInfo | None = None
        self.control_url: str | None = cfg.control_plane
        self._counter = itertools.count(1)
        self.started = False
        self.temporary = TemporaryIndexes(
            cfg.namespace_prefix, self.run_id, worker, cfg.api_version
        )

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
            main_url = cfg.target or environment_host(cfg, self.http)
            self.primary = probe_index(main_url, cfg, self.http)
            self.indexes.append(self.primary)
            for other in (cfg.sparse_target, cfg.hybrid_target, *cfg.extra_target):
                if other:
                    self.indexes.append(probe_index(other, cfg, self.http))
            if cfg.sparse_target:
                self.sparse = self.indexes[1]
            if cfg.hybrid_target:
                self.hybrid = self.indexes[2 if cfg.sparse_target else 1]
            self._declared_metrics()
        dense = [i for i in self.indexes if i.vector_type == "dense"]
        if self.primary is None or self.primary.vector_type != "dense":
            self.primary = self.primary if not dense else dense[0]
        self.sparse = self.sparse or next(
            (i for i in self.indexes if i.vector_type == "sparse"), None
        )
        self.hybrid = self.hybrid or next((i for i in dense if i.metric == "dotproduct"), None)
        self._check_transport()
        self.started = True
        return self

    def _declared_metrics(self) -> None:
        """Each probed index's metric from describe_index (its host matched in GET /indexes)
        when a control plane is known, else --metric for the main index; a stats response that
        omits or misstates `metric` then cannot switch the metric tests off or mislead them."""
        described = self._described_metrics()
        for n, info in enumerate(self.indexes):
            metric = described.get(_host(info.host))
            if metric is None and n == 0 and self.cfg.metric:
                metric = self.cfg.metric
            if metric is not None and metric != info.metric:
                self.indexes[n] = dataclasses.replace(info, metric=metric)
        self.primary = self.indexes[0]
        self.sparse = self.indexes[1] if self.cfg.sparse_target else None
        if self.cfg.hybrid_target:
            self.hybrid = self.indexes[2 if self.cfg.sparse_target else 1]

    def _described_metrics(self) -> dict[str, str]:
        """{index host: metric} from the control plane's index list (empty when unknown)."""
        client = self.control_client()
        if client is None:
            return {}
        try:
            listed = client.list_indexes()
        except httpx.TransportError:
            return {}
        body = listed.json if listed.status == 200 else None
        models = body.get("indexes") if isinstance(body, dict) else None
        out: dict[str, str] = {}
        for model in models if isinstance(models, list) else []:
            if not isinstance(model, dict) or not isinstance(model.get("host"), str):
                continue
            metric = model.get("metric")
            if metric in METRICS:
                out[_host(model["host"])] = metric
        return out

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
            if self._data_http is not None:
                self._data_http.close()
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
        control = self.control_client()
        assert control is not None and self.control_url is not None
        info = self.temporary.create(
            control, self.control_url, self.data_client, role, vector_type, metric
        )
        self.indexes.append(info)
        return info

    def delete_temporary_indexes(self) -> list[str]:
        """Delete every index this session created; a message per index that may be left over."""
        return self.temporary.delete_all(self.control_client(), self.control_url)

    @property
    def created(self) -> list[str]:
        """Names of the temporary indexes this session created (or may have)."""
        return self.temporary.created

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

    def _client_options(self) -> dict[str, Any]:
        """What every client of the run shares: deadline, body cap, connections, stall watch."""
        cfg = self.cfg
        return {
            "timeout": cfg.request_timeout,
            "http": self.http,
            "max_response_bytes": cfg.max_response_bytes,
            "watch": self.watch,
        }

    def data_client(self, index: IndexInfo) -> DataPlaneClient:
        """The index's data-plane client, over the run's transport (--transport)."""
        cfg = self.cfg
        if cfg.transport == GRPC:
            from conformance.target.grpc.client import GrpcDataPlaneClient  # the grpc extra

            return GrpcDataPlaneClient(
                self.grpc_address(index), cfg.api_key, cfg.api_version, **self._client_options()
            )
        return DataPlaneClient(index.host, cfg.api_key, cfg.api_version, **self._client_options())

    def data_http(self) -> httpx.Client:
        """An httpx client for REST-shaped data-plane requests (the fuzz state machine's) over
        the run's transport: the session's own over REST; over gRPC one that sends each request
        to an index of the session as the VectorService call it stands for."""
        if self.cfg.transport != GRPC:
            return self.http
        if self._data_http is None:
            from conformance.target.grpc.transport import grpc_http  # the grpc extra

            cfg = self.cfg
            self._data_http = grpc_http(
                {i.host: self.grpc_address(i) for i in self.indexes},
                make_http(cfg.request_timeout),
                timeout=cfg.request_timeout,
                max_response_bytes=cfg.max_response_bytes,
            )
        return self._data_http

    def grpc_address(self, index: IndexInfo) -> str:
        """Where `index` serves gRPC: the address the embedded server reported, the --grpc-target
        naming its URL (or, without a URL, the --target index), else the index host itself
        (Pinecone serves both there)."""
        if self.server is not None:
            reported = self.server.grpc_urls.get(index.name)
            if reported:
                return str(reported)
        for entry in self.cfg.grpc_target:
            url, _, address = entry.rpartition("=")
            if _host(url or self.cfg.target or "") == _host(index.host):
                return address
        return index.host

    def _check_transport(self) -> None:
        """A gRPC run needs the grpc extra, and an embedded server that serves gRPC."""
        if self.cfg.transport != GRPC:
            return
        reason = grpc_missing_reason()
        if reason is not None:
            raise TargetError("usage", reason)
        if self.server is not None and not self.server.grpc_urls:
            raise TargetError(
                "usage", "--transport grpc: the embedded server reported no gRPC address"
            )
        if self.primary is not None:
            self._probe_grpc(self.primary)

    def _probe_grpc(self, index: IndexInfo) -> None:
        """One DescribeIndexStats over gRPC, so that a wrong or missing gRPC address ends the run
        at once with one message rather than test by test."""
        from conformance.target.grpc.client import GrpcDataPlaneClient  # the grpc extra

        address = self.grpc_address(index)
        cfg = self.cfg
        client = GrpcDataPlaneClient(address, cfg.api_key, cfg.api_version, timeout=PROBE_TIMEOUT)
        try:
            response = client.describe_index_stats()
        except httpx.TransportError as exc:
            raise TargetError(
                "unavailable",
                f"gRPC target {address} is unreachable ({redact(str(exc))}); check --grpc-target "
                "and that the index serves gRPC there",
            ) from None
        if response.status in (401, 403):
            raise TargetError(
                "auth", f"gRPC target {address} rejected the API key ({response.status})"
            )

    def control_client(self) -> ControlPlaneClient | None:
        if self.control_url is None:
            return None
        cfg = self.cfg
        return ControlPlaneClient(
            self.control_url, cfg.api_key, cfg.api_version, **self._client_options()
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


@dataclass(frozen=True)
class StartFailure:
    """Why a target could not be used: the documented exit code and a message (key masked)."""

    code: ExitCode
    message: str


def start_session(
    cfg: TargetConfig, run_id: str | None, worker: str, watch: StallWatch | None = None
) -> SuiteSession | StartFailure:
    """Start the embedded server or probe the foreign target: the started session, or why not.

    An unreachable target is `TARGET_UNAVAILABLE`, a rejected key or a wrong URL `USAGE`, an
    embedded server that did not start `HARNESS_ERROR`; the session is closed on failure.
    """
    suite = SuiteSession(cfg, run_id, worker, watch)
    try:
        return suite.start()
    except TargetError as exc:
        suite.close()
        code = ExitCode.TARGET_UNAVAILABLE if exc.kind == "unavailable" else ExitCode.USAGE
        return StartFailure(code, redact(str(exc)))
    except LaunchError as exc:
        suite.close()
        return StartFailure(
            ExitCode.HARNESS_ERROR, f"the embedded server did not start: {redact(str(exc))}"
        )
