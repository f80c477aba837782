"""report.html: one self-contained page rendered from results.json alone.

The page carries its CSS and JS inline (no network, no CDN) and a Content-Security-Policy that
allows only that inline style and script (by hash), so nothing from the results, however hostile,
can load or run anything. Every value taken from the results is HTML-escaped.

Layout: the verdict with the MUST and SHOULD scores, the run facts, a matrix of areas and one of
behaviors (with counts of their tests' outcomes), client-side filters (failed only, level, area),
and for each failing behavior its statement, source, and each failing test's message and wire
transcript in collapsible sections.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from conformance import outcomes as oc
from conformance.outcomes import OUTCOMES
from conformance.results.compare import transport_of

# How each outcome of the vocabulary shows: (label, css class). Columns follow OUTCOMES' order.
_DISPLAY: dict[str, tuple[str, str]] = {
    oc.PASSED: ("passed", "o-pass"),
    oc.FAILED: ("failed", "o-fail"),
    oc.NOT_APPLICABLE: ("n/a", "o-na"),
    oc.EXPECTED_FAILURE: ("expected failure", "o-xfail"),
    oc.UNEXPECTED_PASS: ("unexpected pass", "o-xpass"),
    oc.HARNESS_ERROR: ("harness error", "o-error"),
    oc.CLEANUP_ERROR: ("cleanup error", "o-error"),
    oc.TARGET_UNAVAILABLE: ("target unavailable", "o-error"),
    oc.NOT_RUN: ("not run", "o-na"),
}
_LABELS = {o: _DISPLAY[o][0] for o in OUTCOMES}  # a KeyError here: an outcome without a display
_CLASSES = {o: _DISPLAY[o][1] for o in OUTCOMES}
# Shown by the "failed only" filter and detailed in the failures section (tests an interruption
# kept from running are counted, not detailed: nothing went wrong in them).
NOT_OK = frozenset(OUTCOMES) - {oc.PASSED, oc.NOT_APPLICABLE, oc.NOT_RUN}
# Always a column of the matrices; other outcomes get one only when they occur.
_ALWAYS_COLUMNS = (oc.PASSED, oc.FAILED, oc.NOT_APPLICABLE)
LEVELS = ("MUST", "SHOULD", "MAY")
_TRANSCRIPT_LIMIT = 200_000


def esc(value: Any) -> str:
    """`value` as text, HTML-escaped (quotes too, so it is safe in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def _outcome_badge(outcome: str, title: str | None = None) -> str:
    cls = _CLASSES.get(outcome, "o-other")
    attr = f' title="{esc(title)}"' if title else ""
    return f'<span class="badge {cls}"{attr}>{esc(_LABELS.get(outcome, outcome))}</span>'


# verdict value -> (headline, css class)
_VERDICTS = {
    "conformant": ("Conformant", "ok"),
    "non-conformant": ("Not conformant", "bad"),
    "harness-error": ("No verdict: the suite broke", "broken"),
    "target-unavailable": ("No verdict: target unavailable", "broken"),
    "interrupted": ("No verdict: the run was interrupted", "broken"),
}


def _verdict(results: Mapping[str, Any]) -> tuple[str, str, str]:
    """The verdict's key, headline and css class."""
    value = results.get("verdict")
    if isinstance(value, bool):
        value = "conformant" if value else "non-conformant"
    key = str(value or "")
    headline, cls = _VERDICTS.get(key, (f"Verdict: {key}" if key else "No verdict", "broken"))
    return key, headline, cls


def _score(results: Mapping[str, Any], behaviors: list[Mapping[str, Any]], level: str) -> str:
    """One score box: percent of applicable behaviors of `level` that passed, and the counts."""
    score = (results.get("scores") or {}).get(level)
    if not isinstance(score, Mapping):  # computed from the behaviors, like the results writer
        rows = [b for b in behaviors if b.get("level") == level]
        counted = [b for b in rows if b.get("outcome") != oc.NOT_APPLICABLE]
        n_passed = sum(b.get("outcome") in oc.PASSING for b in counted)
        score = {
            "passed": n_passed,
            "failed": len(counted) - n_passed,
            "applicable": len(counted),
            "total": len(rows),
            "percent": round(100 * n_passed / len(counted), 1) if counted else None,
        }
    percent = score.get("percent")
    big = f"{percent:.1f}%" if isinstance(percent, int | float) else "–"
    passed, applicable, total = (score.get(k) for k in ("passed", "applicable", "total"))
    if not total:
        detail = f"no {level} behaviors in this run"
    else:
        detail = f"{passed} of {applicable} applicable passed"
        if isinstance(total, int) and isinstance(applicable, int) and total > applicable:
            detail += f" · {total - applicable} n/a"
    return (
        f'<div class="score" id="score-{level.lower()}" data-passed="{esc(passed)}"'
        f' data-applicable="{esc(applicable)}"><span class="score-label">{level}</span>'
        f'<span class="score-value">{esc(big)}</span>'
        f'<span class="score-detail">{esc(detail)}</span></div>'
    )


def _format_value(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_format_value(v)}" for k, v in value.items()) or "–"
    if isinstance(value, list | tuple):
        return ", ".join(_format_value(v) for v in value) or "–"
    if value is None or value == "":
        return "–"
    return str(value)


def _target_url(results: Mapping[str, Any]) -> str:
    target = results.get("target")
    if isinstance(target, Mapping):
        target = target.get("url")
    return str(target or "")


def _facts(results: Mapping[str, Any]) -> str:
    """The run facts: what was tested, how, and with which suite and catalog."""
    target = results.get("target")
    if not isinstance(target, Mapping):
        target = {}
    url = _target_url(results) or "–"
    if target.get("embedded"):
        url += " (bundled reference server)"
    duration = results.get("duration")
    facts: list[tuple[str, Any]] = [
        ("Target", url),
        ("Control plane", target.get("control_plane")),
        ("API version", results.get("api_version")),
        ("Transport", transport_of(results)),
        ("Profile", results.get("profile")),
        ("Level", results.get("level")),
        ("Strict", "yes" if results.get("strict") else None),
        ("Started", results.get("started_at")),
        ("Finished", results.get("finished_at")),
        ("Duration", f"{duration:.1f} s" if isinstance(duration, int | float) else duration),
        ("Exit code", results.get("exit_code")),
        ("Suite version", results.get("suite_version")),
        ("Run id", results.get("run_id")),
        ("Seeds", results.get("seeds")),
        ("Expectations", results.get("expectations_file")),
    ]
    rows = [
        f"<dt>{esc(label)}</dt><dd>{esc(_format_value(value))}</dd>"
        for label, value in facts
        if value not in (None, "", {}, [])
    ]
    # Long values get a row of their own.
    for label, value in (
        ("Catalog hash", results.get("catalog_hash")),
        ("Expectations hash", results.get("expectations_hash")),
    ):
        if value:
            rows.append(f'<dt class="wide">{esc(label)}</dt><dd class="wide">{esc(value)}</dd>')
    options = results.get("options")
    if isinstance(options, Mapping) and options:
        table = "".join(
            f'<tr><th scope="row">{esc(k)}</th><td>{esc(_format_value(v))}</td></tr>'
            for k, v in options.items()
        )
        rows.append(
            '<dt class="wide">Options</dt><dd class="wide"><details><summary>'
            f'{len(options)} options</summary><table class="options">{table}</table>'
            "</details></dd>"
        )
    return f'<dl class="facts" id="facts">{"".join(rows)}</dl>'


def _tests_by_id(results: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(t.get("nodeid")): t for t in results.get("tests") or [] if isinstance(t, Mapping)}


def _test_ids(behavior: Mapping[str, Any]) -> list[str]:
    """The node ids of a behavior's tests (a list of ids, or of objects with a `nodeid`)."""
    ids = []
    for t in behavior.get("tests") or []:
        ids.append(str(t.get("nodeid")) if isinstance(t, Mapping) else str(t))
    return ids


def _columns(outcomes: Iterable[str]) -> list[str]:
    present = set(outcomes)
    known = [o for o in OUTCOMES if o in _ALWAYS_COLUMNS or o in present]
    return known + sorted(present - set(_LABELS))


def _count_cells(counts: Counter[str], columns: list[str]) -> str:
    cells = []
    for o in columns:
        n = counts.get(o, 0)
        cls = f"num {_CLASSES.get(o, 'o-other')}-n" if n else "num zero"
        cells.append(f'<td class="{cls}" data-outcome="{esc(o)}">{n}</td>')
    return "".join(cells)


def _count_heads(columns: list[str]) -> str:
    return "".join(f'<th class="num">{esc(_LABELS.get(o, o))}</th>' for o in columns)


def _row_attrs(behavior: Mapping[str, Any]) -> str:
    outcome = str(behavior.get("outcome", ""))
    return (
        f' data-area="{esc(behavior.get("area", ""))}"'
        f' data-level="{esc(behavior.get("level", ""))}"'
        f' data-outcome="{esc(outcome)}"'
        f' data-failed="{"1" if outcome in NOT_OK else "0"}"'
    )


def _anchor(behavior_id: Any) -> str:
    """An element id for a behavior's failure card (ids are [A-Z0-9-]; anything else is hex)."""
    text = str(behavior_id)
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in text)
    if safe != text:
        safe += "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return "fail-" + safe


def _area_matrix(behaviors: list[Mapping[str, Any]], columns: list[str]) -> str:
    by_area: dict[str, Counter[str]] = {}
    for b in behaviors:
        by_area.setdefault(str(b.get("area", "")), Counter())[str(b.get("outcome", ""))] += 1
    rows = []
    for area in sorted(by_area):
        counts = by_area[area]
        failing = sum(n for o, n in counts.items() if o in NOT_OK)
        rows.append(
            f'<tr class="area-row" data-area="{esc(area)}" data-failing="{failing}">'
            f'<th scope="row"><button type="button" class="area-link" data-area="{esc(area)}"'
            f' title="Show only this area">{esc(area)}</button></th>'
            f'<td class="num">{sum(counts.values())}</td>{_count_cells(counts, columns)}</tr>'
        )
    total: Counter[str] = Counter(str(b.get("outcome", "")) for b in behaviors)
    return (
        '<div class="scroll"><table class="matrix" id="area-matrix"><thead><tr>'
        '<th scope="col">Area</th>'
        f'<th class="num">behaviors</th>{_count_heads(columns)}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody>"
        f'<tfoot><tr><th scope="row">all areas</th><td class="num">{len(behaviors)}</td>'
        f"{_count_cells(total, columns)}</tr></tfoot></table></div>"
    )


_BEHAVIOR_COLUMNS = (oc.PASSED, oc.FAILED, oc.NOT_APPLICABLE)


def _behavior_matrix(
    behaviors: list[Mapping[str, Any]], tests: dict[str, Mapping[str, Any]]
) -> str:
    """Behaviors grouped by area: id and statement, level, roll-up outcome, tests per outcome."""
    by_area: dict[str, list[Mapping[str, Any]]] = {}
    for b in behaviors:
        by_area.setdefault(str(b.get("area", "")), []).append(b)
    body = []
    for area in sorted(by_area):
        group = by_area[area]
        body.append(
            f'<tbody class="area-group" data-area="{esc(area)}">'
            f'<tr class="group-head"><th colspan="7" scope="rowgroup">'
            f'{esc(area)} <span class="muted group-count" data-total="{len(group)}">'
            f"({len(group)})</span></th></tr>"
        )
        for b in group:
            outcome = str(b.get("outcome", ""))
            counts: Counter[str] = Counter()
            reasons = []
            for nodeid in _test_ids(b):
                t = tests.get(nodeid)
                counts[str(t.get("outcome", "")) if t else "missing"] += 1
                if t and t.get("reason"):
                    reasons.append(str(t["reason"]))
            if isinstance(b.get("counts"), Mapping):  # the writer's own tally wins
                counts = Counter({str(k): int(v) for k, v in b["counts"].items()})
            others = {o: n for o, n in counts.items() if o not in _BEHAVIOR_COLUMNS and n}
            other_n = sum(others.values())
            other_title = ", ".join(f"{n} {_LABELS.get(o, o)}" for o, n in others.items())
            mild = {oc.EXPECTED_FAILURE}
            other_cls = "num zero" if not other_n else "num o-xfail-n"
            if set(others) - mild:
                other_cls = "num o-fail-n"
            bid = b.get("id", "")
            ident = esc(bid)
            if outcome in NOT_OK:
                ident = f'<a href="#{esc(_anchor(bid))}">{ident}</a>'
            note = ""
            if outcome == oc.NOT_APPLICABLE and reasons:
                note = f'<div class="reason">n/a: {esc(reasons[0])}</div>'
            body.append(
                f'<tr class="behavior-row"{_row_attrs(b)}>'
                f'<td class="behavior"><div class="bid">{ident}</div>'
                f'<div class="statement">{esc(b.get("statement", ""))}</div>{note}</td>'
                f'<td><span class="level l-{esc(b.get("level", ""))}">'
                f"{esc(b.get('level', ''))}</span></td>"
                f"<td>{_outcome_badge(outcome)}</td>"
                f"{_count_cells(counts, list(_BEHAVIOR_COLUMNS))}"
                f'<td class="{other_cls}" data-outcome="other" title="{esc(other_title)}">'
                f"{other_n}</td></tr>"
            )
        body.append("</tbody>")
    return (
        '<div class="scroll"><table class="matrix" id="behavior-matrix"><thead><tr>'
        '<th scope="col" rowspan="2">Behavior</th><th scope="col" rowspan="2">Level</th>'
        '<th scope="col" rowspan="2">Outcome</th>'
        '<th colspan="4" scope="colgroup" class="tests-head">tests</th></tr><tr>'
        f'{_count_heads(list(_BEHAVIOR_COLUMNS))}<th class="num" title="expected failures, '
        'unexpected passes and errors">other</th></tr></thead>'
        f"{''.join(body)}</table></div>"
    )


def _transcript(text: str) -> str:
    """The wire transcript with request lines (`>`) and response lines (`<`) told apart."""
    if len(text) > _TRANSCRIPT_LIMIT:
        text = text[:_TRANSCRIPT_LIMIT] + f"\n… (cut at {_TRANSCRIPT_LIMIT} characters)"
    lines = []
    for line in text.splitlines():
        cls = "req" if line.startswith(">") else "resp" if line.startswith("<") else "other"
        lines.append(f'<span class="{cls}">{esc(line)}</span>')
    return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _link(url: Any) -> str:
    """An anchor for an http(s) link given in the results (other schemes stay plain text)."""
    text = str(url or "")
    if text.lower().startswith(("http://", "https://")):
        return f'<a href="{esc(text)}" rel="noopener noreferrer">{esc(text)}</a>'
    return esc(text)


def _expectation(exp: Any) -> str:
    if not isinstance(exp, Mapping):
        return esc(_format_value(exp))
    named = exp.get("behavior") or exp.get("test") or ""
    parts = [f"<code>{esc(named)}</code>"] if named else []
    if exp.get("reason"):
        parts.append(esc(exp["reason"]))
    if exp.get("expires"):
        parts.append(f"expires {esc(exp['expires'])}")
    if exp.get("link"):
        parts.append(_link(exp["link"]))
    return " · ".join(parts)


def _test_detail(nodeid: str, test: Mapping[str, Any] | None) -> str:
    """One test of a failure card: outcome, node id, message, traceback and wire transcript."""
    if test is None:
        return f'<div class="test"><code class="nodeid">{esc(nodeid)}</code> (no result)</div>'
    outcome = str(test.get("outcome", ""))
    parts = [
        f'<div class="test" data-outcome="{esc(outcome)}">'
        f'<div class="test-head">{_outcome_badge(outcome)} <code class="nodeid">{esc(nodeid)}'
        "</code>"
    ]
    duration = test.get("duration")
    if isinstance(duration, int | float):
        parts.append(f' <span class="muted">{duration:.2f} s</span>')
    if test.get("when") and test.get("when") != "call":
        parts.append(f' <span class="muted">in {esc(test["when"])}</span>')
    parts.append("</div>")
    if test.get("reason"):
        parts.append(f'<p class="reason">Reason: {esc(test["reason"])}</p>')
    if test.get("expectation"):
        parts.append(f'<p class="reason">Expectation: {_expectation(test["expectation"])}</p>')
    if test.get("message"):
        parts.append(f'<pre class="message">{esc(test["message"])}</pre>')
    if test.get("details"):
        parts.append(
            '<details class="traceback"><summary>Traceback</summary>'
            f"<pre>{esc(test['details'])}</pre></details>"
        )
    transcript = test.get("transcript")
    if transcript:
        exchanges = len(transcript) if isinstance(transcript, list) else None
        if not isinstance(transcript, str):
            transcript = _format_transcript(transcript)
        omitted = test.get("transcript_omitted") or 0
        label = "text" if exchanges is None else _plural(exchanges, "request")
        if omitted:
            label += f", {omitted} earlier left out"
            transcript = f"… {omitted} earlier requests left out\n\n{transcript}"
        parts.append(
            f'<details class="transcript"><summary>Wire transcript ({esc(label)})</summary>'
            f"<pre>{_transcript(transcript)}</pre></details>"
        )
    parts.append("</div>")
    return "".join(parts)


def _format_transcript(value: Any) -> str:
    """A transcript (a list of exchanges) as text, in the client's `> ` / `< ` form."""
    if not isinstance(value, list):
        return _format_value(value)
    blocks = []
    for ex in value:
        if not isinstance(ex, Mapping):
            blocks.append(str(ex))
            continue
        lines = [f"> {ex.get('method', '')} {ex.get('url', '')}".rstrip()]
        lines += [f"> {k}: {v}" for k, v in (ex.get("request_headers") or {}).items()]
        if ex.get("request_body"):
            lines.append(f"> {ex['request_body']}")
        if ex.get("error"):
            lines.append(f"< transport error: {ex['error']}")
        else:
            lines.append(f"< {ex.get('status', '')}")
            lines += [f"< {k}: {v}" for k, v in (ex.get("response_headers") or {}).items()]
            if ex.get("response_body"):
                lines.append(f"< {ex['response_body']}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _failures(
    behaviors: list[Mapping[str, Any]],
    tests: dict[str, Mapping[str, Any]],
) -> str:
    cards = []
    covered: set[str] = set()
    # Non-conformance first, then what kept the verdict from being reached, known gaps last.
    severity = [
        oc.FAILED,
        oc.TARGET_UNAVAILABLE,
        oc.HARNESS_ERROR,
        oc.CLEANUP_ERROR,
        oc.UNEXPECTED_PASS,
        oc.EXPECTED_FAILURE,
    ]
    rank = {o: i for i, o in enumerate(severity)}
    for b in sorted(behaviors, key=lambda b: rank.get(str(b.get("outcome")), len(rank))):
        outcome = str(b.get("outcome", ""))
        ids = _test_ids(b)
        covered.update(ids)
        if outcome not in NOT_OK:
            continue
        shown = [i for i in ids if (tests.get(i) or {}).get("outcome") in NOT_OK] or ids
        details = "".join(_test_detail(i, tests.get(i)) for i in shown)
        cards.append(
            f'<details class="failure" id="{esc(_anchor(b.get("id", "")))}" open'
            f"{_row_attrs(b)}><summary>{_outcome_badge(outcome)} "
            f'<span class="bid">{esc(b.get("id", ""))}</span> '
            f'<span class="level l-{esc(b.get("level", ""))}">{esc(b.get("level", ""))}</span> '
            f'<span class="muted">{esc(b.get("area", ""))}</span></summary>'
            f'<p class="statement">{esc(b.get("statement", ""))}</p>'
            f'<p class="source">Source: {esc(b.get("source", "–"))}</p>{details}</details>'
        )
    # Failing tests tied to no behavior (a broken fixture, a harness error before collection).
    orphans = [
        t for nodeid, t in tests.items() if nodeid not in covered and t.get("outcome") in NOT_OK
    ]
    if orphans:
        details = "".join(_test_detail(str(t.get("nodeid")), t) for t in orphans)
        cards.append(
            '<details class="failure" id="fail-no-behavior" open data-area="" data-level=""'
            ' data-outcome="" data-failed="1" data-always="1"><summary>'
            f'<span class="bid">Tests tied to no behavior</span> '
            f'<span class="muted">({len(orphans)})</span></summary>{details}</details>'
        )
    if not cards:
        return '<p class="empty">No failures.</p>'
    return "".join(cards)


_EXPECTATION_CLASSES = {
    "matched": "o-xfail",
    "unexpected-pass": "o-xpass",
    "expired": "o-fail",
    "unmatched": "o-fail",
    "not-run": "o-na",
}


def _expectations(results: Mapping[str, Any]) -> str:
    """The expectations entries and their status; the problems ones first."""
    entries = [e for e in results.get("expectations") or [] if isinstance(e, Mapping)]
    if not entries:
        return ""
    order = ["unmatched", "expired", "unexpected-pass", "matched", "not-run"]
    entries.sort(key=lambda e: order.index(e["status"]) if e.get("status") in order else 0)
    problems = sum(e.get("status") in ("unexpected-pass", "expired", "unmatched") for e in entries)
    rows = []
    for e in entries:
        status = str(e.get("status", ""))
        tests = e.get("tests") or []
        rows.append(
            f'<tr data-status="{esc(status)}"><td><span class="badge '
            f'{_EXPECTATION_CLASSES.get(status, "o-other")}">{esc(status)}</span></td>'
            f'<td>{_expectation(e)}</td><td class="num">{len(tests)}</td></tr>'
        )
    strict = " (they fail the run under --strict)" if problems else ""
    return (
        f'<section id="expectations"><h2>Expectations</h2><p class="muted">{len(entries)} '
        f"entries, {problems} with problems{esc(strict)}.</p>"
        '<table class="matrix" id="expectations-table"><thead><tr><th scope="col">Status</th>'
        '<th scope="col">Entry</th><th class="num">tests</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _filters(behaviors: list[Mapping[str, Any]]) -> str:
    areas = sorted({str(b.get("area", "")) for b in behaviors})
    levels = [lv for lv in LEVELS if any(b.get("level") == lv for b in behaviors)]
    levels += sorted({str(b.get("level", "")) for b in behaviors} - set(levels))
    level_opts = "".join(f'<option value="{esc(lv)}">{esc(lv)}</option>' for lv in levels)
    area_opts = "".join(f'<option value="{esc(a)}">{esc(a)}</option>' for a in areas)
    return (
        '<div class="filters" id="filters" role="search" aria-label="Filters">'
        '<label class="check" title="Hide the behaviors that passed or were n/a">'
        '<input type="checkbox" id="filter-failed"> Failed only</label>'
        '<label>Level <select id="filter-level"><option value="">all</option>'
        f"{level_opts}</select></label>"
        '<label>Area <select id="filter-area"><option value="">all</option>'
        f"{area_opts}</select></label>"
        '<button type="button" id="filter-reset">Reset</button>'
        f'<span class="shown" id="shown-count" aria-live="polite">{len(behaviors)} of '
        f"{len(behaviors)} behaviors shown</span></div>"
    )


def _totals(behaviors: list[Mapping[str, Any]], tests: dict[str, Mapping[str, Any]]) -> str:
    parts = []
    for name, counts in (
        ("behaviors", Counter(str(b.get("outcome", "")) for b in behaviors)),
        ("tests", Counter(str(t.get("outcome", "")) for t in tests.values())),
    ):
        chips = "".join(
            f'<span class="chip {_CLASSES.get(o, "o-other")}" data-kind="{name}"'
            f' data-outcome="{esc(o)}"><b>{counts[o]}</b> {esc(_LABELS.get(o, o))}</span>'
            for o in _columns(counts)
            if counts.get(o)
        )
        total = sum(counts.values())
        parts.append(
            f'<div class="totals" id="totals-{name}"><span class="total">'
            f'<b id="total-{name}">{total}</b> {name}</span>{chips}</div>'
        )
    return "".join(parts)


def _leftover_note(results: Mapping[str, Any]) -> str:
    n = len(results.get("leftovers") or [])
    link = f'<a href="#leftovers">{_plural(n, "item")} left on the target</a>'
    return f'<p class="leftover-note">{link}</p>'


def _leftovers(results: Mapping[str, Any]) -> str:
    """What cleanup could not remove from the target, each with the command that removes it."""
    rows = [x for x in results.get("leftovers") or [] if isinstance(x, Mapping)]
    if not rows:
        return ""
    items = "".join(
        f'<li class="leftover"><span class="badge o-error">cleanup error</span> '
        f"{esc(x.get('kind', ''))} <code>{esc(x.get('name', ''))}</code> on "
        f"<code>{esc(x.get('host', ''))}</code> "
        f'<span class="muted">({esc(x.get("test") or "")}: {esc(x.get("problem", ""))})</span>'
        f'<pre class="command">{esc(x.get("command", ""))}</pre></li>'
        for x in rows
    )
    return (
        f'<section id="leftovers"><h2>Left on the target ({len(rows)})</h2><p class="muted">'
        "Cleanup could not remove these; each command removes one by hand (set "
        "PINECONE_API_KEY first).</p>"
        f'<ul class="leftovers">{items}</ul></section>'
    )


def render_html(results: dict) -> str:
    """The self-contained report.html page for one run's results.json data."""
    from conformance.report.assets import CSS, JS

    behaviors = [b for b in results.get("behaviors") or [] if isinstance(b, Mapping)]
    tests = _tests_by_id(results)
    columns = _columns(
        [str(b.get("outcome", "")) for b in behaviors]
        + [str(t.get("outcome", "")) for t in tests.values()]
    )
    verdict, headline, verdict_cls = _verdict(results)
    target = _target_url(results)
    reason = results.get("verdict_reason") or ""
    failing = sum(str(b.get("outcome", "")) in NOT_OK for b in behaviors)
    header = (
        f'<header class="verdict {verdict_cls}" id="verdict" data-verdict="{esc(verdict)}">'
        f'<div class="verdict-main"><h1 id="verdict-text">{esc(headline)}</h1>'
        f'<p class="verdict-reason" id="verdict-reason">{esc(reason)}</p>'
        f'<p class="verdict-sub">{esc(target)}</p></div>'
        f'<div class="scores">{_score(results, behaviors, "MUST")}'
        f"{_score(results, behaviors, 'SHOULD')}</div></header>"
    )
    main = (
        f"<main>{_facts(results)}{_totals(behaviors, tests)}"
        '<nav class="toc"><a href="#areas">Areas</a> · <a href="#behaviors">Behaviors</a> · '
        f'<a href="#failures">Failures ({failing})</a>'
        + (' · <a href="#expectations">Expectations</a>' if results.get("expectations") else "")
        + "</nav>"
        f"{_leftovers(results) and _leftover_note(results)}{_filters(behaviors)}"
        f'<section id="areas"><h2>By area</h2><p class="muted">Behaviors per outcome in each API '
        "area, all levels. Click an area to show only its behaviors.</p>"
        f"{_area_matrix(behaviors, columns)}</section>"
        '<section id="behaviors"><h2>Behaviors</h2><p class="muted">Each behavior of the run, '
        "its roll-up outcome (it passes only when all its tests pass) and its tests per "
        f"outcome.</p>{_behavior_matrix(behaviors, tests)}"
        '<p class="empty" id="no-rows" hidden>No behavior matches the filters.</p></section>'
        '<section id="failures"><h2>Failures</h2><p class="muted">Every behavior that neither '
        "passed nor was n/a: its statement, source and failing tests, with the assertion "
        "message and the wire transcript.</p>"
        f"{_failures(behaviors, tests)}</section>{_expectations(results)}"
        f"{_leftovers(results)}</main>"
    )
    title = "Conformance report" + (f" – {target}" if target else "")
    csp = (
        "default-src 'none'; img-src data:; "
        f"style-src '{_sha256(CSS)}'; script-src '{_sha256(JS)}'; "
        "base-uri 'none'; form-action 'none'"
    )
    generator = f"pinecone-conformance {results.get('suite_version') or ''}".strip()
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="{esc(generator)}">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head>"
        f"<body>{header}{main}<script>{JS}</script></body></html>\n"
    )


def _sha256(text: str) -> str:
    """A CSP source expression allowing exactly the inline element with this content."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
