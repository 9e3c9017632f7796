"""`Store` under concurrent threads on a real database file: reads beside an open write
transaction, durable writes of many callers in one commit, idempotency races, close."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from quantinuum_api_server._store import IdempotencyConflict, Store, StoreClosedError

from ..conftest import job_row

# Far above any normal wait: reaching it means a thread is stuck (the old store blocked
# every read behind an open write transaction).
STUCK = 20.0


def _in_thread(target: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Run `target` in a thread; the list gets its result or exception."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(target())
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


class _HeldWriter:
    """Holds the store's write transaction open in a thread until released."""

    def __init__(self, store: Store, work: Callable[[Any], None] = lambda db: None) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

        def hold() -> None:
            with store.transaction() as db:
                work(db)
                self.entered.set()
                self.release.wait(STUCK)

        self.thread, self.outcome = _in_thread(hold)
        assert self.entered.wait(STUCK)

    def finish(self) -> None:
        self.release.set()
        self.thread.join(STUCK)
        assert self.outcome == [None]


def _wait_queued(store: Store, count: int) -> None:
    """Until `count` writes wait for the next group commit."""
    deadline = time.monotonic() + STUCK
    while len(store._queue) < count:
        assert time.monotonic() < deadline, f"{len(store._queue)} of {count} writes queued"
        time.sleep(0.001)


def test_reads_do_not_wait_for_an_open_write_transaction(store: Store) -> None:
    user = store.add_user("a@b.c", None, None)
    store.start_session("s1", user, "h1", now=0, idle=100, life=1000)
    job_id = store.insert_job(job_row(user), None)
    held = _HeldWriter(store, lambda db: db.execute("UPDATE jobs SET status = 'running'"))
    try:
        # Each read in a thread of its own: on a store with one locked connection, each
        # waits for the writer (released only after the check).
        reads: list[Callable[[], Any]] = [
            lambda: store.job_status(job_id),
            lambda: (store.job(job_id) or {}).get("status"),
            lambda: (store.session_user("s1", now=1) or {}).get("id"),
            lambda: store.queue_position(1, "normal"),
            lambda: store.job_chunks(job_id),
            lambda: len(store.list_jobs(user, 10)),
        ]
        started = [_in_thread(read) for read in reads]
        for thread, _ in started:
            thread.join(STUCK)
        # The writer's change is not committed: readers see the state before it.
        assert [outcome for _, outcome in started] == [
            ["queued"],
            ["queued"],
            [user],
            [0],
            [[]],
            [1],
        ]
    finally:
        held.finish()
    # Committed now: a thread that read before sees it on its next read.
    thread, outcome = _in_thread(lambda: (store.job_status(job_id), store.job_status(job_id)))
    thread.join(STUCK)
    assert outcome == [("running", "running")]


def test_a_thread_reads_its_own_committed_writes(store: Store) -> None:
    user = store.add_user("a@b.c", None, None)

    def write_then_read() -> list[str | None]:
        seen = []
        job_id = store.insert_job(job_row(user), None)
        seen.append(store.job_status(job_id))
        for status in ("running", "completed", "failed"):
            store.update_job(job_id, status=status, durable=status == "failed")
            seen.append(store.job_status(job_id))
        return seen

    started = [_in_thread(write_then_read) for _ in range(4)]
    for thread, _ in started:
        thread.join(STUCK)
    for _, outcome in started:
        assert outcome == [["queued", "running", "completed", "failed"]]


def test_concurrent_inserts_share_one_commit(store: Store) -> None:
    user = store.add_user("a@b.c", None, None)
    held = _HeldWriter(store)
    jobs = [job_row(user) for _ in range(16)]
    started = [_in_thread(partial(store.insert_job, job, None)) for job in jobs]
    _wait_queued(store, len(jobs))
    before = store.commits
    held.finish()
    for thread, _ in started:
        thread.join(STUCK)
    assert [outcome for _, outcome in started] == [[job["id"]] for job in jobs]
    # The held transaction's commit, then one for all sixteen inserts.
    assert store.commits == before + 2
    assert len(store.list_jobs(user, 100)) == 16


def test_one_callers_failure_rolls_back_only_its_part(store: Store) -> None:
    user = store.add_user("a@b.c", None, None)
    first = store.insert_job(job_row(user), ("k1", "body-1"))

    def refuse(head: dict[str, Any] | None) -> None:
        raise ValueError("the batch is closed")

    held = _HeldWriter(store)
    good = [job_row(user) for _ in range(3)]
    refused = job_row(user)
    conflicting = job_row(user)
    calls: list[Callable[[], Any]] = [
        lambda: store.insert_job(good[0], None),
        lambda: store.insert_job(refused, ("k2", "body-2"), ("no-batch", refuse)),
        lambda: store.insert_job(good[1], ("k3", "body-3")),
        lambda: store.insert_job(conflicting, ("k1", "another-body")),
        lambda: store.insert_job(good[2], None),
    ]
    started = []
    for call in calls:  # one at a time into the queue, so the group's order is known
        started.append(_in_thread(call))
        _wait_queued(store, len(started))
    before = store.commits
    held.finish()
    for thread, _ in started:
        thread.join(STUCK)
    outcomes = [outcome[0] for _, outcome in started]
    assert store.commits == before + 2
    assert outcomes[0] == good[0]["id"]
    assert isinstance(outcomes[1], ValueError)
    assert str(outcomes[1]) == "the batch is closed"
    assert outcomes[2] == good[1]["id"]
    assert isinstance(outcomes[3], IdempotencyConflict)
    assert outcomes[4] == good[2]["id"]
    listed = {row["id"] for row in store.list_jobs(user, 100)}
    assert listed == {first, *(job["id"] for job in good)}
    # The refused insert's idempotency record went with it: the key is free again.
    assert store.insert_job(refused, ("k2", "other-body")) == refused["id"]


@pytest.mark.parametrize("grouped", [True, False], ids=["one-group", "free-running"])
def test_one_key_one_body_makes_one_job(store: Store, grouped: bool) -> None:
    user = store.add_user("a@b.c", None, None)
    jobs = [job_row(user) for _ in range(12)]
    held = _HeldWriter(store) if grouped else None
    go = threading.Barrier(len(jobs))

    def insert(job: dict[str, Any]) -> str:
        go.wait(STUCK)
        return store.insert_job(job, ("same-key", "same-body"))

    started = [_in_thread(partial(insert, job)) for job in jobs]
    if held is not None:
        _wait_queued(store, len(jobs))
        held.finish()
    for thread, _ in started:
        thread.join(STUCK)
    ids = {outcome[0] for _, outcome in started}
    assert len(ids) == 1
    assert ids <= {job["id"] for job in jobs}
    assert [row["id"] for row in store.list_jobs(user, 100)] == list(ids)


@pytest.mark.parametrize("grouped", [True, False], ids=["one-group", "free-running"])
def test_one_key_two_bodies_conflict(store: Store, grouped: bool) -> None:
    user = store.add_user("a@b.c", None, None)
    jobs = [job_row(user) for _ in range(12)]
    held = _HeldWriter(store) if grouped else None
    go = threading.Barrier(len(jobs))

    def insert(index: int) -> str:
        go.wait(STUCK)
        return store.insert_job(jobs[index], ("same-key", f"body-{index % 2}"))

    started = [_in_thread(partial(insert, index)) for index in range(len(jobs))]
    if held is not None:
        _wait_queued(store, len(jobs))
        held.finish()
    for thread, _ in started:
        thread.join(STUCK)
    outcomes = [outcome[0] for _, outcome in started]
    created = [row["id"] for row in store.list_jobs(user, 100)]
    assert len(created) == 1
    winner = next(i for i, job in enumerate(jobs) if job["id"] == created[0])
    for index, outcome in enumerate(outcomes):
        if index % 2 == winner % 2:
            assert outcome == created[0]
        else:
            assert isinstance(outcome, IdempotencyConflict)


def _open_files(path: Path) -> list[str]:
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(path)):
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_close_closes_every_connection_and_later_calls_fail(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = Store(path)
    user = store.add_user("a@b.c", None, None)
    job_id = store.insert_job(job_row(user), None)
    assert store.job_status(job_id) == "queued"
    done = threading.Event()
    reading = threading.Barrier(4)

    def read_and_wait() -> list[Any]:
        seen: list[Any] = [store.job_status(job_id)]
        reading.wait(STUCK)
        done.wait(STUCK)
        try:
            store.job_status(job_id)
        except StoreClosedError as exc:
            seen.append(exc)
        return seen

    started = [_in_thread(read_and_wait) for _ in range(3)]
    reading.wait(STUCK)  # three readers, each with its connection, all alive
    assert _open_files(path)
    store.close()
    assert _open_files(path) == []
    done.set()
    for thread, outcome in started:
        thread.join(STUCK)
        assert outcome[0][0] == "queued"
        assert isinstance(outcome[0][1], StoreClosedError)
    calls: list[Callable[[], Any]] = [
        lambda: store.job_status(job_id),
        lambda: store.job(job_id),
        lambda: store.insert_job(job_row(user), None),
        lambda: store.update_job(job_id, status="running"),
        lambda: store.claim_next_job("now"),
    ]
    for call in calls:
        with pytest.raises(StoreClosedError, match="the job store is closed"):
            call()
    thread, outcome = _in_thread(lambda: store.job_status(job_id))  # a new thread too
    thread.join(STUCK)
    assert isinstance(outcome[0], StoreClosedError)
    assert _open_files(path) == []


def test_connections_of_ended_threads_do_not_pile_up(store: Store) -> None:
    user = store.add_user("a@b.c", None, None)
    job_id = store.insert_job(job_row(user), None)
    for _ in range(3):
        started = [_in_thread(lambda: store.job_status(job_id)) for _ in range(5)]
        for thread, outcome in started:
            thread.join(STUCK)
            assert outcome == ["queued"]
    assert store.job_status(job_id) == "queued"  # opens this thread's: closes the others
    assert len(store._readers) == 1
