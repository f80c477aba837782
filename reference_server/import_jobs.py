"""Import jobs of one index: their state, and the one background worker that runs them in turn.

A job goes Pending -> InProgress -> Completed | Failed | Cancelled (digest §4.10). The worker
checks the whole directory first (namespaces must not exist yet, at most 100 of them, every row
valid or, with `onError: continue`, skipped), so an aborted import writes nothing; then it writes
each namespace in batches, stopping between batches when the job is cancelled.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson

from reference_server.errors import ApiError
from reference_server.parquet_source import (
    NamespaceSource,
    SourceError,
    local_directory,
    namespaces_in,
    rows_of,
)
from reference_server.store import IndexStore
from reference_server.validation import (
    DEFAULT_NAMESPACE_ALIAS,
    check_id,
    check_namespace_name,
    parse_dense,
    parse_metadata,
    parse_sparse,
)

MAX_NAMESPACES = 100
WRITE_BATCH = 1000
MAX_KEPT_JOBS = 10_000
TERMINAL = frozenset({"Completed", "Failed", "Cancelled"})

Row = tuple[str, np.ndarray | None, tuple[np.ndarray, np.ndarray] | None, dict[str, Any] | None]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class ImportJob:
    """One import, as `describe` reports it."""

    id: str
    uri: str
    on_error: str
    version: str
    status: str = "Pending"
    created_at: str = field(default_factory=_now)
    finished_at: str | None = None
    percent_complete: float = 0.0
    records_imported: int = 0
    error: str | None = None
    cancel_requested: bool = False

    def describe(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "uri": self.uri,
            "status": self.status,
            "createdAt": self.created_at,
            "percentComplete": self.percent_complete,
            "recordsImported": self.records_imported,
        }
        if self.finished_at is not None:
            body["finishedAt"] = self.finished_at
        if self.error is not None:
            body["error"] = self.error
        return body


class _Cancelled(Exception):
    """The job was cancelled while it ran."""


class ImportJobs:
    """The imports of one index, numbered from 1, run one at a time by a daemon thread."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self.lock = threading.Lock()
        self.jobs: dict[str, ImportJob] = {}
        self._next = 1
        self._queue: queue.Queue[ImportJob] = queue.Queue()
        self._worker: threading.Thread | None = None

    # -- requests ---------------------------------------------------------------------------

    def start(self, uri: str, on_error: str, version: str) -> ImportJob:
        with self.lock:
            job = ImportJob(str(self._next), uri, on_error, version)
            self._next += 1
            self.jobs[job.id] = job
            self._forget_oldest()
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._run_forever, name=f"imports-{self.store.name}", daemon=True
                )
                self._worker.start()
        self._queue.put_nowait(job)
        return job

    def get(self, job_id: str) -> ImportJob | None:
        with self.lock:
            return self.jobs.get(job_id)

    def listed(self) -> list[ImportJob]:
        with self.lock:
            return sorted(self.jobs.values(), key=lambda job: int(job.id))

    def cancel(self, job: ImportJob) -> None:
        """Cancel a job that has not finished; a finished job is left as it is."""
        with self.lock:
            if job.status == "Pending":
                self._finish(job, "Cancelled")
            elif job.status == "InProgress":
                job.cancel_requested = True

    # -- the worker -------------------------------------------------------------------------

    def _forget_oldest(self) -> None:
        """Keep memory bounded: past MAX_KEPT_JOBS, the oldest finished jobs are dropped."""
        if len(self.jobs) <= MAX_KEPT_JOBS:
            return
        for job_id in [j.id for j in self.jobs.values() if j.status in TERMINAL]:
            del self.jobs[job_id]
            if len(self.jobs) <= MAX_KEPT_JOBS:
                return

    def _finish(self, job: ImportJob, status: str, error: str | None = None) -> None:
        job.status = status
        job.error = error
        job.finished_at = _now()
        if status == "Completed":
            job.percent_complete = 100.0

    def _run_forever(self) -> None:
        while True:
            job = self._queue.get()
            with self.lock:
                if job.status != "Pending":
                    continue
                job.status = "InProgress"
            try:
                self._run(job)
            except _Cancelled:
                with self.lock:
                    self._finish(job, "Cancelled")
            except SourceError as exc:
                with self.lock:
                    self._finish(job, "Failed", str(exc))
            except Exception as exc:  # a bug must fail the job, not kill the worker
                with self.lock:
                    self._finish(job, "Failed", f"Internal error: {exc}")
            else:
                with self.lock:
                    if job.cancel_requested:
                        self._finish(job, "Cancelled")
                    else:
                        self._finish(job, "Completed")

    def _check_cancel(self, job: ImportJob) -> None:
        with self.lock:
            if job.cancel_requested:
                raise _Cancelled

    def _run(self, job: ImportJob) -> None:
        sources = namespaces_in(local_directory(job.uri))
        if len(sources) > MAX_NAMESPACES:
            raise SourceError(
                f"An import may write at most {MAX_NAMESPACES} namespaces, found {len(sources)}"
            )
        targets = [self._target_namespace(source) for source in sources]
        total_files = sum(len(source.files) for source in sources)
        done = 0
        parsed: list[list[Row]] = []
        for source in sources:
            rows: list[Row] = []
            for path in source.files:
                for batch in rows_of(path):
                    self._check_cancel(job)
                    rows.extend(self._parse_batch(job, batch, path.name))
                done += 1
                with self.lock:
                    job.percent_complete = round(50.0 * done / total_files, 1)
            parsed.append(rows)
        total_rows = max(1, sum(len(rows) for rows in parsed))
        written = 0
        for namespace, rows in zip(targets, parsed, strict=True):
            for start in range(0, len(rows), WRITE_BATCH):
                self._check_cancel(job)
                chunk = rows[start : start + WRITE_BATCH]
                self._write(namespace, chunk)
                written += len(chunk)
                with self.lock:
                    job.records_imported = written
                    job.percent_complete = round(50.0 + 50.0 * written / total_rows, 1)

    def _target_namespace(self, source: NamespaceSource) -> str:
        """The namespace a directory imports into; it must not exist (the default: be empty)."""
        if source.name == DEFAULT_NAMESPACE_ALIAS:
            name = ""
        else:
            try:
                check_namespace_name(source.name)
            except ApiError as exc:
                raise SourceError(f"Directory '{source.name}': {exc.message}") from None
            name = source.name
        store = self.store
        with store.lock:
            store.sync()
            existing = store.get(name)
            exists = existing is not None and (existing.n > 0 or (name != "" and existing.explicit))
        if exists:
            shown = name or DEFAULT_NAMESPACE_ALIAS
            raise SourceError(
                f"Namespace '{shown}' already exists: imports write only to new namespaces"
            )
        return name

    def _parse_batch(
        self, job: ImportJob, batch: list[dict[str, Any]], file_name: str
    ) -> list[Row]:
        rows: list[Row] = []
        for number, row in enumerate(batch):
            try:
                rows.append(self._parse_row(row, job.version))
            except (ApiError, orjson.JSONDecodeError, TypeError, ValueError) as exc:
                if job.on_error == "continue":
                    continue
                reason = exc.message if isinstance(exc, ApiError) else str(exc)
                raise SourceError(
                    f"Invalid record in '{file_name}' (row {number} of its batch): {reason}"
                ) from None
        return rows

    def _parse_row(self, row: dict[str, Any], version: str) -> Row:
        vector_id = check_id(row.get("id"))
        values = row.get("values")
        raw_sparse = row.get("sparse_values")
        store = self.store
        dense = None
        if store.vector_type == "sparse":
            if values:
                raise ValueError("a sparse index takes no dense 'values'")
            if raw_sparse is None:
                raise ValueError("a sparse index needs 'sparse_values'")
        else:
            dense = parse_dense(values if values is not None else [], store.dense_dimension, None)
        sparse = parse_sparse(raw_sparse, version) if raw_sparse is not None else None
        text = row.get("metadata")
        if text is not None and type(text) is not str:
            raise ValueError("'metadata' must be a JSON string")
        metadata = parse_metadata(orjson.loads(text)) if text is not None else None
        return vector_id, dense, sparse, metadata

    def _write(self, namespace: str, rows: list[Row]) -> None:
        ids = [row[0] for row in rows]
        matrix = None
        if self.store.vector_type != "sparse":
            matrix = np.stack([row[1] for row in rows if row[1] is not None]).astype(np.float32)
        sparse = [row[2] for row in rows]
        metas = [row[3] for row in rows]
        store = self.store
        with store.lock:
            store.sync()
            store.upsert(namespace, ids, matrix, sparse, metas)
