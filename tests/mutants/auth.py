"""Mutants of authentication and request/response headers (both planes).

The API-key mutants replace the API-key layer (`auth`); the header-case one patches the HTTP
parser, because ASGI lowercases header names before any app sees them.
"""

from __future__ import annotations

from starlette.types import ASGIApp

from reference_server.auth import ApiKeyMiddleware
from tests.mutants.asgi import Forward, Reply, Request
from tests.mutants.registry import Ctx, MutantGroup

GROUP = MutantGroup()
mutant = GROUP.mutant
VERSION_HEADER = b"x-pinecone-api-version"


@GROUP.patch("api-key-exact-case", "AUTH-KEY-HEADER-CASE-INSENSITIVE")
def api_key_exact_case() -> None:
    """Only an `Api-Key` header spelled exactly so counts; `api-key` or `API-KEY` are ignored."""
    from uvicorn.protocols.http import httptools_impl

    original = httptools_impl.HttpToolsProtocol.on_header

    def on_header(self, name: bytes, value: bytes) -> None:  # type: ignore[no-untyped-def]
        if name.lower() == b"api-key" and name != b"Api-Key":
            name = b"x-ignored-api-key"
        original(self, name, value)

    httptools_impl.HttpToolsProtocol.on_header = on_header  # type: ignore[method-assign]


@GROUP.auth("data-plane-any-key", "AUTH-DATA-PLANE-REJECTS-BAD-KEY")
def data_plane_any_key(app: ASGIApp, api_key: str | None, plane: str) -> ASGIApp:
    """The data plane accepts any API key, or none."""
    return ApiKeyMiddleware(app, None if plane == "data" else api_key, plane)  # type: ignore[arg-type]


@GROUP.auth("control-plane-401-plain-text", "AUTH-CONTROL-PLANE-UNAUTHENTICATED")
def control_plane_401_plain_text(app: ASGIApp, api_key: str | None, plane: str) -> ASGIApp:
    """The control plane rejects a bad key with the data plane's plain-text 401."""
    return ApiKeyMiddleware(app, api_key, "data")


@mutant("version-header-twice-ignored", "AUTH-VERSION-HEADER-ANY-CASE", api_version="2025-01")
async def version_header_twice_ignored(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A version header sent more than once is ignored (the request speaks the default version)."""
    if sum(1 for k, _ in request.headers if k.lower() == VERSION_HEADER) > 1:
        request.headers = [(k, v) for k, v in request.headers if k.lower() != VERSION_HEADER]
    return await forward(request)


@mutant("version-header-required", "AUTH-VERSION-HEADER-OPTIONAL", api_version="2025-04")
async def version_header_required(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A data-plane request without the version header is rejected with 400."""
    if not any(k.lower() == VERSION_HEADER for k, _ in request.headers):
        body = {"code": 3, "message": "Missing X-Pinecone-Api-Version header", "details": []}
        return Reply(400, [(b"content-type", b"application/json")]).with_json(body)
    return await forward(request)


@mutant("json-as-text-plain", "AUTH-JSON-CONTENT-TYPE")
async def json_as_text_plain(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Successful JSON responses are labelled text/plain."""
    reply = await forward(request)
    if reply.ok and (reply.header("content-type") or "").startswith("application/json"):
        return reply.with_header("content-type", "text/plain; charset=utf-8")
    return reply


@mutant("legacy-user-agent-top-k", "AUTH-CLIENT-HEADERS-IGNORED")
async def legacy_user_agent_top_k(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """Queries from a `python-client-*` User-Agent get one match fewer than asked for."""
    agent = dict(request.headers).get(b"user-agent", b"")
    reply = await forward(request)
    body = reply.json()
    legacy = agent.startswith(b"python-client-") and request.is_("POST", "/query")
    if legacy and reply.ok and isinstance(body, dict) and body.get("matches"):
        body["matches"] = body["matches"][:-1]
        return reply.with_json(body)
    return reply
