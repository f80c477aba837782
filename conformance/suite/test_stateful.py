"""The fuzzing state machine, with a small derandomized budget, as part of the normal gate run.

The same machine `pinecone-conformance fuzz` runs for minutes: random sequences of valid and
invalid data-plane requests in fresh namespaces, every response compared with an independent
model (conformance/model.py). Here the budget is fixed and the examples derandomized, so a gate
run is repeatable; a failure shows the shrunk sequence of requests.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from conformance.fuzz.context import FuzzContext, TargetMismatch, using
from conformance.fuzz.machine import DataPlaneMachine
from conformance.fuzz.session import shrink_time_limit
from conformance.repro.runtime import describe

EXAMPLES = 12
STEPS = 20
SHRINK_SECONDS = 30


# A disagreement can show far from its cause (an upsert that kept the old record shows at a later
# fetch or query), so it is blamed on the model agreement alone; the focused tests of each
# behavior say which one broke, and a passing session credits no behavior but this one.
@pytest.mark.behavior("FUZZ-MODEL-AGREEMENT")
def test_state_machine_agrees_with_model(conformance_session):
    """Random request sequences on every index of the target behave as the model says."""
    suite = conformance_session
    cfg = suite.cfg
    ctx = FuzzContext(
        suite.indexes,
        cfg.api_key,
        cfg.api_version,
        suite.data_http(),
        consistency_timeout=cfg.consistency_timeout,
        prefix=cfg.namespace_prefix,
        run_id=f"{suite.run_id}-{suite.worker}",
    )
    config = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        print_blob=False,
    )
    try:
        with using(ctx), shrink_time_limit(SHRINK_SECONDS):
            run_state_machine_as_test(DataPlaneMachine, settings=config)
    except TargetMismatch as exc:
        failure = next(iter(ctx.found.values()))
        steps = "\n".join(f"  {n}. {describe(step)}" for n, step in enumerate(failure.steps, 1))
        pytest.fail(
            f"{exc}\n\nshrunk sequence on index {failure.index.name} "
            f"(namespaces <fresh>{failure.suffixes!r}):\n{steps}",
            pytrace=False,
        )
