"""The fixtures suite tests use: the target's settings, a `Space` per index kind, clients.

A fixture that cannot give what a test needs (no sparse index, no control plane, a behavior that
does not apply to the index kind) skips the test as not applicable, with the reason; one that
breaks (a temporary index that could not be created) is a harness error, never a verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conformance.config import TargetConfig
from conformance.outcomes import NOT_APPLICABLE_PREFIX
from conformance.plugin.run import get_run
from conformance.plugin.selection import BEHAVIORS_KEY
from conformance.redact import redact
from conformance.target.client import ControlPlaneClient, DataPlaneClient
from conformance.target.indexes import IndexCreationError, IndexInfo
from conformance.target.session import METRICS, SuiteSession
from conformance.target.space import Space

# Behaviors observable only on a target that rejects a missing or wrong API key.
AUTH_ENFORCEMENT_BEHAVIORS = frozenset(
    {
        "AUTH-DATA-PLANE-REJECTS-BAD-KEY",
        "AUTH-CONTROL-PLANE-UNAUTHENTICATED",
        "GRPC-UNAUTHENTICATED",
    }
)
NO_AUTH_ENFORCEMENT_REASON = "the target does not enforce API keys (--no-auth-enforcement)"
# The clients a test used, whose transcripts are attached to its report when it fails.
CLIENTS_KEY = pytest.StashKey[list[Any]]()
# What a test's cleanup could not remove from the target (results.json `leftovers`).
LEFTOVERS_KEY = pytest.StashKey[list[dict[str, Any]]]()
# The Spaces of tests still running (node id, Space): a run stopped at once cleans them up itself.
LIVE_KEY = pytest.StashKey[dict[int, tuple[str, Space]]]()


def live_spaces(config: pytest.Config) -> dict[int, tuple[str, Space]]:
    if LIVE_KEY not in config.stash:
        config.stash[LIVE_KEY] = {}
    return config.stash[LIVE_KEY]


@pytest.fixture(scope="session")
def target(pytestconfig: pytest.Config) -> TargetConfig:
    """The validated TargetConfig of this run."""
    return get_run(pytestconfig).cfg


@pytest.fixture(autouse=True)
def conformance_applicability(request: pytest.FixtureRequest) -> None:
    """Report behaviors the target's declared setup cannot show as not applicable before the
    test's own fixtures run: key rejection on a target that ignores keys (--no-auth-enforcement)."""
    behaviors = request.node.stash.get(BEHAVIORS_KEY, None)
    if not behaviors or not get_run(request.config).cfg.no_auth_enforcement:
        return
    if any(b.id in AUTH_ENFORCEMENT_BEHAVIORS for b in behaviors):
        pytest.skip(NOT_APPLICABLE_PREFIX + NO_AUTH_ENFORCEMENT_REASON)


def _check_kind(request: pytest.FixtureRequest, kind: str) -> None:
    for behavior in request.node.stash.get(BEHAVIORS_KEY, []):
        if not behavior.applies_to_kind(kind):
            kinds = ", ".join(behavior.kinds)
            pytest.skip(
                f"{NOT_APPLICABLE_PREFIX}{behavior.id} applies to {kinds} indexes, not {kind}"
            )


def _track(request: pytest.FixtureRequest, client: Any) -> None:
    node = request.node
    if CLIENTS_KEY not in node.stash:
        node.stash[CLIENTS_KEY] = []
    node.stash[CLIENTS_KEY].append(client)


def _open(
    request: pytest.FixtureRequest,
    suite: SuiteSession,
    index: IndexInfo | None,
    kind: str,
    missing: str,
    *,
    default: bool = False,
    create: Callable[[], IndexInfo | None] | None = None,
) -> Iterator[Space]:
    """A Space on `index`; when it is missing and `create` is given (--allow-create-index), a
    temporary index is made, but only for a test that applies to `kind` at all."""
    if index is None and create is not None and suite.can_create_indexes:
        _check_kind(request, kind)
        try:
            index = create()
        except IndexCreationError as exc:
            raise IndexCreationError(redact(str(exc))) from None  # a harness error, not a verdict
    if index is None:
        pytest.skip(NOT_APPLICABLE_PREFIX + missing)
    _check_kind(request, kind)
    space = suite.space(index, default=default)
    _track(request, space.client)
    live = live_spaces(request.config)
    live[id(space)] = (request.node.nodeid, space)
    yield space
    try:
        space.cleanup()
    finally:
        live.pop(id(space), None)
        if space.leftovers:
            node = request.node
            node.stash[LEFTOVERS_KEY] = [*node.stash.get(LEFTOVERS_KEY, []), *space.leftovers]


@pytest.fixture
def dense_space(request: pytest.FixtureRequest, conformance_session: SuiteSession):
    """A Space in a fresh namespace of a dense index (cosine on the embedded server)."""
    yield from _open(
        request, conformance_session, conformance_session.dense, "dense", "no dense index"
    )


@pytest.fixture(params=METRICS)
def metric_space(request: pytest.FixtureRequest, conformance_session: SuiteSession):
    """A Space on a dense index of each metric (ids `cosine`, `euclidean`, `dotproduct`); a
    missing metric gets a temporary index with --allow-create-index."""
    suite, metric = conformance_session, request.param
    yield from _open(
        request,
        suite,
        suite.by_metric(metric),
        "dense",
        f"no {metric} index",
        create=lambda: suite.metric_index(metric),
    )


@pytest.fixture
def sparse_space(request: pytest.FixtureRequest, conformance_session: SuiteSession):
    """A Space on a sparse index (a temporary one with --allow-create-index if the target has
    none)."""
    suite = conformance_session
    yield from _open(
        request,
        suite,
        suite.sparse,
        "sparse",
        "the target has no sparse index",
        create=suite.sparse_index,
    )


@pytest.fixture
def hybrid_space(request: pytest.FixtureRequest, conformance_session: SuiteSession):
    """A Space on a dense dotproduct index, for hybrid (dense + sparse) records and queries (a
    temporary one with --allow-create-index if the target has none)."""
    suite = conformance_session
    yield from _open(
        request,
        suite,
        suite.hybrid,
        "hybrid",
        "no dense dotproduct index",
        create=suite.hybrid_index,
    )


@pytest.fixture
def default_space(request: pytest.FixtureRequest, conformance_session: SuiteSession):
    """A Space in the dense index's default namespace (`ns == ""`); cleanup deletes exactly the
    ids upserted through it."""
    if not conformance_session.cfg.allow_default_namespace:
        pytest.skip(NOT_APPLICABLE_PREFIX + "the default namespace needs --allow-default-namespace")
    index = conformance_session.dense
    yield from _open(request, conformance_session, index, "dense", "no dense index", default=True)


@pytest.fixture
def control_plane(
    request: pytest.FixtureRequest, conformance_session: SuiteSession
) -> ControlPlaneClient:
    """A ControlPlaneClient (not applicable without --control-plane)."""
    client = conformance_session.control_client()
    if client is None:
        pytest.skip(NOT_APPLICABLE_PREFIX + "no control plane given (--control-plane)")
    _track(request, client)
    return client


@pytest.fixture
def data_client(
    request: pytest.FixtureRequest, conformance_session: SuiteSession
) -> DataPlaneClient:
    """A DataPlaneClient for the dense index (the main target), for raw requests."""
    index = conformance_session.dense or conformance_session.primary
    if index is None:
        pytest.skip(NOT_APPLICABLE_PREFIX + "no index")
    client = conformance_session.data_client(index)
    _track(request, client)
    return client
