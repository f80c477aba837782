"""The checks of fuzz steps: does a target's response agree with what the model expects?

Every function here is copied verbatim into each `repro-<n>.py` (`conformance/repro/writer.py`),
so a reproducer checks exactly what the fuzz session checked: standard library only, no type
hints, no imports from this package. A check takes (expectation, outcome, namespace names) and
returns a problem (one line) or None.

A problem that breaks one catalog behavior of its own (a response field, a header, an error text)
starts with that behavior's id in brackets, `[QUERY-USAGE] ...`: the session blames it alone, and
once it has reported one it lists the id in later expectations' `waive`, so the same deviation
does not hide every other one (`waive: "*"` leaves every such detail to the suite's own tests).
Such details are checked after the content, which they never mask.
"""

VALUE_REL = 2e-6
JSON_TYPE = "application/json"


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


def tagged(exp, tag, problem):
    """`problem` blamed on the catalog behavior `tag`, or None (no problem, or one the session
    has already reported and waives)."""
    waive = exp.get("waive") or ()
    if problem is None or waive == "*" or tag in waive:
        return None
    return f"[{tag}] {problem}"


def first(*problems):
    return next((p for p in problems if p), None)


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


def _records_problem(got, want, dense):
    """The first record of `want` (id -> the model's record) that `got` (id -> returned record)
    holds differently."""
    for rid, record in want.items():
        problem = record_problem(got[rid], record, dense)
        if problem:
            return problem
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
    """A rejected request: 4xx with the rpcStatus error body (413 may come from a proxy), and the
    documented wording where the expectation names one (`message`: fragments in order)."""
    problem = _status_problem(out)
    if problem:
        return problem
    status = out["status"]
    if not 400 <= status < 500:
        return f"HTTP {status} for an invalid request (expected 4xx): {out['text']}"
    if status == 429:
        problem = f"HTTP 429 (retryable) for an invalid request: {out['text']}"
        return tagged(exp, "ERRORS-VALIDATION-NOT-RETRYABLE", problem)
    if exp.get("status") and status != exp["status"]:
        problem = f"HTTP {status}, expected {exp['status']}: {out['text']}"
        return tagged(exp, exp["status_tag"], problem)
    if status == 413:
        return None
    body = out["json"]
    shape = "ERRORS-RPCSTATUS-SHAPE"
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return tagged(exp, shape, f"HTTP {status} without the rpcStatus error body: {out['text']}")
    if not isinstance(body.get("code"), int) or isinstance(body.get("code"), bool):
        return tagged(exp, shape, f"error body without an integer code: {out['text']}")
    if status == 400 and body["code"] != 3:
        problem = f"HTTP 400 with code {body['code']} (expected 3, INVALID_ARGUMENT)"
        return tagged(exp, "ERRORS-VALIDATION-400", problem)
    if not isinstance(body.get("details"), list):
        return tagged(exp, shape, f"error body without a `details` list: {out['text']}")
    return _message_problem(exp, body["message"])


def _message_problem(exp, message):
    fragments = exp.get("message") or []
    at = 0
    for fragment in fragments:
        at = message.find(fragment, at)
        if at < 0:
            wording = " ... ".join(repr(f) for f in fragments)
            return tagged(exp, exp["message_tag"], f"message {message!r}, expected {wording}")
        at += len(fragment)
    return None


def check_open(exp, out, names):
    """A request whose outcome the documentation leaves open: any answer but a server error."""
    return _status_problem(out)


def check_ok(exp, out, names):
    """A successful write: 200, and the given response fields exactly (`empty`: the body is
    `{}`)."""
    body, problem = _ok_body(out)
    if problem:
        return problem
    for key, want in (exp.get("body") or {}).items():
        if not same_value(body.get(key), want):
            return f"{key} = {body.get(key)!r}, expected {want!r}"
    if exp.get("empty") and body:
        return tagged(exp, exp["empty"], f"reply {out['text']} where `{{}}` was expected")
    return None


def _echo_problem(exp, body, names, shape):
    """The echoed `namespace`: present (the `shape` behavior) and the slot's name (the default
    namespace as `""`, blamed on `exp["echo_tag"]` when the expectation names one)."""
    want = names[exp["slot"]]
    if "namespace" not in body:
        return tagged(exp, shape, "no `namespace` echoed")
    if body["namespace"] != want:
        problem = f"namespace echoed as {body['namespace']!r}, expected {want!r}"
        return tagged(exp, exp.get("echo_tag") or shape, problem)
    return None


def _usage_problem(exp, body, tag):
    usage = body.get("usage")
    if not isinstance(usage, dict) or not _num(usage.get("readUnits")):
        return tagged(exp, tag, f"no numeric `usage.readUnits`: usage = {usage!r}")
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
    problem = _records_problem(vectors, want, exp["dense"])
    if problem:
        return problem
    return first(
        _echo_problem(exp, body, names, "FETCH-RESPONSE-SHAPE"),
        *(_fetched_shape_problem(exp, rid, vectors[rid], want[rid]) for rid in sorted(want)),
        _usage_problem(exp, body, "FETCH-USAGE"),
    )


def _fetched_shape_problem(exp, rid, got, want):
    """A fetched record names its id; one stored without metadata has no `metadata` (or null)."""
    if got.get("id") != rid:
        return tagged(exp, "FETCH-RESPONSE-SHAPE", f"record {rid!r} carries id {got.get('id')!r}")
    if not want.get("metadata") and got.get("metadata", None) is not None:
        problem = f"{rid!r} has no metadata but is fetched with `metadata: {got['metadata']!r}`"
        return tagged(exp, "FETCH-NO-METADATA-KEY", problem)
    return None


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
        score, tol = cands[rid][1], cands[rid][2]
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
    # a candidate's fifth field: a sparse record sharing no index with the query (score 0)
    zero = [m["id"] for m in found if len(cands[m["id"]]) > 4 and cands[m["id"]][4]]
    return first(
        _echo_problem(exp, body, names, "QUERY-RESPONSE-SHAPE"),
        _usage_problem(exp, body, "QUERY-USAGE"),
        tagged(
            exp, "QUERY-SPARSE-EXCLUDES-ZERO", f"{zero!r} returned with score 0" if zero else None
        ),
    )


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
    problem = problem or _paging_problem(got, exp["ids"], exp["limit"])
    if problem or "slot" not in exp:
        return problem
    bodies = [page["json"] for page in out["pages"]]
    if len(got) > 1 and not got[-1]:
        problem = f"page {len(got) - 1} holds the last ids but carries a `pagination.next`"
        return tagged(exp, "LIST-LAST-PAGE-NO-PAGINATION", problem)
    return first(
        *(_echo_problem(exp, body, names, "LIST-RESPONSE-SHAPE") for body in bodies),
        *(_usage_problem(exp, body, "LIST-USAGE") for body in bodies),
    )


def check_fbm(exp, out, names):
    """Every sure match once over all pages, perhaps some undecided ones (`maybe`), no page over
    `limit`; the order of records and how full each page is are undocumented."""

    def ids_of(body):
        vectors = body.get("vectors")
        return sorted(vectors) if isinstance(vectors, dict) else None

    got, problem = _pages_problem(out, ids_of)
    if problem:
        return problem
    flat = [i for page in got for i in page]
    for n, page in enumerate(got):
        if len(page) > exp["limit"]:
            return f"page {n + 1} has {len(page)} records, more than limit={exp['limit']}"
    if len(set(flat)) != len(flat):
        return f"a record is returned on two pages: {flat!r}"
    sure, maybe = set(exp["ids"]), set(exp.get("maybe") or ())
    if not sure <= set(flat) or not set(flat) <= sure | maybe:
        extra = f" (and possibly {sorted(maybe)!r})" if maybe else ""
        return f"fetched ids {sorted(flat)!r}, expected {sorted(sure)!r}{extra}"
    got = {rid: r for page in out["pages"] for rid, r in page["json"]["vectors"].items()}
    problem = _records_problem(got, {rid: exp["vectors"][rid] for rid in got}, exp["dense"])
    if problem or "slot" not in exp:
        return problem
    bodies = [page["json"] for page in out["pages"]]
    return first(
        *(_echo_problem(exp, body, names, "FBM-RETURNS-MATCHES") for body in bodies),
        *(_usage_problem(exp, body, "FBM-RETURNS-MATCHES") for body in bodies),
    )


def check_stats(exp, out, names):
    """Each slot's `vectorCount` (an emptied namespace: 0 or no entry), the total as their sum,
    and the documented fields of the index (`dimension` on a dense index only, `metric`,
    `vectorType`, `indexFullness`) where the expectation gives them."""
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
        if names[slot] == "" and count and entry is None and "__default__" in spaces:
            problem = 'the default namespace is counted under `__default__`, not `""`'
            return tagged(exp, "STATS-DEFAULT-NAMESPACE-KEY", problem)
        if count is None and entry is not None and (exp.get("vanish", True) or got != 0):
            return f"namespace {names[slot]!r} listed ({entry!r}) but it holds no records"
        if count == 0 and entry is not None and got != 0:
            return f"vectorCount of {names[slot]!r} is {got!r}, expected 0 (or no entry)"
        if count and got != count:
            return f"vectorCount of {names[slot]!r} is {got!r}, expected {count}"
        total += count or 0
    if not isinstance(body.get("totalVectorCount"), int) or body["totalVectorCount"] < total:
        return f"totalVectorCount {body.get('totalVectorCount')!r} below {total}"
    listed = [e.get("vectorCount", 0) if isinstance(e, dict) else 0 for e in spaces.values()]
    if body["totalVectorCount"] != sum(listed):
        problem = (
            f"totalVectorCount {body['totalVectorCount']} is not the sum of the namespaces' "
            f"vectorCount ({sum(listed)})"
        )
        return tagged(exp, "STATS-TOTAL-SUM", problem)
    return _stats_fields_problem(exp, body)


def _stats_fields_problem(exp, body):
    if exp.get("dimension") and body.get("dimension") != exp["dimension"]:
        problem = f"dimension {body.get('dimension')!r}, expected {exp['dimension']}"
        return tagged(exp, "STATS-SHAPE", problem)
    if not _num(body.get("indexFullness")):
        return tagged(exp, "STATS-SHAPE", f"indexFullness {body.get('indexFullness')!r}")
    if exp.get("sparse") and body.get("dimension") is not None:
        problem = f"dimension {body['dimension']!r} on a sparse index"
        return tagged(exp, "STATS-SPARSE-NO-DIMENSION", problem)
    if exp.get("metric") and body.get("metric") != exp["metric"]:
        problem = f"metric {body.get('metric')!r}, expected {exp['metric']!r}"
        return tagged(exp, "STATS-METRIC", problem)
    if exp.get("vector_type") and body.get("vectorType") != exp["vector_type"]:
        problem = f"vectorType {body.get('vectorType')!r}, expected {exp['vector_type']!r}"
        return tagged(exp, "STATS-VECTOR-TYPE", problem)
    return None


def check_state(exp, out, names):
    """The namespace holds exactly the model's records (list and fetch agree with it)."""
    want = exp["vectors"]
    problem = check_list({"ids": sorted(want), "limit": 100}, out["list"], names)
    if problem:
        return f"listing: {problem}"
    bodies = [_ok_body(fetch) for fetch in out["fetches"]]
    problem = next((p for _, p in bodies if p), None)
    if problem:
        return f"fetch: {problem}"
    got = {rid: v for body, _ in bodies for rid, v in (body.get("vectors") or {}).items()}
    if set(got) != set(want):
        return f"namespace holds {sorted(got)!r}, expected {sorted(want)!r}"
    return _records_problem(got, want, exp["dense"])


def _count_of(value):
    """A namespace's `record_count`: an integer, or a decimal string (2026-07)."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value if _num(value) else None


def _path_tag(exp, names, tag):
    """`tag`, or NAMESPACES-PATH-DECODED when the name needed percent-encoding in the path."""
    name = names[exp["slot"]]
    plain = all(c.isalnum() or c in "-_.~" for c in name)
    return tag if plain else "NAMESPACES-PATH-DECODED"


def check_ns_list(exp, out, names):
    """`GET /namespaces?prefix=<the name of slot 0>`: every page at most `limit` names in
    bytewise order, every slot expected (`listed`: a count, None absent, -1 either absent or
    0) there with its record count, `total_count` counting them."""

    def entries_of(body):
        found = body.get("namespaces")
        if not isinstance(found, list) or not all(isinstance(e, dict) for e in found):
            return None
        return [(e.get("name"), e.get("record_count")) for e in found]

    got, problem = _pages_problem(out, entries_of)
    if problem:
        return problem
    prefix, limit = names[exp["slot"]], exp["limit"]
    flat = [entry for page in got for entry in page]
    for n, page in enumerate(got):
        if len(page) > limit:
            problem = f"page {n + 1} lists {len(page)} namespaces, more than limit={limit}"
            return tagged(exp, "NAMESPACES-LIST-PAGINATION", problem)
    listed = {name: count for name, count in flat}
    stray = [name for name in listed if not str(name).startswith(prefix)]
    if stray:
        return tagged(exp, "NAMESPACES-LIST-PREFIX", f"{stray[:3]!r} listed for prefix {prefix!r}")
    for slot, want in enumerate(exp["listed"]):
        name = names[slot]
        if not name.startswith(prefix):
            continue
        if want is None and name in listed:
            return f"namespace {name!r} listed but it does not exist"
        if want is not None and want >= 0 and name not in listed:
            return f"namespace {name!r} (holding {want} records) not listed"
        if name in listed and _count_of(listed[name]) != max(want, 0):
            problem = f"record_count of {name!r} is {listed[name]!r}, expected {max(want, 0)}"
            return tagged(exp, "NAMESPACES-LIST", problem)
    others = sorted(set(listed) - set(names))
    if others:
        return f"namespaces {others[:3]!r} listed that the example never wrote"
    order = [str(name).encode() for name, _ in flat]
    if order != sorted(set(order)):
        problem = f"names {[name for name, _ in flat]!r} not in bytewise order (or repeated)"
        return tagged(exp, "NAMESPACES-LIST", problem)
    if len(got) > 1 and not got[-1]:
        return tagged(exp, "NAMESPACES-LIST-PAGINATION", "a `pagination.next` led to no names")
    # the first page counts every name under the prefix (what later pages say is undocumented)
    total = out["pages"][0]["json"].get("total_count")
    if total != len(flat):
        problem = f"total_count {total!r}, {len(flat)} namespaces listed under the prefix"
        return tagged(exp, "NAMESPACES-LIST-PREFIX", problem)
    return None


def check_ns_describe(exp, out, names):
    """`GET /namespaces/{ns}`: `{name, record_count}` of an existing namespace (`count`), or
    a 4xx for one deleted through the namespaces API (`count` None)."""
    name = names[exp["slot"]]
    if exp["count"] is None:
        problem = _status_problem(out)
        if problem or 400 <= out["status"] < 500:
            return problem
        problem = f"HTTP {out['status']} describing the deleted namespace {name!r}"
        return tagged(exp, "NAMESPACES-DELETE", problem)
    body, problem = _ok_body(out)
    if problem:  # the namespace exists: a refusal disagrees with the state, unless the name
        # needed percent-encoding (then the path was not decoded)
        tag = _path_tag(exp, names, None)
        return tagged(exp, tag, problem) if tag else problem
    if body.get("name") != name:
        problem = f"name {body.get('name')!r}, expected {name!r}"
        return tagged(exp, _path_tag(exp, names, "NAMESPACES-DESCRIBE"), problem)
    if _count_of(body.get("record_count")) != exp["count"]:
        return f"record_count {body.get('record_count')!r}, expected {exp['count']}"
    return None


def check_ns_create(exp, out, names):
    """`POST /namespaces`: the new namespace's description (record_count 0), or 409 when the
    namespace exists (`exists`)."""
    name = names[exp["slot"]]
    if exp.get("exists"):
        problem = _status_problem(out)
        if problem or out["status"] == 409:
            return problem
        problem = f"HTTP {out['status']} creating the existing namespace {name!r}: {out['text']}"
        return tagged(exp, "NAMESPACES-CREATE-DUPLICATE-409", problem)
    body, problem = _ok_body(out)
    if problem:
        return tagged(exp, "NAMESPACES-CREATE", problem)
    if body.get("name") != name or _count_of(body.get("record_count")) != 0:
        return tagged(exp, "NAMESPACES-CREATE", f"created namespace described as {out['text']}")
    return None


def json_type_problem(exp, out):
    """Every successful response of a step is labelled `application/json`."""
    listing = out.get("list") or {}
    outcomes = [out, *(out.get("pages") or listing.get("pages") or []), *out.get("fetches", [])]
    for one in outcomes:
        kind = one.get("content_type")
        if one.get("status") == 200 and kind is not None and not kind.startswith(JSON_TYPE):
            return tagged(exp, "AUTH-JSON-CONTENT-TYPE", f"Content-Type {kind!r} on a JSON reply")
    return None


def check_outcome(exp, out, names):
    """The step's own check, then what every successful response shares. A step whose point
    is one behavior (`blame`: a legacy binding, a SHOULD-level rejection) blames it for any
    problem."""
    problem = CHECKS[exp["type"]](exp, out, names)
    if problem and exp.get("blame") and not problem.startswith("["):
        return tagged(exp, exp["blame"], problem)
    return problem or json_type_problem(exp, out)


CHECKS = {
    "error": check_error,
    "ok": check_ok,
    "open": check_open,
    "fetch": check_fetch,
    "query": check_query,
    "list": check_list,
    "fbm": check_fbm,
    "stats": check_stats,
    "state": check_state,
    "ns-list": check_ns_list,
    "ns-describe": check_ns_describe,
    "ns-create": check_ns_create,
}
