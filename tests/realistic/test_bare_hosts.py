"""Hosts described without a scheme take the scheme of the control-plane URL the user gave.

Hosted services describe an index's `host` bare (`my-index-abc.svc.pinecone.io`); against a local
http control plane the suite must then speak http to that host, both for a bare `--target` and for
the temporary indexes it creates. The server breaks one SHOULD on purpose (INDEXES-HOST-HTTP-SCHEME:
plain-HTTP hosts carry `http://`), and that is the only test allowed to fail.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx

from conformance.config import resolve
from conformance.target.launcher import start_server
from conformance.target.session import environment_host
from tests.suite_runner import run_suite

API_KEY = "bare-hosts-key"
COMMAND = [sys.executable, "-m", "tests.realistic.bare_hosts"]
ROOT = Path(__file__).resolve().parents[2]


def test_suite_passes_with_bare_hosts(tmp_path: Path) -> None:
    server = start_server(["bh-cosine:8:cosine"], API_KEY, command=COMMAND, cwd=str(ROOT))
    try:
        bare = server.index_urls["bh-cosine"].split("://", 1)[1]
        run = run_suite(
            [
                "-n",
                "2",
                "--no-reports",
                f"--target={bare}",
                f"--control-plane={server.control_url}",
                "--allow-create-index",
                f"--api-key={API_KEY}",
            ],
            tmp_path,
        )
    finally:
        server.stop()
    # The one deviation of this server: the SHOULD that plain-HTTP hosts carry `http://`.
    bad = {c.key.rsplit(".", 1)[-1] for c in run.with_outcome("failed") + run.with_outcome("error")}
    assert run.cases and bad == {"test_indexes::test_plain_http_hosts_have_scheme"}, run.explain()


def test_bare_target_takes_the_control_plane_scheme() -> None:
    cfg = resolve(
        {"target": "idx.svc.local:5081", "control_plane": "http://localhost:5080", "api_key": "k"},
        env={},
    )
    assert cfg.target == "http://idx.svc.local:5081"
    assert resolve({"target": "idx.svc.pinecone.io", "api_key": "k"}, env={}).target == (
        "https://idx.svc.pinecone.io"
    )


def test_whoami_host_takes_the_controller_scheme() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"project_name": "proj"})

    cfg = resolve(
        {
            "environment": "local",
            "index_name": "idx",
            "controller_url": "http://127.0.0.1:9",
            "api_key": "k",
        },
        env={},
    )
    with httpx.Client(transport=httpx.MockTransport(answer)) as http:
        assert environment_host(cfg, http) == "http://idx-proj.svc.local.pinecone.io"
