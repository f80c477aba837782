"""Execution of fuzz steps: build a step's request, send it, follow pages, snapshot a namespace,
and check the outcome (`conformance/repro/checks.py`), retrying reads on eventually consistent
targets.

Every function here is copied verbatim into each `repro-<n>.py` (`conformance/repro/writer.py`):
standard library and httpx only, no type hints, no imports from this package besides the
checks (which the reproducer defines itself).

A slot whose suffix is None is the default namespace: a step addresses it as its `default_as`
says (`omit` the field, `empty` string, or the `alias` `__default__`). A step's `variant` sends
its request with other but equivalent headers (`Api-Key` spelled in another case, no version
header, a legacy User-Agent, `Accept: */*`, a form Content-Type), which must not change the reply.
"""

import json
import time
import urllib.parse

import httpx

from conformance.repro.checks import check_outcome

MAX_PAGES = 200
DEFAULT_ALIAS = "__default__"
PATH_MARK = "@NS@"  # in a path, the slot's namespace percent-encoded
URL_BUDGET = 6000  # characters of ids per fetch request, so URLs stay short


def open_http(timeout, base, grpc_target=None):
    """The client the steps travel through: plain HTTP to `base`, or, given `grpc_target`
    (HOST:PORT where that index serves gRPC), Pinecone's VectorService, the requests with no gRPC
    form still over HTTP. gRPC needs pinecone-conformance with its grpc extra installed, so it is
    imported only when asked for."""
    http = httpx.Client(timeout=timeout)
    if not grpc_target:
        return http
    import importlib

    grpc_transport = importlib.import_module("conformance.target.grpc.transport")
    return grpc_transport.grpc_http({base: grpc_target}, http, timeout=timeout)


def ns_names(base, suffixes):
    """The namespace of each slot: the run's fresh base name plus the slot's suffix, or `""`
    for the default namespace (suffix None)."""
    return ["" if s is None else base + s for s in suffixes]


def namespace_field(step, names):
    """(whether to send a namespace, its spelling) for the step's slot."""
    name = names[step["slot"]]
    if name:
        return True, name
    spelling = step.get("default_as", "omit")
    return spelling != "omit", DEFAULT_ALIAS if spelling == "alias" else ""


VARIANTS = {
    "key-lower": ("Api-Key", "api-key"),
    "key-upper": ("Api-Key", "API-KEY"),
    "no-version": ("X-Pinecone-Api-Version", None),
}
EXTRA_HEADERS = {
    "legacy-agent": ("User-Agent", "python-client-3.2.2 (urllib3:2.0.7)"),
    "accept-any": ("Accept", "*/*"),
    "form-type": ("Content-Type", "application/x-www-form-urlencoded"),
}


def vary_headers(headers, variant):
    """`headers` as the step's header variant sends them."""
    if variant in VARIANTS:
        name, renamed = VARIANTS[variant]
        if name in headers:
            value = headers.pop(name)
            if renamed is not None:
                headers[renamed] = value
    elif variant in EXTRA_HEADERS:
        name, value = EXTRA_HEADERS[variant]
        if name != "Content-Type" or name in headers:
            headers[name] = value
    return headers


def build_request(step, names):
    """(method, path, params, body bytes, headers) of a request step, namespace injected."""
    params = [tuple(p) for p in step.get("params") or []]
    body = None
    headers = {}
    slot = step.get("slot")
    path = step["path"]
    send_ns, ns = namespace_field(step, names) if slot is not None else (False, "")
    if "json" in step:
        data = dict(step["json"])
        if send_ns and step.get("ns_in") == "json":
            data["namespace"] = ns
        elif slot is not None and step.get("ns_in") == "name":
            data["name"] = names[slot] + step.get("name_suffix", "")
        body = json.dumps(data, separators=(",", ":")).encode()
        headers["Content-Type"] = "application/json"
    elif "content" in step:
        raw = step["content"]
        if slot is not None and step.get("ns_in") == "content":
            raw = raw.replace("@NAMESPACE@", json.dumps(names[slot])[1:-1])
        body = raw.encode() if isinstance(raw, str) else raw
        headers["Content-Type"] = step.get("content_type", "application/json")
    if send_ns and step.get("ns_in") == "params":
        params.append(("namespace", ns))
    elif slot is not None and step.get("ns_in") == "prefix":
        params.append(("prefix", names[slot]))
    if slot is not None and step.get("ns_in") == "path":
        path = path.replace(PATH_MARK, urllib.parse.quote(names[slot], safe=""))
    return step["method"], path, params, body, headers


def send(http, base, auth, method, path, params, body, headers, variant=None):
    """One request: a dict with status, json (None if not JSON), text, Content-Type, or error
    (transport)."""
    headers = vary_headers({**auth, **headers}, variant)
    try:
        r = http.request(method, base + path, params=params, content=body, headers=headers)
    except httpx.TransportError as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}
    try:
        parsed = json.loads(r.content)
    except ValueError:
        parsed = None
    kind = r.headers.get("content-type")
    return {"status": r.status_code, "json": parsed, "text": r.text[:500], "content_type": kind}


def perform(http, base, auth, step, names):
    """Execute a step: one request, every page of a paginated read, or a namespace snapshot."""
    kind = step.get("kind", "request")
    variant = step.get("variant")
    if kind == "request":
        method, path, params, body, headers = build_request(step, names)
        return send(http, base, auth, method, path, params, body, headers, variant)
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
            method, path, params, body, headers = build_request(page_step, names)
            out = send(http, base, auth, method, path, params, body, headers, variant)
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
        start, size = 0, 0  # the ids of the next fetch: wanted[start:end], `size` characters
        for end, rid in enumerate([*wanted, None]):
            if rid is None or (end > start and size + len(rid) > URL_BUDGET) or end - start >= 100:
                if end > start:
                    params = [["ids", i] for i in wanted[start:end]]
                    fetch = {
                        "method": "GET",
                        "path": "/vectors/fetch",
                        "params": params,
                        "slot": step["slot"],
                        "ns_in": "params",
                    }
                    fetched.append(send(http, base, auth, *build_request(fetch, names)))
                start, size = end, 0
            if rid is not None:
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


def run_step(http, base, auth, step, names, consistency_timeout):
    """Execute and check a step; reads are retried until they pass or the timeout runs out.

    Returns (problem or None, the last outcome)."""
    deadline = time.monotonic() + (consistency_timeout if step.get("read") else 0.0)
    pause = 0.01
    while True:
        out = perform(http, base, auth, step, names)
        problem = check_outcome(step["expect"], out, names)
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
