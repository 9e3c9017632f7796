"""The service's event hook (`on_job_event`): observers hear of a job's start, and of its
final status before that is stored (what the benchmarks' stamps rely on)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from quantinuum_api_server._events import JobChange, on_job_event
from quantinuum_api_server.testing import LocalServer, fast_settings

from .conftest import Api, new_user


def _stored_status(db_path: Path, job_id: str) -> str | None:
    """The job's status as committed to the database (a connection of its own)."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        row = db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return None if row is None else str(row[0])


#: (job id, kind, status, the status stored when the observer heard of the change)
Heard = tuple[str, str, str | None, str | None]


def _observe(server: LocalServer) -> tuple[list[Heard], Callable[[], None]]:
    changes: list[Heard] = []

    def observe(change: JobChange) -> None:
        stored = _stored_status(server.db_path, change.job_id)
        changes.append((change.job_id, change.kind, change.status, stored))

    return changes, on_job_event(observe)


def test_observers_hear_of_a_start_and_of_a_finish_before_it_is_stored(api: Api) -> None:
    changes, remove = _observe(api.server)
    try:
        job_id = api.submit(count=10).json()["job"]
        assert api.wait(job_id)["status"] == "completed"
    finally:
        remove()
    mine = [change[1:] for change in changes if change[0] == job_id]
    assert mine == [("started", "running", "running"), ("finishing", "completed", "running")]
    other = api.submit(count=10).json()["job"]
    api.wait(other)
    assert all(change[0] != other for change in changes)  # removed: heard no more


def test_a_canceled_queued_job_is_heard_of_before_it_is_stored() -> None:
    with LocalServer(settings=fast_settings(queue_delay=60.0)) as server:
        email, _ = new_user(server)
        api = Api(server, email)
        job_id = api.submit(count=10).json()["job"]
        changes, remove = _observe(server)
        try:
            reply = api.http.post(f"v1/job/{job_id}/cancel", headers=api.headers)
            assert reply.status_code == 200, reply.text
        finally:
            remove()
    assert [change[1:] for change in changes] == [("finishing", "canceled", "queued")]
