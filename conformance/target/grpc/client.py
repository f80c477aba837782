"""`GrpcDataPlaneClient`: the data plane over gRPC, behind the interface of `DataPlaneClient`.

Every REST request a test makes (`request(method, path, json=..., params=...)`, and so every
`DataPlaneClient` method) becomes the RPC its HTTP binding names, sent with the API key as `api-key`
metadata and the API version as `x-pinecone-api-version`. The reply comes back as a
`WireResponse`: the HTTP status the documented mapping gives the gRPC code, the REST JSON of the
reply message (or of the error, `{"code", "message", "details": []}`), and the response metadata
as headers. A request with no gRPC form raises NotExpressible before anything is sent.

As over HTTP, every call has a total deadline (the gRPC deadline), a reply larger than the cap is
not read (the channel's receive limit: ResponseTooLarge), a call that got no answer (no connection,
deadline passed) raises a transport error (`GrpcTransportError`, an `httpx.TransportError`) and is
told to the stall watch, and the transcript masks the API key.
"""

from __future__ import annotations

import atexit
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import grpc
import httpx
from google.protobuf import json_format
from google.protobuf.message import Message

from conformance.options import DEFAULT_MAX_RESPONSE_BYTES
from conformance.redact import MASK, redact
from conformance.target.client import (
    DEFAULT_API_VERSION,
    DEFAULT_TIMEOUT,
    DataPlaneClient,
    Exchange,
    Params,
    ResponseTooLarge,
    WireResponse,
    _clip,
    encode_json,
)
from conformance.target.grpc import bindings, convert
from conformance.target.grpc.errors import NotExpressible
from conformance.target.grpc.status import GRPC_STATUS_HEADER, error_body, http_status
from conformance.target.stall import StallWatch
from pinecone_messages import load

API_KEY_METADATA = "api-key"
VERSION_METADATA = "x-pinecone-api-version"
# REST headers with a gRPC counterpart (metadata of the same meaning)
_METADATA_OF_HEADER = {"api-key": API_KEY_METADATA, "x-pinecone-api-version": VERSION_METADATA}
# Calls that ended without an answer from the target: a transport failure, as over HTTP
_NO_ANSWER = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})
_SHOWN_BYTES = 16 * 1024  # past this size a message is shown by the JSON the test built
# grpc's own RESOURCE_EXHAUSTED when a message is over a receive limit: "... (SIZE vs. LIMIT)"
_TOO_LARGE = re.compile(r"larger than max \((\d+) vs\. (\d+)\)")


class GrpcTransportError(httpx.TransportError):
    """A gRPC call that got no answer (unreachable target, deadline passed)."""


@dataclass
class GrpcExchange(Exchange):
    """One gRPC call, recorded under the REST request it stands for (`method`, `url`), so the
    suite's bookkeeping (ids written to the default namespace) reads it like an HTTP one."""

    rpc: str = ""

    def headline(self) -> str:
        address, _, path = self.url.split("://", 1)[-1].partition("/")
        return f"> gRPC {self.rpc} at {address} (REST {self.method} /{path})"


def parse_target(text: str) -> tuple[str, bool]:
    """`(HOST:PORT, tls)` of a gRPC target: `HOST:PORT` or `http://HOST:PORT` is plaintext,
    `https://HOST[:PORT]` is TLS (port 443 by default)."""
    if "://" not in text:
        return text.rstrip("/"), False
    parts = urlsplit(text)
    secure = parts.scheme in ("https", "grpcs")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or (443 if secure else 80)
    return f"{host}:{port}", secure


class _Channels:
    """One channel per target and receive limit, shared by every client of the process (a
    channel multiplexes any number of calls), closed at exit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[tuple[str, bool, int], grpc.Channel] = {}

    def get(self, address: str, secure: bool, max_receive: int) -> grpc.Channel:
        key = (address, secure, max_receive)
        with self._lock:
            channel = self._open.get(key)
            if channel is None:
                options = [
                    ("grpc.max_receive_message_length", max_receive),
                    ("grpc.max_send_message_length", -1),
                    ("grpc.enable_retries", 0),  # no retry may turn a failure into a pass
                    ("grpc.enable_http_proxy", 0),  # the target, never a proxy of the environment
                ]
                if secure:
                    credentials = grpc.ssl_channel_credentials()
                    channel = grpc.secure_channel(address, credentials, options=options)
                else:
                    channel = grpc.insecure_channel(address, options=options)
                self._open[key] = channel
            return channel

    def close(self) -> None:
        with self._lock:
            channels, self._open = list(self._open.values()), {}
        for channel in channels:
            channel.close()


CHANNELS = _Channels()
atexit.register(CHANNELS.close)


class GrpcDataPlaneClient(DataPlaneClient):
    """One index's data plane over gRPC (`grpc_target`: `HOST:PORT` or a URL, see
    `parse_target`); the same methods and replies as `DataPlaneClient`."""

    transport = "grpc"

    def __init__(
        self,
        grpc_target: str,
        api_key: str | None,
        api_version: str | None = DEFAULT_API_VERSION,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        http: httpx.Client | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        watch: StallWatch | None = None,
    ) -> None:
        self.address, self.secure = parse_target(grpc_target)
        scheme = "grpcs" if self.secure else "grpc"
        super().__init__(
            f"{scheme}://{self.address}",
            api_key,
            api_version,
            timeout=timeout,
            http=http,
            max_response_bytes=max_response_bytes,
            watch=watch,
        )
        self._messages, _ = load()
        self._limit = max(1, max_response_bytes)
        self._channel = CHANNELS.get(self.address, self.secure, self._limit)

    def default_metadata(self) -> dict[str, str]:
        metadata: dict[str, str] = {}
        if self._api_key is not None:
            metadata[API_KEY_METADATA] = self._api_key
        if self.api_version is not None:
            metadata[VERSION_METADATA] = self.api_version
        return metadata

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
        """Send the RPC the REST request `method path` stands for; see the module docstring.

        Raises NotExpressible (nothing sent) for a request with no gRPC form: a raw body, a
        route, header, field, parameter or value that no message can carry.
        """
        if content is not None:
            raise NotExpressible("a raw request body (only JSON values have a message form)")
        rpc, path_fields = bindings.route(method, path)
        metadata = self._metadata(headers, json is not None)
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params or [])
        pairs = bindings.query_pairs(path) + pairs
        message = convert.request_message(
            rpc, getattr(self._messages, rpc.request), json, pairs, path_fields
        )
        shown = {":path": rpc.path, **metadata}
        entry = GrpcExchange(
            method=method.upper(),
            url=self.base_url + path.split("?", 1)[0],
            request_headers={
                k: (MASK if k == API_KEY_METADATA else redact(v, [self._api_key]))
                for k, v in shown.items()
            },
            request_body=_clip(redact(_shown(message, json), [self._api_key])),
            sent=json,
            rpc=rpc.path,
        )
        self.transcript.append(entry)
        deadline = self.timeout if timeout is None else timeout
        try:
            if self.watch is not None:
                self.watch.before()
            wire = self._call(rpc, message, metadata, deadline)
        except (httpx.TransportError, ResponseTooLarge) as exc:
            entry.error = redact(f"{type(exc).__name__}: {exc}", [self._api_key])
            self._tell_watch(exc)
            raise
        self._tell_watch(None)
        entry.status = wire.status
        entry.response_headers = dict(wire.headers)
        entry.response_body = _clip(redact(wire.text, [self._api_key]))
        return wire

    def _metadata(self, headers: Mapping[str, str | None] | None, has_json: bool) -> dict[str, str]:
        """The call's metadata: the defaults, changed as `headers` asks where a header has a gRPC
        counterpart (the key, the version); NotExpressible for any other header."""
        metadata = self.default_metadata()
        for name, value in (headers or {}).items():
            lower = name.lower()
            if lower == "content-type" and has_json and value == "application/json":
                continue  # what a JSON body is sent with anyway
            key = _METADATA_OF_HEADER.get(lower)
            if key is None:
                raise NotExpressible(f"the HTTP header {name!r} has no gRPC counterpart")
            if value is None:
                metadata.pop(key, None)
            elif not value.isascii() or not value.isprintable():
                raise NotExpressible(f"a {name} value that gRPC metadata cannot carry")
            else:
                metadata[key] = value
        return metadata

    def _call(
        self, rpc: bindings.Rpc, message: Message, metadata: dict[str, str], deadline: float
    ) -> WireResponse:
        reply_type = getattr(self._messages, rpc.response)
        method = self._channel.unary_unary(
            rpc.path,
            request_serializer=type(message).SerializeToString,
            response_deserializer=reply_type.FromString,
        )
        try:
            reply, call = method.with_call(
                message, metadata=tuple(metadata.items()), timeout=deadline
            )
        except grpc.RpcError as error:
            return self._failure(error, deadline)
        headers = _headers(call, 0)
        return WireResponse(200, headers, encode_json(convert.reply_json(reply, rpc)))

    def _failure(self, error: grpc.RpcError, deadline: float) -> WireResponse:
        code: grpc.StatusCode = error.code()
        details: str = error.details() or ""
        if code in _NO_ANSWER:
            raise GrpcTransportError(
                f"{code.name}: {details} (no answer within the deadline of {deadline:g}s "
                "or no connection, --request-timeout)"
            )
        if code == grpc.StatusCode.RESOURCE_EXHAUSTED and _over_our_limit(details, self._limit):
            raise ResponseTooLarge(
                f"the reply is over the cap of {self.max_response_bytes} bytes "
                f"(--max-response-bytes): {details}"
            )
        number = int(code.value[0])
        body = encode_json(error_body(number, details))
        return WireResponse(http_status(number), _headers(error, number), body)


def _shown(message: Message, sent: Any) -> str:
    """The request as the transcript shows it: the message as JSON, what was really sent (NaN as
    `"NaN"`, numbers as float32); for a large message the JSON the test built, which costs no
    conversion (only the first characters of either are kept)."""
    if sent is not None and message.ByteSize() > _SHOWN_BYTES:
        return encode_json(sent).decode("utf-8", "replace")
    return json_format.MessageToJson(message, indent=None, sort_keys=False)


def _over_our_limit(details: str, limit: int) -> bool:
    """Whether a RESOURCE_EXHAUSTED is this client refusing a reply over its own receive limit
    (the target refusing a request over its limit reads the same, with the target's limit)."""
    found = _TOO_LARGE.search(details)
    return found is not None and int(found.group(2)) == limit


def _headers(call: Any, code: int) -> httpx.Headers:
    """The reply's initial and trailing metadata as headers (binary entries left out), and its
    gRPC status as `grpc-status`."""
    pairs: list[tuple[str, str]] = []
    for source in (call.initial_metadata(), call.trailing_metadata()):
        for key, value in source or ():
            if not key.endswith("-bin") and isinstance(value, str):
                pairs.append((key, value))
    pairs.append((GRPC_STATUS_HEADER, str(code)))
    return httpx.Headers(pairs)
