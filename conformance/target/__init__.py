"""What talks to the thing under test.

- `client`: raw HTTP to the data and control planes, with transcripts;
- `grpc`: the data plane over gRPC (`--transport grpc`), the same interface as `client`'s;
- `launcher`: starts the embedded reference server as a separate process;
- `parent_guard`: a script the launcher starts servers through, so they die with the run;
- `session`: the run's view of the target (probe, index roles, one client factory) and `start`;
- `indexes`: temporary indexes (--allow-create-index): names, bodies, creation and deletion;
- `space`: one namespace of one index, for one test;
- `waiting`: the only polling loop (eventual consistency, index readiness);
- `vectors`: deterministic test vectors and metadata for an index's dimension and metric.
"""
