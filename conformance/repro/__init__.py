"""Reproducers of fuzz failures, and `pinecone-conformance replay`.

A fuzz step is plain data (a request, where the namespace goes, and what the model expects), so
the same step can be executed by the state machine and written into a standalone reproducer:

- `checks`: the checks of a response against the model's expectation;
- `runtime`: executing a step (requests, pages, snapshots) and `run_step`;
- `writer`: `repro-<n>.py` (the two above copied verbatim) and `repro-<n>.sh`;
- `replay`: `pinecone-conformance replay`, which runs one reproducer.
"""
