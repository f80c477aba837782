"""Property-based fuzzing of a target against the model (`conformance/model.py`).

The pieces, one module each:

- `conformance/fuzz_context.py`: what a session shares (`FuzzContext`, `using`) and its failures;
- `conformance/fuzz_machine.py`: `DataPlaneMachine`, the hypothesis state machine;
- `conformance/fuzz_session.py`: `run_session`, the machine run for a time budget;
- `conformance/fuzz_report.py`: reproducers and the run's results.json and reports;
- `conformance/fuzz_cli.py`: `main`, the `pinecone-conformance fuzz` command.

This module re-exports their public names (`python -m conformance.fuzz` runs the command).
"""

from __future__ import annotations

import sys

from conformance.fuzz_cli import DEFAULT_DB, Progress, build_parser, main, parse_duration
from conformance.fuzz_context import (
    Failure,
    FuzzContext,
    TargetMismatch,
    classify,
    failure_type,
    using,
)
from conformance.fuzz_machine import DataPlaneMachine
from conformance.fuzz_report import (
    behaviors_of,
    results_document,
    write_failures,
    write_reports,
)
from conformance.fuzz_session import (
    SessionResult,
    WriteOnlyDatabase,
    open_database,
    run_session,
    seeded_machine,
    shrink_time_limit,
)

__all__ = [
    "DEFAULT_DB",
    "DataPlaneMachine",
    "Failure",
    "FuzzContext",
    "Progress",
    "SessionResult",
    "TargetMismatch",
    "WriteOnlyDatabase",
    "behaviors_of",
    "build_parser",
    "classify",
    "failure_type",
    "main",
    "open_database",
    "parse_duration",
    "results_document",
    "run_session",
    "seeded_machine",
    "shrink_time_limit",
    "using",
    "write_failures",
    "write_reports",
]

if __name__ == "__main__":
    sys.exit(main())
