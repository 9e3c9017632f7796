"""The progress display's two modes, driven with job documents."""

from __future__ import annotations

import io
from typing import Any

from quantinuum_api import Job
from quantinuum_api.cli._progress import JobProgress


def job(status: str, **fields: Any) -> Job:
    return Job.from_dict({"job": "a" * 32, "status": status, "count": 100, **fields})


def test_plain_lines_only_when_something_changes() -> None:
    out = io.StringIO()
    with JobProgress([job("queued", **{"queue-position": 2})], out, live=False) as progress:
        progress.update(job("queued", **{"queue-position": 2}))  # same: no line
        progress.update(job("queued", **{"queue-position": 1}))
        progress.update(job("running", **{"last-shot": 49}))
        progress.update(job("completed", **{"last-shot": 99}))
    lines = [line.rsplit("  ", 1)[0] for line in out.getvalue().splitlines()]
    assert lines == [
        f"{'a' * 32}  queued, 0/100 shots, queue position 2",
        f"{'a' * 32}  queued, 0/100 shots, queue position 1",
        f"{'a' * 32}  running, 50/100 shots",
        f"{'a' * 32}  completed, 100/100 shots",
    ]
    assert "\x1b" not in out.getvalue()


def test_live_mode_redraws_in_place() -> None:
    out = io.StringIO()
    jobs = [job("queued"), Job.from_dict({"job": "b" * 32, "status": "queued", "count": 5})]
    with JobProgress(jobs, out, live=True, tick=60) as progress:
        progress.update(job("running", **{"last-shot": 9}))
    screen = out.getvalue()
    assert screen.count("\x1b[3F") >= 2, "two jobs and a summary line, redrawn"
    assert "running, 10/100 shots" in screen
    assert "0/2 done" in screen
    assert all(len(line) < 80 for line in screen.split("\n"))
