"""The target's indexes (`IndexInfo`) and the temporary ones a run may create.

With `--allow-create-index`, a missing index kind is created once, named
`<prefix>-<run id>[-<worker>]-<role>`, and deleted when the run ends. Only indexes this run
created (or may have: a create whose answer was lost) are ever deleted; failed creations are not
retried.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance.redact import redact
from conformance.target import waiting
from conformance.target.client import ControlPlaneClient, DataPlaneClient, WireResponse
from conformance.target.leftovers import curl

# Hosted services take seconds to minutes to get an index ready; their control planes are rate
# limited, so readiness is polled with pauses growing to 2 s.
INDEX_READY_TIMEOUT = 300.0
INDEX_DELETE_TIMEOUT = 60.0
FIRST_PAUSE = 0.05
MAX_PAUSE = 2.0
TEMPORARY_DIMENSION = 8
INDEX_NAME_MAX = 45
CREATED_BY = {"created-by": "pinecone-conformance"}


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


def index_url(host: str, control_url: str) -> str:
    """A data-plane URL from a described `host`: hosted services return it bare (the control
    plane's scheme is used, so http for a local emulator), others as a URL."""
    if "://" in host:
        return host.rstrip("/")
    return f"{urlsplit(control_url).scheme or 'https'}://{host.rstrip('/')}"


def _poll(
    probe: Callable[[], Any], check: Callable[[Any], object], what: str, timeout: float
) -> Any:
    return waiting.eventually(
        probe, check, what, timeout, first_pause=FIRST_PAUSE, max_pause=MAX_PAUSE
    )


class TemporaryIndexes:
    """The temporary indexes of one session: creation (bounded wait until usable) and deletion."""

    def __init__(self, prefix: str, run_id: str, worker: str, api_version: str) -> None:
        self.prefix = prefix
        self.run_id = run_id
        self.worker = worker
        self.api_version = api_version
        self.created: list[str] = []
        self._failures: dict[str, str] = {}
        self.ready_timeout = INDEX_READY_TIMEOUT
        self.delete_timeout = INDEX_DELETE_TIMEOUT

    def create(
        self,
        cp: ControlPlaneClient,
        control_url: str,
        data_client: Callable[[IndexInfo], DataPlaneClient],
        role: str,
        vector_type: str,
        metric: str,
    ) -> IndexInfo:
        """A usable temporary index for `role`; IndexCreationError (also for a role whose
        creation failed before) when it cannot be had."""
        if role in self._failures:
            raise IndexCreationError(self._failures[role])
        name = temporary_index_name(self.prefix, self.run_id, self.worker, role)
        try:
            return self._create_index(cp, control_url, data_client, name, vector_type, metric)
        except IndexCreationError as exc:
            self._failures[role] = str(exc)
            raise

    def _create_index(
        self,
        cp: ControlPlaneClient,
        control_url: str,
        data_client: Callable[[IndexInfo], DataPlaneClient],
        name: str,
        vector_type: str,
        metric: str,
    ) -> IndexInfo:
        """Create `name`, wait (bounded) until it is ready and its data plane answers."""
        dimension = None if vector_type == "sparse" else TEMPORARY_DIMENSION
        what = f"temporary {vector_type} {metric} index {name!r}"
        body = create_index_body(self.api_version, name, vector_type, metric, dimension)
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
        deadline = time.monotonic() + self.ready_timeout

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
            ready = _poll(described, is_ready, f"{what} ready with a host", self.ready_timeout)
        except AssertionError as exc:
            raise IndexCreationError(f"could not use the {what}: {exc}") from None
        assert ready is not None
        url = index_url(ready.json["host"], control_url)
        client = data_client(IndexInfo(name, url, dimension, metric, vector_type))

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

    def delete_all(self, cp: ControlPlaneClient | None, control_url: str | None) -> list[str]:
        """Delete every index this session created and wait (bounded) until each is gone;
        returns a message per index that may be left over. Never touches any other index."""
        if not self.created:
            return []
        names, self.created = list(dict.fromkeys(self.created)), []
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
        deadline = time.monotonic() + self.delete_timeout
        for name in pending:

            def status(name: str = name) -> int:
                return cp.describe_index(name).status

            try:
                _poll(
                    status,
                    lambda status: status == 404,
                    f"index {name!r} gone",
                    max(deadline - time.monotonic(), 0.0),
                )
            except AssertionError:
                problems[name] = f"still present {self.delete_timeout:g}s after its deletion"
            except httpx.TransportError as exc:
                problems[name] = f"could not confirm its deletion ({type(exc).__name__})"
        control = redact(control_url or "")
        return [
            f"temporary index {name!r} created by this run may be left over on {control}: "
            f"{why}; delete it by hand: "
            + curl("DELETE", f"{(control_url or '').rstrip('/')}/indexes/{name}", self.api_version)
            for name, why in problems.items()
        ]
