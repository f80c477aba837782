"""Property-based fuzzing of a target against an independent model of one index.

- `model`: the oracle, a plain-Python model of the data plane (never the reference server);
- `strategies`, `invalid_requests`: hypothesis strategies for valid and malformed requests;
- `grounded`: ids, prefixes and filters drawn from what the model holds;
- `context`: what a session shares (`FuzzContext`, `using`) and its failures;
- `machine`: `DataPlaneMachine`, the hypothesis state machine;
- `session`: `run_session`, the machine run for a time budget;
- `report`: reproducers and the run's results.json and reports;
- `coverage`: the per-operator figures of `--stats`;
- `workers`: `--workers N`, several sessions at once merged into one run;
- `command`: `pinecone-conformance fuzz` (`python -m conformance.fuzz`).
"""
