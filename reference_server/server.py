"""The process shell: the control plane on the main port and one listener per index.

Several `uvicorn.Server` instances share one asyncio loop (the Pinecone Local model: every index
has its own port). Each listener binds its own socket up front, so its port is known before it
serves; signals are handled here once, not by each uvicorn server. With a `grpc_factory`, every
index also gets a gRPC listener of its own (`grpc_service/`), announced before its REST line.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

import uvicorn
from starlette.types import ASGIApp

from reference_server.auth import ApiKeyMiddleware, Plane
from reference_server.controlplane import IndexManager, create_control_app
from reference_server.errors import already_exists
from reference_server.indexes import IndexModel

if TYPE_CHECKING:
    from reference_server.grpc_service import GrpcServiceFactory

STOP_TIMEOUT = 5.0
START_TIMEOUT = 10.0


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to `ReferenceServer`."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


AppFactory = Callable[[IndexModel, float], ASGIApp]
"""Builds one index's data-plane app from its model and the server's visibility delay."""

ControlAppFactory = Callable[[IndexManager], ASGIApp]
"""Builds the control-plane app over the server (its `IndexManager`)."""

AuthFactory = Callable[[ASGIApp, "str | None", Plane], ASGIApp]
"""Puts the API-key check in front of one plane's app (default `ApiKeyMiddleware`)."""


def default_app_factory(model: IndexModel, visibility_delay: float) -> ASGIApp:
    """The data-plane app of one index (imported lazily: the data plane is a separate module)."""
    from reference_server.dataplane import create_data_app
    from reference_server.store import IndexStore

    store = IndexStore(
        name=model.name,
        dimension=model.dimension,
        metric=model.metric,
        vector_type=model.vector_type,
        visibility_delay=visibility_delay,
    )
    model.store = store
    from reference_server.inference.records import attach

    attach(store, model)
    return create_data_app(store)


class _Listener:
    """One uvicorn server bound to its own loopback socket."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the
        # protocol is explicit, and without it every keep-alive response waits ~40 ms (Nagle
        # against delayed ACKs).
        self.sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.sock.bind((host, port))
        except OSError:
            self.sock.close()
            raise
        self.sock.set_inheritable(False)
        self.port: int = self.sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            lifespan="off",
            access_log=False,
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
        self.server = _Server(config)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Serve in the background; return once the socket accepts connections."""
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        async with asyncio.timeout(START_TIMEOUT):
            while not self.server.started:
                if self.task.done():
                    self.task.result()
                    raise RuntimeError("listener exited during startup")
                await asyncio.sleep(0.005)

    async def stop(self) -> None:
        """Stop accepting, let in-flight requests finish (bounded), release the port."""
        self.server.should_exit = True
        if self.task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self.task), STOP_TIMEOUT)
            except TimeoutError:
                self.server.force_exit = True
                self.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self.task
        self.sock.close()


def advertised_host(bind_host: str) -> str:
    """The host clients should use: loopback for wildcard or loopback binds, else the bind host."""
    if bind_host in ("0.0.0.0", "localhost", "127.0.0.1", "", "::"):
        return "127.0.0.1"
    return f"[{bind_host}]" if ":" in bind_host else bind_host


class ReferenceServer:
    """Owns the indexes and their listeners; implements `controlplane.IndexManager`."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 5080,
        api_key: str | None = None,
        indexes: list[IndexModel] | None = None,
        visibility_delay: float = 0.0,
        app_factory: AppFactory = default_app_factory,
        out: TextIO | None = None,
        control_app_factory: ControlAppFactory = create_control_app,
        auth_factory: AuthFactory = ApiKeyMiddleware,
        grpc_factory: GrpcServiceFactory | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.api_key = api_key
        self.visibility_delay = visibility_delay
        self._initial = list(indexes or [])
        self._app_factory = app_factory
        self._control_app_factory = control_app_factory
        self._auth_factory = auth_factory
        self._grpc_factory = grpc_factory
        self._grpc_listeners: dict[str, Any] = {}
        self._out = out
        self._models: dict[str, IndexModel] = {}
        self._listeners: dict[str, _Listener] = {}
        self._lock = asyncio.Lock()
        self._stop = asyncio.Event()
        self.control: _Listener | None = None

    # IndexManager

    def list_indexes(self) -> list[IndexModel]:
        return list(self._models.values())

    def get_index(self, name: str) -> IndexModel | None:
        return self._models.get(name)

    async def create_index(self, model: IndexModel) -> IndexModel:
        async with self._lock:
            if model.name in self._models:
                raise already_exists("Resource already exists.")
            app = self._auth_factory(
                self._app_factory(model, self.visibility_delay), self.api_key, "data"
            )
            grpc_listener = await self._start_grpc(model)
            listener = _Listener(app, self.host, 0)
            try:
                await listener.start()
            except BaseException:
                if grpc_listener is not None:
                    await grpc_listener.stop()
                raise
            model.host = self._url(listener.port)
            self._models[model.name] = model
            self._listeners[model.name] = listener
            if grpc_listener is not None:
                self._grpc_listeners[model.name] = grpc_listener
        if grpc_listener is not None:
            self._announce(f"listening grpc {model.name} {grpc_listener.address}")
        self._announce(f"listening index {model.name} {model.host}")
        return model

    async def _start_grpc(self, model: IndexModel) -> Any:
        """The index's gRPC listener, started, or None without a factory or a store to serve."""
        if self._grpc_factory is None or model.store is None:
            return None
        from reference_server.grpc_service.listener import GrpcListener, loopback_for

        listener = GrpcListener(
            self._grpc_factory(model.store, self.api_key), loopback_for(self.host)
        )
        await listener.start()
        return listener

    async def delete_index(self, name: str) -> None:
        async with self._lock:
            self._models.pop(name, None)
            listener = self._listeners.pop(name, None)
            grpc_listener = self._grpc_listeners.pop(name, None)
        if grpc_listener is not None:
            await grpc_listener.stop()
        if listener is not None:
            await listener.stop()

    # lifecycle

    def request_stop(self) -> None:
        """Ask `run` to stop every listener and return (safe to call from a signal handler)."""
        self._stop.set()

    async def run(self, install_signal_handlers: bool = True) -> None:
        """Start the control plane and the initial indexes, serve until stopped, stop cleanly."""
        loop = asyncio.get_running_loop()
        if install_signal_handlers:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self.request_stop)
        try:
            app = self._auth_factory(self._control_app_factory(self), self.api_key, "control")
            self.control = _Listener(app, self.host, self.port)
            await self.control.start()
            self._announce(f"listening control {self._url(self.control.port)}")
            for model in self._initial:
                await self.create_index(model)
            await self._stop.wait()
        finally:
            await self._shutdown()
            if install_signal_handlers:
                for sig in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(sig)

    async def _shutdown(self) -> None:
        listeners: list[Any] = [*self._listeners.values(), *self._grpc_listeners.values()]
        self._listeners.clear()
        self._grpc_listeners.clear()
        self._models.clear()
        if self.control is not None:
            listeners.append(self.control)
        await asyncio.gather(*(listener.stop() for listener in listeners))

    def _url(self, port: int) -> str:
        return f"http://{advertised_host(self.host)}:{port}"

    def _announce(self, line: str) -> None:
        out = self._out or sys.stdout
        print(line, file=out, flush=True)
