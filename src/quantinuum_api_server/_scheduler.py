"""`Scheduler`: runs stored jobs in worker processes, one supervisor thread per worker.

Decisions (the reference leaves them open):
- Queue: a job stays `queued` for `ServerSettings.queue_delay` seconds after its
  submission (default 2 s for `qapi serve`, as a cloud queue would hold it; 0 in
  `fast_settings`, the tests' and `LocalServer`'s default), so a job can be canceled
  before it starts and the queue is visible. Then workers take the queued job of the
  highest `priority` (high, normal, low), oldest first; a batch's jobs run in
  submission order.
- Hardware machines run jobs whatever their calendar state (there is no real device to
  wait for). `cfl` goes to the emulator with the program; `no-opt`, `noreduce` and
  `tket` are accepted and ignored.
- Results grow chunk by chunk (`chunk_shots`, each next chunk `chunk_growth` times
  larger), with `last-shot` the index of the last shot done, stored packed
  (`quantinuum_emulator.pack_chunk`), one row per chunk; the last chunk, the final
  status and the claim of the worker's next queued job are one commit.
- Jobs run in worker processes (`_workers.Worker`), one per `workers`. Cancel of a running
  job kills its worker at once (the results of the chunks done are kept).
- Limits: a job over `job_memory_limit` or `job_time_limit` fails with code 41. A job
  whose worker dies by itself is queued again; after `max_job_attempts` runs (counted in
  the database, so also across restarts of a service it takes down) it fails with code
  43 instead of crash-looping.
- On start, jobs left `running` by a stopped service are queued again and rerun from the
  first shot; `canceling` ones become `canceled`. A graceful stop (`stop()`: SIGTERM,
  SIGINT) kills the workers and queues their jobs again without counting the attempt.
- Jobs checked at submission are handed to their worker as their checker prepared them
  (pickled: `_admission.HANDOFF_BYTES`), so the worker does not parse the program again.

Every status change is published to the websockets (`JobEvents`) and to the service's
event hook (`_events.on_job_event`).
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from quantinuum_emulator import Layout, MachineCatalog, utc_now

from ._errors import INTERNAL, LIMIT_EXCEEDED
from ._events import JobEvents, notify
from ._job_documents import JobDocuments
from ._settings import ServerSettings
from ._store import Chunk, Shown, Store
from ._workers import Outcome, Worker, prestart

__all__ = ["HANDOFF_BUDGET", "WORKER_CRASHED", "Scheduler"]

logger = logging.getLogger(__name__)

#: `error.code` of a job whose worker process died `max_job_attempts` times.
WORKER_CRASHED = 43
#: At most this many bytes of prepared jobs are kept for their workers, the oldest
#: dropped first; a dropped job, and a job run again, is prepared anew. (A batch of 100
#: Bell jobs holds 0.3 MB; 64 programs at the hand-off limit, 16 MB.)
HANDOFF_BUDGET = 16 * 2**20
#: Seconds a supervisor waits after a failure of its own (see `_work`) before going on.
RETRY_SECONDS = 0.5


class Scheduler:
    """Runs queued jobs in worker processes (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        catalog: MachineCatalog,
        settings: ServerSettings,
        events: JobEvents,
        documents: JobDocuments,
    ) -> None:
        self._store = store
        self._settings = settings
        self._events = events
        self._documents = documents
        self._pending = Wakeup()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
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
        self._handoff_bytes = 0
        self._handoff_lock = threading.Lock()
        # When queued jobs become ready (Unix time; `queue_delay`), soonest first: idle
        # workers sleep until the first of them.
        self._ready_times: list[float] = []
        self._ready_lock = threading.Lock()

    def queued(self, job_id: str, *, ready_at: float | None, prepared: bytes | None) -> None:
        """A job was stored `queued`: it may start at `ready_at` (None: at once), and its
        checker `prepared` it for its worker (pickled), if not None."""
        if prepared is not None:
            self._keep_prepared(job_id, prepared)
        if ready_at is not None:
            with self._ready_lock:
                heapq.heappush(self._ready_times, ready_at)
        self._pending.set()

    def wake(self) -> None:
        """Have an idle worker look at the queue again."""
        self._pending.set()

    def _keep_prepared(self, job_id: str, prepared: bytes) -> None:
        with self._handoff_lock:
            self._handoff[job_id] = prepared
            self._handoff_bytes += len(prepared)
            while self._handoff_bytes > HANDOFF_BUDGET:
                _, dropped = self._handoff.popitem(last=False)
                self._handoff_bytes -= len(dropped)

    def _handed_off(self, job_id: str) -> bytes | None:
        """The job as its checker prepared it, pickled for its worker (None: the worker
        prepares it from the stored request)."""
        with self._handoff_lock:
            prepared = self._handoff.pop(job_id, None)
            if prepared is not None:
                self._handoff_bytes -= len(prepared)
            return prepared

    def kill(self, job_id: str) -> None:
        """Kill the worker running `job_id` at once, if any (its cancel was stored)."""
        with self._running_lock:
            worker = self._running.get(job_id)
            if worker is not None:
                self._canceled.add(job_id)
        if worker is not None:
            worker.kill("stopped")  # at once; `should_stop` catches a worker being forked

    def worker_pid(self, job_id: str) -> int | None:
        """The process id of the worker running `job_id` (None when it is not running)."""
        with self._running_lock:
            worker = self._running.get(job_id)
        return None if worker is None else worker.pid

    def start(self) -> bool:
        """Recover jobs of a previous run and start the supervisor threads (their worker
        processes start with the first job); False (and nothing done) when they are
        running already."""
        if self._threads:
            return False
        self._stopping.clear()
        prestart()
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
        for worker in self._workers:
            worker.close()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    def announce(self, job_id: str, shown: Shown | None = None) -> None:
        """Publish a status change; a job that has ended goes with its final document,
        rendered here once if a websocket waits for it (it then needs no database read,
        no thread hop and no encoding of its own); `shown`: the job as its finish read it
        back (`Store.finish_job`)."""
        watched = self._events.watched(job_id)
        final = self._documents.final_json(job_id, shown) if watched else None
        self._events.publish(job_id, "status", final)

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

    def _work(self, worker: Worker) -> None:
        following = _Following()  # what the last job's completion claimed (`_finish`)
        while not self._stopping.is_set():
            try:
                self._next(worker, following)
            except Exception:  # nothing may end the supervisor: its worker would idle
                if self._stopping.is_set():  # the database may be closed: recovered later
                    break
                # E.g. the database failing: a job it could not mark failed stays
                # running until the next start recovers it.
                logger.exception("a job worker's supervisor failed; it carries on")
                self._stopping.wait(RETRY_SECONDS)  # (no busy loop on a lasting failure)
        claimed, _ = following.take()
        if claimed is not None:  # claimed, never started: back to the queue as it was
            with contextlib.suppress(Exception):  # (if the store is closed: `recover_jobs`)
                self._store.requeue_job(str(claimed["id"]), count_attempt=False)

    def _next(self, worker: Worker, following: _Following) -> None:
        """Claim the next job (or wait for one to be queued) and run it."""
        if following.tried:  # no second look at the queue
            row, seen = following.take()
        else:
            seen = self._pending.mark()
            row = self._store.claim_next_job(utc_now())
        if row is None:  # until a job is queued after `seen`
            self._pending.wait(seen, self._idle_wait())
            return
        self._events.publish(row["id"], "status", status="running")
        notify(row["id"], "started", "running")
        try:
            self._run(worker, row, following)
        except Exception as exc:  # a job must never kill its supervisor
            if self._stopping.is_set():  # the database may be closed: recovered later
                raise
            logger.exception("job %s failed", row["id"])
            self._finish(row["id"], "failed", error={"code": INTERNAL, "text": str(exc)})

    def _finish(
        self,
        job_id: str,
        status: str,
        *,
        chunk: Chunk | None = None,
        following: _Following | None = None,
        **fields: Any,
    ) -> None:
        """End a running job (with its last results `chunk`, if any, in the same commit);
        with `following`, claim the worker's next job in that commit too, into it."""
        notify(job_id, "finishing", status)
        claim = following is not None and not self._stopping.is_set()
        seen = self._pending.mark()  # (before the claim looks at the queue)
        now = utc_now()
        # Not fsynced: after a machine crash an unfinished-looking job just runs again.
        finished, claimed, shown = self._store.finish_job(
            job_id,
            only_if=("running", "canceling"),
            status=status,
            result_date=now,
            chunk=chunk,
            claim_start=now if claim else None,
            read_back=self._events.watched(job_id),
            **fields,
        )
        if claim and finished and following is not None:
            following.claimed(claimed, seen)
        self.announce(job_id, shown)

    def _run(self, worker: Worker, row: Mapping[str, Any], following: _Following) -> None:
        """Run a claimed job to its end; its completion may claim the worker's next job
        into `following` (`_finish`)."""
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
                    job_id, layout, shots, data, last, following
                ),
                should_stop=lambda: self._stopping.is_set() or job_id in self._canceled,
            )
        finally:
            with self._running_lock:
                self._running.pop(job_id, None)
                self._canceled.discard(job_id)
        self._settle(job_id, attempts, outcome)

    def _chunk(
        self,
        job_id: str,
        layout: Layout,
        shots: int,
        data: bytes,
        last: bool,
        following: _Following,
    ) -> None:
        if last:  # the job is done (`Outcome.stored`: `_settle` leaves it)
            self._finish(job_id, "completed", chunk=(layout, shots, data), following=following)
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
            notify(job_id, "requeued", "queued")
        else:  # crashed
            logger.warning("job %s: %s (attempt %d)", job_id, outcome.text, attempts)
            if attempts >= max(1, self._settings.max_job_attempts):
                self._finish(job_id, "failed", error=_crashed_error(attempts, outcome.text))
            else:
                self._store.requeue_job(job_id, count_attempt=True)
                notify(job_id, "requeued", "queued")
                self._pending.set()
                self._events.publish(job_id, "status")


class Wakeup:
    """Wakes idle workers when jobs are queued: each waiter waits for a `set` after the
    `mark` it took before it last looked at the queue. (A shared `threading.Event` that
    each worker cleared before looking could lose a wake-up meant for the other: one
    worker's clear erased the `set` the other had not waited for yet.)"""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._count = 0

    def mark(self) -> int:
        """Take before looking at the queue; pass to `wait`."""
        return self._count  # an int read: atomic

    def set(self) -> None:
        with self._cond:
            self._count += 1
            self._cond.notify_all()

    def wait(self, seen: int, timeout: float) -> bool:
        """Wait until a `set` after `mark` gave `seen` (at once if one came), at most
        `timeout` seconds; whether one came."""
        with self._cond:
            return self._cond.wait_for(lambda: self._count != seen, timeout)


class _Following:
    """A supervisor's next job as its last completion claimed it (`Scheduler._finish`):
    `tried` once a completion looked at the queue; `row` the job it claimed, None when
    the queue was empty; `seen` the `Wakeup.mark` taken before it looked."""

    __slots__ = ("row", "seen", "tried")

    def __init__(self) -> None:
        self.row: dict[str, Any] | None = None
        self.seen = 0
        self.tried = False

    def claimed(self, row: dict[str, Any] | None, seen: int) -> None:
        self.row, self.seen, self.tried = row, seen, True

    def take(self) -> tuple[dict[str, Any] | None, int]:
        row, seen = self.row, self.seen
        self.row, self.tried = None, False
        return row, seen


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
