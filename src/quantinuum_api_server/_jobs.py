"""Jobs: submission checks, the job document, cancel, and the worker threads.

Decisions (the reference leaves them open):
- Programs are parsed at submission: a bad one is 400 code 40, a machine limit (qubits,
  shots, classical registers, program size) 400 code 41, an unknown machine 400 code 31.
  Only `OPENQASM 2.0` runs locally; `QIR 1.0` is 400 code 40.
- `max-cost`: the cost is known at submission, so a job over it is accepted and fails at
  once with `error.code` 42 (the spec: "fail the job instead of running it").
- Noise: emulators (`…E`) run noiseless unless `options.error-model` is true; hardware
  names always run the noise model of their `noise_specs`; syntax checkers (`…SC`) parse,
  price and complete without results. `options.simulator` `stabilizer` selects the
  stabilizer method; `options.seed` (integer, local extension) seeds the simulator.
- Workers take the queued job of the highest `priority` (high, normal, low), oldest
  first. `queue-position` is 0-based: the number of queued jobs (of any user) that will
  start before this one; null once the job left the queue.
- Hardware machines run jobs whatever their calendar state (there is no real device to
  wait for). `cfl`, `batch-exec`, `batch-end`, `no-opt`, `noreduce` and `tket` are
  accepted and ignored.
- Results grow chunk by chunk (`ServerSettings.chunk_shots`), with `last-shot` the index
  of the last shot done; cancel is honoured between chunks (partial results are kept).
- On start, jobs left `running` by a stopped service are queued again and rerun from the
  first shot; `canceling` ones become `canceled`.
- Idempotency-Key: kept per user with a hash of the canonical JSON body; the same key
  with another body is 422 (IETF idempotency-key draft). Check and insert share one
  write transaction, so concurrent requests with one key create one job.
- Job history (`list_jobs`, extension): keyset pagination on the insertion sequence,
  newest first, so a page never shifts when jobs are submitted meanwhile. The cursor is
  opaque (base64url JSON holding the last sequence number): a position in the caller's
  history, so it may be combined with other filters (stateful clients, and schemathesis
  following the spec's NextPage link, change them between pages).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from quantinuum_emulator._emulator import Emulator
from quantinuum_emulator._errors import JobRejected
from quantinuum_emulator._execution import PreparedJob, max_cost_error
from quantinuum_emulator._machines import MachineCatalog

from ._errors import (
    INTERNAL,
    INVALID_REQUEST,
    ApiError,
)
from ._events import JobEvents
from ._settings import ServerSettings
from ._store import IdempotencyConflict, Store

__all__ = ["DEFAULT_PAGE_SIZE", "DONE_STATUSES", "JobService", "render_job", "utc_now"]

logger = logging.getLogger(__name__)

DONE_STATUSES = frozenset({"completed", "failed", "canceled", "depleted", "terminated"})
#: `GET /v1/job`'s page size when `limit` is not given (openapi.yaml's default).
DEFAULT_PAGE_SIZE = 20
#: The job-list filters (query parameters of `list_jobs`).
LIST_FILTERS = ("status", "machine", "name", "group", "submitted_after", "submitted_before")


def utc_now() -> str:
    """The current time as ISO 8601 UTC with a `Z`, to the second."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_job(row: Mapping[str, Any], queue_position: int | None) -> dict[str, Any]:
    """The job document of a stored job row."""
    doc: dict[str, Any] = {"job": row["id"]}
    if row.get("name") is not None:
        doc["name"] = row["name"]
    doc.update(
        status=row["status"],
        machine=row["machine"],
        count=row["count"],
        priority=row["priority"],
    )
    if row.get("grp") is not None:
        doc["group"] = row["grp"]
    if row.get("results") is not None:
        doc["results"] = row["results"]
    doc.update(
        {
            "submit-date": row["submit_date"],
            "start-date": row["start_date"],
            "result-date": row["result_date"],
            "queue-position": queue_position,
            "cost": row["cost"],
            "last-shot": row["last_shot"],
            "qubits": row["qubits"],
        }
    )
    if row.get("error") is not None:
        doc["error"] = row["error"]
    return doc


class JobService:
    """Accepts, describes and cancels jobs; runs them on worker threads."""

    def __init__(
        self, store: Store, catalog: MachineCatalog, settings: ServerSettings, events: JobEvents
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._settings = settings
        self._events = events
        self._pending = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._emulator = Emulator(catalog, max_program_bytes=settings.max_program_bytes)

    # -- requests ---------------------------------------------------------------------
    def submit(
        self, user_id: int, body: Mapping[str, Any], idempotency_key: str | None
    ) -> tuple[str, str]:
        """Check and store a job request (already schema-valid); its (id, status)."""
        try:
            prepared = self._emulator.prepare(body)
        except JobRejected as exc:
            raise ApiError.rejected(exc) from None
        now = utc_now()
        job: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "user_id": user_id,
            "name": body.get("name"),
            "machine": prepared.machine,
            "count": prepared.count,
            "language": body["language"],
            "program": body["program"],
            "priority": body.get("priority", "normal"),
            "options": prepared.options,
            "grp": body.get("group"),
            "max_cost": body.get("max-cost"),
            "status": "queued",
            "submit_date": now,
            "cost": prepared.cost,
            "qubits": int(prepared.program.info.n_qubits),
        }
        error = max_cost_error(prepared.cost, body.get("max-cost"))
        if error is not None:
            job.update(status="failed", result_date=now, error=error)
        key = None
        if idempotency_key is not None:
            canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
            key = (idempotency_key, hashlib.sha256(canonical.encode()).hexdigest())
        try:
            job_id = self._store.insert_job(job, key)
        except IdempotencyConflict as exc:
            raise ApiError(422, INVALID_REQUEST, str(exc)) from None
        self._pending.set()
        status = self._store.job_status(job_id) or job["status"]
        return job_id, status

    def owned_job(self, user_id: int, job_id: str) -> dict[str, Any]:
        """A job row of `user_id`'s; 404 code 30 for any other id."""
        from ._errors import JOB_NOT_FOUND

        row = self._store.job(job_id)
        if row is None or int(row["user_id"]) != user_id:
            raise ApiError(404, JOB_NOT_FOUND, "Job not found")
        return row

    def document(self, row: Mapping[str, Any]) -> dict[str, Any]:
        position = None
        if row["status"] == "queued":
            position = self._store.queue_position(int(row["seq"]), str(row["priority"]))
        return render_job(row, position)

    def list_jobs(
        self, user_id: int, filters: Mapping[str, Any], cursor: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of `user_id`'s jobs (documents without results, newest first) and the
        cursor of the next page (None on the last). `filters` are the `LIST_FILTERS`
        given; a bad cursor or date is 400 code 10."""
        given = {name: filters[name] for name in LIST_FILTERS if filters.get(name) is not None}
        for name in ("submitted_after", "submitted_before"):
            if name in given:
                given[name] = _utc_second(name, given[name])
        before_seq = None if cursor is None else _decode_cursor(cursor)
        rows = self._store.list_jobs(user_id, limit + 1, before_seq=before_seq, **given)
        page = rows[:limit]
        following = None
        if len(rows) > limit:
            following = _encode_cursor(int(page[-1]["seq"]))
        return [self.document(row) for row in page], following

    def cancel(self, user_id: int, job_id: str) -> dict[str, Any]:
        """Cancel: queued → canceled at once, running → canceling; done ones unchanged."""
        self.owned_job(user_id, job_id)
        changed = self._store.update_job(
            job_id, only_if=("queued",), status="canceled", result_date=utc_now()
        ) or self._store.update_job(job_id, only_if=("running",), status="canceling")
        if changed:
            self._events.publish(job_id, "status")
        return self.document(self.owned_job(user_id, job_id))

    # -- workers ----------------------------------------------------------------------
    def start(self) -> bool:
        """Recover jobs of a previous run and start the worker threads; False (and
        nothing done) when they are running already."""
        if self._threads:
            return False
        self._stopping.clear()
        queued = self._store.recover_jobs(utc_now())
        if queued:
            self._pending.set()
        for index in range(max(1, self._settings.workers)):
            thread = threading.Thread(target=self._work, name=f"qapi-worker-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return True

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the workers; a job in the middle of running stays `running` (and is queued
        again on the next start)."""
        self._stopping.set()
        self._pending.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _work(self) -> None:
        while not self._stopping.is_set():
            self._pending.clear()
            row = self._store.claim_next_job(utc_now())
            if row is None:
                self._pending.wait(1.0)
                continue
            self._events.publish(row["id"], "status")
            try:
                self._run(row)
            except Exception as exc:  # a job must never kill its worker
                logger.exception("job %s failed", row["id"])
                self._finish(row["id"], "failed", error={"code": INTERNAL, "text": str(exc)})

    def _finish(self, job_id: str, status: str, **fields: Any) -> None:
        # Not fsynced: after a machine crash an unfinished-looking job just runs again.
        self._store.update_job(
            job_id,
            only_if=("running", "canceling"),
            durable=False,
            status=status,
            result_date=utc_now(),
            **fields,
        )
        self._events.publish(job_id, "status")

    def _run(self, row: Mapping[str, Any]) -> None:
        job_id = str(row["id"])
        body = {
            "machine": row["machine"],
            "count": row["count"],
            "language": row["language"],
            "program": row["program"],
            "options": row["options"] or {},
        }
        try:
            job = self._emulator.prepare(body)
        except JobRejected as exc:  # e.g. a machine that left the catalogue since submission
            self._finish(job_id, "failed", error={"code": exc.code, "text": exc.text})
            return
        if self._store.job_status(job_id) == "canceling":
            self._finish(job_id, "canceled")
            return
        try:
            self._simulate(job_id, job)
        except JobRejected as exc:
            self._finish(job_id, "failed", error={"code": exc.code, "text": exc.text})

    def _simulate(self, job_id: str, job: PreparedJob) -> None:
        count = job.count
        results: dict[str, list[str]] = {name: [] for name in job.program.info.registers}
        done = 0
        chunks = self._emulator.run(
            job,
            chunk_shots=max(1, self._settings.chunk_shots),
            chunk_growth=self._settings.chunk_growth,
        )
        for part in chunks:
            for name, shots in part.items():
                results.setdefault(name, []).extend(shots)
            done = min(count, done + (len(next(iter(part.values()))) if part else 0))
            if self._stopping.is_set():
                return
            if self._store.job_status(job_id) == "canceling":
                self._finish(job_id, "canceled", results=results, last_shot=done - 1)
                return
            if done < count:
                self._store.update_job(job_id, durable=False, results=results, last_shot=done - 1)
                self._events.publish(job_id, "partial")
                if self._settings.chunk_delay > 0 and self._stopping.wait(
                    self._settings.chunk_delay
                ):
                    return
        if job.placement.is_syntax_checker:
            self._finish(job_id, "completed")
            return
        self._finish(job_id, "completed", results=results, last_shot=count - 1)


# -- job-list cursors -------------------------------------------------------------------
def _utc_second(name: str, value: str) -> str:
    """An RFC 3339 date-time as stored submit dates are written (UTC, to the second)."""
    try:
        moment = dt.datetime.fromisoformat(value.upper())
    except ValueError:
        raise ApiError(
            400, INVALID_REQUEST, f"Invalid request: query parameter '{name}' is not a date-time"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        moment = moment.astimezone(dt.UTC)
    except OverflowError:  # its offset moves it before year 1 or after year 9999
        return _FIRST_SECOND if moment.year < 5000 else _LAST_SECOND
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_FIRST_SECOND = "0001-01-01T00:00:00Z"
_LAST_SECOND = "9999-12-31T23:59:59Z"
_MAX_SEQ = 2**63 - 1  # SQLite's largest integer


def _encode_cursor(seq: int) -> str:
    raw = json.dumps({"s": seq}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    """The sequence number a cursor continues after; 400 code 10 for a bad cursor."""
    bad = ApiError(
        400,
        INVALID_REQUEST,
        "Invalid request: cursor is malformed (pass the next-cursor of a previous page)",
    )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        seq = json.loads(raw)["s"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise bad from None
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= _MAX_SEQ:
        raise bad
    return seq
