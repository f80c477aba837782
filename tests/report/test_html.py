"""report.html markup, checked without a browser: counts, verdict, escaping, self-containment."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conformance.report.html import NOT_OK, render_html
from tests.support.reports import SAMPLE_PATH

SAMPLE = Path(SAMPLE_PATH)
VOID = {"meta", "input", "br", "hr", "img", "link", "source", "area", "col", "wbr", "base"}
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">"\'&'


class Node:
    """One element of a parsed page."""

    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def iter(self) -> list[Node]:
        found = [self]
        for c in self.children:
            if isinstance(c, Node):
                found += c.iter()
        return found

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes)
            and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, cls, **attrs)
        assert found, f"no <{tag} class={cls} {attrs}>"
        return found[0]


class TreeBuilder(HTMLParser):
    """A small, lenient DOM of the page (the stdlib parser, void elements closed)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root
        self.all_attrs: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.all_attrs += [(tag, k, v) for k, v in attrs]
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.current = self.current.parent or self.root

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None and node.parent is not None, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(page: str) -> TreeBuilder:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.current is builder.root, f"unclosed <{builder.current.tag}>"
    return builder


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def page(sample: dict[str, Any]) -> str:
    return render_html(sample)


@pytest.fixture(scope="module")
def dom(page: str) -> Node:
    return parse(page).root


def test_page_is_one_well_formed_document(page: str, sample: dict[str, Any]) -> None:
    assert page.startswith("<!DOCTYPE html>")
    parse(page)  # balanced tags
    assert page.count("<script") == 1 and page.count("<style") == 1
    assert render_html(copy.deepcopy(sample)) == page  # deterministic, input untouched


def test_verdict_and_scores(dom: Node, sample: dict[str, Any]) -> None:
    header = dom.find("header", id="verdict")
    assert header.attrs["data-verdict"] == sample["verdict"]
    headline = dom.find(id="verdict-text").text
    expected = {
        "conformant": "Conformant",
        "non-conformant": "Not conformant",
        "harness-error": "No verdict: the suite broke",
        "target-unavailable": "No verdict: target unavailable",
    }[sample["verdict"]]
    assert headline == expected
    assert dom.find(id="verdict-reason").text == sample["verdict_reason"]
    for level in ("MUST", "SHOULD"):
        score = sample["scores"][level]
        box = dom.find(id=f"score-{level.lower()}")
        value = box.find(cls="score-value").text
        percent = score["percent"]
        assert value == ("–" if percent is None else f"{percent:.1f}%")
        if score["total"]:
            detail = box.find(cls="score-detail").text
            assert detail.startswith(f"{score['passed']} of {score['applicable']} applicable")


@pytest.mark.parametrize(
    ("verdict", "headline", "cls"),
    [
        ("conformant", "Conformant", "ok"),
        ("non-conformant", "Not conformant", "bad"),
        ("harness-error", "No verdict: the suite broke", "broken"),
    ],
)
def test_each_verdict_has_its_headline(
    sample: dict[str, Any], verdict: str, headline: str, cls: str
) -> None:
    dom = parse(render_html({**sample, "verdict": verdict})).root
    assert dom.find(id="verdict-text").text == headline
    assert cls in dom.find("header", id="verdict").classes


def test_totals_match_the_counts(dom: Node, sample: dict[str, Any]) -> None:
    for kind, counts in (("tests", sample["counts"]), ("behaviors", sample["behavior_counts"])):
        assert int(dom.find(id=f"total-{kind}").text) == sum(counts.values())
        shown = {
            chip.attrs["data-outcome"]: int(chip.find("b").text)
            for chip in dom.find_all(cls="chip", data_kind=kind)
        }
        assert shown == {o: n for o, n in counts.items() if n}


def test_behavior_matrix_has_one_row_per_behavior_with_test_counts(
    dom: Node, sample: dict[str, Any]
) -> None:
    rows = dom.find_all("tr", cls="behavior-row")
    assert len(rows) == len(sample["behaviors"])
    tests = {t["nodeid"]: t for t in sample["tests"]}
    for row, behavior in zip(
        rows, sorted(sample["behaviors"], key=lambda b: b["area"]), strict=True
    ):
        assert row.find(cls="bid").text == behavior["id"]
        assert row.attrs["data-area"] == behavior["area"]
        assert row.attrs["data-level"] == behavior["level"]
        assert row.attrs["data-outcome"] == behavior["outcome"]
        assert row.attrs["data-failed"] == ("1" if behavior["outcome"] in NOT_OK else "0")
        assert words(row.find(cls="statement").text) == words(behavior["statement"])
        counts = Counter(tests[n]["outcome"] for n in behavior["tests"])
        cells = {c.attrs["data-outcome"]: int(c.text) for c in row.find_all("td", cls="num")}
        assert set(cells) == {"passed", "failed", "not-applicable", "other"}
        assert cells["passed"] == counts["passed"]
        assert cells["failed"] == counts["failed"]
        assert cells["not-applicable"] == counts["not-applicable"]
        assert sum(cells.values()) == len(behavior["tests"])


def test_area_matrix_counts_behaviors_per_outcome(dom: Node, sample: dict[str, Any]) -> None:
    by_area: dict[str, Counter[str]] = {}
    for b in sample["behaviors"]:
        by_area.setdefault(b["area"], Counter())[b["outcome"]] += 1
    rows = dom.find("table", id="area-matrix").find_all("tr", cls="area-row")
    assert [r.attrs["data-area"] for r in rows] == sorted(by_area)
    for row in rows:
        cells = {
            c.attrs["data-outcome"]: int(c.text)
            for c in row.find_all("td", cls="num")
            if "data-outcome" in c.attrs
        }
        expected = by_area[row.attrs["data-area"]]
        assert {o: n for o, n in cells.items() if n} == dict(expected)
        for outcome in ("passed", "failed", "not-applicable"):
            assert outcome in cells  # always a column


def test_filters_offer_the_levels_and_areas_of_the_run(dom: Node, sample: dict[str, Any]) -> None:
    assert dom.find("input", id="filter-failed").attrs["type"] == "checkbox"
    levels = [o.attrs["value"] for o in dom.find("select", id="filter-level").find_all("option")]
    areas = [o.attrs["value"] for o in dom.find("select", id="filter-area").find_all("option")]
    assert levels[0] == "" and set(levels[1:]) == {b["level"] for b in sample["behaviors"]}
    assert areas == ["", *sorted({b["area"] for b in sample["behaviors"]})]


def test_every_failure_has_statement_source_message_and_transcript(
    dom: Node, sample: dict[str, Any]
) -> None:
    cards = dom.find(id="failures").find_all("details", cls="failure")
    failing = {b["id"]: b for b in sample["behaviors"] if b["outcome"] in NOT_OK}
    assert {c.find(cls="bid").text for c in cards} == set(failing)
    tests = {t["nodeid"]: t for t in sample["tests"]}
    for card in cards:
        behavior = failing[card.find(cls="bid").text]
        assert card.attrs["data-outcome"] == behavior["outcome"]
        assert words(card.find("p", cls="statement").text) == words(behavior["statement"])
        assert behavior["source"] in card.find("p", cls="source").text
        shown = {n.text: n for n in card.find_all("code", cls="nodeid")}
        for nodeid in behavior["tests"]:
            test = tests[nodeid]
            if test["outcome"] not in NOT_OK:
                continue
            block = shown[nodeid].parent.parent  # div.test
            if test.get("message"):
                assert block.find("pre", cls="message").text == test["message"]
            if test.get("transcript"):
                transcript = block.find("details", cls="transcript")
                assert "open" not in transcript.attrs  # collapsed until clicked
                text = transcript.find("pre").text
                for exchange in test["transcript"]:
                    assert f"> {exchange['method']} {exchange['url']}" in text
                    if exchange.get("response_body"):
                        assert f"< {exchange['response_body']}" in text
            if test.get("expectation"):
                assert "Expectation:" in block.text


def test_page_is_self_contained(page: str) -> None:
    builder = parse(page)
    for tag, name, value in builder.all_attrs:
        assert not (name in ("src", "srcset", "data", "poster", "action") and value), (tag, name)
        if tag == "link":
            pytest.fail(f"<link {name}={value}> loads a resource")
        if name == "href" and value and tag != "a":
            pytest.fail(f"<{tag} href={value}>")
    css = builder.root.find("style").text
    assert "@import" not in css and "url(" not in css
    for tag in ("iframe", "object", "embed", "img", "link", "base"):
        assert not builder.root.find_all(tag), tag
    # Any http(s) text is a link the reader may follow (expectations' links), never a load.
    for match in re.finditer(r"https?://", page):
        before = page[max(0, match.start() - 6) : match.start()]
        assert not before.endswith(('src="', "src='", "url(")), page[match.start() - 40 :][:80]


def test_csp_allows_only_the_inline_style_and_script(page: str) -> None:
    root = parse(page).root
    meta = root.find("meta", http_equiv="Content-Security-Policy")
    csp = meta.attrs["content"] or ""
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    for tag, directive in (("style", "style-src"), ("script", "script-src")):
        body = root.find(tag).text
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in csp


def hostile_results(sample: dict[str, Any]) -> dict[str, Any]:
    """The sample with markup, quotes and a javascript: link in every field a page shows."""
    results = copy.deepcopy(sample)
    results["target"]["url"] = "http://h/" + HOSTILE
    results["verdict_reason"] = HOSTILE
    results["options"] = {"namespace_prefix": HOSTILE}
    behavior = next(b for b in results["behaviors"] if b["outcome"] == "failed")
    behavior.update(statement=HOSTILE, source=HOSTILE, area=HOSTILE, level='MUST" onclick="x')
    test = next(t for t in results["tests"] if t["nodeid"] in behavior["tests"])
    test.update(message=HOSTILE, details=HOSTILE)
    test["transcript"][0].update(request_body=HOSTILE, response_body=HOSTILE)
    test["transcript"][0]["response_headers"] = {HOSTILE: HOSTILE}
    skipped = next(t for t in results["tests"] if t["outcome"] == "not-applicable")
    skipped["reason"] = HOSTILE
    results["expectations"].append(
        {
            "behavior": HOSTILE,
            "reason": HOSTILE,
            "link": "javascript:alert(1)",
            "status": "unmatched",
        }
    )
    return results


def test_hostile_strings_are_escaped(sample: dict[str, Any]) -> None:
    page = render_html(hostile_results(sample))
    builder = parse(page)
    assert page.count("<script") == 1 and "<img" not in page
    assert not builder.root.find_all("img")
    for tag, name, value in builder.all_attrs:
        assert not name.startswith("on"), f"<{tag} {name}={value}>"
        assert not (value or "").lower().startswith("javascript:"), f"<{tag} {name}={value}>"
    # The hostile text is shown as text, intact, wherever it went.
    text = builder.root.text
    assert text.count(HOSTILE) >= 8
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "javascript:alert(1)" in text  # the bad link is shown, not linked


def test_long_transcripts_are_cut(sample: dict[str, Any]) -> None:
    results = copy.deepcopy(sample)
    test = next(t for t in results["tests"] if t.get("transcript"))
    test["transcript"][0]["response_body"] = "x" * 500_000
    page = render_html(results)
    assert len(page) < len(render_html(sample)) + 250_000
    assert "cut at" in page


def test_minimal_and_empty_results_still_render() -> None:
    root = parse(render_html({})).root
    assert root.find(id="verdict-text").text == "No verdict"
    assert "No failures." in root.find(id="failures").text
    assert root.find(id="score-must").find(cls="score-value").text == "–"
    bare = {
        "verdict": "non-conformant",
        "behaviors": [
            {"id": "A-1", "area": "query", "level": "MUST", "outcome": "failed", "tests": ["t1"]},
            {"id": "A-2", "area": "query", "level": "SHOULD", "outcome": "passed", "tests": ["t2"]},
        ],
        "tests": [
            {"nodeid": "t1", "behaviors": ["A-1"], "outcome": "failed", "message": "boom"},
            {"nodeid": "t2", "behaviors": ["A-2"], "outcome": "passed"},
            {"nodeid": "t3", "behaviors": [], "outcome": "harness-error", "message": "setup"},
        ],
    }
    root = parse(render_html(bare)).root
    assert root.find(id="score-must").find(cls="score-value").text == "0.0%"
    assert root.find(id="score-should").find(cls="score-value").text == "100.0%"
    assert "boom" in root.find(id="failures").text
    assert "setup" in root.find(id="fail-no-behavior").text  # a failing test of no behavior
