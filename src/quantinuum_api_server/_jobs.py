"""`JobService`: what the API does with jobs — submission, documents, history, cancel —
over the store, a `Scheduler` that runs them (`_scheduler`) and the documents they are
shown as (`_job_documents`).

Decisions (the reference leaves them open):
- Programs are parsed at submission, in a checker process (`_admission`), never in the
  API process: a bad one is 400 code 40, a machine limit (qubits, shots, classical
  registers, program size, results beyond `ServerSettings.max_result_bits`) 400 code 41,
  an unknown machine 400 code 31. The rules are the emulator's (`quantinuum_emulator`),
  shared with the SDK's offline backend.
- `max-cost`: the cost is known at submission, so a job over it is accepted and fails at
  once with `error.code` 42 (the spec: "fail the job instead of running it").
- Noise: emulators (`…E`) run noiseless unless `options.error-model` is true; hardware
  names always run the noise model of their `noise_specs`; syntax checkers (`…SC`) parse,
  price and complete without results. `options.simulator` `stabilizer` selects the
  stabilizer method; `options.seed` (integer, local extension) seeds the simulator.
- Batches: `batch-exec` a number starts a batch (the job's id is the batch's id, the
  number its max cost); `batch-exec` a job id joins that batch (400 code 10 when it is
  not a batch of the user's or a job with `batch-end` closed it). A job taking the
  batch's total cost (of its jobs that did not fail or get canceled) beyond the max is
  accepted and fails at once with code 42, as `max-cost`.
- Cancel: a queued job is canceled at once; a running one becomes `canceling` and its
  worker is killed at once (the results of the chunks done are kept); cancel of a done
  job is 400 code 10 "... job has completed already", as the cloud answers.
- Idempotency-Key: kept per user with a hash of the canonical JSON body; the same key
  with another body is 422 (IETF idempotency-key draft). Check and insert share one
  write transaction, so concurrent requests with one key create one job.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from quantinuum_emulator import (
    DONE_STATUSES,
    Emulator,
    JobRejected,
    MachineCatalog,
    batch_cost_error,
    batch_exec,
    batch_join_refusal,
    max_cost_error,
    utc_now,
)

from ._admission import Checker
from ._errors import INVALID_REQUEST, JOB_NOT_FOUND, ApiError
from ._events import JobEvents, notify
from ._job_documents import DEFAULT_PAGE_SIZE, JobDocuments, render_job
from ._scheduler import WORKER_CRASHED, Scheduler
from ._settings import ServerSettings
from ._store import IdempotencyConflict, Store
from ._store._jobs import JoinBatch

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DONE_STATUSES",
    "WORKER_CRASHED",
    "JobService",
    "render_job",
    "utc_now",
]

logger = logging.getLogger(__name__)

#: Items of a job batch stored per commit (`JobService.submit_many`): one fsync for
#: many, while the first jobs of a large batch need not wait for its last to be checked.
SUBMIT_ROUND = 16


class JobService:
    """Accepts, describes and cancels jobs (see the module docstring); `scheduler` runs
    them and `documents` renders them."""

    def __init__(
        self, store: Store, catalog: MachineCatalog, settings: ServerSettings, events: JobEvents
    ) -> None:
        self._store = store
        self._settings = settings
        self._events = events
        self._emulator = Emulator(catalog, max_program_bytes=settings.max_program_bytes)
        self._checker = Checker(
            catalog,
            max_program_bytes=settings.max_program_bytes,
            processes=settings.checkers,
            time_limit=settings.check_time_limit,
            memory_limit=settings.check_memory_limit,
            max_result_bits=settings.max_result_bits,
        )
        self.documents = JobDocuments(store)
        # Threads checking a batch's items side by side (`_admit_all`), made on first use.
        self._lane_pool: ThreadPoolExecutor | None = None
        self._lanes_lock = threading.Lock()
        self.scheduler = Scheduler(store, catalog, settings, events, self.documents)

    # -- requests ---------------------------------------------------------------------
    def submit(
        self, user_id: int, body: Mapping[str, Any], idempotency_key: str | None
    ) -> tuple[str, str]:
        """Check and store a job request (already schema-valid); its (id, status).

        The program is parsed by a checker process (`_admission`), never here."""
        outcome = self.submit_many(user_id, [(body, idempotency_key)])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def submit_many(
        self, user_id: int, items: Sequence[tuple[Mapping[str, Any], str | None]]
    ) -> list[tuple[str, str] | Exception]:
        """`submit` of each (body, Idempotency-Key) of `items`, in rounds of
        `SUBMIT_ROUND`: the checkers check a round's items side by side, and its accepted
        ones are stored in order in one durable commit (one fsync for the round), so the
        first jobs run while the later ones are checked. Per item its (id, status), or
        what refused it: an `ApiError`, or an unexpected exception (the other items are
        unaffected)."""
        outcomes: list[tuple[str, str] | Exception] = []
        for start in range(0, len(items), SUBMIT_ROUND):
            admitted = self._admit_all(user_id, items[start : start + SUBMIT_ROUND])
            accepted = [entry for entry in admitted if isinstance(entry, _Admitted)]
            stored = iter(self._store.insert_jobs([(a.job, a.key, a.join) for a in accepted]))
            outcomes.extend(
                self._accepted(entry, next(stored)) if isinstance(entry, _Admitted) else entry
                for entry in admitted
            )
        return outcomes

    def _admit_all(
        self, user_id: int, items: Sequence[tuple[Mapping[str, Any], str | None]]
    ) -> list[_Admitted | Exception]:
        """`_admit` of every item, in `checkers` lanes side by side (this thread runs the
        first)."""

        def admit(item: tuple[Mapping[str, Any], str | None]) -> _Admitted | Exception:
            try:
                return self._admit(user_id, *item)
            except Exception as exc:  # (the caller reports it for this item alone)
                return exc

        lanes = min(max(1, self._settings.checkers), len(items))
        if lanes <= 1:
            return [admit(item) for item in items]
        found: list[_Admitted | Exception | None] = [None] * len(items)

        def lane(first: int) -> None:
            for index in range(first, len(items), lanes):
                found[index] = admit(items[index])

        others: list[Future[None]] = []
        for first in range(1, lanes):
            try:
                others.append(self._lanes().submit(lane, first))
            except RuntimeError:  # the service is stopping (its pool shut down): inline
                lane(first)
        lane(0)
        for other in others:
            other.result()
        admitted = [entry for entry in found if entry is not None]
        assert len(admitted) == len(items)  # every lane filled each of its indexes
        return admitted

    def _lanes(self) -> ThreadPoolExecutor:
        with self._lanes_lock:
            if self._lane_pool is None:
                self._lane_pool = ThreadPoolExecutor(
                    max(1, self._settings.checkers - 1), thread_name_prefix="qapi-admit"
                )
            return self._lane_pool

    def _admit(
        self, user_id: int, body: Mapping[str, Any], idempotency_key: str | None
    ) -> _Admitted:
        """Check a job request and build its row (nothing stored yet); `ApiError` if
        refused."""
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
        join: JoinBatch | None = None
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
        return _Admitted(job, key, join, admission.prepared)

    def _accepted(
        self, admitted: _Admitted, stored: str | Exception
    ) -> tuple[str, str] | Exception:
        """The outcome of an admitted job once `insert_jobs` stored it (its id) or
        refused it."""
        if isinstance(stored, IdempotencyConflict):
            return ApiError(422, INVALID_REQUEST, str(stored))
        if isinstance(stored, JobRejected):  # it may not join the batch it names
            return ApiError.rejected(stored)
        if isinstance(stored, Exception):
            return stored
        job = admitted.job
        if stored == job["id"]:
            if job["status"] == "queued":
                self.scheduler.queued(
                    stored, ready_at=job.get("ready_at"), prepared=admitted.prepared
                )
            return stored, str(job["status"])
        self.scheduler.wake()
        return stored, self._store.job_status(stored) or "queued"  # an Idempotency-Key replay

    def owned_job(self, user_id: int, job_id: str) -> dict[str, Any]:
        """A job row of `user_id`'s; 404 code 30 for any other id."""
        row = self._store.job(job_id)
        if row is None or int(row["user_id"]) != user_id:
            raise ApiError(404, JOB_NOT_FOUND, "Job not found")
        return row

    @staticmethod
    def result_bits(row: Mapping[str, Any]) -> int:
        """How many result bits (shots x classical bits) a stored job row holds."""
        return JobDocuments.result_bits(row)

    def document(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The job document of a stored job row (with its results)."""
        return self.documents.document(row)

    def list_jobs(
        self, user_id: int, filters: Mapping[str, Any], cursor: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of `user_id`'s job history (`JobDocuments.list_page`)."""
        return self.documents.list_page(user_id, filters, cursor, limit)

    def cancel(self, user_id: int, job_id: str) -> dict[str, Any]:
        """Cancel: queued → canceled at once, running → canceling (its worker is killed
        at once, then canceled); a done job is refused (400 code 10)."""
        row = self.owned_job(user_id, job_id)
        if row["status"] == "queued":
            notify(job_id, "finishing", "canceled")
        changed = self._store.update_job(
            job_id, only_if=("queued",), status="canceled", result_date=utc_now()
        ) or self._store.update_job(job_id, only_if=("running",), status="canceling")
        if changed:
            self.scheduler.announce(job_id)
            self.scheduler.kill(job_id)
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

    # -- running ----------------------------------------------------------------------
    def worker_pid(self, job_id: str) -> int | None:
        """The process id of the worker running `job_id` (None when it is not running)."""
        return self.scheduler.worker_pid(job_id)

    def start(self) -> bool:
        """Start the checkers and the scheduler (`Scheduler.start`); False (and nothing
        done) when it is running already."""
        if not self.scheduler.start():
            return False
        self._checker.reopen()
        threading.Thread(target=self._warm_checker, name="qapi-checker", daemon=True).start()
        return True

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the checkers and the scheduler (its jobs rerun on the next start)."""
        with self._lanes_lock:
            pool, self._lane_pool = self._lane_pool, None
        if pool is not None:
            pool.shutdown(wait=False)
        self._checker.close()
        self.scheduler.stop(timeout)

    def _warm_checker(self) -> None:
        try:
            self._checker.warm()
        except Exception:  # the first submission starts one instead
            logger.debug("cannot start a program checker yet", exc_info=True)


@dataclass(frozen=True)
class _Admitted:
    """A checked job request, not stored yet: its row, (Idempotency-Key, request hash),
    the batch it joins, and its program prepared for its worker."""

    job: dict[str, Any]
    key: tuple[str, str] | None
    join: JoinBatch | None
    prepared: bytes | None


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
