"""The reports render an interrupted run (verdict, not-run tests) and the leftovers of
results.json (each named, with its removal command) from results.json alone."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conformance import outcomes as oc
from conformance.report import render_junit, render_summary
from conformance.report.html import render_html
from conformance.results import document as results
from tests.support.reports import SAMPLE_PATH

SAMPLE = results.load(SAMPLE_PATH)


def interrupted() -> dict:
    tests = [dict(t) for t in SAMPLE["tests"]]
    aborted = {
        "reason": oc.INTERRUPTED,
        "message": "interrupted by SIGTERM: 11 of 12 tests done, 1 did not run",
        "signal": "SIGTERM",
        "exit_code": 143,
    }
    facts = {k: SAMPLE[k] for k in ("run_id", "strict", "api_version", "target", "profile")}
    return results.assemble(
        facts, tests, SAMPLE["behaviors"], SAMPLE["expectations"], aborted, SAMPLE["leftovers"]
    )


def test_an_interrupted_run_has_its_own_verdict_and_code() -> None:
    doc = interrupted()
    assert (doc["verdict"], doc["exit_code"]) == ("interrupted", 143)
    assert doc["verdict_reason"].startswith("interrupted by SIGTERM")
    assert doc["counts"]["not-run"] == 1 and doc["counts"]["failed"] == 1
    summary = render_summary(doc)
    assert "conformance: interrupted" in summary.splitlines()[0] and "exit code 143" in summary
    page = render_html(doc)
    assert 'data-verdict="interrupted"' in page and "No verdict: the run was interrupted" in page
    props = {
        p.get("name"): p.get("value") for p in ET.fromstring(render_junit(doc)).iter("property")
    }
    assert props["verdict"] == "interrupted" and props["exit_code"] == "143"


def test_not_run_tests_are_counted_not_listed_as_failures() -> None:
    page = render_html(SAMPLE)
    assert "not run" in page
    summary = render_summary(SAMPLE)
    assert "1 not-run" in summary
    assert "test_stats_total_count" not in summary  # nothing went wrong in it


def test_each_leftover_is_named_with_its_command_everywhere() -> None:
    [left] = SAMPLE["leftovers"]
    summary, page = render_summary(SAMPLE), render_html(SAMPLE)
    junit = ET.fromstring(render_junit(SAMPLE))
    errs = [e.text or "" for e in junit.iter("system-err")]
    assert "Left on the target: cleanup errors (1)" in summary
    assert left["name"] in summary and left["command"] in summary
    assert 'id="leftovers"' in page and left["name"] in page
    assert "$PINECONE_API_KEY" in page
    assert len(errs) == 1 and left["command"] in errs[0]
    props = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert props["leftovers"] == "1"


def test_no_leftovers_no_section() -> None:
    doc = {**SAMPLE, "leftovers": []}
    assert "Left on the target" not in render_summary(doc)
    assert 'id="leftovers"' not in render_html(doc)
    assert list(ET.fromstring(render_junit(doc)).iter("system-err")) == []
