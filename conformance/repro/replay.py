"""`pinecone-conformance replay`: run one reproducer written by a fuzz session against a target."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from conformance.config import ConfigError, add_argparse_options, resolve_options
from conformance.options import REPLAY
from conformance.outcomes import ExitCode
from conformance.redact import redact

# The options handed on to the reproducer, which parses them itself (the key goes by environment).
_FORWARDED = ("api_version", "consistency_timeout", "namespace_prefix", "request_timeout")


def build_parser() -> argparse.ArgumentParser:
    """The options of `replay` from the option table; `--target` may also come from the
    environment or the config file, so it is checked after resolution."""
    parser = argparse.ArgumentParser(
        prog="pinecone-conformance replay",
        description="Re-run a reproducer written by a fuzz session against a target.",
    )
    parser.add_argument("script", help="path of a repro-<n>.py")
    add_argparse_options(parser, REPLAY)
    return parser


def replay_main(argv: Sequence[str]) -> int:
    """`pinecone-conformance replay repro-<n>.py --target URL`: exit 0 conforms, 1 reproduced."""
    cli = vars(build_parser().parse_args(list(argv)))
    try:
        # Command line > environment > config file, as for every command.
        options = resolve_options(cli, command=REPLAY)
    except ConfigError as exc:
        print(f"pinecone-conformance replay: {redact(str(exc))}", file=sys.stderr)
        return ExitCode.USAGE
    if options["target"] is None:
        print(
            "pinecone-conformance replay: no target: give --target URL "
            "(or PINECONE_CONFORMANCE_TARGET, or `target` in the --config file)",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    script = Path(cli["script"])
    if not script.is_file():
        print(f"pinecone-conformance replay: no such file {script}", file=sys.stderr)
        return ExitCode.USAGE
    cmd = [sys.executable, str(script), "--target", options["target"]]
    for dest in _FORWARDED:
        if options[dest] is not None:
            cmd += ["--" + dest.replace("_", "-"), str(options[dest])]
    for entry in options["grpc_target"] or ():  # the steps over gRPC (the index's address)
        cmd += ["--grpc-target", entry.rpartition("=")[2]]
    env = dict(os.environ)
    if options["api_key"]:
        env["PINECONE_API_KEY"] = options["api_key"]  # by environment, never on a command line
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 130
