"""The record of a run and what is judged from it.

- `document`: results.json, the source of truth of a run (schema: docs/results-schema.md), and
  the `Recorder` that collects the test phases of a run into it;
- `expectations`: known failures with reasons and expiry, and baselines;
- `compare`: the behaviors whose outcome differs between two runs.
"""
