"""`JobEvents`: in-process publish/subscribe of job changes, from worker threads to the
websocket handlers' event loops (`loop.call_soon_threadsafe` into asyncio queues).

An event is the kind of change: `"status"` (status or dates changed), `"partial"` (new
partial results) or `"closed"` (the service is stopping), and, for a job that reached a
final status, its final document as JSON text (`final`), rendered once by the thread that
finished the job, so a waiting websocket sends it without reading the database again. A
final document is the job's last word: no later change can make it stale.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable
from typing import NamedTuple

__all__ = ["JobChange", "JobEvent", "JobEvents", "ManyQueue", "notify", "on_job_event"]

logger = logging.getLogger(__name__)


class JobChange(NamedTuple):
    """What happened to a job (see the module docstring), and its new status if any."""

    job_id: str
    kind: str
    status: str | None = None


_listeners: list[Callable[[JobChange], None]] = []
_listeners_lock = threading.Lock()


def on_job_event(callback: Callable[[JobChange], None]) -> Callable[[], None]:
    """Call `callback` with every `JobChange` of this process's services; returns a
    function that removes it again."""
    with _listeners_lock:
        _listeners.append(callback)

    def remove() -> None:
        with _listeners_lock:
            if callback in _listeners:
                _listeners.remove(callback)

    return remove


def notify(job_id: str, kind: str, status: str | None = None) -> None:
    """Tell the `on_job_event` observers (none, usually: then this costs a list check)."""
    if not _listeners:
        return
    change = JobChange(job_id, kind, status)
    with _listeners_lock:
        listeners = list(_listeners)
    for callback in listeners:
        try:
            callback(change)
        except Exception:  # an observer must not break the service
            logger.exception("a job event observer failed")


class JobEvent(NamedTuple):
    """One change of a job: its kind, its final document (JSON) if it has ended, and its
    new status where the publisher knows it (None: read the job)."""

    kind: str
    final: str | None = None
    status: str | None = None


#: What a watcher of many jobs receives: the job's id and its event.
ManyQueue = asyncio.Queue[tuple[str, JobEvent]]


class JobEvents:
    """Subscribers per job id; `publish` may be called from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[
            str, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[JobEvent]]]
        ] = {}
        # Watchers of many jobs at once: their queue gets (job id, event).
        self._many: dict[str, set[tuple[asyncio.AbstractEventLoop, ManyQueue]]] = {}

    def subscribe(self, job_id: str) -> asyncio.Queue[JobEvent]:
        """A queue receiving `job_id`'s changes (call from inside the event loop)."""
        queue: asyncio.Queue[JobEvent] = asyncio.Queue()
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            self._subscribers.setdefault(job_id, set()).add(entry)
        notify(job_id, "watched")
        return queue

    def unsubscribe(self, job_id: str, queue: asyncio.Queue[JobEvent]) -> None:
        with self._lock:
            entries = self._subscribers.get(job_id, set())
            for entry in [e for e in entries if e[1] is queue]:
                entries.discard(entry)
            if not entries:
                self._subscribers.pop(job_id, None)

    def subscribe_many(self, job_ids: Iterable[str]) -> ManyQueue:
        """One queue receiving (job id, event) for every job of `job_ids` (call from
        inside the event loop); `unsubscribe_many` with the same ids ends it."""
        queue: ManyQueue = asyncio.Queue()
        entry = (asyncio.get_running_loop(), queue)
        with self._lock:
            for job_id in job_ids:
                self._many.setdefault(job_id, set()).add(entry)
        return queue

    def unsubscribe_many(self, job_ids: Iterable[str], queue: ManyQueue) -> None:
        with self._lock:
            for job_id in job_ids:
                entries = self._many.get(job_id, set())
                for entry in [e for e in entries if e[1] is queue]:
                    entries.discard(entry)
                if not entries:
                    self._many.pop(job_id, None)

    def watched(self, job_id: str) -> bool:
        """Whether anyone subscribes to `job_id` now (worth rendering its document)."""
        # dict lookups: atomic under the GIL
        return job_id in self._subscribers or job_id in self._many

    def publish(
        self, job_id: str, kind: str, final: str | None = None, status: str | None = None
    ) -> None:
        with self._lock:
            entries = list(self._subscribers.get(job_id, ()))
            many = list(self._many.get(job_id, ()))
        event = JobEvent(kind, final, status)
        for loop, queue in entries:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, event)
            except RuntimeError:  # that loop is closed: its subscriber is gone
                self.unsubscribe(job_id, queue)
        for loop, many_queue in many:
            try:
                loop.call_soon_threadsafe(many_queue.put_nowait, (job_id, event))
            except RuntimeError:
                self.unsubscribe_many([job_id], many_queue)

    def close_all(self) -> None:
        """Tell every subscriber the service is stopping."""
        with self._lock:
            job_ids = list({*self._subscribers, *self._many})
        for job_id in job_ids:
            self.publish(job_id, "closed")
