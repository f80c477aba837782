"""A target whose deleteAll answers an HTML page with status 200 (and deletes nothing): every
namespace the run could not remove is a cleanup-error, named with its removal command in
results.json, summary.md, report.html, junit.xml and the run's closing lines."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.outcomes import ExitCode

REPO = Path(__file__).resolve().parents[2]
SERVER = f"{sys.executable} -m tests.support.html_cleanup_server"
RUN_TIMEOUT = 240


def _spawn(*options: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`pinecone-conformance run` against the cleanup-refusing server, in its own process group."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PINECONE_", "PYTEST_"))}
    env.update(PYTHONPATH=str(REPO), **(extra_env or {}))
    argv = [
        *(sys.executable, "-m", "conformance.cli", "run", "-q", "-p", "no:cacheprovider"),
        *("--server-command", SERVER, *options),
    ]
    return subprocess.Popen(
        argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )  # fmt: skip


def test_namespaces_left_behind_are_named_everywhere(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    proc = _spawn(
        *("--behavior", "UPSERT-OVERWRITES", "--behavior", "FETCH-*"),
        *("--reports-dir", str(reports)),
    )
    try:
        output, _ = proc.communicate(timeout=RUN_TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait(30)
    assert proc.returncode == ExitCode.HARNESS_ERROR, output[-3000:]
    doc = json.loads((reports / "latest" / "results.json").read_text())
    leftovers = doc["leftovers"]
    cleanup_errors = [t for t in doc["tests"] if t["outcome"] == "cleanup-error"]
    assert leftovers and cleanup_errors and doc["counts"]["failed"] == 0
    assert {x["test"] for x in leftovers} == {t["nodeid"] for t in cleanup_errors}
    summary = (reports / "latest" / "summary.md").read_text()
    page = (reports / "latest" / "report.html").read_text()
    junit = ET.parse(reports / "latest" / "junit.xml").getroot()
    errs = "\n".join(e.text or "" for e in junit.iter("system-err"))
    for x in leftovers:
        assert x["kind"] == "namespace" and "non-JSON" in x["problem"]
        assert '"Api-Key: $PINECONE_API_KEY"' in x["command"] and x["name"] in x["command"]
        for text in (summary, page, errs, output):
            assert x["name"] in text
        assert f"cleanup-error: namespace {x['name']!r}" in output
    assert "Left on the target" in summary and 'id="leftovers"' in page


def test_a_run_stopped_at_once_cleans_up_and_names_what_it_left(tmp_path: Path) -> None:
    """SIGTERM while a test waits on a query that never answers: the grace period runs out, the
    run stops at once, cleans up the stuck test's namespace itself (deleteAll answers HTML here,
    so it stays) and reports it, all before it exits 143."""
    marker = tmp_path / "query-arrived"
    reports = tmp_path / "reports"
    proc = _spawn(
        *("--behavior", "QUERY-AT-MOST-TOPK", "--request-timeout", "50"),
        *("--reports-dir", str(reports)),
        extra_env={"HANG_QUERY_MARKER": str(marker)},
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "no query reached the target"
        os.killpg(proc.pid, signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
    assert proc.returncode == ExitCode.TERMINATED, output[-3000:]
    doc = json.loads((reports / "latest" / "results.json").read_text())
    assert doc["verdict"] == "interrupted" and doc["counts"]["not-run"] >= 1
    stuck = [t["nodeid"] for t in doc["tests"] if t.get("when") == "call"]
    assert stuck and {x["test"] for x in doc["leftovers"]} >= set(stuck), doc["leftovers"]
    assert all("$PINECONE_API_KEY" in x["command"] for x in doc["leftovers"])
