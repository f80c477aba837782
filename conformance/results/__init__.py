"""The record of a run and what is judged from it.

- `document`: results.json, the source of truth of a run (schema: docs/results-schema.md);
- `recorder`: the test phases collected during a run;
- `expectations`: known failures with reasons and expiry, and baselines;
- `compare`: the behaviors whose outcome differs between two runs.
"""
