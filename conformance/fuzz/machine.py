"""The fuzzing state machine: `DataPlaneMachine` drives one index of the target and the model
(`conformance/fuzz/model.py`) side by side and compares every response with what the model expects.

Each example picks one index, works in fresh namespaces of its own (`<prefix>-fuzz-<run>-<n>`,
deleted afterwards), and every step sends one request (or one paginated read) to the target and
the same operation to the model. Steps are plain data (`conformance/repro/runtime.py`), so a
failing sequence, once hypothesis has shrunk it, is written out as a standalone reproducer.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st
from hypothesis import target
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from conformance.fuzz.context import Failure, classify, current, delete_all, failure_type
from conformance.fuzz.grounded import FRESH_SHARE, operators_of, pick, prefix_of, state_filter
from conformance.fuzz.invalid_requests import (
    InvalidRequest,
    documented_message,
    invalid_requests,
    is_write,
)
from conformance.fuzz.model import IndexModel
from conformance.fuzz.open_cases import SPEC_2026_07, outcome_open, should_reject
from conformance.fuzz.strategies import (
    batch_limit,
    dense_vectors,
    filterable_metadata,
    metadata,
    namespace_suffixes,
    prefixes,
    record_ids,
    sparse_vectors,
)
from conformance.repro.runtime import describe, run_step
from conformance.target.indexes import IndexInfo

VANISH_UNTIL = "2026-04"  # last version where deleting every record removes the namespace
SLOTS = st.sampled_from((0, 0, 0, 1))  # mostly the main namespace, sometimes the second one
# with the default namespace (an embedded target): sometimes that one too
SLOTS_WITH_DEFAULT = st.sampled_from((0, 0, 0, 1, 2))
DEFAULT_SLOT = 2
ALIAS_FROM = "2025-04"  # `__default__` names the default namespace
STATS_INDEX_FIELDS_FROM = "2025-01"  # `metric` and `vectorType` in describe_index_stats
NAMESPACES_API_FROM = "2025-04"
CREATE_NAMESPACE_FROM = "2025-10"
# strategies built once (building and validating them per draw dominated the step time)
BATCH_MAX, BULK_MIN, BULK_MAX = 4, 101, 130  # a bulk upsert fills more than a default page
BATCH = st.integers(1, BATCH_MAX)
SEED_BATCH = st.integers(2, 6)
INVALID_BATCH = st.integers(1, 5)
BULK = st.integers(BULK_MIN, BULK_MAX)
BULK_SHARE = st.integers(0, 3)  # 0: an upsert is a bulk one
BULK_FIELD = st.sampled_from(("genre", "flag"))
FETCH_BATCH = st.integers(1, 5)
TOP_K = st.one_of(st.integers(1, 8), st.just(10000))
# a filtered query mostly asks for every record, so whatever the filter keeps or drops shows
FILTERED_TOP_K = st.sampled_from((10000, 10000, 10000, 1, 2, 3, 5, 8))
LIMIT = st.one_of(st.none(), st.integers(1, 5))
FLAG = st.sampled_from((None, False, True))
UPDATE_FIELDS = st.sets(st.sampled_from(("values", "sparse", "meta")), min_size=1)
METADATA_CHOICE = st.integers(0, 5)  # none, {}, any metadata, or (3 to 5) filter fields
HYBRID_CHOICE = st.integers(0, 4)
SET_METADATA = metadata(allow_null=False).filter(bool)
UNCOUNTED = ("invalid-", "open-")  # operations whose filters are not counted as coverage
DELETED = {"type": "ok", "empty": "DELETE-RESPONSE-EMPTY"}  # a delete's reply is `{}`
# The legacy bindings (DELETE /vectors/delete, GET /describe_index_stats) are SHOULD behaviors:
# sometimes sent instead of the POST, any problem of theirs blamed on that behavior alone.
LEGACY_SHARE = st.integers(0, 5)


# Header variants of a request (conformance/repro/runtime.py), each the point of one behavior;
# a step sent with one that fails is sent again without it, and only a plain send that passes
# blames the variant.
VARIANT_BEHAVIORS = {
    "key-lower": "AUTH-KEY-HEADER-CASE-INSENSITIVE",
    "key-upper": "AUTH-KEY-HEADER-CASE-INSENSITIVE",
    "no-version": "AUTH-VERSION-HEADER-OPTIONAL",
    "legacy-agent": "AUTH-CLIENT-HEADERS-IGNORED",
    "accept-any": "AUTH-CLIENT-HEADERS-IGNORED",
    "form-type": "SEED-UPSERT-FORM-CONTENT-TYPE",
}
# which operations may carry which variants (without the version header a target may serve
# another API version, so only reads whose answer is the same in every version go without it)
VARIANTS_OF = {
    "query": ("key-lower", "key-upper", "no-version", "legacy-agent", "accept-any"),
    "fetch": ("key-lower", "key-upper", "no-version", "legacy-agent", "accept-any"),
    "list": ("key-lower", "key-upper", "no-version", "legacy-agent", "accept-any"),
    "upsert": ("key-lower", "legacy-agent", "form-type"),
}
VARIANT_SHARE = st.integers(0, 5)  # 0: the step is sent with a header variant
SPELLINGS = st.sampled_from(("omit", "empty", "alias"))
NS_LIMIT = st.sampled_from((None, 1, 2, 3))
NS_ACTIONS = st.sampled_from(("list", "list", "describe", "delete", "create"))


def _printable(name: str) -> bool:
    return bool(name) and all(" " <= c <= "~" for c in name)


def _post(path: str, body: dict[str, Any], slot: int) -> dict[str, Any]:
    return {"method": "POST", "path": path, "json": body, "slot": slot, "ns_in": "json"}


def _get(path: str, params: list[list[Any]], slot: int) -> dict[str, Any]:
    return {"method": "GET", "path": path, "params": params, "slot": slot, "ns_in": "params"}


class DataPlaneMachine(RuleBasedStateMachine):
    """Drives one index of the target and the model side by side, comparing every response."""

    def __init__(self) -> None:
        super().__init__()
        self.ctx = current()
        self.ctx.examples += 1
        self.names = [self.ctx.next_namespace()]
        self.suffixes: list[str | None] = [""]
        self.trace: list[dict[str, Any]] = []
        self.known: list[str] = []
        self.touched: set[int] = set()
        self.index: IndexInfo = self.ctx.indexes[0]
        self.model = IndexModel(None, "cosine")
        self.most_excluded = 0  # by one filter of this example (a target of the search)
        self.excluded = 0  # records the last drawn filter excludes, counted when it is sent
        self.slots = SLOTS

    # -- setup ----------------------------------------------------------------------------------
    @initialize(which=st.integers(0, 7), suffix=namespace_suffixes(), data=st.data())
    def choose_index(self, which: int, suffix: str, data: st.DataObject) -> None:
        """Pick the index and fill the main namespace with a few records: every later read and
        filter then has data to meet."""
        self.index = self.ctx.indexes[which % len(self.ctx.indexes)]
        self.shape = self.ctx.shape(self.index)
        self.model = IndexModel(self.shape.dimension, self.shape.metric, self.shape.vector_type)
        self.suffixes.append(suffix)
        self.names.append(self.names[0] + suffix)
        if self.ctx.default_namespace:
            # the default namespace starts empty: the session owns the target
            self.slots = SLOTS_WITH_DEFAULT
            self.suffixes.append(None)
            self.names.append("")
            step = _post("/vectors/delete", {"deleteAll": True}, DEFAULT_SLOT)
            self._run("delete-all", step, {"type": "ok"}, False, data)
        self._upsert(0, self._batch(data, data.draw(SEED_BATCH)), data)

    @property
    def dense(self) -> bool:
        return self.shape.dense

    @property
    def hybrid(self) -> bool:
        """Whether records may carry sparse values beside dense ones (a dotproduct index)."""
        return self.shape.dense and self.shape.metric == "dotproduct"

    def teardown(self) -> None:
        # steer the search toward sequences that mix operations and filters that exclude records
        target(float(len({step["op"] for step in self.trace})), label="distinct operations")
        target(float(self.most_excluded), label="records a filter excludes")
        for slot in sorted(self.touched):
            delete_all(self.ctx, self.index.host, self.names[slot])
            self.ctx.leftover.discard((self.index.host, self.names[slot]))

    # -- execution ------------------------------------------------------------------------------
    def _run(
        self,
        op: str,
        step: Mapping[str, Any],
        expect: dict[str, Any],
        read: bool,
        data: st.DataObject | None = None,
    ) -> None:
        """Send a step to the target and check its response against `expect` (with `data`, a
        step may address the default namespace in any of its spellings and carry a header
        variant)."""
        ctx = self.ctx
        if ctx.stop_requested:
            return  # the session is stopping: finish this example without touching the target
        step = {**step, "op": op, "read": read}
        if data is not None:
            step, expect = self._vary(op, step, expect, data)
        if not ctx.details:
            expect = {**expect, "waive": "*"}
        elif ctx.waived:
            expect = {**expect, "waive": sorted(ctx.waived)}
        step["expect"] = expect
        self.trace.append(step)
        if not read and step.get("slot") is not None:
            self.touched.add(step["slot"])
            ctx.leftover.add((self.index.host, self.names[step["slot"]]))
        ctx.steps += 1
        ctx.ops[op] += 1
        flt = (step.get("json") or {}).get("filter") if not op.startswith(UNCOUNTED) else None
        if isinstance(flt, dict):  # a filter the machine drew (invalid ones are not counted)
            ctx.operators.update(set(operators_of(flt)))
            ctx.excluding_filters += self.excluded > 0
        if ctx.progress is not None:
            ctx.progress(ctx)
        started = time.perf_counter()
        problem, _ = run_step(
            ctx.http, self.index.host, ctx.auth, step, self.names, ctx.consistency_timeout
        )
        if problem is not None and (step.get("variant") or step.get("plain")):
            problem, step = self._blame_alternative(step, problem)
            self.trace[-1] = step
            op = step["op"]  # the plain way's operation when that one failed too
        ctx.op_seconds[op] += time.perf_counter() - started
        if problem is None:
            return
        signature = f"{op}/{classify(problem)}"
        previous = ctx.found.get(signature)
        ctx.found[signature] = Failure(
            signature,
            problem,
            list(self.trace),
            self.index,
            list(self.suffixes),
            n=previous.n if previous else 0,
            files=previous.files if previous else [],
            first_example=previous.first_example if previous else ctx.examples,
        )
        raise failure_type(signature)(
            f"{signature}: step {len(self.trace)} {describe(step)}\n  {problem}"
        )

    def _vary(
        self, op: str, step: dict[str, Any], expect: dict[str, Any], data: st.DataObject
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The step's spelling of the default namespace and its header variant, drawn."""
        default = step.get("slot") == DEFAULT_SLOT and self.ctx.default_namespace
        if default and step.get("ns_in") in ("json", "params"):
            spelling = data.draw(SPELLINGS)
            if spelling == "alias" and self.ctx.api_version < ALIAS_FROM:
                spelling = "empty"
            step["default_as"] = spelling
            if spelling == "alias":
                expect = {**expect, "echo_tag": "VERSIONS-DEFAULT-NAMESPACE-ECHO"}
            elif spelling == "omit" and op == "fetch":
                expect = {**expect, "echo_tag": "FETCH-DEFAULT-NAMESPACE"}
            else:
                expect = {**expect, "echo_tag": "NAMESPACES-DEFAULT-EMPTY-OR-OMITTED"}
        variants = [
            v
            for v in VARIANTS_OF.get(op, ())
            if VARIANT_BEHAVIORS[v] not in self.ctx.waived and not (default and v == "no-version")
        ]
        if variants and self.ctx.details and data.draw(VARIANT_SHARE) == 0:
            step["variant"] = data.draw(st.sampled_from(variants))
        return step, expect

    def _blame_alternative(self, step: dict[str, Any], problem: str) -> tuple[str, dict]:
        """A step sent another way (a header variant, a legacy binding) that failed, sent again
        the plain way (reads, upserts and deletes by id may be repeated): if that passes, the
        other way is to blame; else the plain step is, with its own problem."""
        if step.get("variant"):
            plain = {k: v for k, v in step.items() if k != "variant"}
            tag = VARIANT_BEHAVIORS[step["variant"]]
            blamed = f"[{tag}] with header variant {step['variant']!r}: {problem}"
        else:  # the problem of a legacy binding is already blamed on it (`blame`)
            plain = {**{k: v for k, v in step.items() if k != "plain"}, **step["plain"]}
            plain["expect"] = {k: v for k, v in step["expect"].items() if k != "blame"}
            blamed = problem
        ctx = self.ctx
        control, _ = run_step(
            ctx.http, self.index.host, ctx.auth, plain, self.names, ctx.consistency_timeout
        )
        if control is not None:
            return control, plain
        return blamed, step

    def _settle(self, slot: int) -> None:
        """On an eventually consistent target, wait until the namespace shows the model's state
        (a filter-based write acts on what is visible)."""
        if self.ctx.consistency_timeout > 0:
            self._check_state(slot)

    def _check_state(self, slot: int) -> None:
        vectors = self.model.fetch(str(slot), self.model.list_ids(str(slot)))
        step = {"kind": "state", "slot": slot}
        self._run("state", step, {"type": "state", "vectors": vectors, "dense": self.dense}, True)

    # -- drawing --------------------------------------------------------------------------------
    def _slot(self, data: st.DataObject) -> int:
        """A namespace slot: mostly one that holds records (when one does), else any."""
        full = [s for s in range(len(self.names)) if self.model.records(str(s))]
        if full and data.draw(FRESH_SHARE) > 0:
            return int(data.draw(st.sampled_from(full)))
        return int(data.draw(self.slots))

    def _id(self, data: st.DataObject, slot: int | None = None) -> str:
        """An id: mostly one the namespace of `slot` holds, else one seen before or a fresh one."""
        pool = record_ids(spaces=self.ctx.api_version[:7] >= SPEC_2026_07)
        if self.known:
            pool = st.one_of(st.sampled_from(self.known), pool)
        present = sorted(self.model.records(str(slot))) if slot is not None else []
        rid = str(pick(data, present, pool))
        if rid not in self.known:
            self.known.append(rid)
        return rid

    def _filter(self, data: st.DataObject, slot: int, allow_empty: bool = True) -> dict[str, Any]:
        """A filter drawn from what `slot` holds, counted for the coverage figures."""
        flt, self.excluded = state_filter(data, self.model, str(slot), allow_empty)
        self.most_excluded = max(self.most_excluded, self.excluded)
        return flt

    def _record(self, data: st.DataObject) -> dict[str, Any]:
        """A record to upsert: its id from the blind pool or one seen before (new ids keep
        exploring encodings; seen ones overwrite)."""
        record: dict[str, Any] = {"id": self._id(data)}
        if self.dense:
            record["values"] = data.draw(dense_vectors(self.shape.dimension))
            if self.hybrid and data.draw(HYBRID_CHOICE) == 0:
                record["sparseValues"] = data.draw(sparse_vectors())
        else:
            record["sparseValues"] = data.draw(sparse_vectors())
        choice = data.draw(METADATA_CHOICE)
        if choice == 1:
            record["metadata"] = {}
        elif choice == 2:
            record["metadata"] = data.draw(metadata())
        elif choice > 2:
            record["metadata"] = data.draw(filterable_metadata())
        return record

    def _bulk(self, data: st.DataObject, n: int) -> list[dict[str, Any]]:
        """`n` records with ids `bulk-<k>` sharing one metadata value (so one filter matches more
        records than a default page holds), their vectors drawn once and rotated."""
        vector = self._record(data)
        field = data.draw(BULK_FIELD)
        value = data.draw(st.sampled_from(("drama", "comedy"))) if field == "genre" else True
        records = []
        for k in range(n):
            record: dict[str, Any] = {"id": f"bulk-{k:03d}", "metadata": {field: value}}
            if "values" in vector:
                values = vector["values"]
                record["values"] = values[k % len(values) :] + values[: k % len(values)]
            if "sparseValues" in vector:
                record["sparseValues"] = vector["sparseValues"]
            records.append(record)
        return records

    # -- writes ---------------------------------------------------------------------------------
    @rule(data=st.data())
    def upsert(self, data: st.DataObject) -> None:
        slot = data.draw(self.slots)
        if data.draw(BULK_SHARE) == 0 and batch_limit(self.shape.dimension, BULK_MIN) == BULK_MIN:
            records = self._bulk(data, batch_limit(self.shape.dimension, data.draw(BULK)))
        else:
            records = self._batch(data, data.draw(BATCH))
        self._upsert(slot, records, data)

    @rule(data=st.data())
    def upsert_more(self, data: st.DataObject) -> None:
        """Upserts are drawn twice as often as any other rule: every other rule needs data."""
        self.upsert(data)

    def _batch(self, data: st.DataObject, n: int) -> list[dict[str, Any]]:
        """`n` drawn records (fewer at dimensions where they would not fit one request), one per
        id: which of two same-id records in one batch wins is undocumented."""
        drawn = [self._record(data) for _ in range(batch_limit(self.shape.dimension, n))]
        return list({r["id"]: r for r in drawn}.values())

    def _upsert(self, slot: int, records: list[dict[str, Any]], data: st.DataObject) -> None:
        count = self.model.upsert(str(slot), records)
        expect = {"type": "ok", "body": {"upsertedCount": count}}
        step = _post("/vectors/upsert", {"vectors": records}, slot)
        self._run("upsert", step, expect, False, data)

    @rule(data=st.data())
    def update(self, data: st.DataObject) -> None:
        slot = self._slot(data)
        self._settle(slot)  # an update of a record not yet visible may be a no-op
        body: dict[str, Any] = {"id": self._id(data, slot)}
        fields = data.draw(UPDATE_FIELDS)
        if "values" in fields and self.dense:
            body["values"] = data.draw(dense_vectors(self.shape.dimension))
        if "sparse" in fields and (self.hybrid or not self.dense):
            body["sparseValues"] = data.draw(sparse_vectors())
        if "meta" in fields or len(body) == 1:
            body["setMetadata"] = data.draw(metadata())
        self.model.update(
            str(slot),
            body["id"],
            body.get("values"),
            body.get("sparseValues"),
            body.get("setMetadata"),
        )
        # the reply to an update by id is `{}`: no `matchedRecords` (UPDATE-BY-ID-RESPONSE)
        expect = {"type": "ok", "body": {"matchedRecords": None}}
        self._run("update", _post("/vectors/update", body, slot), expect, False, data)

    @precondition(lambda self: self.ctx.filter_writes)
    @rule(data=st.data())
    def update_by_filter(self, data: st.DataObject) -> None:
        slot = self._slot(data)
        flt = self._write_filter(data, slot)
        if flt is None:
            return
        meta = data.draw(SET_METADATA)
        dry = data.draw(st.booleans())
        count = self.model.update_by_filter(str(slot), flt, meta, dry)
        body = {"filter": flt, "setMetadata": meta, **({"dryRun": True} if dry else {})}
        expect = {"type": "ok", "body": {"matchedRecords": count}}
        self._run("update-by-filter", _post("/vectors/update", body, slot), expect, False, data)

    def _write_filter(self, data: st.DataObject, slot: int) -> dict[str, Any] | None:
        """A filter for a write in `slot`, or None when which records it selects there is
        undocumented (the write is then not sent: the model could not follow it)."""
        self._settle(slot)
        flt = self._filter(data, slot, allow_empty=False)
        return None if self.model.undecided(str(slot), flt) else flt

    @rule(data=st.data())
    def delete_ids(self, data: st.DataObject) -> None:
        slot = self._slot(data)
        self._settle(slot)
        ids = [self._id(data, slot) for _ in range(data.draw(BATCH))]
        self.model.delete_ids(str(slot), ids)
        post = _post("/vectors/delete", {"ids": ids}, slot)
        if self.ctx.details and data.draw(LEGACY_SHARE) == 0:
            # the legacy binding: DELETE with the ids and namespace as query parameters
            params: list[list[Any]] = [["ids", i] for i in ids]
            step = {**_get("/vectors/delete", params, slot), "method": "DELETE"}
            plain = {k: v for k, v in post.items() if k != "slot"}
            step["plain"] = plain | {"params": [], "op": "delete-ids"}
            legacy = {**DELETED, "blame": "DELETE-LEGACY-METHOD"}
            self._run("delete-ids-legacy", step, legacy, False, data)
            return
        self._run("delete-ids", post, DELETED, False, data)

    @rule(data=st.data())
    def delete_all(self, data: st.DataObject) -> None:
        slot = data.draw(self.slots)
        self.model.delete_all(str(slot))
        step = _post("/vectors/delete", {"deleteAll": True}, slot)
        self._run("delete-all", step, DELETED, False, data)

    @rule(data=st.data())
    def delete_by_filter(self, data: st.DataObject) -> None:
        slot = self._slot(data)
        flt = self._write_filter(data, slot)
        if flt is None:
            return
        self.model.delete_filter(str(slot), flt)
        step = _post("/vectors/delete", {"filter": flt}, slot)
        self._run("delete-by-filter", step, DELETED, False, data)

    # -- reads ----------------------------------------------------------------------------------
    @rule(data=st.data())
    def fetch(self, data: st.DataObject) -> None:
        slot = self._slot(data)
        ids = [self._id(data, slot) for _ in range(data.draw(FETCH_BATCH))]
        expect = {
            "type": "fetch",
            "vectors": self.model.fetch(str(slot), ids),
            "dense": self.dense,
            "slot": slot,
        }
        step = _get("/vectors/fetch", [["ids", i] for i in ids], slot)
        self._run("fetch", step, expect, True, data)

    @rule(data=st.data())
    def query(self, data: st.DataObject) -> None:
        self._query(data, data.draw(st.booleans()))

    @rule(data=st.data())
    def query_filtered(self, data: st.DataObject) -> None:
        """Filtered queries are drawn three times as often as any other rule: a query checks
        scores, order, topK and the filter's selection at once, the richest check there is."""
        self._query(data, True)

    @rule(data=st.data())
    def query_filtered_more(self, data: st.DataObject) -> None:
        self._query(data, True)

    def _query(self, data: st.DataObject, filtered: bool) -> None:
        slot = self._slot(data)
        ns = str(slot)
        body: dict[str, Any] = {"topK": data.draw(FILTERED_TOP_K if filtered else TOP_K)}
        modes = ["id", "vector" if self.dense else "sparse"]
        if self.dense and self.shape.metric == "dotproduct":
            modes.append("hybrid")
        mode = data.draw(st.sampled_from(modes))
        if mode == "id":
            body["id"] = self._id(data, slot)
            source = self.model.records(ns).get(body["id"])
            if self.dense and source is not None and source.sparse:
                mode = "vector"  # whether a record's sparse part joins its query: undocumented
                del body["id"]
        if mode in ("vector", "hybrid"):
            body["vector"] = data.draw(dense_vectors(self.shape.dimension))
        if mode in ("sparse", "hybrid"):
            body["sparseVector"] = data.draw(sparse_vectors())
        if filtered:
            body["filter"] = self._filter(data, slot)
        for flag in ("includeValues", "includeMetadata"):
            value = data.draw(FLAG)
            if value is not None:
                body[flag] = value
        cands = self.model.query(
            ns,
            vector=body.get("vector"),
            sparse=body.get("sparseVector"),
            rid=body.get("id"),
            flt=body.get("filter"),
        )
        expect = {
            "type": "query",
            "candidates": [[c.id, c.score, c.tol, c.optional, c.zero] for c in cands],
            "top_k": body["topK"],
            "order": "asc" if self.shape.metric == "euclidean" and self.dense else "desc",
            "include_values": bool(body.get("includeValues")),
            "include_metadata": bool(body.get("includeMetadata")),
            "dense": self.dense,
            "slot": slot,
        }
        if expect["include_values"] or expect["include_metadata"]:
            expect["records"] = self.model.fetch(ns, [c.id for c in cands])
        self._run("query", _post("/query", body, slot), expect, True, data)

    @rule(data=st.data())
    def list_ids(self, data: st.DataObject) -> None:
        slot = self._slot(data)
        prefix = prefix_of(data, sorted(self.model.records(str(slot))), prefixes())
        limit = data.draw(LIMIT)
        params: list[list[Any]] = [["prefix", prefix]] if prefix else []
        if limit is not None:
            params.append(["limit", limit])
        step = {**_get("/vectors/list", params, slot), "kind": "pages"}
        ids = self.model.list_ids(str(slot), prefix)
        expect = {"type": "list", "ids": ids, "limit": limit or 100, "slot": slot}
        self._run("list", step, expect, True, data)

    @precondition(lambda self: self.ctx.filter_writes)
    @rule(data=st.data())
    def fetch_by_metadata(self, data: st.DataObject) -> None:
        slot = self._slot(data)
        flt = self._filter(data, slot, allow_empty=False)
        limit = data.draw(LIMIT)
        body: dict[str, Any] = {"filter": flt}
        if limit is not None:
            body["limit"] = limit
        ids = self.model.fetch_by_metadata(str(slot), flt)
        maybe = self.model.undecided(str(slot), flt)
        expect = {
            "type": "fbm",
            "ids": ids,
            "maybe": maybe,
            "limit": limit or 100,
            "dense": self.dense,
            "vectors": self.model.fetch(str(slot), ids + maybe),
            "slot": slot,
        }
        step = {**_post("/vectors/fetch_by_metadata", body, slot), "kind": "pages"}
        self._run("fetch-by-metadata", step, expect, True, data)

    @rule(data=st.data())
    def stats(self, data: st.DataObject) -> None:
        counts = [self.model.count(str(s)) for s in range(len(self.names))]
        expect = {
            "type": "stats",
            "counts": counts,
            "dimension": self.index.dimension,
            # an emptied namespace leaves stats up to 2026-04; later it may stay listed with 0
            "vanish": self.ctx.api_version <= VANISH_UNTIL,
            "sparse": not self.dense,
        }
        if self.ctx.api_version >= STATS_INDEX_FIELDS_FROM:
            expect["metric"] = self.index.metric
            expect["vector_type"] = self.index.vector_type
        if self.ctx.details and data.draw(LEGACY_SHARE) == 0:  # the legacy binding: GET
            step: dict[str, Any] = {"method": "GET", "path": "/describe_index_stats"}
            step["plain"] = {"method": "POST", "json": {}, "op": "stats"}
            self._run("stats-legacy-get", step, {**expect, "blame": "STATS-LEGACY-GET"}, True)
            return
        # `{}` and `{"filter": {}}` are both an unfiltered request (STATS-EMPTY-FILTER-OK)
        body: dict[str, Any] = data.draw(st.sampled_from(({}, {"filter": {}})))
        step = {"method": "POST", "path": "/describe_index_stats", "json": body}
        self._run("stats", step, expect, True)

    @rule(data=st.data())
    def check_namespace(self, data: st.DataObject) -> None:
        self._check_state(data.draw(self.slots))

    # -- the namespaces API ---------------------------------------------------------------------
    def _listed(self, slot: int) -> int | None:
        """What a namespaces listing must say of `slot`: its record count, None when it does
        not exist, -1 when either (emptied by deletes, or gone where stats may keep it)."""
        ns = str(slot)
        exists = self.model.exists(ns)
        if exists:
            return self.model.count(ns)
        if exists is None or self.ctx.api_version > VANISH_UNTIL:
            return -1
        return None

    def _named_slots(self) -> list[int]:
        """The slots the namespaces API addresses by name: not the default namespace, nor a name
        with control characters (how a path segment decoded to one is read is undocumented)."""
        return [s for s in range(len(self.names)) if _printable(self.names[s])]

    @precondition(lambda self: self.ctx.api_version >= NAMESPACES_API_FROM)
    @rule(data=st.data())
    def namespaces_api(self, data: st.DataObject) -> None:
        """One request of the namespaces API (one rule for the four, so that they take no more
        of an example's steps than any other operation)."""
        action = data.draw(NS_ACTIONS)
        if action == "create" and self.ctx.api_version < CREATE_NAMESPACE_FROM:
            action = "list"
        getattr(self, f"_{action}_namespace")(data)

    def _list_namespace(self, data: st.DataObject) -> None:
        """The example's namespaces, listed by their common prefix (the main namespace's name);
        the second one is created first when it does not exist (order and pages then show)."""
        if self._listed(1) is None and self.ctx.api_version >= CREATE_NAMESPACE_FROM:
            self._create(1)
        limit = data.draw(NS_LIMIT)
        params: list[list[Any]] = [] if limit is None else [["limit", limit]]
        step: dict[str, Any] = {"method": "GET", "path": "/namespaces", "params": params}
        step |= {"kind": "pages", "slot": 0, "ns_in": "prefix"}
        listed = [self._listed(s) if self.names[s] else None for s in range(len(self.names))]
        expect = {"type": "ns-list", "slot": 0, "limit": limit or 10**9, "listed": listed}
        self._run("list-namespaces", step, expect, True)

    def _describe_namespace(self, data: st.DataObject) -> None:
        known = [s for s in self._named_slots() if self.model.exists(str(s))]
        gone = [s for s in self._named_slots() if str(s) in self.model.dropped]
        if not known + gone:
            return
        slot = data.draw(st.sampled_from(known + gone))
        count = self.model.count(str(slot)) if slot in known else None
        step = {"method": "GET", "path": "/namespaces/@NS@", "slot": slot, "ns_in": "path"}
        expect = {"type": "ns-describe", "slot": slot, "count": count}
        self._run("describe-namespace", step, expect, True)

    def _delete_namespace(self, data: st.DataObject) -> None:
        known = [s for s in self._named_slots() if self.model.exists(str(s))]
        if not known:
            return
        slot = data.draw(st.sampled_from(known))
        self._settle(slot)
        self.model.delete_namespace(str(slot))
        step = {"method": "DELETE", "path": "/namespaces/@NS@", "slot": slot, "ns_in": "path"}
        self._run("delete-namespace", step, {"type": "ok"}, False)

    def _create_namespace(self, data: st.DataObject) -> None:
        """Create a namespace that does not exist, or one that does (409); never one whose
        existence is undocumented."""
        slots = [s for s in self._named_slots() if self._listed(s) != -1]
        if not slots:
            return
        self._create(data.draw(st.sampled_from(slots)))

    def _create(self, slot: int) -> None:
        exists = bool(self.model.exists(str(slot)))
        if not exists:
            self.model.create_namespace(str(slot))
        step = {"method": "POST", "path": "/namespaces", "json": {}, "slot": slot, "ns_in": "name"}
        expect = {"type": "ns-create", "slot": slot, "exists": exists}
        self._run("create-namespace", step, expect, False)

    # -- invalid input --------------------------------------------------------------------------
    @rule(data=st.data())
    def invalid_request(self, data: st.DataObject) -> None:
        """One to three malformed requests: they are cheap and independent, and there are many
        kinds to cover."""
        for _ in range(data.draw(INVALID_BATCH)):
            self._invalid(data, invalid_requests(self.shape))

    @rule(data=st.data())
    def over_limit_request(self, data: st.DataObject) -> None:
        """Each documented limit exceeded (a subset of the invalid requests, drawn more often)."""
        self._invalid(data, invalid_requests(self.shape, limits_only=True))

    def _invalid(
        self, data: st.DataObject, requests: st.SearchStrategy[tuple[str, InvalidRequest]]
    ) -> None:
        name, step = data.draw(requests)
        blame = should_reject(name, step) if self.ctx.details else None
        if blame is not None:  # a rejection only a SHOULD behavior states: blamed on it
            expect = {"type": "error", "blame": blame}
            self._run(f"invalid-{name}", step, expect, False)
            if is_write(step):
                self._check_state(0)
            return
        if outcome_open(name, step, self.ctx.api_version):
            if not is_write(step):
                self._run(f"open-{name}", step, {"type": "open"}, True)
            return
        expect = {"type": "error", **documented_message(name, step, self.shape)}
        self._run(f"invalid-{name}", step, expect, False)
        if is_write(step):
            self._check_state(0)  # nothing may have changed
