"""Bulk import (2024-10+): start, describe, list and cancel imports of Parquet datasets.

Requests that need no dataset (validation, an unknown id) run against every target that serves
bulk import at all (its list of imports does not answer 404, 405 or 501). The others
import small datasets the suite writes itself (`conformance.target.datasets`) into the test's own
namespaces, so the Space's cleanup removes what they imported; they are not applicable when the
suite has nowhere to write a dataset the target can read. Waiting for an import to finish is
bounded: seconds for the embedded server, longer for a hosted one, whose imports take minutes.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest

from conformance.config import TargetConfig
from conformance.outcomes import NOT_APPLICABLE_PREFIX, SetupFailed
from conformance.suite._helpers import (
    approx,
    assert_invalid,
    seed_visible,
    setting_up,
    setup_ok,
)
from conformance.target import waiting
from conformance.target.client import WireResponse
from conformance.target.datasets import DatasetUnavailable, dataset_root, write_dataset
from conformance.target.space import Space

STATUSES = ("Pending", "InProgress", "Failed", "Completed", "Cancelled")
TERMINAL = ("Failed", "Completed", "Cancelled")
EMBEDDED_TIMEOUT = 30.0
HOSTED_TIMEOUT = 1800.0  # the documented indexing step alone usually takes ten minutes
MAX_LIST_PAGES = 300
NOWHERE = "s3://conformance-no-such-bucket/none"


class Imports:
    """The imports and datasets of one test, on the Space's index; at teardown unfinished imports
    are cancelled and the datasets removed."""

    def __init__(self, space: Space, root: Path, embedded: bool) -> None:
        self.space = space
        self.root = root
        self.timeout = EMBEDDED_TIMEOUT if embedded else HOSTED_TIMEOUT
        self.max_pause = 0.25 if embedded else 10.0
        self.started: list[str] = []
        self.written: list[Path] = []

    def records(self, n: int, prefix: str = "imp-") -> list[dict[str, Any]]:
        return [
            {**self.space.vectors.record(i, prefix), "metadata": {"genre": f"g{i}", "n": i}}
            for i in range(n)
        ]

    def dataset(self, namespaces: dict[str, list[dict[str, Any]]]) -> str:
        with setting_up("writing the Parquet dataset"):
            uri = write_dataset(self.root, namespaces)
        self.written.append(Path(url2pathname(urlsplit(uri).path)))
        return uri

    def start(self, uri: str, **extra: Any) -> WireResponse:
        resp = self.space.client.request("POST", "/bulk/imports", json={"uri": uri, **extra})
        body = resp.json if resp.status == 200 else None
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            self.started.append(body["id"])
        return resp

    def started_id(self, uri: str, **extra: Any) -> str:
        body = setup_ok(self.start(uri, **extra), "starting the import")
        if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not body["id"]:
            raise SetupFailed(f"starting the import: no import id in {body!r}")
        return body["id"]

    def describe(self, import_id: str) -> WireResponse:
        return self.space.client.request("GET", f"/bulk/imports/{import_id}")

    def listing(self, **params: Any) -> WireResponse:
        return self.space.client.request("GET", "/bulk/imports", params=params)

    def cancel(self, import_id: str) -> WireResponse:
        return self.space.client.request("DELETE", f"/bulk/imports/{import_id}")

    def finished(self, import_id: str) -> dict[str, Any]:
        """The import's description once its status is terminal (bounded wait)."""

        def check(resp: WireResponse) -> bool:
            assert resp.status == 200, f"describe answered {resp!r}"
            return isinstance(resp.json, dict) and resp.json.get("status") in TERMINAL

        resp = waiting.eventually(
            lambda: self.describe(import_id),
            check,
            f"import {import_id} to finish",
            self.timeout,
            max_pause=self.max_pause,
        )
        return resp.json

    def completed(self, import_id: str, what: str) -> dict[str, Any]:
        with setting_up(what):
            body = self.finished(import_id)
            assert body.get("status") == "Completed", f"the import ended {body!r}"
        return body

    def close(self) -> None:
        for import_id in self.started:
            resp = self.describe(import_id)
            status = resp.json.get("status") if isinstance(resp.json, dict) else None
            if status not in TERMINAL:
                self.cancel(import_id)
        for directory in self.written:
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def import_root(target: TargetConfig, tmp_path_factory: pytest.TempPathFactory) -> Path | str:
    """Where this run's datasets go, or why there is no such place."""
    try:
        return dataset_root(target, lambda: tmp_path_factory.mktemp("imports"))
    except DatasetUnavailable as exc:
        return str(exc)


@pytest.fixture
def imports(served: Space, import_root: Path | str, target: TargetConfig) -> Iterator[Imports]:
    if isinstance(import_root, str):
        pytest.skip(NOT_APPLICABLE_PREFIX + import_root)
    dense_space = served
    helper = Imports(dense_space, import_root, target.embedded)
    try:
        yield helper
    finally:
        helper.close()


def _json_object(resp: WireResponse) -> dict[str, Any]:
    assert resp.status == 200, f"expected HTTP 200, got {resp!r}"
    assert isinstance(resp.json, dict), f"expected a JSON object, got {resp!r}"
    return resp.json


NOT_SERVED = (404, 405, 501)


@pytest.fixture
def served(dense_space: Space) -> Space:
    """The Space, once the target shows it serves bulk import at all: a target whose list of
    imports answers 404, 405 or 501 does not offer the feature, and its tests do not apply."""
    resp = dense_space.client.request("GET", "/bulk/imports")
    if resp.status in NOT_SERVED:
        pytest.skip(
            f"{NOT_APPLICABLE_PREFIX}the target does not serve bulk import "
            f"(GET /bulk/imports answered {resp.status})"
        )
    return dense_space


# -- requests that need no dataset -------------------------------------------------------------


@pytest.mark.behavior("IMPORTS-START-URI-REQUIRED")
@pytest.mark.parametrize(
    "body", [{}, {"errorMode": {"onError": "continue"}}], ids=["empty", "error-mode-only"]
)
def test_start_without_uri_is_rejected(served: Space, body: dict[str, Any]) -> None:
    assert_invalid(served.client.request("POST", "/bulk/imports", json=body))


@pytest.mark.behavior("IMPORTS-START-ERROR-MODE-VALUES")
def test_start_with_unknown_error_mode_is_rejected(served: Space) -> None:
    body = {"uri": NOWHERE, "errorMode": {"onError": "sometimes"}}
    assert_invalid(served.client.request("POST", "/bulk/imports", json=body))


@pytest.mark.behavior("IMPORTS-LIST-LIMIT-RANGE")
@pytest.mark.parametrize("limit", [0, 101])
def test_list_limit_out_of_range_is_rejected(served: Space, limit: int) -> None:
    assert_invalid(served.client.request("GET", "/bulk/imports", params={"limit": limit}))


@pytest.mark.behavior("IMPORTS-DESCRIBE-UNKNOWN")
def test_describe_unknown_import_is_a_client_error(served: Space) -> None:
    unknown = "9" + "".join(str(b % 10) for b in secrets.token_bytes(17))
    resp = served.client.request("GET", f"/bulk/imports/{unknown}")
    assert 400 <= resp.status < 500, f"expected a 4xx for an unknown import, got {resp!r}"


# -- imports of a dataset ----------------------------------------------------------------------


@pytest.mark.behavior("IMPORTS-START")
def test_start_returns_an_import_id(imports: Imports) -> None:
    uri = imports.dataset({imports.space.ns: imports.records(2)})
    body = _json_object(imports.start(uri))
    import_id = body.get("id")
    assert isinstance(import_id, str) and 1 <= len(import_id) <= 1000, f"no import id in {body!r}"


@pytest.mark.behavior("IMPORTS-DESCRIBE")
def test_describe_reports_the_import(imports: Imports) -> None:
    uri = imports.dataset({imports.space.ns: imports.records(2)})
    import_id = imports.started_id(uri)
    body = _json_object(imports.describe(import_id))
    assert body.get("id") == import_id, f"described as {body!r}"
    assert body.get("uri") == uri, f"described as {body!r}"
    assert body.get("status") in STATUSES, f"status not one of {STATUSES}: {body!r}"


@pytest.mark.behavior("IMPORTS-COMPLETES")
def test_import_completes_with_every_record(imports: Imports) -> None:
    records = imports.records(3)
    import_id = imports.started_id(imports.dataset({imports.space.ns: records}))
    body = imports.finished(import_id)
    assert body.get("status") == "Completed", f"the import ended {body!r}"
    assert body.get("recordsImported") == len(records), f"the import ended {body!r}"


@pytest.mark.behavior("IMPORTS-RECORDS-VISIBLE")
def test_imported_records_are_fetched_as_written(imports: Imports) -> None:
    space = imports.space
    # Records of the same shape upserted and read back first: a target that cannot fetch them
    # as written is judged by the fetch and upsert behaviors, not here.
    control = seed_visible(
        space, imports.records(2, prefix="control-"), namespace=space.new_namespace()
    )
    _kept_apart(space, control, space.ns)
    other = space.new_namespace()
    written = {space.ns: imports.records(2), other: imports.records(2, prefix="other-")}
    import_id = imports.started_id(imports.dataset(written))
    imports.completed(import_id, "the import completing")
    for namespace, records in written.items():
        ids = [r["id"] for r in records]

        def check(resp: WireResponse, records: list[dict[str, Any]] = records) -> bool:
            found = _json_object(resp).get("vectors") or {}
            for record in records:
                got = found.get(record["id"])
                assert isinstance(got, dict), f"{record['id']!r} not fetched"
                assert got.get("values") == approx(record["values"]), f"{record['id']!r}: {got}"
                assert got.get("metadata") == record["metadata"], f"{record['id']!r}: {got}"
            return True

        def probe(ids: list[str] = ids, namespace: str = namespace) -> WireResponse:
            return space.fetch(ids, namespace=namespace)

        space.eventually(probe, check, f"the imported records of {namespace!r}")


def _kept_apart(space: Space, ids: list[str], elsewhere: str) -> None:
    """Setup: records written to one namespace are not fetched from another. Imports are judged
    by namespace, which says nothing on a target that mixes namespaces up."""
    resp = space.fetch(ids, namespace=elsewhere)
    found = resp.json.get("vectors") if resp.status == 200 and isinstance(resp.json, dict) else None
    if not isinstance(found, dict) or any(isinstance(found.get(i), dict) for i in ids):
        raise SetupFailed(f"records of another namespace fetched from {elsewhere!r}: {resp!r}")


def _listed_ids(imports: Imports, limit: int | None) -> tuple[list[Any], list[int]]:
    """Every listed import id, following `pagination.next`; and each page's size."""
    ids: list[Any] = []
    sizes: list[int] = []
    params: dict[str, Any] = {} if limit is None else {"limit": limit}
    for _ in range(MAX_LIST_PAGES):
        body = _json_object(imports.listing(**params))
        data = body.get("data")
        assert isinstance(data, list), f"no `data` list in {body!r}"
        ids += [item.get("id") for item in data if isinstance(item, dict)]
        sizes.append(len(data))
        token = (body.get("pagination") or {}).get("next")
        if not token:
            return ids, sizes
        params["paginationToken"] = token
    raise SetupFailed(f"more than {MAX_LIST_PAGES} pages of imports: not a fresh enough index")


@pytest.mark.behavior("IMPORTS-LIST")
def test_list_shows_the_started_import(imports: Imports) -> None:
    import_id = imports.started_id(imports.dataset({imports.space.ns: imports.records(1)}))
    ids, _ = _listed_ids(imports, None)
    assert import_id in ids, f"import {import_id} not listed among {ids[:50]}"


@pytest.mark.behavior("IMPORTS-LIST-PAGINATION")
def test_list_pages_hold_at_most_limit_and_reach_every_import(imports: Imports) -> None:
    space = imports.space
    first = imports.started_id(imports.dataset({space.ns: imports.records(1)}))
    second = imports.started_id(imports.dataset({space.new_namespace(): imports.records(1)}))
    ids, sizes = _listed_ids(imports, 1)
    assert max(sizes) <= 1, f"pages of limit 1 held {sizes} imports"
    assert {first, second} <= set(ids), f"imports {first}, {second} not all listed: {ids[:50]}"


@pytest.mark.behavior("IMPORTS-CANCEL")
def test_cancel_stops_the_import_or_finds_it_finished(imports: Imports) -> None:
    import_id = imports.started_id(imports.dataset({imports.space.ns: imports.records(2)}))
    _json_object(imports.cancel(import_id))
    body = imports.finished(import_id)
    assert body.get("status") in ("Cancelled", "Completed"), f"after cancel: {body!r}"


@pytest.mark.behavior("IMPORTS-CANCEL-FINISHED-NOOP")
def test_cancel_of_a_finished_import_changes_nothing(imports: Imports) -> None:
    import_id = imports.started_id(imports.dataset({imports.space.ns: imports.records(1)}))
    before = imports.completed(import_id, "the import completing")
    _json_object(imports.cancel(import_id))
    after = _json_object(imports.describe(import_id))
    assert after.get("status") == "Completed", f"after cancel: {after!r}"
    assert after.get("recordsImported") == before.get("recordsImported"), f"after: {after!r}"


@pytest.mark.behavior("IMPORTS-EXISTING-NAMESPACE")
def test_import_into_an_existing_namespace_is_refused(imports: Imports) -> None:
    space = imports.space
    seeded = seed_visible(space, [space.vectors.record(0, "seed-")])
    _kept_apart(space, seeded, space.new_namespace())
    record = imports.records(1)[0]
    resp = imports.start(imports.dataset({space.ns: [record]}))
    if resp.status != 200:
        assert 400 <= resp.status < 500, f"expected the start refused with a 4xx: {resp!r}"
        return
    import_id = (resp.json or {}).get("id") if isinstance(resp.json, dict) else None
    if not isinstance(import_id, str):
        raise SetupFailed(f"starting the import: no import id in {resp!r}")
    body = imports.finished(import_id)
    assert body.get("status") == "Failed", f"an import into an existing namespace: {body!r}"
    found = _json_object(space.fetch([record["id"]])).get("vectors") or {}
    written = found.get(record["id"])
    assert not isinstance(written, dict), f"the import wrote into the existing namespace: {found}"


def _with_one_invalid(imports: Imports) -> tuple[list[dict[str, Any]], int]:
    """Two valid records and one of the wrong dimension; the number of valid ones."""
    valid = imports.records(2)
    wrong = {**imports.records(1, prefix="bad-")[0]}
    wrong["values"] = [*wrong["values"], 0.5]
    return [valid[0], wrong, valid[1]], len(valid)


@pytest.mark.behavior("IMPORTS-ERROR-MODE-CONTINUE")
def test_continue_skips_invalid_records(imports: Imports) -> None:
    records, valid = _with_one_invalid(imports)
    uri = imports.dataset({imports.space.ns: records})
    import_id = imports.started_id(uri, errorMode={"onError": "continue"})
    body = imports.finished(import_id)
    assert body.get("status") == "Completed", f"the import ended {body!r}"
    assert body.get("recordsImported") == valid, f"the import ended {body!r}"


@pytest.mark.behavior("IMPORTS-ERROR-MODE-ABORT")
def test_abort_fails_on_an_invalid_record(imports: Imports) -> None:
    records, _ = _with_one_invalid(imports)
    uri = imports.dataset({imports.space.ns: records})
    import_id = imports.started_id(uri, errorMode={"onError": "abort"})
    body = imports.finished(import_id)
    assert body.get("status") == "Failed", f"the import ended {body!r}"
