"""`pinecone-conformance replay`: run one reproducer written by a fuzz session against a target."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def replay_main(argv: Sequence[str]) -> int:
    """`pinecone-conformance replay repro-<n>.py --target URL`: exit 0 conforms, 1 reproduced."""
    parser = argparse.ArgumentParser(
        prog="pinecone-conformance replay",
        description="Re-run a reproducer written by a fuzz session against a target.",
    )
    parser.add_argument("script", help="path of a repro-<n>.py")
    parser.add_argument("--target", required=True, help="data-plane URL of the index")
    parser.add_argument("--api-key", help="API key (default: $PINECONE_API_KEY)")
    parser.add_argument("--api-version", help="X-Pinecone-Api-Version (default: the session's)")
    parser.add_argument("--consistency-timeout", type=float, help="seconds to poll reads")
    args = parser.parse_args(list(argv))
    script = Path(args.script)
    if not script.is_file():
        print(f"pinecone-conformance replay: no such file {script}", file=sys.stderr)
        return 2
    cmd = [sys.executable, str(script), "--target", args.target]
    if args.api_version:
        cmd += ["--api-version", args.api_version]
    if args.consistency_timeout is not None:
        cmd += ["--consistency-timeout", str(args.consistency_timeout)]
    env = dict(os.environ)
    if args.api_key:
        env["PINECONE_API_KEY"] = args.api_key  # through the environment, never on a command line
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 130
