"""The whole conformance suite passes against the bundled reference server.

Four runs, each its own test so that `pytest -n 2` spreads them: the embedded server serially,
the embedded server with `-n 2`, the embedded server over gRPC (`--transport grpc`, `-n 2`), and a
server started here with `--visibility-delay 0.3`, pointed at with the foreign-target options and
driven with `--consistency-timeout 10` (with `-n 4`: its time is spent waiting for writes, not
computing). Each asserts no failure and no error, passed == whole suite - not applicable, and that
the only behaviors reported not applicable are the ones gated on another API version (the
reference has every index kind) or on the other wire form.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import pytest

from conformance.target.grpc import NOT_EXPRESSIBLE
from tests.suite_runner import (
    ForeignTarget,
    SuiteRun,
    assert_clean,
    collect_count,
    foreign_reference,
    run_suite,
)

pytestmark = pytest.mark.timeout(300)

# Not applicable only by API version, for the seed's --environment addressing (a URL target), or
# as a behavior of the gRPC wire form (a REST run).
VERSION_GATED = (
    "applies to API versions",
    "addressed by URL, not by --environment",
    "exists over grpc only",
)
# Over gRPC also what the catalog puts on the REST wire only, and requests with no gRPC form.
WIRE_GATED = (*VERSION_GATED, "exists over rest only", NOT_EXPRESSIBLE)
DELAY = 0.3


@pytest.fixture(scope="module")
def whole_suite(tmp_path_factory: pytest.TempPathFactory) -> int:
    """How many tests the suite has (collected apart from any run)."""
    return collect_count([], tmp_path_factory.mktemp("collect"))


def _report(run: SuiteRun, what: str) -> None:
    print(f"{what}: {dict(run.counts)} in {run.wall:.1f}s")


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "n2"])
def test_embedded_reference(tmp_path: Path, whole_suite: int, workers: list[str]) -> None:
    """Against the embedded reference server every applicable test passes."""
    run = run_suite(workers, tmp_path)
    _report(run, f"embedded {' '.join(workers) or 'serial'}")
    assert_clean(run, whole_suite, applicable_only=VERSION_GATED)


def test_embedded_reference_over_grpc(tmp_path: Path, whole_suite: int) -> None:
    """Over gRPC, against the embedded reference server's VectorService listeners, every test
    applicable to that wire form passes."""
    run = run_suite(["--transport", "grpc", "-n", "2"], tmp_path)
    _report(run, "embedded over gRPC -n 2")
    assert_clean(run, whole_suite, applicable_only=WIRE_GATED)


def _assert_delay_in_effect(target: ForeignTarget) -> None:
    """A write to the server is invisible at first and visible within a bounded wait."""
    url = target.index_urls["dense"]
    ns = "delay-probe"
    record = {"id": "p", "values": [0.5] * 8}
    with target.client() as http:
        written = http.post(f"{url}/vectors/upsert", json={"vectors": [record], "namespace": ns})
        assert written.status_code == 200, written.text
        fetch = {"ids": "p", "namespace": ns}
        first = http.get(f"{url}/vectors/fetch", params=fetch).json()
        assert first.get("vectors") == {}, f"a fresh write was visible at once: {first}"
        deadline = time.monotonic() + 10 * DELAY + 5
        while not http.get(f"{url}/vectors/fetch", params=fetch).json().get("vectors"):
            assert time.monotonic() < deadline, "the probe write never became visible"
            time.sleep(DELAY / 5)
        http.post(f"{url}/vectors/delete", json={"deleteAll": True, "namespace": ns})


def test_reference_with_visibility_delay(tmp_path: Path, whole_suite: int) -> None:
    """Against a server whose writes become visible 0.3 s late, bounded polling
    (`--consistency-timeout 10`) makes every applicable test pass, without sleeps or reruns."""
    key = "delay-" + secrets.token_hex(8)
    with foreign_reference(key, visibility_delay=DELAY) as target:
        _assert_delay_in_effect(target)
        imports = tmp_path / "imports"  # the foreign server is local: it reads file:// too
        imports.mkdir()
        options = [*target.options(), "--allow-default-namespace", "--consistency-timeout=10"]
        options.append(f"--import-uri={imports.as_uri()}")
        run = run_suite([*options, "-n", "4"], tmp_path)
    _report(run, f"visibility delay {DELAY}s, -n 4")
    assert_clean(run, whole_suite, applicable_only=VERSION_GATED)
