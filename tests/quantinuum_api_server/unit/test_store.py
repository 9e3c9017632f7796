"""`Store` on a real database file: the queue index, which commits are fsynced, and the
merged finish of a job."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from quantinuum_api_server._store import Store
from quantinuum_api_server._store._jobs import _NEXT_JOB_SQL, _POSITION_SQL

from ..conftest import job_row


def _queue(store: Store, user: int, count: int) -> None:
    """`count` queued jobs of rotating priorities, in one transaction."""
    with store.transaction() as db:
        db.executemany(
            "INSERT INTO jobs (id, user_id, machine, count, language, program, priority,"
            " options, status, submit_date) VALUES (?, ?, 'H1-1E', 1, 'q', 'p', ?, '{}',"
            " 'queued', 'd')",
            [(uuid.uuid4().hex, user, ("low", "normal", "high")[i % 3]) for i in range(count)],
        )


def _plan(store: Store, sql: str, args: tuple[Any, ...] = ()) -> list[str]:
    with store.transaction() as db:
        return [str(row[3]) for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", args)]


def test_claim_and_queue_position_use_the_queue_index(store: Store) -> None:
    user = store.add_user("a@b.c", None, None)
    _queue(store, user, 300)
    with store.transaction() as db:
        db.execute("ANALYZE")  # the plan with statistics, as well as without
    for sql, args in ((_NEXT_JOB_SQL, (0.0,)), (_POSITION_SQL, (1, 1, 100))):
        plan = _plan(store, sql, args)
        assert any("USING INDEX jobs_queue" in step for step in plan), plan
        assert not any(step.startswith("SCAN") or "TEMP B-TREE" in step for step in plan), plan


def test_an_older_database_gets_the_queue_index(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("DROP INDEX jobs_queue")
    store = Store(path)
    try:
        assert any("jobs_queue" in step for step in _plan(store, _NEXT_JOB_SQL, (0.0,)))
    finally:
        store.close()


def test_jobs_are_claimed_by_priority_then_age(store: Store) -> None:
    user = store.add_user("a@b.c", None, None)
    order = ["low", "normal", "high", "normal", "high", "low"]
    ids = [store.insert_job(job_row(user, priority=p), None) for p in order]
    rows = {row["id"]: row for row in (store.job(job_id) for job_id in ids) if row}
    positions = [store.queue_position(rows[i]["seq"], rows[i]["priority"]) for i in ids]
    assert positions == [4, 2, 0, 3, 1, 5]
    claimed = [(store.claim_next_job("now") or {}).get("id") for _ in ids]
    assert claimed == [ids[2], ids[4], ids[1], ids[3], ids[0], ids[5]]
    assert store.claim_next_job("now") is None


def _commit_levels(store: Store) -> list[str]:
    """Record, for each COMMIT on the writer connection, the `synchronous` level it ran
    under (from the PRAGMAs executed before it)."""
    levels: list[str] = []
    current = ["FULL"]

    def trace(sql: str) -> None:
        if sql.startswith("PRAGMA synchronous="):
            current[0] = sql.split("=", 1)[1]
        elif sql == "COMMIT":
            levels.append(current[0])

    store._db.set_trace_callback(trace)
    return levels


def test_accepting_is_fsynced_running_and_finishing_are_not(store: Store) -> None:
    user = store.add_user("a@b.c", None, None)
    levels = _commit_levels(store)
    job_id = store.insert_job(job_row(user), ("k", "h"))
    assert levels == ["FULL"]
    assert store.claim_next_job("now") is not None
    assert levels[1:] == ["NORMAL"]
    store.append_chunk(job_id, [("c", 1)], 1, b"\x00")
    store.finish_job(job_id, only_if=("running",), status="completed", result_date="then")
    assert levels[2:] == ["NORMAL", "NORMAL"]
    store.update_job(job_id, status="completed")  # durable by default
    assert levels[4:] == ["FULL"]


def test_finish_job_stores_the_last_chunk_and_status_in_one_commit(store: Store) -> None:
    user = store.add_user("a@b.c", None, None)
    job_id = store.insert_job(job_row(user), None)
    assert store.claim_next_job("now") is not None
    layout = [("c", 2), ("d", 1)]
    store.append_chunk(job_id, layout, 3, b"first")
    before = store.commits
    done, _, _ = store.finish_job(
        job_id,
        only_if=("running", "canceling"),
        status="completed",
        result_date="2026-01-01T00:00:01.000000Z",
        chunk=(layout, 2, b"last"),
        cost=1.5,
    )
    assert done is True
    assert store.commits == before + 1
    row = store.job(job_id)
    assert row is not None
    assert (row["status"], row["result_date"], row["cost"]) == (
        "completed",
        "2026-01-01T00:00:01.000000Z",
        1.5,
    )
    assert (row["result_layout"], row["last_shot"]) == ([["c", 2], ["d", 1]], 4)
    assert store.job_chunks(job_id) == [(3, b"first"), (2, b"last")]


def test_finish_job_reads_the_finished_job_back_as_its_document_shows_it(store: Store) -> None:
    user = store.add_user("a@b.c", None, None)
    job_id = store.insert_job(job_row(user), None)
    assert store.claim_next_job("now") is not None
    store.append_chunk(job_id, [("c", 1)], 2, b"\x01")
    quiet = store.finish_job(job_id, only_if=("queued",), status="failed", result_date="t")
    assert quiet == (False, None, None)  # not finished: nothing to show
    finished = store.finish_job(
        job_id,
        only_if=("running",),
        status="completed",
        result_date="2026-01-01T00:00:01.000000Z",
        chunk=([("c", 1)], 1, b"\x00"),
        read_back=True,
    )
    assert finished.finished
    assert finished.shown == (store.document_row(job_id), store.job_chunks(job_id))
    row, chunks = finished.shown
    assert (row["status"], row["last_shot"], chunks) == (
        "completed",
        2,
        [(2, b"\x01"), (1, b"\x00")],
    )


def test_finish_job_on_a_job_in_another_status_stores_nothing(store: Store) -> None:
    user = store.add_user("a@b.c", None, None)
    job_id = store.insert_job(job_row(user), None)
    done, _, _ = store.finish_job(
        job_id,
        only_if=("running",),
        status="completed",
        result_date="then",
        chunk=([("c", 1)], 1, b"x"),
        error={"code": 1, "text": "no"},
    )
    assert done is False
    row = store.job(job_id)
    assert row is not None
    assert (row["status"], row["error"], row["last_shot"]) == ("queued", None, None)
    assert store.job_chunks(job_id) == []
    store.finish_job(
        job_id, only_if=("queued",), status="failed", result_date="t", error={"code": 1}
    )
    assert (store.job(job_id) or {}).get("error") == {"code": 1}


def _wal_bytes(store: Store, work: Any) -> int:
    """How many bytes `work()` writes to the write-ahead log (from an emptied one)."""
    with store.transaction() as db:
        pass
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    wal = Path(f"{store.path}-wal")
    before = wal.stat().st_size if wal.exists() else 0
    work()
    return wal.stat().st_size - before


def test_a_status_change_does_not_rewrite_the_program(store: Store) -> None:
    # The program lives apart from the job's row, which every status change rewrites:
    # claiming and finishing a job with a 1 MB program write a few pages, not 2 MB.
    user = store.add_user("a@b.c", None, None)
    program = "OPENQASM 2.0;\n" + "// padding\n" * 100_000
    job_id = store.insert_job(job_row(user, program=program, cfl="AGFzbQ=="), None)

    def claim_and_finish() -> None:
        claimed = store.claim_next_job("now")
        assert claimed is not None
        assert (claimed["program"], claimed["cfl"]) == (program, "AGFzbQ==")
        done, _, _ = store.finish_job(
            job_id, only_if=("running",), status="completed", result_date="t"
        )
        assert done

    assert _wal_bytes(store, claim_and_finish) < 100_000


def test_an_older_databases_programs_move_out_of_the_job_rows(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    store = Store(path)
    user = store.add_user("a@b.c", None, None)
    store.close()
    with sqlite3.connect(path) as db:  # a job as an older version stored it
        db.execute(
            "INSERT INTO jobs (id, user_id, machine, count, language, program, cfl, priority,"
            " options, status, submit_date) VALUES ('old', ?, 'H1-1E', 1, 'OPENQASM 2.0',"
            " 'OPENQASM 2.0; // old', 'AGFzbQ==', 'normal', '{}', 'queued', 'd')",
            (user,),
        )
    store = Store(path)
    try:
        with store.transaction() as db:
            row = db.execute("SELECT program, cfl FROM jobs WHERE id = 'old'").fetchone()
        assert tuple(row) == ("", None)
        claimed = store.claim_next_job("now")
        assert claimed is not None
        assert (claimed["id"], claimed["program"]) == ("old", "OPENQASM 2.0; // old")
        assert claimed["cfl"] == "AGFzbQ=="
    finally:
        store.close()


def test_a_write_inside_a_write_transaction_is_refused(store: Store) -> None:
    user = store.add_user("a@b.c", None, None)
    job_id = store.insert_job(job_row(user), None)
    with store.transaction() as db:
        db.execute("UPDATE jobs SET status = 'running'")
        # Not a wait for itself (a group commit of this thread's own lock).
        with pytest.raises(RuntimeError, match="inside a write transaction"):
            store.update_job(job_id, status="completed")
        with pytest.raises(RuntimeError, match="inside a write transaction"):
            store.insert_job(job_row(user), None)
    assert store.job_status(job_id) == "running"
    assert store.update_job(job_id, status="completed")
