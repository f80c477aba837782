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
from types import SimpleNamespace

import pytest

from conformance.fuzz import session as fuzz_session
from conformance.fuzz.command import main as fuzz_main
from conformance.fuzz.command import parse_duration
from conformance.fuzz.session import run_session, shrink_time_limit
from tests.fuzz.conftest import (
    API_KEY,
    REPO,
    make_context,
    mutant_command,
    replay_across_sessions,
    run_results,
)

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


def test_the_documented_details_and_the_default_namespace_hold_on_the_reference(reference, http):
    """The reference server owns its default namespace here, and every documented detail (reply
    fields, header variants, legacy bindings, error texts, the namespaces API) is judged."""
    ctx = make_context(reference, http, details=True, default_namespace=True)
    result = run_session(ctx, duration=45.0, seed=2024, max_examples=40, grace=5.0)
    assert result.failures == [] and result.harness_errors == []
    namespaces_api = {"list-namespaces", "describe-namespace", "create-namespace"}
    assert namespaces_api <= set(result.ops), result.ops
    assert "stats-legacy-get" in result.ops or "delete-ids-legacy" in result.ops


def test_sessions_clean_up_their_namespaces(reference, http):
    ctx = make_context(reference, http, prefix="cleanup-check")
    run_session(ctx, duration=10.0, seed=3, max_examples=10, grace=2.0)
    for url in reference.index_urls.values():
        stats = http.post(url + "/describe_index_stats", json={}, headers={"Api-Key": API_KEY})
        left = [ns for ns in stats.json()["namespaces"] if ns.startswith("cleanup-check")]
        assert left == [], f"{url}: namespaces left behind: {left}"


def test_the_same_seed_runs_the_same_examples(reference, http):
    """`--seed` goes through hypothesis's public `@seed`: the same seed, the same steps."""
    runs = [
        run_session(make_context(reference, http), duration=60.0, seed=77, max_examples=8)
        for _ in range(2)
    ]
    assert runs[0].ops == runs[1].ops and runs[0].steps == runs[1].steps > 0


def test_the_shrink_cap_degrades_when_hypothesis_moves_it(monkeypatch):
    """Without the internal constant (a later hypothesis), shrinking just runs uncapped."""
    monkeypatch.setattr(fuzz_session, "_engine", None)
    with shrink_time_limit(3):
        pass
    engine = SimpleNamespace(MAX_SHRINKING_SECONDS=300)
    monkeypatch.setattr(fuzz_session, "_engine", engine)
    with shrink_time_limit(3):
        assert engine.MAX_SHRINKING_SECONDS == 3
    assert engine.MAX_SHRINKING_SECONDS == 300


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
    results = run_results(tmp_path / "reports")
    data = json.loads(results.read_text())
    assert data["schema"] == "pinecone-conformance/results/1" and data["kind"] == "fuzz"
    assert [(t["nodeid"], t["outcome"]) for t in data["tests"]] == [("fuzz::session", "passed")]
    assert data["verdict"] == "conformant" and data["exit_code"] == 0
    fuzz = data["fuzz"]
    assert fuzz["steps"] > 0 and fuzz["steps_per_second"] > 0 and fuzz["seed"] == 5
    assert fuzz["interrupted"] is False and data["seeds"]["hypothesis"] == 5
    assert {"summary.md", "junit.xml", "report.html"} <= {p.name for p in results.parent.iterdir()}
    assert (tmp_path / "reports" / "latest" / "results.json").samefile(results)


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
    assert proc.returncode == 130, err  # ExitCode.INTERRUPTED, like results.json
    assert "interrupted" in err
    results = run_results(tmp_path)
    data = json.loads(results.read_text())
    assert data["fuzz"]["interrupted"] is True and data["fuzz"]["steps"] > 0
    assert (data["verdict"], data["exit_code"]) == ("interrupted", 130)
    assert data["aborted"]["signal"] == "SIGINT"
    for name in ("summary.md", "junit.xml", "report.html"):
        assert (results.parent / name).exists()


def test_a_later_session_replays_an_earlier_failure_first(tmp_path, http):
    """Session 1 finds and saves a failure; session 2, with another seed and a budget of one
    generated example, still reports it at once: replayed from the example database."""
    db_path = tmp_path / "examples"

    def saved() -> int:
        return sum(1 for p in db_path.rglob("*") if p.is_file())

    replay_across_sessions(http, str(db_path), saved, second_seed=999)


def test_mutant_command_is_importable():
    assert mutant_command("none").endswith("tests.mutants.run none")
