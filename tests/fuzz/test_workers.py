"""`fuzz --workers N`: N sessions at once, seeds apart, merged into one run whose figures are the
workers' sums and whose failures point at the workers' reproducers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.fuzz.command import main as fuzz_main
from conformance.fuzz.workers import SEED_STRIDE, worker_argv
from tests.fuzz.conftest import mutant_command, run_results

pytestmark = pytest.mark.timeout(240)


def test_each_worker_gets_its_own_seed_and_folder(tmp_path):
    argv = ["--seed", "1", "--workers", "3", "--report-dir", "elsewhere"]
    cmds = [worker_argv(argv, k, 5, tmp_path / str(k), 4) for k in range(3)]
    for k, cmd in enumerate(cmds):
        # the worker's own flags come last, so they win over the user's
        assert cmd[-9:] == [
            "--workers", "1", "--seed", str(5 + k * SEED_STRIDE),
            "--report-dir", str(tmp_path / str(k)), "--quiet", "--examples", "4",
        ]  # fmt: skip


def _session(tmp_path: Path, *extra: str) -> tuple[int, dict]:
    reports = tmp_path / "reports"
    common = ["--workers", "2", "--seed", "7", "--steps", "8", "--duration", "60s"]
    folders = ["--examples-db", str(tmp_path / "db"), "--report-dir", str(reports)]
    code = fuzz_main([*common, *folders, *extra])
    return code, json.loads(run_results(reports).read_text())


def test_two_workers_merge_into_one_run(tmp_path, capsys):
    code, data = _session(tmp_path, "--examples", "6", "--stats")
    err = capsys.readouterr().err
    assert code == 0, err
    assert "2 workers" in err and "filter operator" in err
    fuzz = data["fuzz"]
    assert fuzz["workers"] == 2 and fuzz["worker_seeds"] == [7, 7 + SEED_STRIDE]
    assert fuzz["examples"] >= 6 and fuzz["steps"] > 0
    assert fuzz["steps"] == sum(fuzz["operations"].values())
    assert [(t["nodeid"], t["outcome"]) for t in data["tests"]] == [("fuzz::session", "passed")]
    assert (data["verdict"], data["exit_code"]) == ("conformant", 0)


def test_a_failure_in_a_worker_is_the_runs(tmp_path, capsys):
    server = ["--server-command", mutant_command("fetch-unknown-ids-null")]
    code, data = _session(tmp_path, *server, "--max-failures", "1", "--shrink-time", "5s")
    assert code == 1, capsys.readouterr().err
    failed = [t for t in data["tests"] if t["outcome"] == "failed"]
    assert failed and data["fuzz"]["failures"] == len(failed)
    run_dir = run_results(tmp_path / "reports").parent
    for test in failed:
        assert test["reproducers"]["python"].startswith("workers/")
        assert (run_dir / test["reproducers"]["python"]).is_file()
