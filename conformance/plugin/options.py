"""The suite's command-line options, the `behavior` marker, and the run object of each pytest run.

The options come from the one option table (`conformance.config`); `pytest_configure` resolves
them (command line > environment > config file), checks the gating options and registers the
run's `ConformanceRun`. A mistake in them is a usage error naming where it came from.
"""

from __future__ import annotations

import os
import time

import pytest

from conformance import catalog as catalog_mod
from conformance.config import ConfigError, add_pytest_options, resolve, resolve_run_options
from conformance.outcomes import ExitCode
from conformance.plugin.progress import RunProgress
from conformance.plugin.recording import is_suite_report
from conformance.plugin.run import PLUGIN_NAME, RUN_KEY, ConformanceRun, Gating
from conformance.redact import redact
from conformance.results import document as results
from conformance.results import expectations as exp_mod


def pytest_addoption(parser: pytest.Parser) -> None:
    add_pytest_options(parser.getgroup("conformance", "Pinecone API conformance suite"))
    parser.addini("conformance_catalog", "behavior catalog file (default: the packaged one)")
    parser.addini(
        "conformance_suite_paths",
        "extra directories whose tests must carry a behavior marker",
        type="linelist",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{catalog_mod.MARKER}(*ids): the catalog behaviors (conformance/behaviors.toml) this "
        "test checks",
    )
    run = ConformanceRun(config, time.time())
    config.stash[RUN_KEY] = run
    config.pluginmanager.register(run, PLUGIN_NAME)
    cli = dict(vars(config.option))  # pytest's own options too: resolution reads only its own
    try:
        run.target = resolve(cli, os.environ)
        options = resolve_run_options(cli, os.environ)
    except ConfigError as exc:
        run.stop(ExitCode.USAGE, redact(str(exc)))
    entries: list[exp_mod.Expectation] = []
    digest = None
    if options.expectations:
        try:
            entries, raw = exp_mod.load(options.expectations)
        except exp_mod.ExpectationsError as exc:
            run.stop(ExitCode.USAGE, str(exc))
        digest = results.sha256(raw)
    run.gating = Gating(
        profile=options.profile,
        strict=options.strict,
        expectations=options.expectations,
        expectations_hash=digest,
        entries=tuple(entries),
        reports_dir=options.reports_dir,
    )
    if run.controller:
        progress = RunProgress(config, is_suite_report)
        config.pluginmanager.register(progress, "conformance-progress")
