"""Live progress of waited jobs: state, shots done of total, queue position, elapsed time.

`JobProgress.update` is an `on_update` callback for `jobs.wait` / `jobs.wait_many`. On a
terminal it redraws one line per job in place (ANSI cursor-up + erase line, redrawn by a
ticker so the elapsed time moves); anywhere else it prints one plain line whenever a job's
state, shot count or queue position changes, so logs stay readable.

Hand-written on purpose: the display is a few lines of ANSI, and a terminal library (rich
brings pygments and markdown-it-py) would be a core dependency for one redraw loop.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from .._results import Job

__all__ = ["JobProgress", "JobSnapshot", "snapshot"]

#: At most this many jobs get a line of their own on a terminal; the rest are summarised.
MAX_LINES = 20


@dataclass(frozen=True)
class JobSnapshot:
    """What the display shows of one job document."""

    status: str
    shots_done: int
    shots_total: int | None
    queue_position: int | None

    def describe(self) -> str:
        parts = [self.status]
        if self.shots_total is not None:
            parts.append(f"{self.shots_done}/{self.shots_total} shots")
        if self.queue_position is not None and self.status == "queued":
            parts.append(f"queue position {self.queue_position}")
        return ", ".join(parts)


def snapshot(job: Job) -> JobSnapshot:
    """The display's view of `job` (shots done from `last-shot`, or all shots when done)."""
    from .._analysis import shots_done

    doc = job.to_dict()
    total = doc.get("count")
    queue = doc.get("queue-position")
    return JobSnapshot(
        status=job.status,
        shots_done=shots_done(job),
        shots_total=total if isinstance(total, int) and not isinstance(total, bool) else None,
        queue_position=queue if isinstance(queue, int) and not isinstance(queue, bool) else None,
    )


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError):
        return False


class JobProgress:
    """Shows waited jobs on `stream` (live on a terminal unless `live=False`)."""

    def __init__(
        self,
        jobs: Iterable[Job],
        stream: TextIO,
        *,
        live: bool | None = None,
        tick: float = 0.5,
    ) -> None:
        self.stream = stream
        self.live = _isatty(stream) if live is None else live
        self.start = time.monotonic()
        self._lock = threading.Lock()
        self._order: list[str] = []
        self._jobs: dict[str, JobSnapshot] = {}
        self._finished: dict[str, float] = {}
        self._drawn = 0
        self._tick = tick
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        for job in jobs:
            self._order.append(job.id)
            self._jobs[job.id] = snapshot(job)
        if not self.live:
            for job_id in self._order:
                self._line(job_id)

    def __enter__(self) -> JobProgress:
        if self.live:
            with self._lock:
                self._redraw()
            self._ticker = threading.Thread(target=self._run_ticker, daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self.live:
            with self._lock:
                self._redraw()

    def _run_ticker(self) -> None:
        while not self._stop.wait(self._tick):
            with self._lock:
                self._redraw()

    def update(self, job: Job) -> None:
        """Record a new document of a watched job (the `on_update` callback)."""
        with self._lock:
            if job.id not in self._jobs:
                return
            new = snapshot(job)
            if new == self._jobs[job.id]:
                return
            self._jobs[job.id] = new
            if job.done and job.id not in self._finished:
                self._finished[job.id] = time.monotonic()
            if self.live:
                self._redraw()
            else:
                self._line(job.id)

    def _elapsed(self, job_id: str) -> float:
        return self._finished.get(job_id, time.monotonic()) - self.start

    def _text(self, job_id: str) -> str:
        return f"{job_id}  {self._jobs[job_id].describe()}  {self._elapsed(job_id):.1f}s"

    def _line(self, job_id: str) -> None:
        print(self._text(job_id), file=self.stream, flush=True)

    def _width(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns or 80
        except (OSError, ValueError, AttributeError):
            return 80

    def _redraw(self) -> None:
        from .._results import is_final

        shown = self._order[:MAX_LINES]
        lines = [self._text(i) for i in shown]
        done = sum(1 for s in self._jobs.values() if is_final(s.status))
        if len(self._order) > len(shown):
            lines.append(f"... and {len(self._order) - len(shown)} more jobs")
        if len(self._order) > 1:
            lines.append(f"{done}/{len(self._order)} done, {time.monotonic() - self.start:.1f}s")
        width = self._width()
        lines = [line[: width - 1] for line in lines]  # a wrapped line would break the redraw
        up = f"\x1b[{self._drawn}F" if self._drawn else ""
        self.stream.write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
        self.stream.flush()
        self._drawn = len(lines)
