"""The pytest plugin, run in a separate pytest process over small suites written to tmp_path."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.support.standin_server import API_KEY, standin_command

CATALOG = """
[[behavior]]
id = "A-MUST"
area = "upsert"
level = "MUST"
statement = "s"
source = "x"

[[behavior]]
id = "B-SHOULD"
area = "fetch"
level = "SHOULD"
statement = "s"
source = "x"

[[behavior]]
id = "C-NEW"
area = "namespaces"
level = "MUST"
statement = "s"
source = "x"
min_version = "2025-04"

[[behavior]]
id = "D-DENSE"
area = "query"
level = "MUST"
statement = "s"
source = "x"
kinds = ["dense"]
"""

SUITE = """
import pytest

@pytest.mark.behavior("A-MUST")
def test_a(dense_space):
    dense_space.upsert_visible(dense_space.vectors.records(2))
    assert dense_space.fetch(["r0"]).status == 200

@pytest.mark.behavior("B-SHOULD")
def test_b(metric_space, target):
    assert metric_space.index.metric in ("cosine", "euclidean", "dotproduct")

@pytest.mark.behavior("C-NEW")
def test_c(default_space):
    default_space.upsert_visible(default_space.vectors.records(1, prefix="dflt"))

@pytest.mark.behavior("D-DENSE")
def test_d(sparse_space):
    pass

@pytest.mark.behavior("A-MUST")
def test_e(sparse_space, hybrid_space, control_plane, data_client):
    sparse_space.upsert_visible(sparse_space.vectors.records(1))
    assert data_client.describe_index_stats().status == 200
"""


def run(
    tmp_path, *args: str, suite: str = SUITE, timeout: float = 60
) -> subprocess.CompletedProcess:
    (tmp_path / "behaviors.toml").write_text(CATALOG)
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nconformance_catalog = behaviors.toml\nconformance_suite_paths = suite\n"
    )
    (tmp_path / "suite").mkdir(exist_ok=True)
    (tmp_path / "suite" / "test_suite.py").write_text(suite)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", *args]
    return subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=timeout, check=False
    )


SERVER = ["--server-command", " ".join(standin_command())]


def test_suite_against_embedded_standin(tmp_path) -> None:
    result = run(tmp_path, *SERVER, "--api-version", "2024-07")
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "5 passed, 2 skipped" in out  # a, b x3, e pass; c and d are not applicable
    assert "not applicable: C-NEW applies to API versions 2025-04 to …, not 2024-07" in out
    assert "not applicable: D-DENSE applies to dense indexes, not sparse" in out


@pytest.mark.parametrize("workers", ["2"])
def test_xdist(tmp_path, workers) -> None:
    result = run(tmp_path, *SERVER, "-n", workers)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed, 1 skipped" in result.stdout


@pytest.mark.parametrize(
    ("args", "passed", "deselected"),
    [(["--behavior", "A-*"], "2 passed", 5), (["--level", "MUST"], "3 passed, 1 skipped", 3)],
    ids=["behavior", "level"],
)
def test_selection(tmp_path, args, passed, deselected) -> None:
    result = run(tmp_path, *SERVER, *args)
    assert passed in result.stdout and f"{deselected} deselected" in result.stdout


@pytest.mark.parametrize(
    ("suite", "message"),
    [
        ("def test_x(dense_space):\n    pass\n", "has no @pytest.mark.behavior(ID) marker"),
        (
            "import pytest\n@pytest.mark.behavior('NOPE')\ndef test_x():\n    pass\n",
            "names behaviors not in the catalog: NOPE",
        ),
    ],
    ids=["missing", "unknown"],
)
def test_marker_errors_stop_collection(tmp_path, suite, message) -> None:
    result = run(tmp_path, *SERVER, suite=suite)
    assert result.returncode == 4
    assert message in result.stdout + result.stderr


def test_unknown_behavior_option(tmp_path) -> None:
    result = run(tmp_path, "--behavior", "ZZZ")
    assert result.returncode == 4 and "no such behavior" in result.stderr


def test_unreachable_target_is_one_message(tmp_path) -> None:
    started = time.monotonic()
    result = run(tmp_path, "--target", "http://127.0.0.1:1")
    assert time.monotonic() - started < 20
    assert result.returncode == 3
    assert "unreachable" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_wrong_key_is_a_usage_error_without_the_key(tmp_path, standin) -> None:
    secret = "wrong-" + API_KEY
    result = run(tmp_path, "--target", standin.index_urls["conf-cosine"], "--api-key", secret)
    assert result.returncode == 4
    assert "rejected the API key" in result.stderr
    assert secret not in result.stdout + result.stderr


def test_foreign_target_with_several_indexes(tmp_path, standin) -> None:
    urls = standin.index_urls
    result = run(
        tmp_path,
        "--target", urls["conf-cosine"], "--api-key", API_KEY,
        "--sparse-target", urls["conf-sparse"], "--extra-target", urls["conf-euclidean"],
        "--consistency-timeout", "1",
    )  # fmt: skip
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "3 passed, 4 skipped" in out
    assert "not applicable: no dotproduct index" in out
    assert "not applicable: the default namespace needs --allow-default-namespace" in out
    assert "not applicable: no dense dotproduct index" in out


def test_bad_option_is_one_clear_message(tmp_path) -> None:
    result = run(tmp_path, "--namespace-prefix", "ab")
    assert result.returncode == 4
    assert "--namespace-prefix: 'ab' must be 3 to 64 characters" in result.stderr


def test_inert_for_unrelated_tests(tmp_path) -> None:
    suite = "def test_plain():\n    assert True\n"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "test_other.py").write_text(suite)
    result = run(tmp_path, "other", "--target", "http://127.0.0.1:1", suite="")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_failure_report_carries_a_masked_transcript(tmp_path) -> None:
    suite = (
        "import pytest\n@pytest.mark.behavior('A-MUST')\ndef test_x(dense_space):\n"
        "    assert dense_space.fetch(['nope']).json['vectors']\n"
    )
    result = run(tmp_path, *SERVER, "--api-key", API_KEY, suite=suite)
    assert result.returncode == 1
    assert "wire transcript (call)" in result.stdout
    assert "Api-Key: ***" in result.stdout and API_KEY not in result.stdout
