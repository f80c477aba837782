"""Steps, their checks, and reproducers.

A fuzz step is plain data (a request, where the namespace goes, and what the model expects), so
the same step can be executed by the state machine and written into a standalone reproducer. The
functions between the RUNTIME markers are that executor and checker: they use only the standard
library and httpx, and `write_python` copies their source verbatim into every `repro-<n>.py`, so a
reproducer checks exactly what the fuzz session checked.

`replay_main` (the `pinecone-conformance replay` command) runs one reproducer against a target.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import pprint
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

# ==== RUNTIME (copied into reproducers; stdlib + httpx only) ====================================
VALUE_REL = 2e-6
MAX_PAGES = 200
URL_BUDGET = 6000  # characters of ids per fetch request, so URLs stay short


def ns_names(base, suffixes):
    """The namespace of each slot: the run's fresh base name plus the slot's suffix."""
    return [base + s for s in suffixes]


def build_request(step, names):
    """(method, path, params, body bytes, headers) of a request step, namespace injected."""
    params = [tuple(p) for p in step.get("params") or []]
    body = None
    headers = {}
    slot = step.get("slot")
    if "json" in step:
        data = dict(step["json"])
        if slot is not None and step.get("ns_in") == "json":
            data["namespace"] = names[slot]
        body = json.dumps(data, separators=(",", ":")).encode()
        headers["Content-Type"] = "application/json"
    elif "content" in step:
        raw = step["content"]
        if slot is not None and step.get("ns_in") == "content":
            raw = raw.replace("@NAMESPACE@", json.dumps(names[slot])[1:-1])
        body = raw.encode() if isinstance(raw, str) else raw
        headers["Content-Type"] = step.get("content_type", "application/json")
    if slot is not None and step.get("ns_in") == "params":
        params.append(("namespace", names[slot]))
    return step["method"], step["path"], params, body, headers


def send(http, base, auth, method, path, params, body, headers):
    """One request: a dict with status, json (None if not JSON), text, or error (transport)."""
    try:
        r = http.request(
            method, base + path, params=params, content=body, headers={**auth, **headers}
        )
    except httpx.TransportError as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    try:
        parsed = json.loads(r.content)
    except ValueError:
        parsed = None
    return {"status": r.status_code, "json": parsed, "text": r.text[:500]}


def perform(http, base, auth, step, names):
    """Execute a step: one request, every page of a paginated read, or a namespace snapshot."""
    kind = step.get("kind", "request")
    if kind == "request":
        return send(http, base, auth, *build_request(step, names))
    if kind == "pages":
        pages = []
        token = None
        for _ in range(MAX_PAGES):
            page_step = json.loads(json.dumps(step))
            if token is not None:
                if "json" in page_step:
                    page_step["json"]["paginationToken"] = token
                else:
                    page_step["params"] = [*page_step.get("params", []), ["paginationToken", token]]
            out = send(http, base, auth, *build_request(page_step, names))
            pages.append(out)
            body = out.get("json")
            if out.get("status") != 200 or not isinstance(body, dict):
                return {"pages": pages}
            token = (body.get("pagination") or {}).get("next")
            if not token:
                return {"pages": pages}
        return {"pages": pages, "unterminated": True}
    if kind == "state":
        listing = perform(
            http,
            base,
            auth,
            {
                "kind": "pages",
                "method": "GET",
                "path": "/vectors/list",
                "params": [["limit", 100]],
                "slot": step["slot"],
                "ns_in": "params",
            },
            names,
        )
        wanted = sorted(set(step["expect"]["vectors"]) | set(_listed_ids(listing)))
        fetched = []
        chunk, size = [], 0
        for rid in [*wanted, None]:
            if rid is None or (chunk and size + len(rid) > URL_BUDGET) or len(chunk) >= 100:
                if chunk:
                    params = [["ids", i] for i in chunk]
                    fetch = {
                        "method": "GET",
                        "path": "/vectors/fetch",
                        "params": params,
                        "slot": step["slot"],
                        "ns_in": "params",
                    }
                    fetched.append(send(http, base, auth, *build_request(fetch, names)))
                chunk, size = [], 0
            if rid is not None:
                chunk.append(rid)
                size += len(rid)
        return {"list": listing, "fetches": fetched}
    raise ValueError(f"unknown step kind {kind!r}")


def _listed_ids(listing):
    ids = []
    for page in listing.get("pages", []):
        body = page.get("json")
        if isinstance(body, dict) and isinstance(body.get("vectors"), list):
            ids += [v.get("id") for v in body["vectors"] if isinstance(v, dict)]
    return [i for i in ids if isinstance(i, str)]


def _num(x):
    return isinstance(x, int | float) and not isinstance(x, bool)


def same_value(a, b):
    """Type-strict equality of metadata values: booleans are not numbers, numbers are floats."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _num(a) and _num(b):
        return float(a) == float(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def close(a, b):
    """Vector components within float32 rounding."""
    return _num(a) and _num(b) and abs(a - b) <= VALUE_REL * max(abs(a), abs(b)) + 1e-30


def _vector_problem(got, want):
    if not isinstance(got, list) or len(got) != len(want):
        return f"values {got!r}, expected {want!r}"
    if not all(close(g, w) for g, w in zip(got, want, strict=True)):
        return f"values {got!r}, expected {want!r}"
    return None


def _sparse_problem(got, want):
    if not want:
        if got in (None, {}) or (isinstance(got, dict) and not got.get("indices")):
            return None
        return f"sparseValues {got!r} on a record without sparse values"
    if not isinstance(got, dict):
        return f"sparseValues {got!r}, expected {want!r}"
    indices, values = got.get("indices"), got.get("values")
    if not isinstance(indices, list) or not isinstance(values, list) or len(indices) != len(values):
        return f"sparseValues {got!r}, expected {want!r}"
    have = dict(zip(indices, values, strict=True))
    expect = dict(zip(want["indices"], want["values"], strict=True))
    if have.keys() != expect.keys() or not all(close(have[i], expect[i]) for i in expect):
        return f"sparseValues {got!r}, expected {want!r}"
    return None


def record_problem(got, want, dense, with_values=True, with_metadata=True):
    """Compare a returned record with the model's (metadata exact; `{}` same as absent)."""
    if not isinstance(got, dict):
        return f"record {got!r} is not an object"
    if "id" in got and got["id"] != want["id"]:
        return f"record id {got['id']!r}, expected {want['id']!r}"
    if with_values:
        if dense:
            problem = _vector_problem(got.get("values"), want["values"])
        else:
            problem = None if got.get("values") in (None, []) else f"values {got['values']!r}"
        problem = problem or _sparse_problem(got.get("sparseValues"), want.get("sparseValues"))
    else:
        problem = None
        if got.get("values") not in (None, []):
            problem = f"values {got['values']!r} returned without includeValues"
        elif "sparseValues" in got:
            problem = "sparseValues returned without includeValues"
    if problem:
        return f"{want['id']!r}: {problem}"
    meta = got.get("metadata") or {}
    if with_metadata:
        if not same_value(meta, want.get("metadata") or {}):
            return f"{want['id']!r}: metadata {meta!r}, expected {want.get('metadata')!r}"
    elif meta:
        return f"{want['id']!r}: metadata {meta!r} returned without includeMetadata"
    return None


def _status_problem(out):
    if "error" in out:
        return f"no HTTP response (hang or dropped connection): {out['error']}"
    if out["status"] >= 500:
        return f"server error HTTP {out['status']}: {out['text']}"
    return None


def _ok_body(out):
    """(body, problem) of a response expected to be 200 with a JSON object."""
    problem = _status_problem(out)
    if problem:
        return None, problem
    if out["status"] != 200:
        return None, f"HTTP {out['status']} where 200 was expected: {out['text']}"
    if not isinstance(out["json"], dict):
        return None, f"body is not a JSON object: {out['text']}"
    return out["json"], None


def check_error(exp, out, names):
    """A rejected request: 4xx with the rpcStatus error body (413 may come from a proxy)."""
    problem = _status_problem(out)
    if problem:
        return problem
    status = out["status"]
    if not 400 <= status < 500:
        return f"HTTP {status} for an invalid request (expected 4xx): {out['text']}"
    if status == 413:
        return None
    body = out["json"]
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return f"HTTP {status} without the rpcStatus error body: {out['text']}"
    if not isinstance(body.get("code"), int) or isinstance(body.get("code"), bool):
        return f"error body without an integer code: {out['text']}"
    if status == 400 and body["code"] != 3:
        return f"HTTP 400 with code {body['code']} (expected 3, INVALID_ARGUMENT)"
    if not isinstance(body.get("details"), list):
        return f"error body without a `details` list: {out['text']}"
    return None


def check_ok(exp, out, names):
    """A successful write: 200, and the given response fields exactly."""
    body, problem = _ok_body(out)
    if problem:
        return problem
    for key, want in (exp.get("body") or {}).items():
        if not same_value(body.get(key), want):
            return f"{key} = {body.get(key)!r}, expected {want!r}"
    return None


def _echo_problem(body, names, slot):
    if body.get("namespace", names[slot]) != names[slot]:
        return f"namespace echoed as {body.get('namespace')!r}, expected {names[slot]!r}"
    return None


def check_fetch(exp, out, names):
    body, problem = _ok_body(out)
    if problem:
        return problem
    vectors = body.get("vectors")
    if not isinstance(vectors, dict):
        return f"fetch `vectors` is not an object: {out['text']}"
    want = exp["vectors"]
    if set(vectors) != set(want):
        return f"fetched ids {sorted(vectors)!r}, expected {sorted(want)!r}"
    for rid, record in want.items():
        problem = record_problem(vectors[rid], record, exp["dense"])
        if problem:
            return problem
    return _echo_problem(body, names, exp["slot"])


def _better(a, b, desc):
    return a > b if desc else a < b


def check_query(exp, out, names):
    """Scores within tolerance, a valid order (ties in any order), the right top-k set."""
    body, problem = _ok_body(out)
    if problem:
        return problem
    found = body.get("matches")
    if not isinstance(found, list):
        return f"`matches` is not a list: {out['text']}"
    desc = exp["order"] == "desc"
    cands = {c[0]: c for c in exp["candidates"]}
    records = exp.get("records") or {}
    seen, prev = set(), None
    for m in found:
        rid = m.get("id") if isinstance(m, dict) else None
        if rid not in cands:
            return f"match {rid!r} is not a record the query can return: {m!r}"
        if rid in seen:
            return f"match {rid!r} returned twice"
        seen.add(rid)
        _, score, tol, _opt = cands[rid]
        if not _num(m.get("score")) or abs(m["score"] - score) > tol:
            return f"score of {rid!r} is {m.get('score')!r}, expected {score!r} (±{tol:.2g})"
        if (
            prev is not None
            and _better(score, prev[1], desc)
            and abs(score - prev[1]) > (tol + prev[2])
        ):
            return f"{rid!r} (score {score:.6g}) is ranked after {prev[0]!r} ({prev[1]:.6g})"
        prev = cands[rid]
        want = records.get(rid, {"id": rid, "values": [], "metadata": {}})
        problem = record_problem(
            m, want, exp["dense"], exp["include_values"], exp["include_metadata"]
        )
        if problem:
            return problem
    k = exp["top_k"]
    required = [c for c in exp["candidates"] if not c[3]]
    lo, hi = min(k, len(required)), min(k, len(cands))
    if not lo <= len(found) <= hi:
        return f"{len(found)} matches, expected {lo if lo == hi else f'{lo} to {hi}'}"
    missing = [c for c in required if c[0] not in seen]
    if missing and len(found) < k:
        return f"{missing[0][0]!r} missing although fewer than topK={k} matches were returned"
    if missing and found:
        worst = cands[found[-1]["id"]]
        for c in missing:
            if _better(c[1], worst[1], desc) and abs(c[1] - worst[1]) > c[2] + worst[2]:
                return f"{c[0]!r} (score {c[1]:.6g}) should outrank {worst[0]!r} ({worst[1]:.6g})"
    return _echo_problem(body, names, exp["slot"])


def _pages_problem(out, ids_of):
    """(list of id lists per page, problem)."""
    pages = out["pages"]
    got = []
    for page in pages:
        body, problem = _ok_body(page)
        if problem:
            return None, problem
        ids = ids_of(body)
        if ids is None:
            return None, f"page has no valid `vectors`: {page['text']}"
        got.append(ids)
    if out.get("unterminated"):
        return None, f"pagination did not end after {len(pages)} pages"
    return got, None


def _paging_problem(got, want, limit):
    flat = [i for page in got for i in page]
    if flat != want:
        return f"ids over all pages {flat!r}, expected {want!r} in bytewise order"
    for n, page in enumerate(got):
        last = n == len(got) - 1
        if len(page) > limit:
            return f"page {n + 1} has {len(page)} ids, more than limit={limit}"
        if not last and len(page) != limit and not (n == len(got) - 2 and not got[-1]):
            return f"page {n + 1} has {len(page)} ids with more pages after it (limit={limit})"
        if not page and not last:
            return f"empty page {n + 1} has a pagination token"
    return None


def check_list(exp, out, names):
    def ids_of(body):
        vectors = body.get("vectors")
        if not isinstance(vectors, list) or not all(isinstance(v, dict) for v in vectors):
            return None
        return [v.get("id") for v in vectors]

    got, problem = _pages_problem(out, ids_of)
    return problem or _paging_problem(got, exp["ids"], exp["limit"])


def check_fbm(exp, out, names):
    def ids_of(body):
        vectors = body.get("vectors")
        return sorted(vectors) if isinstance(vectors, dict) else None

    got, problem = _pages_problem(out, ids_of)
    if problem:
        return problem
    problem = _paging_problem(got, exp["ids"], exp["limit"])
    if problem:
        return problem
    for page in out["pages"]:
        for rid, record in page["json"]["vectors"].items():
            problem = record_problem(record, exp["vectors"][rid], exp["dense"])
            if problem:
                return problem
    return None


def check_stats(exp, out, names):
    body, problem = _ok_body(out)
    if problem:
        return problem
    spaces = body.get("namespaces")
    if not isinstance(spaces, dict):
        return f"stats `namespaces` is not an object: {out['text']}"
    total = 0
    for slot, count in enumerate(exp["counts"]):
        entry = spaces.get(names[slot])
        got = entry.get("vectorCount") if isinstance(entry, dict) else entry
        if count is None and entry is not None and (exp.get("vanish", True) or got != 0):
            return f"namespace {names[slot]!r} listed ({entry!r}) but it holds no records"
        if count is not None and got != count:
            return f"vectorCount of {names[slot]!r} is {got!r}, expected {count}"
        total += count or 0
    if not isinstance(body.get("totalVectorCount"), int) or body["totalVectorCount"] < total:
        return f"totalVectorCount {body.get('totalVectorCount')!r} below {total}"
    listed = [e.get("vectorCount", 0) if isinstance(e, dict) else 0 for e in spaces.values()]
    if body["totalVectorCount"] != sum(listed):
        return (
            f"totalVectorCount {body['totalVectorCount']} is not the sum of the namespaces' "
            f"vectorCount ({sum(listed)})"
        )
    if exp.get("dimension") and body.get("dimension") != exp["dimension"]:
        return f"dimension {body.get('dimension')!r}, expected {exp['dimension']}"
    return None


def check_state(exp, out, names):
    """The namespace holds exactly the model's records (list and fetch agree with it)."""
    want = exp["vectors"]
    problem = check_list({"ids": sorted(want), "limit": 100}, out["list"], names)
    if problem:
        return f"listing: {problem}"
    got = {}
    for fetch in out["fetches"]:
        body, problem = _ok_body(fetch)
        if problem:
            return f"fetch: {problem}"
        got.update(body.get("vectors") or {})
    if set(got) != set(want):
        return f"namespace holds {sorted(got)!r}, expected {sorted(want)!r}"
    for rid, record in want.items():
        problem = record_problem(got[rid], record, exp["dense"])
        if problem:
            return problem
    return None


CHECKS = {
    "error": check_error,
    "ok": check_ok,
    "fetch": check_fetch,
    "query": check_query,
    "list": check_list,
    "fbm": check_fbm,
    "stats": check_stats,
    "state": check_state,
}


def run_step(http, base, auth, step, names, consistency_timeout):
    """Execute and check a step; reads are retried until they pass or the timeout runs out.

    Returns (problem or None, the last outcome)."""
    check = CHECKS[step["expect"]["type"]]
    deadline = time.monotonic() + (consistency_timeout if step.get("read") else 0.0)
    pause = 0.01
    while True:
        out = perform(http, base, auth, step, names)
        problem = check(step["expect"], out, names)
        if problem is None or time.monotonic() >= deadline:
            return problem, out
        time.sleep(min(pause, max(deadline - time.monotonic(), 0)))
        pause = min(pause * 2, 0.25)


def describe(step):
    """A one-line summary of a step's request."""
    what = f"{step.get('method', 'GET')} {step.get('path', '')}"
    if step.get("kind") == "state":
        what = "list + fetch of the whole namespace"
    elif step.get("kind") == "pages":
        what += " (every page)"
    if "json" in step:
        text = json.dumps(step["json"], separators=(",", ":"))
        what += " " + (text if len(text) <= 300 else text[:300] + "...")
    elif "content" in step:
        what += f" raw body {step['content'][:120]!r}"
    elif step.get("params"):
        what += f" {step['params'][:6]!r}"
    return what


# ==== END RUNTIME ===============================================================================
_RUNTIME_NAMES = (
    "ns_names",
    "build_request",
    "send",
    "perform",
    "_listed_ids",
    "_num",
    "same_value",
    "close",
    "_vector_problem",
    "_sparse_problem",
    "record_problem",
    "_status_problem",
    "_ok_body",
    "check_error",
    "check_ok",
    "_echo_problem",
    "check_fetch",
    "_better",
    "check_query",
    "_pages_problem",
    "_paging_problem",
    "check_list",
    "check_fbm",
    "check_stats",
    "check_state",
    "run_step",
    "describe",
)

_SCRIPT_HEAD = '''#!/usr/bin/env python3
"""Reproducer {n} of fuzz run {run_id}: {title}

Replays the minimal failing sequence the fuzz session found, each step checked against what the
model of the data plane expects. Needs Python 3.11+ and httpx.

    PINECONE_API_KEY=... python {filename} --target URL [--consistency-timeout SECONDS]

Exit status: 0 the target conforms (every step as expected), 1 reproduced, 2 usage / unreachable.
The steps write only to fresh namespaces named PREFIX-repro-<random>..., deleted at the end.
"""

import argparse
import json
import os
import sys
import time
import uuid

import httpx

INDEX = {index!r}
API_VERSION = {api_version!r}
SUFFIXES = {suffixes!r}
CONSISTENCY_TIMEOUT = {consistency!r}
FAILURE = {failure!r}
'''

_SCRIPT_MAIN = """

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="data-plane URL of the index")
    parser.add_argument("--api-key", default=os.environ.get("PINECONE_API_KEY"))
    parser.add_argument("--api-version", default=API_VERSION)
    parser.add_argument("--consistency-timeout", type=float, default=CONSISTENCY_TIMEOUT)
    parser.add_argument("--namespace-prefix", default="conformance")
    parser.add_argument("--request-timeout", type=float, default=10.0)
    args = parser.parse_args(argv)
    auth = {"X-Pinecone-Api-Version": args.api_version}
    if args.api_key:
        auth["Api-Key"] = args.api_key
    base = args.target.rstrip("/")
    names = ns_names(f"{args.namespace_prefix}-repro-{uuid.uuid4().hex[:8]}", SUFFIXES)
    code = 0
    with httpx.Client(timeout=args.request_timeout) as http:
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


def runtime_source() -> str:
    """The source of the runtime functions, as copied into reproducers."""
    g = globals()
    consts = f"VALUE_REL = {VALUE_REL!r}\nMAX_PAGES = {MAX_PAGES!r}\nURL_BUDGET = {URL_BUDGET!r}\n"
    funcs = "\n\n".join(inspect.getsource(g[name]) for name in _RUNTIME_NAMES)
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
    suffixes: Sequence[str],
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
    """The JSON body as a shell word, the namespace spliced in from $NSn_JSON."""
    data = dict(step["json"])
    slot = step.get("slot")
    if slot is None or step.get("ns_in") != "json":
        return shell_quote(json.dumps(data, separators=(",", ":")))
    data["namespace"] = _NS_MARK
    text = json.dumps(data, separators=(",", ":"))
    return _splice(text, json.dumps(_NS_MARK)[1:-1], f"NS{slot}_JSON")


def _curl(step: dict[str, Any]) -> list[str]:
    """One curl command as option groups (joined with line continuations by the caller)."""
    method, path = step.get("method", "GET"), step.get("path", "")
    groups = ["curl -sS -w '\\nHTTP %{http_code}\\n' -X " + method]
    groups += ['-H "Api-Key: $PINECONE_API_KEY"', '-H "X-Pinecone-Api-Version: $API_VERSION"']
    params = [tuple(p) for p in step.get("params") or []]
    if params or step.get("ns_in") == "params":
        groups.append("-G")
    for key, value in params:
        groups.append("--data-urlencode " + shell_quote(f"{key}={value}"))
    if step.get("ns_in") == "params" and step.get("slot") is not None:
        groups.append(f'--data-urlencode "namespace=$NS{step["slot"]}"')
    if "json" in step:
        groups += ["-H 'Content-Type: application/json'", "--data-binary " + _json_with_ns(step)]
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
    suffixes: Sequence[str],
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
        # the name as is (query parameters) and escaped for a JSON string (bodies)
        escaped = json.dumps(suffix)[1:-1]
        lines.append(f'NS{slot}="$BASE"{shell_quote(suffix) if suffix else ""}')
        lines.append(f'NS{slot}_JSON="$BASE"{shell_quote(escaped) if escaped else ""}')
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


# -- replay command -----------------------------------------------------------------------------
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
