"""The fuzzer alone, with no example-based test, finds most mutants of tests/mutants.

Each mutant gets a short derandomized session (`--seed`, a fixed budget of examples: the same
examples on a fast or a loaded machine) that stops at its first failure; two run at a time. The
test prints which mutants were found and by which operation, and beside each miss why it may be
out of reach.

CI hunts a fixed sample spanning the areas the machine reaches (filter operators, scores and
order, updates, lists, counts, invalid requests, reply details, the default namespace, the
namespaces API) and needs every one of them found (each filter
operator dropper also has a time-boxed hunt of its own, test_dropper_hunt.py); the
`exhaustive` tier hunts every data-plane mutant and needs at least MIN_FOUND. Mutants of the
control plane or the API-key layer are left out (the session could not start); data-plane
mutants outside the fuzzer's reach (bulk import, the records API of integrated indexes, backups,
the gRPC transport, reference-parity behaviors whose outcome the oracle accepts either way) run
too and are expected to survive. Which examples a seed explores shifts with any change to the
machine's rules, so a handful of mutants found by chance come and go between changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conformance.catalog import load
from tests.fuzz.conftest import REPO, mutant_command
from tests.mutants.mutants import MUTANTS

pytestmark = pytest.mark.timeout(3600)
MIN_FOUND = 95
EXAMPLES = 30
STEPS = 20
PARALLEL = 2
SESSION_TIMEOUT = 300
SAMPLE = (
    "filter-drops-nin",
    "filter-drops-in",
    "filter-drops-exists",
    "filter-drops-or",
    "cosine-unnormalised",
    "euclidean-descending",
    "setmetadata-replaces",
    "list-token-restarts",
    "upserted-count-off-by-one",
    "update-reply-matched",
    "accepts-1001-vectors",
    # documented details, the default namespace, the namespaces API
    "query-no-usage",
    "stats-no-metric",
    "deleteall-default-namespace-noop",
    "namespaces-delete-noop",
)


def _hunt(name: str, out: Path) -> tuple[str, str | None, str]:
    """(mutant, signature of the first failure or None, note)."""
    report = out / name
    argv = [sys.executable, "-m", "conformance.fuzz", "--server-command", mutant_command(name)]
    argv += ["--seed", "0", "--examples", str(EXAMPLES), "--steps", str(STEPS)]
    argv += ["--duration", "240s", "--shrink-time", "2s", "--max-failures", "1"]
    argv += ["--examples-db", "none", "--report-dir", str(report), "--quiet"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINECONE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    try:
        run = subprocess.run(
            argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=SESSION_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return name, None, "session timed out"
    results = [p for p in report.glob("*/results.json") if p.parent.name != "latest"]
    if run.returncode not in (0, 1) or not results:
        return name, None, f"exit {run.returncode}: {run.stderr[-500:]}"
    data = json.loads(results[0].read_text())
    failed = [t for t in data["tests"] if t["outcome"] == "failed"]
    if not failed:
        return name, None, f"{data['fuzz']['examples']} examples"
    first = min(failed, key=lambda t: t["first_example"])
    return name, first["signature"], f"example {first['first_example']}: {first['problem'][:70]}"


# areas the fuzz machine does not drive, by mutant name prefix
OUT_OF_REACH = {
    "imports-": "bulk import (needs a dataset in object storage)",
    "records-": "records API of integrated indexes (the machine drives plain indexes)",
    "backups-": "backups (control plane)",
    "restore-": "restore from a backup (control plane)",
    "grpc-": "gRPC transport (a session over REST)",
}


# mutants whose deviation shows only where the machine accepts either outcome
UNDOCUMENTED_HERE = {
    "ne-matches-missing": "$ne on a record lacking the field (undocumented: either outcome)",
    "stats-fullness-counts": "indexFullness is 0 on serverless indexes: the kind is not known",
}


def _why_missed(name: str) -> str:
    """Why a missed mutant may be out of the fuzzer's reach, or "" when it is not."""
    reason = next((r for p, r in OUT_OF_REACH.items() if name.startswith(p)), "")
    if reason:
        return reason
    if name in UNDOCUMENTED_HERE:
        return UNDOCUMENTED_HERE[name]
    mutant = MUTANTS[name]
    catalog = load()
    declared = [catalog[b] for b in mutant.behaviors if "*" not in b and b in catalog]
    if declared and all(b.parity_only for b in declared):
        return "reference-parity behavior (either outcome accepted)"
    return ""


def _data_plane_mutants() -> list[str]:
    """Mutants a fuzz session can meet: the data plane at the default API version. Those that
    break the control plane or the API-key layer would stop the session before it starts."""
    return sorted(
        m.name
        for m in MUTANTS.values()
        if m.control is None and m.auth is None and m.api_version is None
    )


def _hunt_all(names: list[str], out: Path, capsys) -> list[tuple[str, str | None, str]]:
    with ThreadPoolExecutor(PARALLEL) as pool:
        outcomes = list(pool.map(lambda n: _hunt(n, out), names))
    with capsys.disabled():
        print(f"\nfuzz mutant hunt ({EXAMPLES} examples of {STEPS} steps, seed 0):")
        for name, signature, note in outcomes:
            verdict = f"found   {signature}" if signature else "missed "
            why = "" if signature else _why_missed(name)
            print(f"  {name:34} {verdict:50} {note}" + (f" [{why}]" if why else ""))
        print(f"found {sum(o[1] is not None for o in outcomes)}/{len(outcomes)} mutants")
    errors = [o for o in outcomes if o[2].startswith(("exit", "session timed out"))]
    assert not errors, f"sessions that did not run: {errors}"
    return outcomes


def test_the_sample_is_in_the_registry():
    assert set(SAMPLE) <= set(_data_plane_mutants())


def test_fuzzing_alone_finds_the_sample(tmp_path, capsys):
    outcomes = _hunt_all(list(SAMPLE), tmp_path, capsys)
    missed = [name for name, signature, _ in outcomes if signature is None]
    assert not missed, f"mutants of the sample not found: {missed}"


@pytest.mark.exhaustive
def test_fuzzing_alone_finds_the_mutants(tmp_path, capsys):
    outcomes = _hunt_all(_data_plane_mutants(), tmp_path, capsys)
    found = [o for o in outcomes if o[1] is not None]
    assert len(found) >= MIN_FOUND, f"only {len(found)} mutants found"
