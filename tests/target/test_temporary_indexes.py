"""Temporary indexes (--allow-create-index on a foreign target): the index kinds a fixture needs
and the target lacks are created once, used, and always deleted; nothing else is ever touched.

The reference server stands in for a foreign target with only a dense cosine index, driven
directly through SuiteSession and, end to end, by running the suite as a subprocess.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.config import resolve
from conformance.target.indexes import (
    IndexCreationError,
    create_index_body,
    index_url,
    temporary_index_name,
)
from conformance.target.launcher import RunningServer, launch_reference_server
from conformance.target.session import SuiteSession
from tests.suite_runner import run_suite, spawn_pytest

KEY = "temp-index-key-5f3a"
ONLY = "only-dense"
NAME_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
# The suite's tests that need another metric, a sparse or a dense dotproduct index.
SELECTION = "sparse or hybrid or metric or euclidean or dotproduct"
NEEDS_CREATION = {
    "test_query::test_sparse_scores": "the target has no sparse index",
    "test_query::test_hybrid_scores": "no dense dotproduct index",
    "test_upsert::test_upsert_hybrid_vector": "no dense dotproduct index",
    "test_query::test_scores_follow_metric[euclidean]": "no euclidean index",
    "test_query::test_scores_follow_metric[dotproduct]": "no dotproduct index",
    "test_stats::test_stats_sparse_index": "the target has no sparse index",
}


@pytest.fixture
def only_dense() -> Iterator[RunningServer]:
    """A reference server whose only index is dense cosine (a foreign target lacking kinds)."""
    with launch_reference_server([f"{ONLY}:8:cosine"], api_key=KEY) as server:
        yield server


def index_names(server: RunningServer) -> list[str]:
    response = httpx.get(f"{server.control_url}/indexes", headers={"Api-Key": KEY}, timeout=10)
    response.raise_for_status()
    return sorted(i["name"] for i in response.json()["indexes"])


def announced(server: RunningServer) -> list[str]:
    """Every index the server has started to serve (it announces each, created ones too)."""
    return [
        line.split()[2]
        for line in server.output().splitlines()
        if line.startswith("listening index ")
    ]


def foreign_session(server: RunningServer, worker: str = "m", **options) -> SuiteSession:
    cli = {
        "target": server.index_urls[ONLY],
        "control_plane": server.control_url,
        "api_key": KEY,
        **options,
    }
    return SuiteSession(resolve(cli, {}), "ab12cd34", worker).start()


# -- names, bodies, URLs ------------------------------------------------------------------------
@pytest.mark.parametrize("worker", ["m", "gw0", "gw17"])
@pytest.mark.parametrize("role", ["sparse", "euclidean", "dotproduct", "cosine"])
@pytest.mark.parametrize("prefix", ["conformance", "Vendor.QA_team", "x" * 64, "---"])
def test_temporary_index_names_are_valid_and_unique(prefix, role, worker) -> None:
    name = temporary_index_name(prefix, "ab12cd34", worker, role)
    assert NAME_RE.match(name) and len(name) <= 45, name
    assert name.endswith(f"-ab12cd34-{role}" if worker == "m" else f"-ab12cd34-{worker}-{role}")
    others = {
        temporary_index_name(prefix, run, w, r)
        for run in ("ab12cd34", "ab12cd35")
        for w in ("m", "gw0", "gw17")
        for r in ("sparse", "euclidean", "dotproduct", "cosine")
    }
    assert len(others) == 24


def test_default_name_shape() -> None:
    assert temporary_index_name("conformance", "ab12cd34", "m", "sparse") == (
        "conformance-ab12cd34-sparse"
    )


def test_create_bodies_follow_the_api_version() -> None:
    old = create_index_body("2025-10", "n", "sparse", "dotproduct", None)
    assert old["vector_type"] == "sparse" and "dimension" not in old and "spec" in old
    assert old["deletion_protection"] == "disabled"
    dense = create_index_body("2025-04", "n", "dense", "euclidean", 8)
    assert (dense["dimension"], dense["metric"]) == (8, "euclidean") and "vector_type" not in dense
    new = create_index_body("2026-07", "n", "sparse", "dotproduct", None)
    assert new["schema"]["fields"]["_sparse_values"]["type"] == "sparse_vector"
    assert "spec" not in new and "deployment" in new


def test_bare_hosts_take_the_control_planes_scheme() -> None:
    assert index_url("idx-abc.svc.pinecone.io", "https://api.pinecone.io") == (
        "https://idx-abc.svc.pinecone.io"
    )
    assert index_url("localhost:5081", "http://localhost:5080") == "http://localhost:5081"
    assert index_url("http://127.0.0.1:9/", "http://127.0.0.1:8") == "http://127.0.0.1:9"


# -- SuiteSession against the reference as a foreign target -------------------------------------
def test_missing_kinds_are_created_once_and_deleted(only_dense) -> None:
    suite = foreign_session(only_dense, allow_create_index=True)
    try:
        assert suite.can_create_indexes and suite.sparse is None and suite.hybrid is None
        sparse = suite.sparse_index()
        assert sparse is not None and sparse.vector_type == "sparse"
        assert suite.sparse_index() is sparse  # created once per run
        hybrid = suite.hybrid_index()
        assert hybrid is not None and hybrid.metric == "dotproduct"
        assert suite.metric_index("dotproduct") is hybrid  # shared with the metric tests
        assert suite.metric_index("cosine") == suite.primary  # the target's own: nothing created
        euclidean = suite.metric_index("euclidean")
        assert euclidean is not None and euclidean.metric == "euclidean"
        created = sorted(
            f"conformance-ab12cd34-{role}" for role in ("sparse", "dotproduct", "euclidean")
        )
        assert sorted(suite.created) == created
        assert index_names(only_dense) == sorted([ONLY, *created])
        client = suite.data_client(sparse)
        stats = client.describe_index_stats()
        assert stats.status == 200, stats
    finally:
        problems = suite.close()
    assert problems == []
    assert index_names(only_dense) == [ONLY]


def test_without_allow_create_index_nothing_is_created(only_dense) -> None:
    suite = foreign_session(only_dense)
    try:
        assert not suite.can_create_indexes
        assert suite.sparse_index() is None and suite.hybrid_index() is None
        assert suite.metric_index("euclidean") is None
        assert suite.created == []
    finally:
        assert suite.close() == []
    assert index_names(only_dense) == [ONLY]


def test_an_existing_index_of_the_same_name_is_never_touched(only_dense) -> None:
    """A create answered 409 means the index is someone else's: an error, and no deletion."""
    name = temporary_index_name("conformance", "ab12cd34", "m", "sparse")
    headers = {"Api-Key": KEY}
    body = create_index_body("2025-10", name, "sparse", "dotproduct", None)
    httpx.post(f"{only_dense.control_url}/indexes", json=body, headers=headers).raise_for_status()
    suite = foreign_session(only_dense, allow_create_index=True)
    try:
        with pytest.raises(IndexCreationError, match="could not create"):
            suite.sparse_index()
        with pytest.raises(IndexCreationError):  # the failure is remembered, not retried
            suite.sparse_index()
        assert suite.created == []
    finally:
        assert suite.close() == []
    assert index_names(only_dense) == sorted([ONLY, name])


def test_a_failed_delete_is_reported_with_the_index_name(only_dense) -> None:
    suite = foreign_session(only_dense, allow_create_index=True)
    suite.temporary.delete_timeout = 1.0
    cp = httpx.Client(base_url=only_dense.control_url, headers={"Api-Key": KEY}, timeout=10)
    with cp:
        try:
            sparse = suite.sparse_index()
            assert sparse is not None
            protect = {"deletion_protection": "enabled"}
            cp.patch(f"/indexes/{sparse.name}", json=protect).raise_for_status()
            problems = suite.close()
            assert len(problems) == 1 and sparse.name in problems[0], problems
            assert "left over" in problems[0] and "delete it by hand" in problems[0]
            assert f"-X DELETE {only_dense.control_url}/indexes/{sparse.name}" in problems[0]
            assert "$PINECONE_API_KEY" in problems[0] and KEY not in problems[0]
        finally:
            for name in set(index_names(only_dense)) - {ONLY}:
                cp.patch(f"/indexes/{name}", json={"deletion_protection": "disabled"})
                cp.delete(f"/indexes/{name}")
    assert index_names(only_dense) == [ONLY]


# -- the suite end to end -------------------------------------------------------------------------
@pytest.mark.timeout(240)
@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_suite_creates_and_deletes_temporary_indexes(only_dense, tmp_path: Path, workers) -> None:
    """With --allow-create-index the sparse, hybrid and metric tests run (under xdist each worker
    creates its own), and afterwards the control plane lists exactly the original index."""
    options = [
        f"--target={only_dense.index_urls[ONLY]}",
        f"--control-plane={only_dense.control_url}",
        "--allow-create-index",
        f"--api-key={KEY}",
        "-k",
        SELECTION,
        *workers,
    ]
    run = run_suite(options, tmp_path)
    assert run.returncode == 0, run.explain()
    for key in NEEDS_CREATION:
        assert run.cases[key].outcome == "passed", run.explain()
    assert not run.with_outcome("skipped") and not run.with_outcome("error"), run.explain()
    assert index_names(only_dense) == [ONLY]
    temporary = re.compile(r"^conformance-[0-9a-f]{8}-(gw\d+-)?(sparse|euclidean|dotproduct)$")
    created = [n for n in announced(only_dense) if temporary.match(n)]  # test_indexes makes others
    # one of each per run serially; under xdist each worker creates what its own tests need
    assert len(created) == len(set(created)) and len(created) <= 3 * (2 if workers else 1), created
    assert {n.rsplit("-", 1)[1] for n in created} == {"sparse", "euclidean", "dotproduct"}, created


@pytest.mark.timeout(240)
def test_suite_without_allow_create_index_reports_not_applicable(
    only_dense, tmp_path: Path
) -> None:
    options = [
        f"--target={only_dense.index_urls[ONLY]}",
        f"--control-plane={only_dense.control_url}",
        f"--api-key={KEY}",
        "-k",
        SELECTION,
    ]
    run = run_suite(options, tmp_path)
    assert run.returncode == 0, run.explain()
    for key, reason in NEEDS_CREATION.items():
        case = run.cases[key]
        assert case.outcome == "skipped" and case.message == f"not applicable: {reason}", case
    cosine = "test_query::test_scores_follow_metric[cosine]"
    assert run.cases[cosine].outcome == "passed", run.explain()
    assert announced(only_dense) == [ONLY]  # no index was ever created
    assert index_names(only_dense) == [ONLY]


@pytest.mark.timeout(240)
def test_interrupted_run_still_deletes_its_temporary_indexes(only_dense, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) once a temporary index exists: the run stops and the index is deleted."""
    args = [
        "-p",
        "no:cacheprovider",
        "--pyargs",
        "conformance.suite",
        "-q",
        "--no-reports",
        f"--target={only_dense.index_urls[ONLY]}",
        f"--control-plane={only_dense.control_url}",
        "--allow-create-index",
        f"--api-key={KEY}",
    ]
    process = spawn_pytest(args, cwd=tmp_path, merge_stderr=True)
    try:
        deadline = time.monotonic() + 60
        while len(announced(only_dense)) < 2 and process.poll() is None:
            assert time.monotonic() < deadline, "no temporary index was created within 60 s"
            time.sleep(0.02)
        assert process.poll() is None, "the run ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=10)
    assert process.returncode == 130, output[-3000:]  # ExitCode.INTERRUPTED (SIGINT)
    assert len(announced(only_dense)) >= 2
    assert index_names(only_dense) == [ONLY], output[-3000:]
