"""Writing reproducers: `repro-<n>.py`, a standalone httpx script carrying the runtime
(`conformance/repro/runtime.py` and `conformance/repro/checks.py`, copied verbatim, so it checks
exactly what the fuzz session checked), and `repro-<n>.sh`, the same requests as curl commands.
Neither file ever holds the API key: both read it from $PINECONE_API_KEY.
"""

from __future__ import annotations

import inspect
import json
import pprint
import shlex
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from conformance.repro import checks as repro_checks
from conformance.repro import runtime as repro_runtime
from conformance.repro.checks import CHECKS

_SCRIPT_HEAD = '''#!/usr/bin/env python3
"""Reproducer {n} of fuzz run {run_id}: {title}

Replays the minimal failing sequence the fuzz session found, each step checked against what the
model of the data plane expects. Needs Python 3.11+ and httpx.

    PINECONE_API_KEY=... python {filename} --target URL [--consistency-timeout SECONDS]
        [--grpc-target HOST:PORT]   (the steps over gRPC; needs pinecone-conformance[grpc])

Exit status: 0 the target conforms (every step as expected), 1 reproduced, 2 usage / unreachable.
The steps write only to fresh namespaces named PREFIX-repro-<random>..., deleted at the end.\
{default_note}
"""

import argparse
import json
import os
import sys
import time
import urllib.parse
import uuid

import httpx

INDEX = {index!r}
API_VERSION = {api_version!r}
SUFFIXES = {suffixes!r}
CONSISTENCY_TIMEOUT = {consistency!r}
FAILURE = {failure!r}
'''

DEFAULT_NOTE = """
CAUTION: they also use the default namespace (its records are deleted first and at the end),
as the session did on the server it started itself; replay it only where that is harmless."""

_SCRIPT_MAIN = """

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="data-plane URL of the index")
    parser.add_argument("--api-key", default=os.environ.get("PINECONE_API_KEY"))
    parser.add_argument("--api-version", default=API_VERSION)
    parser.add_argument("--consistency-timeout", type=float, default=CONSISTENCY_TIMEOUT)
    parser.add_argument("--namespace-prefix", default="conformance")
    parser.add_argument("--request-timeout", type=float, default=10.0)
    parser.add_argument("--grpc-target", help="HOST:PORT: send the steps over gRPC (VectorService)")
    args = parser.parse_args(argv)
    auth = {"X-Pinecone-Api-Version": args.api_version}
    if args.api_key:
        auth["Api-Key"] = args.api_key
    base = args.target.rstrip("/")
    names = ns_names(f"{args.namespace_prefix}-repro-{uuid.uuid4().hex[:8]}", SUFFIXES)
    code = 0
    with open_http(args.request_timeout, base, args.grpc_target) as http:
        try:
            for n, step in enumerate(STEPS, 1):
                problem, out = run_step(http, base, auth, step, names, args.consistency_timeout)
                if problem is not None:
                    if n == 1 and "ConnectError" in str(out.get("error", "")):
                        print(f"cannot reach {base}: {out['error']}", file=sys.stderr)
                        return 2
                    print(f"REPRODUCED at step {n}/{len(STEPS)}: {describe(step)}")
                    print(f"  {problem}")
                    code = 1
                    break
            else:
                print(f"conforms: all {len(STEPS)} steps behaved as expected")
        finally:
            for name in names:
                try:
                    http.post(base + "/vectors/delete", headers=auth,
                              json={"deleteAll": True, "namespace": name})
                except httpx.HTTPError:
                    pass
    return code


if __name__ == "__main__":
    sys.exit(main())
"""


def _functions(module: ModuleType) -> list[Any]:
    """The functions defined in `module`, in source order."""
    mine = module.__name__
    funcs = [f for f in vars(module).values() if inspect.isfunction(f) and f.__module__ == mine]
    return sorted(funcs, key=lambda f: f.__code__.co_firstlineno)


def _literal(value: Any) -> bool:
    """Whether `value` is written back by its repr: a number, a string, or containers of them."""
    if isinstance(value, int | float | str | None):
        return True
    if isinstance(value, tuple | list):
        return all(_literal(v) for v in value)
    if isinstance(value, dict):
        return all(_literal(k) and _literal(v) for k, v in value.items())
    return False


def _constants(module: ModuleType) -> list[str]:
    return [
        f"{name} = {value!r}"
        for name, value in vars(module).items()
        if name.isupper() and _literal(value) and not name.startswith("_")
    ]


def runtime_source() -> str:
    """The source of the runtime (every function of repro_runtime and repro_checks, their
    constants and CHECKS), as copied into reproducers."""
    modules = (repro_runtime, repro_checks)
    consts = "\n".join(c for m in modules for c in _constants(m)) + "\n"
    funcs = "\n\n".join(inspect.getsource(f) for m in modules for f in _functions(m))
    checks = "CHECKS = {\n" + "".join(f"    {k!r}: {f.__name__},\n" for k, f in CHECKS.items())
    return consts + "\n\n" + funcs + "\n\n" + checks + "}\n"


def write_python(
    path: Path,
    *,
    n: int,
    run_id: str,
    title: str,
    index: dict[str, Any],
    api_version: str,
    suffixes: Sequence[str | None],
    steps: Sequence[dict[str, Any]],
    consistency_timeout: float,
    failure: str,
) -> None:
    """Write `repro-<n>.py`: the steps as a Python literal plus the runtime and a main()."""
    head = _SCRIPT_HEAD.format(
        n=n,
        run_id=run_id,
        title=title.replace('"""', "'''").replace("\\", "\\\\"),
        filename=path.name,
        index=index,
        api_version=api_version,
        suffixes=list(suffixes),
        consistency=consistency_timeout,
        failure=failure,
        default_note=DEFAULT_NOTE if None in suffixes else "",
    )
    literal = pprint.pformat(list(steps), width=100, sort_dicts=False)
    text = head + "\n" + runtime_source() + "\n\nSTEPS = " + literal + "\n" + _SCRIPT_MAIN
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)


# -- curl scripts -------------------------------------------------------------------------------
def shell_quote(text: str | bytes) -> str:
    """Quote for bash: plain single quotes when printable, ANSI-C `$'...'` otherwise."""
    data = text.encode() if isinstance(text, str) else text
    if all(32 <= b < 127 for b in data):
        return shlex.quote(data.decode())
    out = []
    for b in data:
        if b in (0x27, 0x5C):
            out.append("\\" + chr(b))
        elif 32 <= b < 127:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "$'" + "".join(out) + "'"


_NS_MARK = "\x00NS\x00"


def _splice(text: str, mark: str, var: str) -> str:
    """`text` as one shell word, each `mark` in it replaced by the expansion of `var`."""
    parts = text.split(mark)
    return f'"${var}"'.join(shell_quote(p) if p else "" for p in parts) or "''"


def _json_with_ns(step: dict[str, Any]) -> str:
    """The JSON body as a shell word, the namespace spliced in from $NSn_JSON (as `namespace`,
    or as the `name` of a namespace to create)."""
    data = dict(step["json"])
    slot = step.get("slot")
    where = step.get("ns_in")
    if slot is None or where not in ("json", "name"):
        return shell_quote(json.dumps(data, separators=(",", ":")))
    if where == "name":
        data["name"] = _NS_MARK + step.get("name_suffix", "")
    elif step.get("default_as") == "alias":
        data["namespace"] = "__default__"
    elif step.get("default_as") != "omit":
        data["namespace"] = _NS_MARK
    text = json.dumps(data, separators=(",", ":"))
    return _splice(text, json.dumps(_NS_MARK)[1:-1], f"NS{slot}_JSON")


# the request headers of a step's variant (conformance/repro/runtime.py): replaced, or added
_KEY_HEADER = '-H "Api-Key: $PINECONE_API_KEY"'
_VERSION_HEADER = '-H "X-Pinecone-Api-Version: $API_VERSION"'
_VARIANT_HEADERS = {
    "key-lower": ['-H "api-key: $PINECONE_API_KEY"', _VERSION_HEADER],
    "key-upper": ['-H "API-KEY: $PINECONE_API_KEY"', _VERSION_HEADER],
    "no-version": [_KEY_HEADER],
    "legacy-agent": [_KEY_HEADER, _VERSION_HEADER, "-A 'python-client-3.2.2 (urllib3:2.0.7)'"],
    "accept-any": [_KEY_HEADER, _VERSION_HEADER, "-H 'Accept: */*'"],
}
_URL_QUOTE = (
    "python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=\"\"))'"
)


def _curl(step: dict[str, Any]) -> list[str]:
    """One curl command as option groups (joined with line continuations by the caller)."""
    method, path = step.get("method", "GET"), step.get("path", "")
    slot, where = step.get("slot"), step.get("ns_in")
    if where == "path":
        path = path.replace("@NS@", f"$NS{slot}_PATH")
    groups = ["curl -sS -w '\\nHTTP %{http_code}\\n' -X " + method]
    groups += _VARIANT_HEADERS.get(step.get("variant") or "", [_KEY_HEADER, _VERSION_HEADER])
    params = [tuple(p) for p in step.get("params") or []]
    if params or where in ("params", "prefix"):
        groups.append("-G")
    for key, value in params:
        groups.append("--data-urlencode " + shell_quote(f"{key}={value}"))
    if where == "prefix":
        groups.append(f'--data-urlencode "prefix=$NS{slot}"')
    if where == "params" and slot is not None:
        if step.get("default_as") == "alias":
            groups.append("--data-urlencode namespace=__default__")
        elif step.get("default_as") != "omit":
            groups.append(f'--data-urlencode "namespace=$NS{slot}"')
    if "json" in step:
        ctype = "application/x-www-form-urlencoded" if step.get("variant") == "form-type" else None
        groups += ["-H " + shell_quote(f"Content-Type: {ctype or 'application/json'}")]
        groups += ["--data-binary " + _json_with_ns(step)]
    elif "content" in step:
        ctype = step.get("content_type", "application/json")
        groups += ["-H " + shell_quote(f"Content-Type: {ctype}"), "--data-binary @-"]
        content = step["content"]
        if step.get("ns_in") == "content":
            quoted = _splice(content, "@NAMESPACE@", f"NS{step['slot']}_JSON")
        else:
            quoted = shell_quote(content)
        return [f"printf '%s' {quoted} |", *groups, f'"$TARGET{path}"']
    return [*groups, f'"$TARGET{path}"']


def write_shell(
    path: Path,
    *,
    n: int,
    run_id: str,
    title: str,
    api_version: str,
    suffixes: Sequence[str | None],
    steps: Sequence[dict[str, Any]],
) -> None:
    """Write `repro-<n>.sh`: the same requests with curl, each followed by what to expect."""
    lines = [
        "#!/usr/bin/env bash",
        f"# Reproducer {n} of fuzz run {run_id}: {title.splitlines()[0] if title else ''}",
        f"# The same requests as repro-{n}.py, sent with curl; compare each response with the",
        f"# expectation above it. Usage: PINECONE_API_KEY=... bash {path.name} URL",
        "set -u",
        'TARGET="${1:?usage: $0 DATA-PLANE-URL}"',
        'TARGET="${TARGET%/}"',
        f'API_VERSION="${{API_VERSION:-{api_version}}}"',
        'BASE="${NAMESPACE_PREFIX:-conformance}-repro-$$-$RANDOM"',
    ]
    for slot, suffix in enumerate(suffixes):
        if suffix is None:  # the default namespace, sent as `""`
            lines += [f'NS{slot}=""', f'NS{slot}_JSON=""']
            continue
        # the name as is (query parameters) and escaped for a JSON string (bodies)
        escaped = json.dumps(suffix)[1:-1]
        lines.append(f'NS{slot}="$BASE"{shell_quote(suffix) if suffix else ""}')
        lines.append(f'NS{slot}_JSON="$BASE"{shell_quote(escaped) if escaped else ""}')
        lines.append(f'NS{slot}_PATH="$({_URL_QUOTE} "$NS{slot}")"')
    for number, step in enumerate(steps, 1):
        exp = step["expect"]
        lines.append("")
        lines.append(f"# step {number}: {exp['type']} expected")
        if step.get("kind") == "state":
            lines.append("# (check: list and fetch the namespace; it must hold exactly:")
            lines.append(f"#  {sorted(exp['vectors'])!r})")
            step = {
                "method": "GET",
                "path": "/vectors/list",
                "params": [["limit", 100]],
                "slot": step["slot"],
                "ns_in": "params",
            }
        elif step.get("kind") == "pages":
            lines.append("# (first page shown; follow pagination.next for the others)")
        if exp["type"] == "error":
            lines.append("# expected: HTTP 4xx with {code, message, details}")
        elif "body" in exp:
            lines.append(f"# expected: HTTP 200 with {json.dumps(exp['body'])}")
        elif "ids" in exp:
            lines.append(f"# expected ids: {exp['ids'][:50]!r}")
        elif "vectors" in exp and step.get("path") == "/vectors/fetch":
            lines.append(f"# expected ids: {sorted(exp['vectors'])!r}")
        elif "candidates" in exp:
            ranked = sorted(
                exp["candidates"], key=lambda c: -c[1] if exp["order"] == "desc" else c[1]
            )
            lines.append(
                f"# expected top {exp['top_k']}: "
                + ", ".join(f"{c[0]}={c[1]:.6g}" for c in ranked[: exp["top_k"]])
            )
        elif "counts" in exp:
            lines.append(f"# expected vectorCount per namespace: {exp['counts']!r}")
        lines.append(" \\\n  ".join(_curl(step)))
    lines.append("")
    lines.append("# clean up")
    for slot in range(len(suffixes)):
        lines.append(
            f'curl -sS -o /dev/null -X POST -H "Api-Key: $PINECONE_API_KEY" '
            f"-H 'Content-Type: application/json' "
            f'--data-binary "{{\\"deleteAll\\":true,\\"namespace\\":\\"$NS{slot}_JSON\\"}}" '
            f'"$TARGET/vectors/delete"'
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o755)
