"""What a mutant is, and how the area modules (writes, queries, reads, errors, controlplane, auth,
namespaces, versions) declare theirs.

A mutant wraps one index's data plane (`handler`), the control plane (`control`), or replaces the
API-key layer in front of either (`auth`), or wraps one index's gRPC service (`grpc`);
`api_version` is the version the suite must speak to see the break (default: the suite's own
default), `transport` the wire form (`--transport`; a `grpc` mutant needs `grpc`).

Each area module keeps its mutants in a `MutantGroup`; `tests.mutants.mutants` joins the groups
into the one registry the runner and the kill tests read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp

from tests.mutants.asgi import Forward, Reply, Request, Rewrite
from tests.mutants.asgi import Handler as ControlHandler

AuthFactory = Callable[[ASGIApp, "str | None", str], ASGIApp]
"""Builds the API-key layer in front of one plane's app: (app, api_key, "control" | "data")."""
GrpcWrapper = Callable[[Any], Any]
"""Turns one index's reference gRPC service (`reference_server.grpc_service.GrpcService`) into
the one to serve."""


@dataclass
class Ctx:
    """What a handler knows about its index, plus state that lives as long as the index."""

    name: str
    dimension: int | None
    metric: str
    vector_type: str
    state: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Request, Forward, Ctx], Awaitable[Reply]]


@dataclass(frozen=True)
class Mutant:
    """A deliberately broken variant of the reference server."""

    name: str
    behaviors: tuple[str, ...]
    summary: str
    handler: Handler | None = None
    patch: Callable[[], None] | None = None
    control: ControlHandler | None = None
    auth: AuthFactory | None = None
    api_version: str | None = None
    grpc: GrpcWrapper | None = None
    transport: str | None = None

    def wrap(self, app: ASGIApp, model: Any) -> ASGIApp:
        """`app` (one index's data plane) with this mutant's handler in front, if it has one."""
        if self.handler is None:
            return app
        ctx = Ctx(model.name, model.dimension, model.metric, model.vector_type)
        handler = self.handler

        async def handle(request: Request, forward: Forward) -> Reply:
            return await handler(request, forward, ctx)

        return Rewrite(app, handle)

    def wrap_control(self, app: ASGIApp) -> ASGIApp:
        """The control-plane `app` with this mutant's control handler in front, if it has one."""
        return app if self.control is None else Rewrite(app, self.control)


class MutantGroup:
    """The mutants of one area module, in the order it declares them."""

    def __init__(self) -> None:
        self.mutants: list[Mutant] = []

    def mutant(
        self,
        name: str,
        *behaviors: str,
        summary: str | None = None,
        api_version: str | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register an ASGI-wrapper mutant; the summary defaults to its docstring's first line."""

        def register(fn: Handler) -> Handler:
            self.mutants.append(
                Mutant(
                    name, behaviors, summary or _summary(fn), handler=fn, api_version=api_version
                )
            )
            return fn

        return register

    def patch(
        self, name: str, *behaviors: str, api_version: str | None = None
    ) -> Callable[[Callable[[], None]], Callable[[], None]]:
        """Register a monkeypatch mutant (applied in the server process before it starts)."""

        def register(fn: Callable[[], None]) -> Callable[[], None]:
            self.mutants.append(
                Mutant(name, behaviors, _summary(fn), patch=fn, api_version=api_version)
            )
            return fn

        return register

    def control(
        self, name: str, *behaviors: str, api_version: str | None = None
    ) -> Callable[[ControlHandler], ControlHandler]:
        """Register a mutant that wraps the control-plane app (behind the API-key check)."""

        def register(fn: ControlHandler) -> ControlHandler:
            self.mutants.append(
                Mutant(name, behaviors, _summary(fn), control=fn, api_version=api_version)
            )
            return fn

        return register

    def auth(
        self, name: str, *behaviors: str, api_version: str | None = None
    ) -> Callable[[AuthFactory], AuthFactory]:
        """Register a mutant that replaces the API-key layer of both planes (`AuthFactory`)."""

        def register(fn: AuthFactory) -> AuthFactory:
            self.mutants.append(
                Mutant(name, behaviors, _summary(fn), auth=fn, api_version=api_version)
            )
            return fn

        return register

    def grpc(
        self, name: str, *behaviors: str, api_version: str | None = None
    ) -> Callable[[GrpcWrapper], GrpcWrapper]:
        """Register a mutant of each index's gRPC service; the suite runs it over gRPC."""

        def register(fn: GrpcWrapper) -> GrpcWrapper:
            self.mutants.append(
                Mutant(
                    name,
                    behaviors,
                    _summary(fn),
                    grpc=fn,
                    api_version=api_version,
                    transport="grpc",
                )
            )
            return fn

        return register


def join(*groups: MutantGroup) -> dict[str, Mutant]:
    """The mutants of every group by name; a name declared twice is an error, not an override."""
    registry: dict[str, Mutant] = {}
    for group in groups:
        for mutant in group.mutants:
            if mutant.name in registry:
                raise ValueError(f"mutant {mutant.name!r} is declared twice")
            registry[mutant.name] = mutant
    return registry


def _summary(fn: Callable[..., Any]) -> str:
    return (fn.__doc__ or "").strip().splitlines()[0]
