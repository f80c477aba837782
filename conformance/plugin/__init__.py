"""The pytest plugin of the conformance suite (the `pytest11` entry point).

Loaded in every pytest run of an environment where the package is installed, so it stays inert
unless a test asks for a suite fixture or carries a `behavior` marker. Its modules, each a plugin:

- `options`: the options (from the one table in `conformance.config`) and the run object;
- `run`: `ConformanceRun`, the state of one run, read back by `pinecone-conformance run`;
- `selection`: catalog markers, `--behavior`/`--level`/`--profile`, API-version applicability;
- `startup`: when the target is started or probed, and the `conformance_session` fixture;
- `fixtures`: `target`, the `*_space` fixtures, `control_plane`, `data_client`;
- `recording`: per-phase records, results.json and the reports, the closing summary;
- `progress`: the `N/M tests done` line of long runs;
- `signals`: SIGINT and SIGTERM stop the run between tests, and it still reports;
- `transport`: a request with no gRPC form makes its test not applicable over gRPC.
"""

pytest_plugins = [
    "conformance.plugin.options",
    "conformance.plugin.selection",
    "conformance.plugin.startup",
    "conformance.plugin.fixtures",
    "conformance.plugin.recording",
    "conformance.plugin.signals",
    "conformance.plugin.transport",
]
