"""Fuzz sessions: against the reference nothing is found; the command line is time-boxed, reports
its speed and results, stops cleanly on Ctrl-C; the example database makes a later session replay
an earlier failure first."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.fuzz import main as fuzz_main
from conformance.fuzz import open_database, parse_duration, run_session
from tests.fuzz.conftest import API_KEY, REPO, make_context, mutant_command, mutant_server

pytestmark = pytest.mark.timeout(240)
FUZZ = [sys.executable, "-m", "conformance.fuzz"]


def test_short_session_against_the_reference_finds_nothing(reference, http, capsys):
    ctx = make_context(reference, http)
    result = run_session(ctx, duration=30.0, seed=12345, max_examples=40, grace=5.0)
    with capsys.disabled():
        print(
            f"\nfuzz vs reference: {result.examples} examples, {result.steps} steps, "
            f"{result.steps_per_second:.0f} steps/s"
        )
    assert result.failures == [] and result.harness_errors == []
    assert result.examples >= 40 and result.steps > 200
    assert {"upsert", "query", "list", "invalid-garbage-body"} <= set(result.ops) or len(
        result.ops
    ) > 20


def test_sessions_clean_up_their_namespaces(reference, http):
    ctx = make_context(reference, http, prefix="cleanup-check")
    run_session(ctx, duration=10.0, seed=3, max_examples=10, grace=2.0)
    for url in reference.index_urls.values():
        stats = http.post(url + "/describe_index_stats", json={}, headers={"Api-Key": API_KEY})
        left = [ns for ns in stats.json()["namespaces"] if ns.startswith("cleanup-check")]
        assert left == [], f"{url}: namespaces left behind: {left}"


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("90s", 90), ("10m", 600), ("1h", 3600), ("1h30m", 5400)]
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_command_line_session(tmp_path, capsys):
    code = fuzz_main(
        [
            "--duration",
            "3s",
            "--seed",
            "5",
            "--examples-db",
            str(tmp_path / "db"),
            "--report-dir",
            str(tmp_path / "reports"),
            "--stats",
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert "steps/s" in err and "fuzz:" in err
    (results,) = (tmp_path / "reports").glob("*/results.json")
    data = json.loads(results.read_text())
    assert data["kind"] == "fuzz" and data["failures"] == [] and data["steps"] > 0
    assert data["steps_per_second"] > 0 and data["seed"] == 5


def test_usage_errors(tmp_path, capsys):
    assert fuzz_main(["--examples-db", "redis://127.0.0.1:1", "--target", "ftp://x"]) == 2
    with pytest.raises(SystemExit):
        fuzz_main(["--duration", "soon"])


def test_ctrl_c_stops_cleanly_and_keeps_the_results(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    env.pop("PINECONE_API_KEY", None)
    proc = subprocess.Popen(
        [*FUZZ, "--duration", "120s", "--examples-db", "none", "--report-dir", str(tmp_path)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and "fuzz run" not in line:
            line = proc.stderr.readline()
        assert "fuzz run" in line, "the session did not start"
        time.sleep(2.0)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode == 0, err
    assert "interrupted" in err
    (results,) = tmp_path.glob("*/results.json")
    data = json.loads(results.read_text())
    assert data["interrupted"] is True and data["steps"] > 0


def _db_entries(path: Path) -> int:
    return sum(1 for p in path.rglob("*") if p.is_file())


def test_a_later_session_replays_an_earlier_failure_first(tmp_path, http):
    """Session 1 finds and saves a failure; session 2, with another seed and a budget of one
    generated example, still reports it at once: replayed from the example database."""
    db_path = tmp_path / "examples"
    with mutant_server("fetch-plus-literal") as server:
        first = run_session(
            make_context(server, http),
            duration=60.0,
            seed=1,
            database=open_database(str(db_path)),
            max_failures=1,
            grace=5.0,
        )
        assert first.failures, "session 1 found nothing"
        assert _db_entries(db_path) > 0
        second = run_session(
            make_context(server, http),
            duration=60.0,
            seed=999,
            database=open_database(str(db_path)),
            max_failures=1,
            max_examples=1,
            chunk_examples=1,
            grace=5.0,
        )
    # Shrinking is time-capped, so a loaded machine may also save a second distinct failure;
    # what matters is that the earlier one is reported by the very first example.
    replayed = {f.signature: f for f in second.failures}
    assert first.failures[0].signature in replayed, list(replayed)
    assert replayed[first.failures[0].signature].first_example == 1
    assert len(replayed[first.failures[0].signature].steps) <= len(first.failures[0].steps)


def test_mutant_command_is_importable():
    assert mutant_command("none").endswith("tests.mutants.run none")
