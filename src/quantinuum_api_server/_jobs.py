"""Jobs: submission checks, the job document, cancel, and the worker threads.

Decisions (the reference leaves them open):
- Programs are parsed at submission, in a checker process (`_admission`), never in the
  API process: a bad one is 400 code 40, a machine limit (qubits, shots, classical
  registers, program size) 400 code 41, an unknown machine 400 code 31.
- `max-cost`: the cost is known at submission, so a job over it is accepted and fails at
  once with `error.code` 42 (the spec: "fail the job instead of running it").
- Noise: emulators (`…E`) run noiseless unless `options.error-model` is true; hardware
  names always run the noise model of their `noise_specs`; syntax checkers (`…SC`) parse,
  price and complete without results. `options.simulator` `stabilizer` selects the
  stabilizer method; `options.seed` (integer, local extension) seeds the simulator.
- Queue: a job stays `queued` for `ServerSettings.queue_delay` seconds after its
  submission (default 2 s for `qapi serve`, as a cloud queue would hold it; 0 in
  `fast_settings`, the tests' and `LocalServer`'s default), so a job can be canceled
  before it starts and the queue is visible. Then workers take the queued job of the
  highest `priority` (high, normal, low), oldest first. `queue-position` is 0-based:
  the number of queued jobs (of any user) that will start before this one; null once
  the job left the queue.
- Hardware machines run jobs whatever their calendar state (there is no real device to
  wait for). `cfl` goes to the emulator with the program; `no-opt`, `noreduce` and
  `tket` are accepted and ignored.
- Results: shots x classical bits beyond `ServerSettings.max_result_bits` is 400 code 41
  at submission. They grow chunk by chunk (`chunk_shots`), with `last-shot` the index of
  the last shot done, stored packed (`quantinuum_emulator.pack_chunk`), one row per chunk.
  `results_format=raw` is the only format and the default (lists of bitstrings).
- Jobs run in worker processes (`_workers.Worker`), one per `workers`. Cancel of a running
  job kills its worker at once (the results of the chunks done are kept); cancel of a
  done job is 400 code 10 "... job has completed already", as the cloud answers.
- Limits: a job over `job_memory_limit` or `job_time_limit` fails with code 41. A job
  whose worker dies by itself is queued again; after `max_job_attempts` runs (counted in
  the database, so also across restarts of a service it takes down) it fails with code
  43 instead of crash-looping.
- Batches: `batch-exec` a number starts a batch (the job's id is the batch's id, the
  number its max cost); `batch-exec` a job id joins that batch (400 code 10 when it is
  not a batch of the user's or a job with `batch-end` closed it). A batch's jobs run in
  submission order. A job taking the batch's total cost (of its jobs that did not fail or
  get canceled) beyond the max is accepted and fails at once with code 42, as `max-cost`.
- On start, jobs left `running` by a stopped service are queued again and rerun from the
  first shot; `canceling` ones become `canceled`. A graceful stop (`stop()`: SIGTERM,
  SIGINT) kills the workers and queues their jobs again without counting the attempt.
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
import heapq
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from quantinuum_emulator import (
    DONE_STATUSES,
    Emulator,
    JobRejected,
    Layout,
    MachineCatalog,
    batch_cost_error,
    batch_exec,
    batch_join_refusal,
    job_document,
    max_cost_error,
    unpack_results,
    utc_now,
)

from ._admission import Checker
from ._errors import (
    INTERNAL,
    INVALID_REQUEST,
    JOB_NOT_FOUND,
    LIMIT_EXCEEDED,
    ApiError,
)
from ._events import JobEvents
from ._settings import ServerSettings
from ._store import Chunk, IdempotencyConflict, Store
from ._workers import Outcome, Worker, prestart

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DONE_STATUSES",
    "WORKER_CRASHED",
    "JobService",
    "render_job",
    "utc_now",
]

#: `error.code` of a job whose worker process died `max_job_attempts` times.
WORKER_CRASHED = 43

logger = logging.getLogger(__name__)

#: Jobs checked at submission are handed to their worker as their checker prepared them
#: (pickled: `_admission.HANDOFF_BYTES`), so the worker does not parse the program again.
#: At most this many are kept; others, and jobs run again, are prepared anew.
HANDOFF_JOBS = 64
#: `GET /v1/job`'s page size when `limit` is not given (openapi.yaml's default).
DEFAULT_PAGE_SIZE = 20
#: The job-list filters (query parameters of `list_jobs`).
LIST_FILTERS = ("status", "machine", "name", "group", "submitted_after", "submitted_before")


def render_job(row: Mapping[str, Any], queue_position: int | None) -> dict[str, Any]:
    """The job document of a stored job row."""
    return job_document(
        row["id"],
        name=row.get("name"),
        status=row["status"],
        machine=row["machine"],
        count=row["count"],
        priority=row["priority"],
        group=row.get("grp"),
        results=row.get("results"),
        submit_date=row["submit_date"],
        start_date=row["start_date"],
        result_date=row["result_date"],
        queue_position=queue_position,
        cost=row["cost"],
        last_shot=row["last_shot"],
        qubits=row["qubits"],
        error=row.get("error"),
    )


class JobService:
    """Accepts, describes and cancels jobs; runs them in worker processes, each driven by
    a supervisor thread (see the module docstring)."""

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
        self._checker = Checker(
            catalog,
            max_program_bytes=settings.max_program_bytes,
            processes=settings.checkers,
            time_limit=settings.check_time_limit,
            memory_limit=settings.check_memory_limit,
            max_result_bits=settings.max_result_bits,
        )
        self._workers = [
            Worker(
                catalog,
                max_program_bytes=settings.max_program_bytes,
                memory_limit=settings.job_memory_limit,
                time_limit=settings.job_time_limit,
                recycle_rss=settings.worker_recycle_rss,
                max_result_bits=settings.max_result_bits,
            )
            for _ in range(max(1, settings.workers))
        ]
        self._running: dict[str, Worker] = {}
        self._canceled: set[str] = set()  # running jobs whose cancel was asked
        self._running_lock = threading.Lock()
        self._handoff: OrderedDict[str, bytes] = OrderedDict()
        self._handoff_lock = threading.Lock()
        # When queued jobs become ready (Unix time; `queue_delay`), soonest first: idle
        # workers sleep until the first of them.
        self._ready_times: list[float] = []
        self._ready_lock = threading.Lock()

    # -- requests ---------------------------------------------------------------------
    def submit(
        self, user_id: int, body: Mapping[str, Any], idempotency_key: str | None
    ) -> tuple[str, str]:
        """Check and store a job request (already schema-valid); its (id, status).

        The program is parsed by a checker process (`_admission`), never here."""
        try:
            request = self._emulator.check_request(body)
            batch = batch_exec(body)
            admission = self._checker.check(body)  # up to the size of its results
        except JobRejected as exc:
            raise ApiError.rejected(exc) from None
        now = utc_now()
        job: dict[str, Any] = {
            "id": uuid.uuid4().hex,
            "user_id": user_id,
            "name": body.get("name"),
            "machine": request.machine,
            "count": request.count,
            "language": body["language"],
            "program": body["program"],
            "priority": body.get("priority", "normal"),
            "options": request.options,
            "grp": body.get("group"),
            "max_cost": body.get("max-cost"),
            "status": "queued",
            "submit_date": now,
            "cost": admission.cost,
            "qubits": admission.qubits,
            "cfl": body.get("cfl"),
            "batch_end": 1 if body.get("batch-end") is True else 0,
        }
        delay = self._settings.queue_delay
        if delay > 0:
            job["ready_at"] = time.time() + delay
        error = max_cost_error(admission.cost, body.get("max-cost"))
        if error is not None:
            job.update(status="failed", result_date=now, error=error)
        join = None
        if batch is not None and batch.join is not None:
            batch_id = batch.join
            join = (batch_id, lambda head: _join_batch(job, head, batch_id))
        elif batch is not None and batch.max_cost is not None:
            job.update(batch=job["id"], batch_max_cost=batch.max_cost)
            error = batch_cost_error(0.0, admission.cost, batch.max_cost)
            if job["status"] == "queued" and error is not None:
                job.update(status="failed", result_date=now, error=error)
        key = None
        if idempotency_key is not None:
            canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
            key = (idempotency_key, hashlib.sha256(canonical.encode()).hexdigest())
        try:
            job_id = self._store.insert_job(job, key, join)
        except IdempotencyConflict as exc:
            raise ApiError(422, INVALID_REQUEST, str(exc)) from None
        except JobRejected as exc:  # it may not join the batch it names
            raise ApiError.rejected(exc) from None
        if job_id == job["id"]:
            if job["status"] == "queued" and admission.prepared is not None:
                self._keep_prepared(job_id, admission.prepared)
            if "ready_at" in job:
                with self._ready_lock:
                    heapq.heappush(self._ready_times, job["ready_at"])
            self._pending.set()
            return job_id, str(job["status"])
        self._pending.set()
        return job_id, self._store.job_status(job_id) or "queued"  # an Idempotency-Key replay

    def _keep_prepared(self, job_id: str, prepared: bytes) -> None:
        with self._handoff_lock:
            self._handoff[job_id] = prepared
            while len(self._handoff) > HANDOFF_JOBS:
                self._handoff.popitem(last=False)

    def _handed_off(self, job_id: str) -> bytes | None:
        """The job as its checker prepared it, pickled for its worker (None: the worker
        prepares it from the stored request)."""
        with self._handoff_lock:
            return self._handoff.pop(job_id, None)

    def owned_job(self, user_id: int, job_id: str) -> dict[str, Any]:
        """A job row of `user_id`'s; 404 code 30 for any other id."""
        row = self._store.job(job_id)
        if row is None or int(row["user_id"]) != user_id:
            raise ApiError(404, JOB_NOT_FOUND, "Job not found")
        return row

    @staticmethod
    def result_bits(row: Mapping[str, Any]) -> int:
        """How many result bits (shots x classical bits) a stored job row holds."""
        layout = row.get("result_layout")
        if layout is None or row.get("last_shot") is None:
            return 0
        return (int(row["last_shot"]) + 1) * sum(int(width) for _, width in layout)

    def document(self, row: Mapping[str, Any]) -> dict[str, Any]:
        position = None
        if row["status"] == "queued":
            position = self._store.queue_position(int(row["seq"]), str(row["priority"]))
        layout = row.get("result_layout")
        if layout is not None and row.get("results") is None:
            chunks = self._store.job_chunks(str(row["id"]))
            results = unpack_results([(str(n), int(w)) for n, w in layout], chunks)
            row = {**row, "results": results}
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
        """Cancel: queued → canceled at once, running → canceling (its worker is killed
        at once, then canceled); a done job is refused (400 code 10)."""
        row = self.owned_job(user_id, job_id)
        changed = self._store.update_job(
            job_id, only_if=("queued",), status="canceled", result_date=utc_now()
        ) or self._store.update_job(job_id, only_if=("running",), status="canceling")
        if changed:
            self._announce(job_id)
            with self._running_lock:
                worker = self._running.get(job_id)
                if worker is not None:
                    self._canceled.add(job_id)
            if worker is not None:
                worker.kill("stopped")  # at once; `should_stop` catches a worker being forked
        else:
            row = self.owned_job(user_id, job_id)
            if row["status"] in DONE_STATUSES:
                raise ApiError(
                    400,
                    INVALID_REQUEST,
                    f"Cannot cancel job {job_id}: job has completed already"
                    f" (status {row['status']})",
                )
        return self.document(self.owned_job(user_id, job_id))

    def worker_pid(self, job_id: str) -> int | None:
        """The process id of the worker running `job_id` (None when it is not running)."""
        with self._running_lock:
            worker = self._running.get(job_id)
        return None if worker is None else worker.pid

    # -- workers ----------------------------------------------------------------------
    def start(self) -> bool:
        """Recover jobs of a previous run and start the supervisor threads (their worker
        processes start with the first job); False (and nothing done) when they are
        running already."""
        if self._threads:
            return False
        self._stopping.clear()
        prestart()
        self._checker.reopen()
        threading.Thread(target=self._warm_checker, name="qapi-checker", daemon=True).start()
        queued = self._store.recover_jobs(utc_now())
        if queued:
            self._pending.set()
        for index, worker in enumerate(self._workers):
            worker.reopen()
            thread = threading.Thread(
                target=self._work, args=(worker,), name=f"qapi-worker-{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return True

    def stop(self, timeout: float = 2.0) -> None:
        """Stop: kill the worker processes at once and queue their jobs again (without
        counting the attempt); they rerun on the next start."""
        self._stopping.set()
        self._pending.set()
        self._checker.close()
        for worker in self._workers:
            worker.close()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    def _idle_wait(self) -> float:
        """How long an idle worker sleeps: until the next queued job is ready, 1 s at most
        (a job submitted meanwhile wakes it)."""
        now = time.time()
        with self._ready_lock:
            while self._ready_times and self._ready_times[0] <= now:
                heapq.heappop(self._ready_times)
            if not self._ready_times:
                return 1.0
            return min(1.0, self._ready_times[0] - now + 0.001)

    def _warm_checker(self) -> None:
        try:
            self._checker.warm()
        except Exception:  # the first submission starts one instead
            logger.debug("cannot start a program checker yet", exc_info=True)

    def _work(self, worker: Worker) -> None:
        while not self._stopping.is_set():
            self._pending.clear()
            row = self._store.claim_next_job(utc_now())
            if row is None:
                self._pending.wait(self._idle_wait())
                continue
            self._events.publish(row["id"], "status")
            try:
                self._run(worker, row)
            except Exception as exc:  # a job must never kill its supervisor
                if self._stopping.is_set():  # the database may be closed: recovered later
                    return
                logger.exception("job %s failed", row["id"])
                self._finish(row["id"], "failed", error={"code": INTERNAL, "text": str(exc)})

    def _finish(
        self, job_id: str, status: str, *, chunk: Chunk | None = None, **fields: Any
    ) -> None:
        """End a running job (with its last results `chunk`, if any, in the same commit)."""
        # Not fsynced: after a machine crash an unfinished-looking job just runs again.
        self._store.finish_job(
            job_id,
            only_if=("running", "canceling"),
            status=status,
            result_date=utc_now(),
            chunk=chunk,
            **fields,
        )
        self._announce(job_id)

    def _announce(self, job_id: str) -> None:
        """Publish a status change; a job that has ended goes with its final document,
        rendered here once if a websocket waits for it (it then needs no database read,
        no thread hop and no encoding of its own)."""
        final = None
        if self._events.watched(job_id):
            row = self._store.job(job_id)
            if row is not None and row["status"] in DONE_STATUSES:
                final = json.dumps(self.document(row), separators=(",", ":"), ensure_ascii=False)
        self._events.publish(job_id, "status", final)

    def _run(self, worker: Worker, row: Mapping[str, Any]) -> None:
        job_id = str(row["id"])
        attempts, most = int(row["attempts"]), max(1, self._settings.max_job_attempts)
        if attempts > most:
            self._finish(job_id, "failed", error=_crashed_error(most, "it stopped the service"))
            return
        with self._running_lock:
            self._running[job_id] = worker
        try:
            if self._store.job_status(job_id) == "canceling":
                self._finish(job_id, "canceled")
                return
            outcome = worker.run(
                _job_body(row),
                prepared=self._handed_off(job_id),
                chunk_shots=max(1, self._settings.chunk_shots),
                chunk_growth=self._settings.chunk_growth,
                chunk_delay=self._settings.chunk_delay,
                on_chunk=lambda layout, shots, data, last: self._chunk(
                    job_id, layout, shots, data, last
                ),
                should_stop=lambda: self._stopping.is_set() or job_id in self._canceled,
            )
        finally:
            with self._running_lock:
                self._running.pop(job_id, None)
                self._canceled.discard(job_id)
        self._settle(job_id, attempts, outcome)

    def _chunk(self, job_id: str, layout: Layout, shots: int, data: bytes, last: bool) -> None:
        if last:  # the job is done (`Outcome.stored`: `_settle` leaves it)
            self._finish(job_id, "completed", chunk=(layout, shots, data))
            return
        self._store.append_chunk(job_id, layout, shots, data)
        self._events.publish(job_id, "partial")

    def _settle(self, job_id: str, attempts: int, outcome: Outcome) -> None:
        """Record how a run ended."""
        kind = outcome.kind
        if kind == "done":
            if not outcome.stored:
                self._finish(job_id, "completed")
        elif kind == "rejected":
            self._finish(job_id, "failed", error={"code": outcome.code, "text": outcome.text})
        elif kind == "error":
            logger.error("job %s failed in its worker: %s", job_id, outcome.text)
            self._finish(job_id, "failed", error={"code": INTERNAL, "text": "Internal error"})
        elif kind in ("memory", "time"):
            self._finish(job_id, "failed", error={"code": LIMIT_EXCEEDED, "text": outcome.text})
        elif self._store.job_status(job_id) == "canceling":
            self._finish(job_id, "canceled")
        elif kind == "stopped" or self._stopping.is_set():
            self._store.requeue_job(job_id, count_attempt=False)
        else:  # crashed
            logger.warning("job %s: %s (attempt %d)", job_id, outcome.text, attempts)
            if attempts >= max(1, self._settings.max_job_attempts):
                self._finish(job_id, "failed", error=_crashed_error(attempts, outcome.text))
            else:
                self._store.requeue_job(job_id, count_attempt=True)
                self._pending.set()
                self._events.publish(job_id, "status")


def _job_body(row: Mapping[str, Any]) -> dict[str, Any]:
    """The job request the worker prepares again: what `Emulator.prepare` reads."""
    body: dict[str, Any] = {
        "machine": row["machine"],
        "count": row["count"],
        "language": row["language"],
        "program": row["program"],
        "options": row["options"] or {},
    }
    if row.get("cfl") is not None:
        body["cfl"] = row["cfl"]
    return body


def _crashed_error(attempts: int, last: str) -> dict[str, Any]:
    return {
        "code": WORKER_CRASHED,
        "text": f"The job stopped its worker {attempts} times and will not run again"
        f" (last: {last})",
    }


def _join_batch(job: dict[str, Any], head: dict[str, Any] | None, batch_id: str) -> None:
    """Make `job` part of the batch whose first job is `head` (see the module docstring);
    `JobRejected` when it may not join it."""
    found = head is not None and int(head["user_id"]) == int(job["user_id"])
    refusal = batch_join_refusal(batch_id, found=found, ended=bool(head and head["ended"]))
    if refusal is not None:
        raise refusal
    assert head is not None
    job["batch"] = batch_id
    job["batch_max_cost"] = head["batch_max_cost"]
    error = batch_cost_error(
        float(head["batch_cost"]), float(job["cost"]), float(head["batch_max_cost"])
    )
    if job["status"] == "queued" and error is not None:
        job.update(status="failed", result_date=job["submit_date"], error=error)


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
