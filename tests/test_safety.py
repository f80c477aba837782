"""The suite leaves a foreign target's data alone and never shows its API key.

A reference server started here (with an API key) is seeded with foreign records: in the default
namespace and in several named namespaces of every index the suite uses, including namespaces
that share the suite's prefix (`conformance`, `conformance-foreign`, one shaped like another run's
namespace) and an explicitly created empty one. The whole suite then runs against it as a foreign
target (`--allow-default-namespace` off). Afterwards every foreign record must be byte-for-byte what
it was (fetched values, sparse values and metadata), the namespaces and record counts as before
(nothing of the run left over), the index list unchanged, and the key in no output or file.

A second, small run makes a test fail on purpose (with `-l`, `-rA`, debug logging into the junit
xml) so that the failure paths (wire transcript, locals, logs) are checked for the key too.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance import catalog
from tests.suite_runner import (
    ForeignTarget,
    SuiteRun,
    assert_clean,
    collect_count,
    foreign_reference,
    run_pytest,
    run_suite,
)

pytestmark = pytest.mark.timeout(300)

REPO = Path(__file__).resolve().parents[1]
DIMENSION = 8
NAMED = (
    "tenant-a",
    "prod",
    "conformance",
    "conformance-foreign",
    "conformance-deadbeef-gw0-1",
)
EMPTY = "conformance-kept-empty"
IDS = (
    "r0", "r1", "r2", "a", "x", "m", "q", "u1", "id-3", "same", "ghost", "__barrier__-1",
    "with space/and#hash",
)  # fmt: skip


# -- foreign data ----------------------------------------------------------------------------------
def _record(role: str, ns: str, n: int) -> dict[str, Any]:
    """A deterministic foreign record (values exact in float32)."""
    salt = sum(map(ord, ns)) % 7
    metadata = {
        "owner": "foreign",
        "namespace": ns or "(default)",
        "n": n,
        "ratio": n / 4,
        "flag": n % 2 == 0,
        "tags": ["keep", f"t{n % 3}"],
    }
    record: dict[str, Any] = {"id": IDS[n], "metadata": metadata}
    sparse = {"indices": [n, 40 + salt, 900 + n], "values": [0.5, 1.25, -2.0 + n / 8]}
    if role == "sparse":
        record["sparseValues"] = sparse
        return record
    record["values"] = [((n * 5 + j * 3 + salt) % 17 - 8) / 8 or 0.125 for j in range(DIMENSION)]
    if role == "hybrid" and n % 2:
        record["sparseValues"] = sparse
    return record


def _ok(response: httpx.Response) -> Any:
    assert response.status_code in (200, 201, 202), (
        f"{response.request.method} {response.request.url}: {response.status_code} "
        f"{response.text[:500]}"
    )
    return response.json() if response.content else None


def _seed(target: ForeignTarget, http: httpx.Client) -> None:
    for role, url in target.index_urls.items():
        for ns in ("", *NAMED):
            body: dict[str, Any] = {"vectors": [_record(role, ns, n) for n in range(len(IDS))]}
            if ns:
                body["namespace"] = ns
            _ok(http.post(f"{url}/vectors/upsert", json=body))
        _ok(http.post(f"{url}/namespaces", json={"name": EMPTY}))


def _pages(http: httpx.Client, url: str, params: dict[str, Any], key: str) -> list[Any]:
    """Every item of a paginated listing (bounded)."""
    items: list[Any] = []
    token = None
    for _ in range(100):
        query = {**params, **({"paginationToken": token} if token else {})}
        page = _ok(http.get(url, params=query))
        items += page.get(key) or []
        token = (page.get("pagination") or {}).get("next")
        if not token:
            return items
    raise AssertionError(f"{url}: more than 100 pages")


def _snapshot(target: ForeignTarget, http: httpx.Client) -> dict[str, Any]:
    """Everything foreign: per index its stats, namespaces, listed ids and fetched records; the
    index list of the control plane."""
    shot: dict[str, Any] = {}
    for role, url in target.index_urls.items():
        stats = _ok(http.post(f"{url}/describe_index_stats", json={}))
        namespaces = _pages(http, f"{url}/namespaces", {"limit": 100}, "namespaces")
        index: dict[str, Any] = {
            "stats": stats,
            "namespaces": sorted((n["name"], n.get("record_count")) for n in namespaces),
        }
        for ns in ("", *NAMED, EMPTY):
            params = {"namespace": ns} if ns else {}
            listed = _pages(http, f"{url}/vectors/list", {**params, "limit": 100}, "vectors")
            fetched = _ok(http.get(f"{url}/vectors/fetch", params={"ids": list(IDS), **params}))
            index[ns or "(default)"] = {
                "listed": sorted(v["id"] for v in listed),
                "records": fetched.get("vectors"),
            }
        shot[role] = index
    indexes = _ok(http.get(f"{target.control_url}/indexes"))["indexes"]
    shot["indexes"] = sorted(indexes, key=lambda i: i["name"])
    return shot


def _differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Paths where two snapshots differ (bounded detail)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[str] = []
        for key in sorted(set(before) | set(after), key=str):
            if key not in after:
                out.append(f"{path}/{key}: gone (was {json.dumps(before[key])[:200]})")
            elif key not in before:
                out.append(f"{path}/{key}: new ({json.dumps(after[key])[:200]})")
            else:
                out += _differences(before[key], after[key], f"{path}/{key}")
        return out
    if before != after:
        return [f"{path}: {json.dumps(before)[:200]} -> {json.dumps(after)[:200]}"]
    return []


def _assert_seeded(shot: dict[str, Any]) -> None:
    """The snapshot holds exactly the seeded records (the seeding worked)."""
    for role in ("dense", "euclidean", "hybrid", "sparse"):
        for ns in ("", *NAMED):
            part = shot[role][ns or "(default)"]
            assert part["listed"] == sorted(IDS), (role, ns, part["listed"])
            for n, rid in enumerate(IDS):
                want, got = _record(role, ns, n), part["records"][rid]
                assert got["metadata"] == want["metadata"], (role, ns, rid, got)
                if "values" in want:
                    assert got["values"] == want["values"], (role, ns, rid, got)
        names = [name for name, _ in shot[role]["namespaces"]]
        assert EMPTY in names and "prod" in names, names


@pytest.fixture
def foreign(tmp_path: Path) -> Iterator[tuple[ForeignTarget, dict[str, Any]]]:
    """A seeded foreign reference server and its snapshot before the run."""
    key = "safety-" + secrets.token_hex(16)
    with foreign_reference(key) as target, target.client() as http:
        _seed(target, http)
        before = _snapshot(target, http)
        _assert_seeded(before)
        yield target, before


def _assert_untouched(target: ForeignTarget, before: dict[str, Any], run: SuiteRun) -> None:
    with target.client() as http:
        after = _snapshot(target, http)
    diff = _differences(before, after)
    assert not diff, (
        f"the run changed foreign data or left something behind ({len(diff)} differences):\n"
        + "\n".join(diff[:40])
        + f"\n\n{run.explain(2000)}"
    )


def _assert_key_hidden(key: str, run: SuiteRun, written: list[Path]) -> None:
    """The key (or its random part) is in no output and no file the run wrote."""
    secret = key.split("-", 1)[1]
    for name, text in (("stdout", run.stdout), ("stderr", run.stderr)):
        assert secret not in text, f"the API key appears in the run's {name}"
    leaking = [str(p) for p in written if secret.encode() in p.read_bytes()]
    assert not leaking, f"the API key appears in files the run wrote: {leaking}"


def _written(workdir: Path, since: float) -> list[Path]:
    """Files of the run's directory, and files under the repository modified during the run
    (reports/, caches next to the rootdir; not .git or .venv)."""
    files = [p for p in workdir.rglob("*") if p.is_file()]
    for root, dirs, names in os.walk(REPO):
        if Path(root) == REPO:
            dirs[:] = [d for d in dirs if d not in (".git", ".venv")]
        for name in names:
            path = Path(root, name)
            with contextlib.suppress(OSError):
                if path.stat().st_mtime >= since:
                    files.append(path)
    return files


def test_suite_leaves_foreign_data_alone(
    tmp_path: Path, foreign: tuple[ForeignTarget, dict[str, Any]]
) -> None:
    """The whole suite against a seeded foreign target: it passes, every foreign record is as it
    was, nothing of the run is left over, and the API key shows up nowhere."""
    target, before = foreign
    whole_suite = collect_count([], tmp_path)
    since = time.time() - 1
    workdir = tmp_path / "run"
    run = run_suite([*target.options(), f"--basetemp={workdir / 'basetemp'}", "-n", "2"], tmp_path)
    print(f"safety run: {dict(run.counts)} in {run.wall:.1f}s")
    _assert_untouched(target, before, run)
    _assert_key_hidden(target.api_key, run, _written(workdir, since))
    assert_clean(run, whole_suite)
    gated = [c for c in run.with_outcome("skipped") if "--allow-default-namespace" in c.message]
    assert gated, "no test was held back from the default namespace:\n" + run.explain(1000)


PROBE = '''
import logging

import pytest


@pytest.mark.behavior("{behavior}")
def test_fails_on_purpose(target, dense_space, data_client, control_plane):
    """Exercise the failure paths: transcript, locals (-l), captured output and logs."""
    logging.getLogger("leak-probe").warning("target %r client %r", target, data_client)
    print("space", dense_space, "control plane", control_plane, "config", target)
    dense_space.upsert([dense_space.vectors.record(1)])
    control_plane.list_indexes()
    unauthorised = data_client.request("GET", "/vectors/list", headers={{"Api-Key": "wrong"}})
    assert unauthorised.status == 401
    assert dense_space.fetch(["nothing"]).json == {{"on purpose": True}}, repr(target)
'''


def test_failure_output_hides_key(
    tmp_path: Path, foreign: tuple[ForeignTarget, dict[str, Any]]
) -> None:
    """A failing test's report (wire transcript, locals, logs, junit) does not show the key, and
    its namespace is still cleaned up."""
    target, before = foreign
    workdir = tmp_path / "probe"
    workdir.mkdir()
    behavior = next(iter(catalog.load()))
    (workdir / "test_leak_probe.py").write_text(textwrap.dedent(PROBE.format(behavior=behavior)))
    junit = workdir / "junit.xml"
    args = ["-p", "no:cacheprovider", "test_leak_probe.py", *target.options(), "-l", "-rA"]
    args += ["--log-level=DEBUG", "-o", "junit_logging=all", f"--junitxml={junit}"]
    args += [f"--basetemp={workdir / 'basetemp'}"]
    since = time.time() - 1
    status, stdout, stderr, wall, _ = run_pytest(args, cwd=workdir, timeout=120)
    run = SuiteRun(args, status, stdout, stderr, wall, junit)
    print(f"leak probe: status {status} in {wall:.1f}s")
    assert status == 1 and "1 failed" in stdout, run.explain()
    assert "wire transcript" in stdout and "Api-Key: ***" in stdout, (
        "the failure report has no masked wire transcript:\n" + run.explain()
    )
    _assert_key_hidden(target.api_key, run, _written(workdir, since))
    _assert_untouched(target, before, run)
