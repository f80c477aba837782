"""`pinecone-conformance compare`: which behaviors differ between two runs."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

from conformance.results import compare
from conformance.results import document as results
from tests.support.reports import SAMPLE_PATH

SAMPLE = SAMPLE_PATH


def _variant() -> dict:
    doc = copy.deepcopy(results.load(SAMPLE))
    doc["run_id"] = "B"
    outcomes = {"UPSERT-OVERWRITES": "passed", "UPSERT-IDEMPOTENT": "failed"}
    for b in doc["behaviors"]:
        b["outcome"] = outcomes.get(b["id"], b["outcome"])
    doc["behaviors"] = [b for b in doc["behaviors"] if b["id"] != "UPSERT-SPARSE-ROUNDTRIP"]
    return doc


def test_differences_are_classified() -> None:
    rows = compare.differences(results.load(SAMPLE), _variant())
    changes = {r["id"]: (r["a"], r["b"], r["change"]) for r in rows}
    assert changes == {
        "UPSERT-IDEMPOTENT": ("passed", "failed", "regressed"),
        "UPSERT-OVERWRITES": ("failed", "passed", "fixed"),
        "UPSERT-SPARSE-ROUNDTRIP": ("not-applicable", "absent", "changed"),
    }
    assert rows[0]["change"] == "regressed"


def test_identical_runs_do_not_differ() -> None:
    doc = results.load(SAMPLE)
    assert compare.differences(doc, doc) == []
    assert "0 behaviors differ" in compare.render(doc, doc)


def test_command_text_and_markdown(tmp_path) -> None:
    b = tmp_path / "b" / "results.json"
    b.parent.mkdir()
    b.write_text(json.dumps(_variant()))
    command = [sys.executable, "-m", "conformance.cli", "compare", SAMPLE, str(b.parent)]
    text = subprocess.run(command, capture_output=True, text=True)
    assert text.returncode == 0 and "3 behaviors differ" in text.stdout
    assert "UPSERT-IDEMPOTENT" in text.stdout and "regressed" in text.stdout
    md = subprocess.run([*command, "--format", "markdown"], capture_output=True, text=True)
    assert "| `UPSERT-OVERWRITES` | MUST | failed | passed | fixed |" in md.stdout


def test_a_rest_and_a_grpc_run_of_one_server_side_by_side() -> None:
    """Each run is labelled with its wire form (REST for a run recorded before the option), and
    the heading says a difference is the two wire forms disagreeing."""
    rest = results.load(SAMPLE)
    rest.pop("transport", None)
    grpc = _variant()
    grpc["transport"] = "grpc"
    assert compare.transport_of(rest) == "rest" and compare.transport_of(grpc) == "grpc"
    text = compare.render(rest, grpc)
    assert "over rest" in text and "over grpc" in text
    assert "A spoke rest and B grpc: 2 behaviors differ where both wire forms apply" in text
    # not applicable in A, absent in B: it exists over one wire form only
    assert text.splitlines()[-1] == "not applicable over one wire form: UPSERT-SPARSE-ROUNDTRIP"
    assert "UPSERT-IDEMPOTENT" in compare.render(rest, grpc, "markdown")
    assert "A spoke" not in compare.render(rest, rest)
    from conformance.report.summary import render_summary

    assert "transport `grpc`" in render_summary(grpc)
