"""junit.xml: the run in the JUnit format CI systems read, run facts as testsuite properties.

Mapping: `failed` is a <failure>; `harness-error`, `cleanup-error` and `target-unavailable` are
<error>s (the verdict could not be reached); `not-applicable`, `expected-failure` and `not-run`
(an interrupted run) are <skipped>; `unexpected-pass` passes, or is a <failure> under --strict.
What cleanup left on the target is named, with its command, in the <system-err> of its test.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from conformance import outcomes as oc
from conformance.results.compare import transport_of

ERRORS = (oc.HARNESS_ERROR, oc.CLEANUP_ERROR, oc.TARGET_UNAVAILABLE)
SKIPPED = (oc.NOT_APPLICABLE, oc.EXPECTED_FAILURE, oc.NOT_RUN)


def _split(nodeid: str) -> tuple[str, str]:
    """(classname, name) the way pytest's junitxml spells them."""
    path, _, name = nodeid.partition("::")
    classname = path.removesuffix(".py").replace("/", ".")
    if "::" in name:
        cls, _, name = name.rpartition("::")
        classname = f"{classname}.{cls.replace('::', '.')}"
    return classname, name or path


def _transcript_text(test: Mapping[str, Any]) -> str:
    lines = []
    for e in test.get("transcript") or []:
        lines.append(f"> {e['method']} {e['url']}")
        lines += [f"> {k}: {v}" for k, v in e.get("request_headers", {}).items()]
        if e.get("request_body"):
            lines.append(f"> {e['request_body']}")
        if e.get("error"):
            lines.append(f"< transport error: {e['error']}")
        else:
            lines.append(f"< {e.get('status')}")
            if e.get("response_body"):
                lines.append(f"< {e['response_body']}")
        lines.append("")
    return "\n".join(lines)


def _properties(results: Mapping[str, Any]) -> list[tuple[str, str]]:
    target = results.get("target") or {}
    scores = results.get("scores") or {}
    facts: list[tuple[str, Any]] = [
        ("run_id", results.get("run_id")),
        ("verdict", results.get("verdict")),
        ("verdict_reason", results.get("verdict_reason")),
        ("leftovers", len(results.get("leftovers") or [])),
        ("exit_code", results.get("exit_code")),
        ("suite_version", results.get("suite_version")),
        ("catalog_hash", results.get("catalog_hash")),
        ("expectations_file", results.get("expectations_file")),
        ("expectations_hash", results.get("expectations_hash")),
        ("target_url", target.get("url")),
        ("target_embedded", target.get("embedded")),
        ("api_version", results.get("api_version")),
        ("transport", transport_of(results)),
        ("profile", results.get("profile")),
        ("level", results.get("level")),
        ("strict", results.get("strict")),
        ("started_at", results.get("started_at")),
        ("finished_at", results.get("finished_at")),
        ("seeds", json.dumps(results.get("seeds"), sort_keys=True)),
        ("options", json.dumps(results.get("options"), sort_keys=True)),
    ]
    for level, score in scores.items():
        facts.append((f"score_{level.lower()}", f"{score['passed']}/{score['applicable']}"))
    return [
        (k, "" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
        for k, v in facts
    ]


def render_junit(results: Mapping[str, Any]) -> str:
    """The JUnit XML text of a results document."""
    tests = results.get("tests", [])
    strict = bool(results.get("strict"))
    failures = sum(
        1
        for t in tests
        if t["outcome"] == oc.FAILED or (strict and t["outcome"] == oc.UNEXPECTED_PASS)
    )
    errors = sum(1 for t in tests if t["outcome"] in ERRORS)
    skipped = sum(1 for t in tests if t["outcome"] in SKIPPED)
    total_time = f"{sum(t.get('duration', 0.0) for t in tests):.3f}"
    counts = {
        "tests": str(len(tests)),
        "failures": str(failures),
        "errors": str(errors),
        "skipped": str(skipped),
        "time": total_time,
    }
    root = ET.Element("testsuites", {"name": "pinecone-conformance", **counts})
    suite = ET.SubElement(
        root,
        "testsuite",
        {"name": "pinecone-conformance", **counts, "timestamp": str(results.get("started_at"))},
    )
    leftovers: dict[str, list[str]] = {}
    for x in results.get("leftovers") or []:
        leftovers.setdefault(str(x.get("test")), []).append(
            f"cleanup-error: {x.get('kind')} {x.get('name')!r} left on {x.get('host')} "
            f"({x.get('problem')}); remove it with: {x.get('command')}"
        )
    props = ET.SubElement(suite, "properties")
    for name, value in _properties(results):
        ET.SubElement(props, "property", {"name": name, "value": value})
    for test in tests:
        classname, name = _split(test["nodeid"])
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": classname, "name": name, "time": f"{test.get('duration', 0.0):.3f}"},
        )
        ET.SubElement(case, "properties")
        for behavior in test["behaviors"]:
            ET.SubElement(case[0], "property", {"name": "behavior", "value": behavior})
        outcome = test["outcome"]
        message = (test.get("message") or "").strip()
        body = "\n\n".join(
            part for part in (test.get("details") or message, _transcript_text(test)) if part
        )
        if outcome == oc.FAILED or (strict and outcome == oc.UNEXPECTED_PASS):
            text = message or "unexpected pass of an expected failure (--strict)"
            el = ET.SubElement(case, "failure", {"message": text[:1000], "type": outcome})
            el.text = body
        elif outcome in ERRORS:
            el = ET.SubElement(case, "error", {"message": message[:1000], "type": outcome})
            el.text = body
        elif outcome == oc.NOT_APPLICABLE:
            reason = oc.NOT_APPLICABLE_PREFIX + (test.get("reason") or "")
            ET.SubElement(case, "skipped", {"message": reason, "type": outcome})
        elif outcome == oc.EXPECTED_FAILURE:
            reason = (test.get("expectation") or {}).get("reason", "")
            el = ET.SubElement(
                case, "skipped", {"message": f"expected failure: {reason}", "type": outcome}
            )
            el.text = body
        elif outcome == oc.NOT_RUN:
            message = test.get("message") or "not run: the run was interrupted"
            ET.SubElement(case, "skipped", {"message": message, "type": outcome})
        left = leftovers.get(test["nodeid"])
        if left:
            ET.SubElement(case, "system-err").text = "\n".join(left)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
