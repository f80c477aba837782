"""report.html in a real headless browser (Debian's chromium with chromedriver, via selenium).

Loads the page rendered from the sample results, checks that it runs without console errors,
that the verdict and counts shown match the data and that the "failed only" filter hides the
passing rows. Leaves a screenshot in reports/artifacts/report.png (git-ignored).
Skipped when chromium, chromedriver or selenium is missing; `.ci/run` installs them.
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.report.html import NOT_OK, render_html
from tests.support.reports import SAMPLE_PATH

SAMPLE = Path(SAMPLE_PATH)
ARTIFACTS = Path(__file__).resolve().parents[2] / "reports" / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--window-size=1280,1000",
)
WAIT = 10.0  # seconds, for anything the page does after a load or a click

pytestmark = [
    pytest.mark.timeout(180),
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="chromium and chromedriver are not installed "
        "(apt-get install -y chromium chromium-driver; .ci/run does it)",
    ),
]
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

# Rows of a table that the browser lays out (hidden ones have no offsetParent).
VISIBLE = "return Array.from(document.querySelectorAll(arguments[0])).filter(e => e.offsetParent !== null).map(e => e.getAttribute(arguments[1]));"  # noqa: E501


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    """Headless chromium with a fresh profile, console messages kept, bounded timeouts."""
    profile = tempfile.mkdtemp(prefix="report-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        browser.set_page_load_timeout(30)
        browser.set_script_timeout(WAIT)
        browser.implicitly_wait(0)
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def load(driver: WebDriver, results: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    """Render `results` to `path`, open it, wait for the script; the console messages so far."""
    path.write_text(render_html(results), encoding="utf-8")
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1"
    )
    return driver.get_log("browser")


def visible(driver: WebDriver, selector: str, attribute: str) -> list[str]:
    return driver.execute_script(VISIBLE, selector, attribute)


def shown_text(driver: WebDriver) -> str:
    return driver.find_element(By.ID, "shown-count").text


def test_report_page_in_chromium(driver: WebDriver, sample: dict[str, Any], tmp_path: Path) -> None:
    console = load(driver, sample, tmp_path / "report.html")
    errors = [m for m in console if m.get("level") in ("SEVERE", "ERROR")]
    assert errors == [], errors
    # Nothing fetched: the page is the only resource.
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0

    # The verdict and the scores as the reader sees them.
    headline = driver.find_element(By.ID, "verdict-text").text
    expected_headline = {
        "conformant": "Conformant",
        "non-conformant": "Not conformant",
        "harness-error": "No verdict: the suite broke",
        "target-unavailable": "No verdict: target unavailable",
    }[sample["verdict"]]
    assert headline == expected_headline
    for level in ("MUST", "SHOULD"):
        percent = sample["scores"][level]["percent"]
        shown = driver.find_element(By.CSS_SELECTOR, f"#score-{level.lower()} .score-value").text
        assert shown == ("–" if percent is None else f"{percent:.1f}%")

    # The counts shown: totals, one visible row per behavior, the area matrix.
    for kind, counts in (("tests", sample["counts"]), ("behaviors", sample["behavior_counts"])):
        assert driver.find_element(By.ID, f"total-{kind}").text == str(sum(counts.values()))
        for outcome, n in counts.items():
            chips = driver.find_elements(
                By.CSS_SELECTOR, f'.chip[data-kind="{kind}"][data-outcome="{outcome}"] b'
            )
            assert [c.text for c in chips] == ([str(n)] if n else [])
    behaviors = sample["behaviors"]
    rows = visible(driver, "tr.behavior-row", "data-outcome")
    assert len(rows) == len(behaviors)
    assert Counter(rows) == Counter(b["outcome"] for b in behaviors)
    assert shown_text(driver) == f"{len(behaviors)} of {len(behaviors)} behaviors shown"
    by_area: dict[str, Counter[str]] = {}
    for b in behaviors:
        by_area.setdefault(b["area"], Counter())[b["outcome"]] += 1
    for area, counts in by_area.items():
        row = driver.find_element(By.CSS_SELECTOR, f'tr.area-row[data-area="{area}"]')
        for cell in row.find_elements(By.CSS_SELECTOR, "td[data-outcome]"):
            assert int(cell.text) == counts[cell.get_attribute("data-outcome")], (area, cell.text)

    # Failures are there, their transcripts collapsed until clicked.
    failing = [b for b in behaviors if b["outcome"] in NOT_OK]
    assert len(visible(driver, "details.failure", "data-outcome")) == len(failing)
    summary = driver.find_element(By.CSS_SELECTOR, "details.transcript > summary")
    transcript = summary.find_element(By.XPATH, "..").find_element(By.TAG_NAME, "pre")
    assert not transcript.is_displayed()
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", summary)
    summary.click()
    WebDriverWait(driver, WAIT).until(lambda d: transcript.is_displayed())
    assert "> " in transcript.text
    summary.click()

    # "Failed only" hides every passing and n/a row.
    before = visible(driver, "tr.behavior-row", "data-outcome")
    checkbox = driver.find_element(By.ID, "filter-failed")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", checkbox)
    checkbox.click()
    WebDriverWait(driver, WAIT).until(
        lambda d: len(visible(d, "tr.behavior-row", "data-outcome")) < len(before)
    )
    after = visible(driver, "tr.behavior-row", "data-outcome")
    assert Counter(after) == Counter(b["outcome"] for b in failing)
    assert not {"passed", "not-applicable"} & set(after)
    assert shown_text(driver) == f"{len(failing)} of {len(behaviors)} behaviors shown"
    for area in {b["area"] for b in behaviors}:
        group = driver.find_element(By.CSS_SELECTOR, f'tbody.area-group[data-area="{area}"]')
        total = sum(b["area"] == area for b in behaviors)
        left = sum(b["area"] == area for b in failing)
        if not left:
            assert not group.is_displayed()
            continue
        label = group.find_element(By.CLASS_NAME, "group-count").text
        assert label == (f"({total})" if left == total else f"({left} of {total})")

    # With an area too: only that area's failing behaviors.
    area = failing[0]["area"]
    Select(driver.find_element(By.ID, "filter-area")).select_by_value(area)
    WebDriverWait(driver, WAIT).until(
        lambda d: set(visible(d, "tr.behavior-row", "data-area")) == {area}
    )
    expected = [b for b in failing if b["area"] == area]
    assert len(visible(driver, "tr.behavior-row", "data-area")) == len(expected)
    assert set(visible(driver, "details.failure", "data-area")) <= {area, ""}

    # Reset shows everything again; keep a full-page screenshot for people to look at.
    driver.find_element(By.ID, "filter-reset").click()
    WebDriverWait(driver, WAIT).until(
        lambda d: len(visible(d, "tr.behavior-row", "data-outcome")) == len(behaviors)
    )
    assert driver.get_log("browser") == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tmp_path / "report.html", ARTIFACTS / "report.html")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(int(height) + 120, 16000))
    driver.execute_script("window.scrollTo(0, 0)")
    assert driver.save_screenshot(str(ARTIFACTS / "report.png"))
    driver.set_window_size(1280, 1000)


def test_level_filter_and_empty_result(
    driver: WebDriver, sample: dict[str, Any], tmp_path: Path
) -> None:
    results = copy.deepcopy(sample)
    results["behaviors"][0]["level"] = "SHOULD"  # so that both levels occur
    assert load(driver, results, tmp_path / "levels.html") == []
    Select(driver.find_element(By.ID, "filter-level")).select_by_value("SHOULD")
    WebDriverWait(driver, WAIT).until(
        lambda d: set(visible(d, "tr.behavior-row", "data-level")) == {"SHOULD"}
    )
    assert len(visible(driver, "tr.behavior-row", "data-level")) == 1
    # A level and an area with nothing in common: no rows, and the page says so.
    other_area = next(
        b["area"] for b in results["behaviors"] if b["area"] != results["behaviors"][0]["area"]
    )
    Select(driver.find_element(By.ID, "filter-area")).select_by_value(other_area)
    WebDriverWait(driver, WAIT).until(lambda d: d.find_element(By.ID, "no-rows").is_displayed())
    assert visible(driver, "tr.behavior-row", "data-level") == []
    assert shown_text(driver) == f"0 of {len(results['behaviors'])} behaviors shown"


def test_hostile_results_run_no_script(
    driver: WebDriver, sample: dict[str, Any], tmp_path: Path
) -> None:
    results = copy.deepcopy(sample)
    hostile = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
    for test in results["tests"]:
        if test.get("message"):
            test["message"] = hostile
        for exchange in test.get("transcript") or []:
            exchange["response_body"] = hostile
    for behavior in results["behaviors"]:
        behavior["statement"] = hostile
    console = load(driver, results, tmp_path / "hostile.html")
    assert driver.execute_script("return window.__pwned === undefined")
    assert driver.execute_script("return document.images.length") == 0
    assert [m for m in console if m.get("level") == "SEVERE"] == []
    statement = driver.find_element(By.CSS_SELECTOR, "tr.behavior-row .statement")
    assert statement.text == hostile
