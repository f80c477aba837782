"""Raw HTTP clients for the data plane and the control plane.

They send exactly the bodies they are given (camelCase, as on the wire), return every response as a
`WireResponse` whatever its status, and record a transcript with the API key masked. Only transport
failures (connection refused, timeout) raise, as `httpx.TransportError`.

Every request has a total deadline (connect, send and the whole response; httpx's own timeouts
apply per read, so a target dripping one byte at a time would never time out) and a cap on the
response body, which is streamed and never buffered past the cap.
"""

from __future__ import annotations

import json as jsonlib
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote

import httpx

from conformance.options import DEFAULT_MAX_RESPONSE_BYTES
from conformance.redact import MASK, redact
from conformance.target.stall import StallWatch

DEFAULT_API_VERSION = "2025-10"
DEFAULT_TIMEOUT = 10.0
# Pooled connections are dropped after this many idle seconds: below the 5 s after which common
# servers (uvicorn among them) close an idle connection, so a request never goes out on a
# connection the server is closing at that moment (httpx's own default is 5 s too: a rare
# "Server disconnected" that is no fault of the target).
KEEPALIVE_SECONDS = 2.0
_BODY_LIMIT = 4000  # characters of a body kept in a transcript entry

Params = Mapping[str, Any] | list[tuple[str, Any]] | None


class ResponseTooLarge(AssertionError):
    """The target answered with a body over the cap: that request fails (a statement about the
    target's answer), and the rest of the body is not read."""


@dataclass(frozen=True)
class WireResponse:
    """One HTTP response as the target sent it."""

    status: int
    headers: httpx.Headers
    body: bytes

    @cached_property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @cached_property
    def json(self) -> Any:
        """The parsed JSON body, or None when the body is not JSON."""
        try:
            return jsonlib.loads(self.body)
        except ValueError:
            return None

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 500 else self.text[:500] + "..."
        return f"<WireResponse {self.status} {redact(text)}>"


@dataclass
class Exchange:
    """One request and its response (or transport error), with the API key masked."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    error: str | None = None
    sent: Any = field(default=None, repr=False)  # the JSON value sent, unredacted: never rendered

    def headline(self) -> str:
        """The first line of the rendered exchange: what was called."""
        return f"> {self.method} {self.url}"

    def render(self) -> str:
        lines = [self.headline()]
        lines += [f"> {k}: {v}" for k, v in self.request_headers.items()]
        if self.request_body:
            lines.append(f"> {self.request_body}")
        if self.error is not None:
            lines.append(f"< transport error: {self.error}")
        else:
            lines.append(f"< {self.status}")
            lines += [f"< {k}: {v}" for k, v in self.response_headers.items()]
            if self.response_body:
                lines.append(f"< {self.response_body}")
        return "\n".join(lines)


def make_http(timeout: float = DEFAULT_TIMEOUT) -> httpx.Client:
    """An httpx.Client with TCP_NODELAY (without it, headers and body sent as two small writes
    wait on the peer's delayed ACK, about 40 ms per request on loopback), no retries, and pooled
    connections dropped after KEEPALIVE_SECONDS idle."""
    transport = httpx.HTTPTransport(
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        retries=0,
        limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS),
    )
    return httpx.Client(timeout=timeout, transport=transport)


def _clip(text: str) -> str:
    return text if len(text) <= _BODY_LIMIT else text[:_BODY_LIMIT] + f"... ({len(text)} chars)"


def encode_json(value: Any) -> bytes:
    """Compact JSON, non-finite floats allowed: bodies go out as the test wrote them."""
    return jsonlib.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class _BaseClient:
    """Shared request machinery: auth and version headers, transcript, connection reuse."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        api_version: str | None = DEFAULT_API_VERSION,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        http: httpx.Client | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        watch: StallWatch | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.watch = watch  # told of every answer and every request that got none
        self._api_key = api_key
        self.api_version = api_version
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self._owns_http = http is None
        self._http = http or make_http(timeout)
        self.transcript: list[Exchange] = []

    def __repr__(self) -> str:
        key = MASK if self._api_key else None
        name = type(self).__name__
        return f"{name}({self.base_url!r}, api_key={key!r}, api_version={self.api_version!r})"

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def default_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self._api_key is not None:
            headers["Api-Key"] = self._api_key
        if self.api_version is not None:
            headers["X-Pinecone-Api-Version"] = self.api_version
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Params = None,
        headers: Mapping[str, str | None] | None = None,
        content: bytes | str | None = None,
        timeout: float | None = None,
    ) -> WireResponse:
        """Send one request to `base_url + path` and return the response, whatever its status.

        `json` is sent compactly encoded with `Content-Type: application/json`; `content` is sent
        verbatim (for malformed bodies). In `headers`, a value of None removes a default header
        (e.g. `{"Api-Key": None}` sends no key).
        """
        merged: dict[str, str] = self.default_headers()
        body: bytes | None = None
        if json is not None:
            body = encode_json(json)
            merged["Content-Type"] = "application/json"
        elif content is not None:
            body = content.encode() if isinstance(content, str) else content
        for name, value in (headers or {}).items():
            for existing in [k for k in merged if k.lower() == name.lower()]:
                del merged[existing]
            if value is not None:
                merged[name] = value
        url = self.base_url + path
        request = self._http.build_request(
            method,
            url,
            params=params,
            headers=merged,
            content=body,
            timeout=self.timeout if timeout is None else timeout,
        )
        entry = Exchange(
            method=method,
            url=redact(str(request.url), [self._api_key]),
            request_headers={
                k: (MASK if k.lower() == "api-key" else redact(v, [self._api_key]))
                for k, v in merged.items()
            },
            request_body=_clip(redact((body or b"").decode("utf-8", "replace"), [self._api_key])),
            sent=json,
        )
        self.transcript.append(entry)
        try:
            if self.watch is not None:
                self.watch.before()
            wire = self._send(request, self.timeout if timeout is None else timeout)
        except (httpx.TransportError, ResponseTooLarge) as exc:
            entry.error = redact(f"{type(exc).__name__}: {exc}", [self._api_key])
            self._tell_watch(exc)
            raise
        self._tell_watch(None)
        entry.status = wire.status
        entry.response_headers = dict(wire.headers)
        entry.response_body = _clip(redact(wire.text, [self._api_key]))
        return wire

    def _tell_watch(self, error: BaseException | None) -> None:
        """An answer (an over-large body is one) or a request that got none."""
        if self.watch is not None:
            if isinstance(error, httpx.TransportError):
                self.watch.failed(error)
            else:
                self.watch.answered()

    def _send(self, request: httpx.Request, timeout: float) -> WireResponse:
        """Send `request` and read its response within `timeout` seconds in all, at most
        `max_response_bytes` of body (httpx.ReadTimeout past the deadline, ResponseTooLarge past
        the cap)."""
        deadline = time.monotonic() + timeout
        cap = self.max_response_bytes
        response = self._http.send(request, stream=True)
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise ResponseTooLarge(
                    f"the response body of {int(declared)} bytes is over the cap of {cap} bytes "
                    "(--max-response-bytes)"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > cap:
                    raise ResponseTooLarge(
                        f"the response body grew past the cap of {cap} bytes "
                        "(--max-response-bytes); the rest was not read"
                    )
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(
                        f"no complete response within {timeout:g}s (the deadline of a whole "
                        "request, --request-timeout)",
                        request=request,
                    )
        finally:
            response.close()
        return WireResponse(response.status_code, response.headers, b"".join(chunks))

    def render_transcript(self) -> str:
        return "\n\n".join(e.render() for e in self.transcript)


class DataPlaneClient(_BaseClient):
    """One index's data plane. `base_url` is the index host, possibly with a path prefix."""

    def upsert(self, vectors: Any, namespace: str | None = None, **extra: Any) -> WireResponse:
        return self.request(
            "POST", "/vectors/upsert", json=_body(extra, namespace, vectors=vectors)
        )

    def query(self, **body: Any) -> WireResponse:
        return self.request("POST", "/query", json=body)

    def fetch(self, ids: Sequence[str], namespace: str | None = None) -> WireResponse:
        params: list[tuple[str, str]] = [("ids", i) for i in ids]
        if namespace is not None:
            params.append(("namespace", namespace))
        return self.request("GET", "/vectors/fetch", params=params)

    def fetch_by_metadata(self, **body: Any) -> WireResponse:
        return self.request("POST", "/vectors/fetch_by_metadata", json=body)

    def update(self, **body: Any) -> WireResponse:
        return self.request("POST", "/vectors/update", json=body)

    def delete(self, **body: Any) -> WireResponse:
        return self.request("POST", "/vectors/delete", json=body)

    def describe_index_stats(
        self, body: Mapping[str, Any] | None = None, *, method: str = "POST"
    ) -> WireResponse:
        """POST with `body` (default `{}`), or the legacy `GET /describe_index_stats`."""
        if method.upper() == "GET":
            return self.request("GET", "/describe_index_stats")
        return self.request("POST", "/describe_index_stats", json=dict(body or {}))

    def list_ids(self, **params: Any) -> WireResponse:
        return self.request("GET", "/vectors/list", params=_params(params))

    def list_namespaces(self, **params: Any) -> WireResponse:
        return self.request("GET", "/namespaces", params=_params(params))

    def describe_namespace(self, namespace: str) -> WireResponse:
        return self.request("GET", "/namespaces/" + quote(namespace, safe=""))

    def delete_namespace(self, namespace: str) -> WireResponse:
        return self.request("DELETE", "/namespaces/" + quote(namespace, safe=""))

    def create_namespace(self, name: str, **extra: Any) -> WireResponse:
        return self.request("POST", "/namespaces", json={"name": name, **extra})


class ControlPlaneClient(_BaseClient):
    """The control plane (`/indexes`, `/actions/whoami`)."""

    def list_indexes(self) -> WireResponse:
        return self.request("GET", "/indexes")

    def create_index(self, **body: Any) -> WireResponse:
        return self.request("POST", "/indexes", json=body)

    def describe_index(self, name: str) -> WireResponse:
        return self.request("GET", "/indexes/" + quote(name, safe=""))

    def configure_index(self, name: str, **body: Any) -> WireResponse:
        return self.request("PATCH", "/indexes/" + quote(name, safe=""), json=body)

    def delete_index(self, name: str) -> WireResponse:
        return self.request("DELETE", "/indexes/" + quote(name, safe=""))

    def whoami(self) -> WireResponse:
        return self.request("GET", "/actions/whoami")

    # backups and restore jobs (2025-04+), collections (pod-based indexes)

    def create_backup(self, index_name: str, **body: Any) -> WireResponse:
        return self.request("POST", f"/indexes/{quote(index_name, safe='')}/backups", json=body)

    def list_index_backups(self, index_name: str, **params: Any) -> WireResponse:
        path = f"/indexes/{quote(index_name, safe='')}/backups"
        return self.request("GET", path, params=_params(params))

    def list_backups(self, **params: Any) -> WireResponse:
        return self.request("GET", "/backups", params=_params(params))

    def describe_backup(self, backup_id: str) -> WireResponse:
        return self.request("GET", "/backups/" + quote(backup_id, safe=""))

    def delete_backup(self, backup_id: str) -> WireResponse:
        return self.request("DELETE", "/backups/" + quote(backup_id, safe=""))

    def create_index_from_backup(self, backup_id: str, **body: Any) -> WireResponse:
        path = f"/backups/{quote(backup_id, safe='')}/create-index"
        return self.request("POST", path, json=body)

    def list_restore_jobs(self, **params: Any) -> WireResponse:
        return self.request("GET", "/restore-jobs", params=_params(params))

    def describe_restore_job(self, job_id: str) -> WireResponse:
        return self.request("GET", "/restore-jobs/" + quote(job_id, safe=""))

    def list_collections(self) -> WireResponse:
        return self.request("GET", "/collections")

    def create_collection(self, **body: Any) -> WireResponse:
        return self.request("POST", "/collections", json=body)

    def describe_collection(self, name: str) -> WireResponse:
        return self.request("GET", "/collections/" + quote(name, safe=""))

    def delete_collection(self, name: str) -> WireResponse:
        return self.request("DELETE", "/collections/" + quote(name, safe=""))


def _body(extra: dict[str, Any], namespace: str | None, **fields: Any) -> dict[str, Any]:
    body = {**fields, **extra}
    if namespace is not None:
        body.setdefault("namespace", namespace)
    return body


def _params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Query parameters without None values; booleans as `true`/`false`."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else value
    return out
