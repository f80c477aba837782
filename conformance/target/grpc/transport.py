"""`GrpcTransport`: an httpx transport that sends REST requests to an index as gRPC calls.

For code that speaks REST through an `httpx.Client` (the fuzz state machine, reproducers): each
request to an index host that serves gRPC goes as the `VectorService` call its HTTP binding names
(`GrpcDataPlaneClient`), and the reply comes back as the REST response. A request with no gRPC
form (a malformed body, one past REST's 2 MiB body limit, a REST-only route, field or header) is
sent over REST instead, to the same index, so a session keeps its state and its invalid requests;
`fallbacks` counts those.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

import httpx

from conformance.options import DEFAULT_MAX_RESPONSE_BYTES
from conformance.target.client import DEFAULT_TIMEOUT
from conformance.target.grpc.client import GrpcDataPlaneClient
from conformance.target.grpc.errors import NotExpressible

# The documented limit of a REST request body (digest §3.1, 413 past it): a JSON body past it asks
# a question of the REST wire, whose gRPC message may well be smaller.
REST_BODY_LIMIT = 2 * 1024 * 1024
# Headers httpx adds to every request by itself: not part of the request a caller built.
_HTTPX_DEFAULTS = {
    "accept": "*/*",
    "accept-encoding": None,  # any value
    "connection": "keep-alive",
    "content-length": None,
    "host": None,
    "user-agent": f"python-httpx/{httpx.__version__}",
}


class GrpcTransport(httpx.BaseTransport):
    """Requests to the indexes of `grpc_addresses` (REST base URL -> gRPC address) over gRPC
    when expressible, everything else through `rest`."""

    def __init__(
        self,
        grpc_addresses: Mapping[str, str],
        rest: httpx.Client,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._clients = {
            base.rstrip("/"): GrpcDataPlaneClient(
                address,
                None,
                None,
                timeout=timeout,
                http=rest,
                max_response_bytes=max_response_bytes,
            )
            for base, address in grpc_addresses.items()
        }
        self._rest = rest
        self.calls = 0  # requests sent over gRPC
        self.fallbacks = 0  # requests with no gRPC form, sent over REST

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url.copy_with(query=None))
        base = next((b for b in self._clients if url.startswith(b + "/")), None)
        if base is not None:
            try:
                wire = self._grpc(self._clients[base], url[len(base) :], request)
            except NotExpressible:
                pass
            else:
                self.calls += 1
                headers = httpx.Headers(wire.headers)
                headers["content-type"] = "application/json"  # the body: the reply's REST JSON
                return httpx.Response(
                    wire.status, headers=headers, content=wire.body, request=request
                )
            self.fallbacks += 1
        response = self._rest.send(request)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=response.content,
            request=request,
        )

    def _grpc(self, client: GrpcDataPlaneClient, path: str, request: httpx.Request) -> Any:
        headers: dict[str, str | None] = {}
        for name, value in request.headers.multi_items():
            name = name.lower()
            default = _HTTPX_DEFAULTS.get(name, "")
            if default is None or value == default:
                continue
            if name in headers:
                raise NotExpressible(f"the header {name} sent twice")
            headers[name] = value
        body: Any = None
        content = request.read()
        if len(content) > REST_BODY_LIMIT:
            raise NotExpressible("a body over the REST body limit (UPSERT-BODY-LIMIT-413's)")
        if content:
            if headers.get("content-type") != "application/json":
                raise NotExpressible("a body that is not sent as JSON")
            try:
                body = json.loads(content)
            except ValueError:
                raise NotExpressible("a body that is not valid JSON") from None
        params = parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)
        timeout = request.extensions.get("timeout", {}).get("read")
        try:
            return client.request(
                request.method,
                path,
                json=body,
                params=params or None,
                headers=headers,
                timeout=timeout,
            )
        finally:
            client.transcript.clear()  # a session sends without end: keep no history

    def close(self) -> None:
        self._rest.close()


def grpc_http(
    grpc_addresses: Mapping[str, str],
    rest: httpx.Client,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
) -> httpx.Client:
    """An httpx client whose requests to those index hosts travel over gRPC (see the module);
    closing it closes `rest` too."""
    transport = GrpcTransport(
        grpc_addresses, rest, timeout=timeout, max_response_bytes=max_response_bytes
    )
    return httpx.Client(timeout=timeout, transport=transport)
