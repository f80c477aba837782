"""Credit only what ran: a parametrized suite test names, per case, only the behaviors that case
exercises, so a passing cosine case never credits the euclidean behavior (in-process collection,
no server)."""

from __future__ import annotations

import pytest

from conformance import catalog
from tests.support.collect import collect_suite


def _behaviors(selection: str) -> dict[str, list[str]]:
    """{test id: behavior ids} of the suite items `-k selection` picks."""
    status, items, _ = collect_suite("-k", selection)
    assert status == pytest.ExitCode.OK
    return {item.name: catalog.marker_ids(item) for item in items}


def test_metric_cases_name_only_their_metric() -> None:
    got = _behaviors("test_scores_follow_metric")
    assert got == {
        "test_scores_follow_metric[cosine]": ["QUERY-COSINE-SCORE"],
        "test_scores_follow_metric[euclidean]": ["QUERY-EUCLIDEAN-ASCENDING"],
        "test_scores_follow_metric[dotproduct]": ["QUERY-DOTPRODUCT-SCORE"],
    }


def test_update_cases_name_only_their_behavior() -> None:
    got = _behaviors("test_update_by_id_response_is_empty")
    assert got and all(
        ids == (["UPDATE-BY-ID-RESPONSE"] if "existing" in name else ["UPDATE-MISSING-ID-NOOP"])
        for name, ids in got.items()
    ), got


def test_state_machine_blames_the_model_agreement_alone() -> None:
    got = _behaviors("test_state_machine_agrees_with_model")
    assert list(got.values()) == [["FUZZ-MODEL-AGREEMENT"]]
