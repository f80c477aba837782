"""`python -m tests.mutants.run MUTANT [reference server flags...]`: the reference server with one
mutant applied.

Takes the same flags as `python -m reference_server` and prints the same `listening ...` lines, so
the suite's launcher can start it with `--server-command "python -m tests.mutants.run MUTANT"`.
The name `none` runs the reference server behind a pass-through wrapper: the control, which shows
the wrapper machinery itself breaks nothing.

The gRPC data plane: a mutant with a `grpc` attribute (a callable `GrpcService -> GrpcService`, see
`reference_server.grpc_service`) gets each index's reference gRPC service and returns the one to
serve, e.g. with an interceptor put in front (`GrpcService(s.servicer, [Mine(), *s.interceptors])`)
or a servicer wrapped. The control puts a pass-through interceptor in front.
"""

from __future__ import annotations

import sys
from typing import Any

import grpc
from starlette.types import ASGIApp

from reference_server.__main__ import main as serve
from reference_server.auth import ApiKeyMiddleware
from reference_server.controlplane import IndexManager, create_control_app
from reference_server.grpc_service import GrpcService, default_grpc_service
from reference_server.indexes import IndexModel
from reference_server.server import default_app_factory
from tests.mutants.asgi import Forward, Reply, Request, Rewrite
from tests.mutants.mutants import MUTANTS, Mutant

CONTROL = "none"


async def passthrough(request: Request, forward: Forward) -> Reply:
    """The control's handler: forward every request unchanged."""
    return await forward(request)


class PassThroughInterceptor(grpc.aio.ServerInterceptor):
    """The control's gRPC wrapper: every call continues unchanged."""

    async def intercept_service(self, continuation: Any, handler_call_details: Any) -> Any:
        return await continuation(handler_call_details)


def main(argv: list[str] | None = None) -> int:
    """Run the server with the named mutant: `python -m reference_server`'s own entry point, with
    app factories that put the mutant in front of each index and of the control plane (and its
    own API-key layer, if it has one); the same exit statuses."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in (CONTROL, *MUTANTS):
        known = ", ".join(sorted(MUTANTS))
        print(f"usage: python -m tests.mutants.run MUTANT [flags]; MUTANT is one of: {CONTROL}, "
              f"{known}", file=sys.stderr)  # fmt: skip
        return 2
    chosen: Mutant | None = MUTANTS.get(args[0])
    if chosen is not None and chosen.patch is not None:
        chosen.patch()

    def app_factory(model: IndexModel, visibility_delay: float) -> ASGIApp:
        app = default_app_factory(model, visibility_delay)
        return Rewrite(app, passthrough) if chosen is None else chosen.wrap(app, model)

    def control_app_factory(manager: IndexManager) -> ASGIApp:
        app = create_control_app(manager)
        return Rewrite(app, passthrough) if chosen is None else chosen.wrap_control(app)

    grpc_wrap = getattr(chosen, "grpc", None)

    def grpc_factory(store: Any, api_key: str | None) -> GrpcService:
        service = default_grpc_service(store, api_key)
        if chosen is None:
            return GrpcService(service.servicer, [PassThroughInterceptor(), *service.interceptors])
        return service if grpc_wrap is None else grpc_wrap(service)

    auth = ApiKeyMiddleware if chosen is None or chosen.auth is None else chosen.auth
    return serve(args[1:], app_factory, control_app_factory, auth, grpc_factory)


if __name__ == "__main__":
    sys.exit(main())
