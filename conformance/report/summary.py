"""summary.md: the verdict in a few lines of markdown, for a CI step summary or a PR comment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from conformance import outcomes as oc
from conformance.results.compare import transport_of

ICONS = {
    "conformant": "✅",
    "non-conformant": "❌",
    "harness-error": "⚠️",
    "target-unavailable": "🔌",
    "interrupted": "⏹️",
}
NOT_OK = (oc.FAILED, oc.HARNESS_ERROR, oc.CLEANUP_ERROR, oc.TARGET_UNAVAILABLE)
LISTED = 50  # failing behaviors listed before "and N more"


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _score(score: Mapping[str, Any]) -> str:
    if not score["total"]:
        return "–"
    percent = "n/a" if score["percent"] is None else f"{score['percent']}%"
    return f"{score['passed']}/{score['applicable']} ({percent})"


def _leftovers(leftovers: list[Mapping[str, Any]]) -> list[str]:
    """Each namespace cleanup could not remove, with the command that removes it by hand."""
    if not leftovers:
        return []
    lines = [
        f"### Left on the target: cleanup errors ({len(leftovers)})",
        "",
        "Cleanup could not remove these; each command removes one (set `PINECONE_API_KEY`).",
        "",
    ]
    for x in leftovers:
        lines += [
            f"- {x.get('kind')} `{_cell(x.get('name'))}` on `{x.get('host')}` "
            f"({_cell(x.get('test') or '')}: {_cell(x.get('problem'))})",
            "",
            "  ```sh",
            f"  {x.get('command')}",
            "  ```",
        ]
    lines.append("")
    return lines


def render_summary(results: Mapping[str, Any]) -> str:
    """Markdown: verdict, scores, counts, behaviors that did not pass, expectation problems."""
    verdict = results["verdict"]
    target = results.get("target") or {}
    lines = [
        f"## {ICONS.get(verdict, '')} Pinecone API conformance: {verdict}".replace("  ", " "),
        "",
        f"{results.get('verdict_reason', '')} (exit code {results.get('exit_code')}).",
        "",
        f"Target `{target.get('url') or 'embedded reference server'}`, API version "
        f"`{results.get('api_version')}`, transport `{transport_of(results)}`, profile "
        f"`{results.get('profile')}`, level "
        f"`{results.get('level')}`, suite {results.get('suite_version')}, run "
        f"`{results.get('run_id')}`.",
        "",
        "| | MUST | SHOULD |",
        "| --- | --- | --- |",
        f"| behaviors passed | {_score(results['scores']['MUST'])} | "
        f"{_score(results['scores']['SHOULD'])} |",
        "",
    ]
    counts = ", ".join(f"{n} {o}" for o, n in results.get("counts", {}).items() if n)
    lines += [f"Tests: {counts or 'none'}.", ""]
    tests: dict[str, Mapping[str, Any]] = {t["nodeid"]: t for t in results.get("tests", [])}
    bad = [b for b in results.get("behaviors", []) if b["outcome"] in NOT_OK]
    if bad:
        lines += [
            f"### Behaviors that did not pass ({len(bad)})",
            "",
            "| behavior | level | outcome | first problem |",
            "| --- | --- | --- | --- |",
        ]
        for b in bad[:LISTED]:
            first: Mapping[str, Any] = next(
                (tests[n] for n in b["tests"] if tests.get(n, {}).get("outcome") in NOT_OK), {}
            )
            message = (first.get("message") or "").strip().splitlines()[:1]
            problem = _cell(message[0][:200]) if message else ""
            lines.append(f"| `{b['id']}` | {b['level']} | {b['outcome']} | {problem} |")
        if len(bad) > LISTED:
            lines.append(f"| … and {len(bad) - LISTED} more | | | |")
        lines.append("")
    expected = [
        b["id"] for b in results.get("behaviors", []) if b["outcome"] == oc.EXPECTED_FAILURE
    ]
    if expected:
        lines += [
            f"Expected failures ({len(expected)}): " + ", ".join(f"`{i}`" for i in expected),
            "",
        ]
    lines += _leftovers(results.get("leftovers") or [])
    problems = [
        e
        for e in results.get("expectations", [])
        if e["status"] in ("unexpected-pass", "expired", "unmatched")
    ]
    if problems:
        strict = " (they fail the run: --strict)" if results.get("strict") else ""
        lines += [f"### Expectation problems{strict}", ""]
        for e in problems:
            what = e.get("behavior") or e.get("test")
            lines.append(f"- `{what}`: {e['status']} — {_cell(e['reason'])}")
        lines.append("")
    return "\n".join(lines)
