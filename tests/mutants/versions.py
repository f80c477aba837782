"""Mutants of version-dependent behavior (digest §7)."""

from __future__ import annotations

from tests.mutants.asgi import Forward, Reply, Request
from tests.mutants.registry import Ctx, MutantGroup

GROUP = MutantGroup()
mutant = GROUP.mutant
DEFAULT_ALIAS = "__default__"


@mutant("default-alias-echoed", "VERSIONS-DEFAULT-NAMESPACE-ECHO")
async def default_alias_echoed(request: Request, forward: Forward, ctx: Ctx) -> Reply:
    """A request addressed to `__default__` echoes `__default__` instead of `""`."""
    body = request.json()
    aliased = request.param("namespace") == DEFAULT_ALIAS or (
        isinstance(body, dict) and body.get("namespace") == DEFAULT_ALIAS
    )
    reply = await forward(request)
    answer = reply.json()
    if aliased and isinstance(answer, dict) and answer.get("namespace") == "":
        return reply.with_json({**answer, "namespace": DEFAULT_ALIAS})
    return reply
