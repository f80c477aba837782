"""`python -m tests.support.html_cleanup_server [reference server flags]`: the reference server,
except that `deleteAll` answers an HTML page with status 200 and deletes nothing, as a proxy's
error page would. A cleanup that trusted the status would leave every namespace behind unnoticed.

With `HANG_QUERY_MARKER=<path>` in the environment, a query also never answers (within a bounded
minute): the file is created when the first one arrives, so a test knows a test is stuck there.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from starlette.types import ASGIApp

from reference_server.__main__ import main as serve
from reference_server.controlplane import IndexManager, create_control_app
from reference_server.indexes import IndexModel
from reference_server.server import default_app_factory
from tests.mutants.asgi import Forward, Reply, Request, Rewrite

PAGE = b"<html><body>Service temporarily in maintenance</body></html>"
HANG_SECONDS = 60.0


async def html_delete_all(request: Request, forward: Forward) -> Reply:
    body = request.json() if request.is_("POST", "/vectors/delete") else None
    if isinstance(body, dict) and body.get("deleteAll"):
        return Reply(200, [(b"content-type", b"text/html")]).with_body(PAGE)
    marker = os.environ.get("HANG_QUERY_MARKER")
    if marker and request.is_("POST", "/query"):
        Path(marker).touch()
        await asyncio.sleep(HANG_SECONDS)
    return await forward(request)


async def passthrough(request: Request, forward: Forward) -> Reply:
    return await forward(request)


def main(argv: list[str] | None = None) -> int:
    def app_factory(model: IndexModel, visibility_delay: float) -> ASGIApp:
        return Rewrite(default_app_factory(model, visibility_delay), html_delete_all)

    def control_app_factory(manager: IndexManager) -> ASGIApp:
        return Rewrite(create_control_app(manager), passthrough)

    return serve(sys.argv[1:] if argv is None else argv, app_factory, control_app_factory)


if __name__ == "__main__":
    sys.exit(main())
