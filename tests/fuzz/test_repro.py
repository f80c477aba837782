"""Reproducers: a failure found against a broken server is written as repro-<n>.py and .sh; the
Python one, replayed with `pinecone-conformance replay`, reproduces against that server and passes
against the reference; the API key appears in neither file."""

from __future__ import annotations

import os
import py_compile
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.fuzz.report import write_failures
from conformance.fuzz.session import run_session
from conformance.repro.replay import replay_main
from conformance.repro.writer import shell_quote, write_python, write_shell
from tests.fuzz.conftest import API_KEY, REPO, make_context, mutant_server

pytestmark = pytest.mark.timeout(240)


def _replay(script: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PINECONE_API_KEY": API_KEY, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", "import sys; from conformance.repro.replay import replay_main;"
         " sys.exit(replay_main(sys.argv[1:]))", str(script), "--target", url, *extra],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def found(tmp_path_factory, reference):
    """A failure found (and shrunk) against mutant `delete-missing-ids-404`, with its files."""
    import httpx

    out = tmp_path_factory.mktemp("repro")
    with httpx.Client(timeout=10) as http, mutant_server("delete-missing-ids-404") as server:
        ctx = make_context(server, http)
        result = run_session(ctx, duration=60.0, seed=7, max_failures=1, grace=10.0)
        assert result.failures, "the session found nothing"
        failures = write_failures(ctx, out, consistency_timeout=0.0)
        failure = failures[0]
        py, sh = Path(failure.files[0]), Path(failure.files[1])
        url = server.index_urls[failure.index.name]
        against_mutant = _replay(py, url, "--consistency-timeout", "0")
    return {
        "failure": failure,
        "py": py,
        "sh": sh,
        "mutant_run": against_mutant,
        "reference_url": reference.index_urls[failure.index.name],
    }


def test_reproducer_fails_against_the_broken_server(found):
    run = found["mutant_run"]
    assert run.returncode == 1, run.stdout + run.stderr
    assert "REPRODUCED" in run.stdout


def test_reproducer_passes_against_the_reference(found):
    run = _replay(found["py"], found["reference_url"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "conforms" in run.stdout


def test_reproducer_files(found):
    failure = found["failure"]
    assert found["py"].name == f"repro-{failure.n}.py" and found["sh"].name.endswith(".sh")
    for path in (found["py"], found["sh"]):
        text = path.read_text()
        assert API_KEY not in text
    assert "PINECONE_API_KEY" in found["py"].read_text()
    assert '"Api-Key: $PINECONE_API_KEY"' in found["sh"].read_text()
    py_compile.compile(str(found["py"]), doraise=True)
    assert "import conformance" not in found["py"].read_text()  # standalone


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("curl") is None, reason="no bash")
def test_curl_script_runs(found):
    sh = found["sh"]
    assert subprocess.run(["bash", "-n", str(sh)], capture_output=True).returncode == 0
    env = {**os.environ, "PINECONE_API_KEY": API_KEY}
    run = subprocess.run(
        ["bash", str(sh), found["reference_url"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "HTTP 200" in run.stdout


def test_replay_usage(tmp_path):
    assert replay_main([str(tmp_path / "missing.py"), "--target", "http://x"]) == 2


# Steps with every awkward value a reproducer has to carry: quotes, backslashes, controls, text
# outside ASCII in metadata, a raw body with a bare NaN, bytes that are not UTF-8.
TRICKY_STEPS = [
    {
        "method": "POST",
        "path": "/vectors/upsert",
        "json": {
            "vectors": [
                {
                    "id": "a'\"\\\x01 /+#?%",
                    "values": [0.5] * 8,
                    "metadata": {"k": "é ü \x00 '\"", "": ["x"], "n": 1e300},
                }
            ]
        },
        "slot": 1,
        "ns_in": "json",
        "expect": {"type": "ok", "body": {"upsertedCount": 1}},
        "read": False,
    },
    {
        "method": "GET",
        "path": "/vectors/fetch",
        "params": [["ids", "a'\"\\\x01 /+#?%"]],
        "slot": 1,
        "ns_in": "params",
        "read": True,
        "expect": {
            "type": "fetch",
            "dense": True,
            "slot": 1,
            "vectors": {
                "a'\"\\\x01 /+#?%": {
                    "id": "a'\"\\\x01 /+#?%",
                    "values": [0.5] * 8,
                    "metadata": {"k": "é ü \x00 '\"", "": ["x"], "n": 1e300},
                }
            },
        },
    },
    {
        "method": "POST",
        "path": "/vectors/upsert",
        "content": '{"vectors":[{"id":"n","values":[NaN,1,1,1,1,1,1,1]}],'
        '"namespace":"@NAMESPACE@"}',
        "slot": 0,
        "ns_in": "content",
        "expect": {"type": "error"},
        "read": False,
    },
    {
        "method": "POST",
        "path": "/query",
        "content": b"\xff\xfe{",
        "slot": None,
        "expect": {"type": "error"},
        "read": False,
    },
    {
        "kind": "state",
        "slot": 0,
        "read": True,
        "expect": {"type": "state", "vectors": {}, "dense": True},
    },
]


def test_written_scripts_carry_awkward_values(tmp_path, reference):
    py, sh = tmp_path / "repro-1.py", tmp_path / "repro-1.sh"
    common = {"n": 1, "run_id": "r", "title": 'x """ \\ y', "api_version": "2025-10"}
    suffixes = ["", "/ '\"$x`"]
    write_python(
        py, index={"dimension": 8}, suffixes=suffixes, steps=TRICKY_STEPS,
        consistency_timeout=0.0, failure="f", **common,
    )  # fmt: skip
    write_shell(sh, suffixes=suffixes, steps=TRICKY_STEPS, **common)
    run = _replay(py, reference.index_urls["conf-cosine"])
    assert run.returncode == 0, run.stdout + run.stderr
    assert subprocess.run(["bash", "-n", str(sh)], capture_output=True).returncode == 0
    env = {**os.environ, "PINECONE_API_KEY": API_KEY}
    out = subprocess.run(
        ["bash", str(sh), reference.index_urls["conf-cosine"]],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.stdout.count("HTTP 200") >= 2 and out.stdout.count("HTTP 400") == 2, out.stdout


@pytest.mark.parametrize("text", ["plain", "it's", "a\\b", "\x01\x7f", "é", b"\xff\x00"])
def test_shell_quote_round_trips(text):
    quoted = shell_quote(text)
    out = subprocess.run(["bash", "-c", f"printf '%s' {quoted}"], capture_output=True)
    data = text.encode() if isinstance(text, str) else text
    assert out.stdout == data.split(b"\x00")[0]  # bash strings end at NUL
