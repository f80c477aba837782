"""A server that silently drops one filter operator from queries is found by a 60-second session,
whatever the seed: filters are built from the stored metadata, so the dropped condition excludes a
record the query would otherwise return.

The five mutants of tests/mutants/filter_droppers.py at five fixed seeds each: CI runs the first
seed (five sessions, each stopping at its first failure), the `exhaustive` tier the others.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.conftest import REPO, mutant_command
from tests.mutants.filter_droppers import DROPPERS, without

pytestmark = pytest.mark.timeout(600)
SEEDS = [1, *(pytest.param(s, marks=pytest.mark.exhaustive) for s in (2, 3, 4, 5))]
DURATION = "60s"


@pytest.mark.parametrize(
    ("operator", "flt", "kept"),
    [
        ("$ne", {"genre": {"$ne": "drama"}}, {}),
        ("$ne", {"genre": {"$ne": "drama", "$exists": True}}, {"genre": {"$exists": True}}),
        ("$or", {"$or": [{"a": 1}], "b": 2}, {"b": 2}),
        ("$in", {"$and": [{"a": {"$in": [1]}}, {"b": 2}]}, {"$and": [{"b": 2}]}),
        ("$exists", {"$or": [{"a": {"$exists": False}}]}, {}),
    ],
)
def test_a_dropper_removes_exactly_its_operator(operator, flt, kept):
    assert without(flt, operator) == kept


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("operator", sorted(DROPPERS))
def test_a_minute_finds_a_dropped_operator(operator: str, seed: int, tmp_path: Path):
    name = f"filter-drops-{operator.removeprefix('$')}"
    argv = [sys.executable, "-m", "conformance.fuzz", "--server-command", mutant_command(name)]
    argv += ["--seed", str(seed), "--duration", DURATION, "--shrink-time", "5s"]
    argv += ["--max-failures", "1", "--examples-db", "none", "--report-dir", str(tmp_path)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINECONE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    run = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 1, run.stderr[-2000:]
    (results,) = [p for p in tmp_path.glob("*/results.json") if p.parent.name != "latest"]
    data = json.loads(results.read_text())
    failed = [t["signature"] for t in data["tests"] if t["outcome"] == "failed"]
    # a disagreement with the model (a filtered query, fetch or write, or the state it left),
    # not a server error or a detail of some reply
    assert failed and all(s.endswith("/mismatch") for s in failed), failed
