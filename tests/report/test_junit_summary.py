"""junit.xml and summary.md rendered from results.json alone."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conformance.report import render_all, render_junit, render_summary
from conformance.results import document as results
from tests.support.reports import SAMPLE_PATH

SAMPLE = results.load(SAMPLE_PATH)


def test_junit_counts_properties_and_cases() -> None:
    root = ET.fromstring(render_junit(SAMPLE))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("12", "1", "3")
    assert suite.get("skipped") == "3"  # not-applicable, expected-failure and not-run
    props = {p.get("name"): p.get("value") for p in suite.iter("property") if p.get("name")}
    assert props["run_id"] == SAMPLE["run_id"] and props["verdict"] == "target-unavailable"
    assert props["catalog_hash"].startswith("sha256:") and props["api_version"] == "2025-10"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    failed = cases["test_upsert_overwrites"]
    assert failed.get("classname") == "conformance.suite.test_upsert"
    assert "kept the old metadata" in failed.find("failure").get("message")
    assert "> GET http://127.0.0.1:5081/vectors/fetch" in failed.find("failure").text
    assert cases["test_fetch_by_id"].find("error").get("type") == "harness-error"
    behaviors = [p.get("value") for p in failed.iter("property")]
    assert behaviors == ["UPSERT-OVERWRITES"]


def test_strict_unexpected_pass_is_a_junit_failure() -> None:
    root = ET.fromstring(render_junit({**SAMPLE, "strict": True}))
    assert root.find("testsuite").get("failures") == "2"


def test_summary_lists_failing_behaviors_and_problems() -> None:
    text = render_summary(SAMPLE)
    assert text.startswith("## ") and "target-unavailable" in text.splitlines()[0]
    for bid in ("UPSERT-OVERWRITES", "FETCH-BY-ID", "FETCH-RESPONSE-SHAPE"):
        assert f"`{bid}`" in text
    assert "`UPSERT-IDEMPOTENT`" not in text  # passed
    assert "Expected failures (1): `UPSERT-MAX-VECTORS`" in text
    assert "`NO-SUCH-BEHAVIOR`: unmatched" in text and "expired" in text
    assert "| behaviors passed | 3/8 (37.5%) | – |" in text


def test_render_all_writes_every_report(tmp_path) -> None:
    written = render_all(SAMPLE, tmp_path)
    assert {p.name for p in written} >= {"summary.md", "junit.xml"}
    assert (tmp_path / "summary.md").read_text() == render_summary(SAMPLE)
