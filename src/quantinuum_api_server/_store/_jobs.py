"""The jobs of `Store`: job rows, their packed result chunks, idempotency keys, the queue
order (priority, then age; a batch's jobs in order) and the job history's filters."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from typing import Any, NamedTuple

from ._database import RANK_SQL, Database, decode, encode

__all__ = [
    "Chunk",
    "Finished",
    "IdempotencyConflict",
    "JobStore",
    "JoinBatch",
    "NewJob",
    "Shown",
]

_OPEN_STATUSES = "('queued', 'running', 'canceling')"
_PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}
# The next job to run (jobs of a batch in order), and how many run before a queued one:
# both walk the `jobs_queue` index (SQLite uses an index on an expression only where a
# query spells the identical expression: `RANK_SQL` in all three).
_NEXT_JOB_SQL = (
    f"SELECT id FROM jobs AS j WHERE status = 'queued'"  # noqa: S608
    f" AND (ready_at IS NULL OR ready_at <= ?) AND (batch IS NULL"
    f" OR NOT EXISTS (SELECT 1 FROM jobs AS e WHERE e.batch = j.batch"
    f" AND e.seq < j.seq AND e.status IN {_OPEN_STATUSES}))"
    f" ORDER BY {RANK_SQL}, seq LIMIT 1"
)
_POSITION_SQL = (
    f"SELECT COUNT(*) FROM jobs WHERE status = 'queued'"  # noqa: S608
    f" AND ({RANK_SQL} < ? OR ({RANK_SQL} = ? AND seq < ?))"
)
# What a job listing reads: everything but the program and the (possibly large) results.
_LIST_COLUMNS = (
    "seq, id, user_id, name, machine, count, priority, grp, status, submit_date,"
    " start_date, result_date, cost, qubits, last_shot, error"
)
# What a job's document reads (`document_row`): a listing's columns and the results.
_DOCUMENT_SQL = f"SELECT {_LIST_COLUMNS}, results, result_layout FROM jobs WHERE id = ?"  # noqa: S608
_CHUNKS_SQL = "SELECT shots, data FROM job_chunks WHERE job_id = ? ORDER BY seq"
# Job-list filters and the SQL condition each one adds (its value is the parameter).
_LIST_FILTERS = {
    "status": "status = ?",
    "machine": "machine = ?",
    "name": "name = ?",
    "group": "grp = ?",
    "submitted_after": "submit_date >= ?",
    "submitted_before": "submit_date < ?",
    "before_seq": "seq < ?",
}
# Ids per `IN (...)` read (SQLite allows 32,766 parameters; smaller reads stay cheap).
_IDS_PER_READ = 500
# A chunk of packed results as `append_chunk` takes it: (layout, shots, data).
Chunk = tuple[list[tuple[str, int]], int, bytes]
#: `insert_job`'s `join_batch`: (batch id, a check of the batch's first job).
JoinBatch = tuple[str, Callable[[dict[str, Any] | None], None]]
#: One job of `insert_jobs`: (job, idempotency, join_batch), as `insert_job` takes them.
NewJob = tuple[dict[str, Any], tuple[str, str] | None, JoinBatch | None]
# A job as its document shows it: its row (`document_row`) and its chunks (`job_chunks`).
Shown = tuple[dict[str, Any], list[tuple[int, bytes]]]


class Finished(NamedTuple):
    """What `finish_job` did: whether it finished the job, the job it claimed (if any),
    and the finished job as its document shows it (row, chunks), if it was asked to."""

    finished: bool
    claimed: dict[str, Any] | None
    shown: Shown | None


class IdempotencyConflict(ValueError):
    """An Idempotency-Key reused with a different request."""


class JobStore(Database):
    """Jobs, their results and idempotency keys."""

    def insert_job(
        self,
        job: dict[str, Any],
        idempotency: tuple[str, str] | None,
        join_batch: JoinBatch | None = None,
    ) -> str:
        """Insert `job`; with an (idempotency key, request hash), the id of the job that
        key already created (which may be this one). Raises IdempotencyConflict on a key
        reuse with a different request.

        `join_batch` = (batch id, check): in the same transaction, `check` gets the
        batch's first job (None if there is none) with `batch_cost` (the cost of its jobs
        that did not fail or get canceled) and `ended` (a job closed the batch), and may
        update `job` or raise (it may run in another caller's thread).

        Concurrent calls share one durable commit (`_grouped`); each returns once its
        job is committed."""
        return self._grouped(_insert(job, idempotency, join_batch))

    def insert_jobs(self, entries: list[NewJob]) -> list[str | Exception]:
        """`insert_job` of each (job, idempotency, join_batch) of `entries`, in order and
        in one durable commit; per entry its job id, or the exception that refused it
        (that entry alone is rolled back)."""
        parts = self._grouped_all([_insert(*entry) for entry in entries])
        outcomes: list[str | Exception] = []
        for part in parts:
            if part.error is None:
                outcomes.append(str(part.result))
            elif isinstance(part.error, Exception):
                outcomes.append(part.error)
            else:  # (KeyboardInterrupt and the like end the request)
                raise part.error
        return outcomes

    def job(self, job_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM jobs WHERE id = ?", (job_id,))

    def document_row(self, job_id: str) -> dict[str, Any] | None:
        """What a job's document shows of it (`job` reads every column)."""
        return self._one(_DOCUMENT_SQL, (job_id,))

    def job_states(self, job_ids: list[str]) -> dict[str, tuple[int, str]]:
        """(user id, status) of each job of `job_ids` that exists, in one read."""
        states: dict[str, tuple[int, str]] = {}
        for start in range(0, len(job_ids), _IDS_PER_READ):
            part = job_ids[start : start + _IDS_PER_READ]
            marks = ", ".join("?" for _ in part)
            sql = f"SELECT id, user_id, status FROM jobs WHERE id IN ({marks})"  # noqa: S608
            for row in self._read(sql, tuple(part)):
                states[str(row[0])] = (int(row[1]), str(row[2]))
        return states

    def list_jobs(self, user_id: int, limit: int, **filters: Any) -> list[dict[str, Any]]:
        """Up to `limit` of `user_id`'s jobs, newest first (by `seq`), without program and
        results; `filters` are keys of `_LIST_FILTERS` (None: not filtered). Uses the
        `jobs_user_seq` index: a page costs the same at any depth."""
        conditions = ["user_id = ?"]
        args: list[Any] = [user_id]
        for key, value in filters.items():
            if value is not None:
                conditions.append(_LIST_FILTERS[key])
                args.append(value)
        sql = (
            f"SELECT {_LIST_COLUMNS} FROM jobs WHERE {' AND '.join(conditions)}"  # noqa: S608
            " ORDER BY seq DESC LIMIT ?"
        )
        rows = self._read(sql, (*args, limit))
        return [decode(row) for row in rows]

    def queue_position(self, seq: int, priority: str) -> int:
        """How many queued jobs run before the job with sequence number `seq`: those of a
        higher priority, then older ones of the same priority."""
        rank = _PRIORITY_RANK.get(priority, 1)
        rows = self._read(_POSITION_SQL, (rank, rank, seq))
        return int(rows[0][0])

    def queue_length(self, machine: str) -> int:
        """How many jobs on `machine` wait in the queue."""
        rows = self._read(
            "SELECT COUNT(*) FROM jobs WHERE status = 'queued' AND machine = ?", (machine,)
        )
        return int(rows[0][0])

    def claim_next_job(self, start_date: str, now: float | None = None) -> dict[str, Any] | None:
        """Move the next queued job to `running` (counting the attempt) and return it.

        Only a job whose `ready_at` is not after `now` (Unix time; default: the time now)
        may start.

        Jobs of a batch run in submission order: one waits while an earlier job of its
        batch is not done. Not fsynced: if the machine crashes, the claim may be lost (the
        job is still queued, as no result was stored yet) or kept (the job is `running`,
        and `recover_jobs` queues it again); either way it runs again. The next job is
        found through the `jobs_queue` index, at a cost independent of the queue length
        (unless batches hold back the first queued jobs)."""
        with self.transaction(durable=False) as db:
            return _claim(db, start_date, time.time() if now is None else now)

    def append_chunk(
        self, job_id: str, layout: list[tuple[str, int]], shots: int, data: bytes
    ) -> int:
        """Store a packed chunk of a running job's results (not fsynced: a job that
        restarts runs again from its first shot); the job's new `last-shot`."""
        with self.transaction(durable=False) as db:
            return _append_chunk(db, job_id, (layout, shots, data))

    def finish_job(
        self,
        job_id: str,
        *,
        only_if: tuple[str, ...],
        status: str,
        result_date: str,
        chunk: Chunk | None = None,
        claim_start: str | None = None,
        read_back: bool = False,
        **fields: Any,
    ) -> Finished:
        """End a job in one transaction: set `status`, `result_date` and `fields` (when
        its status is in `only_if`) and store its last packed `chunk` (layout, shots,
        data, as `append_chunk` takes them), if any; with a `claim_start` date,
        `claim_next_job` in the same commit (a worker's next job: the rows and index pages
        both change are written once); with `read_back`, read the finished job as its
        document shows it (`document_row` and `job_chunks`) in that transaction too, from
        the writer's cache (a reader's is stale after every commit: 0.07 ms a read).
        Nothing is stored when the status did not match. Not fsynced, as `append_chunk`:
        after a machine crash, an unfinished-looking job just runs again. One commit
        instead of `append_chunk`, `update_job` and `claim_next_job`'s three."""
        changes = dict(fields, status=status, result_date=result_date)
        with self.transaction(durable=False) as db:
            if chunk is not None:  # the chunk's row fields go in the same UPDATE
                seq, last_shot = _next_chunk(db, job_id, chunk[1])
                changes.update(result_layout=chunk[0], last_shot=last_shot)
            sql, args = _update_sql(job_id, only_if, changes)
            if db.execute(sql, args).rowcount != 1:
                return Finished(False, None, None)
            if chunk is not None:
                _insert_chunk(db, job_id, seq, chunk)
            shown = None
            if read_back:
                row = db.execute(_DOCUMENT_SQL, (job_id,)).fetchone()
                shown = decode(row), _chunks(db, job_id)
            claimed = None if claim_start is None else _claim(db, claim_start, time.time())
        return Finished(True, claimed, shown)

    def job_chunks(self, job_id: str) -> list[tuple[int, bytes]]:
        """The packed result chunks of a job, in order: (shots, data)."""
        return _chunks(self._reader(), job_id)

    def requeue_job(self, job_id: str, *, count_attempt: bool) -> bool:
        """Put a running job back in the queue, dropping its partial results; the attempt
        it made is forgotten unless `count_attempt`."""
        undo = 0 if count_attempt else 1
        with self.transaction() as db:
            changed = db.execute(
                "UPDATE jobs SET status = 'queued', start_date = NULL, results = NULL,"
                " result_layout = NULL, last_shot = NULL, attempts = MAX(0, attempts - ?)"
                " WHERE id = ? AND status = 'running'",
                (undo, job_id),
            ).rowcount
            db.execute("DELETE FROM job_chunks WHERE job_id = ?", (job_id,))
        return changed == 1

    def update_job(
        self, job_id: str, *, only_if: tuple[str, ...] = (), durable: bool = True, **fields: Any
    ) -> bool:
        """Set `fields` on a job (only when its status is in `only_if`, if given);
        `durable` as for `transaction` (durable updates share commits, as `insert_job`)."""
        sql, args = _update_sql(job_id, only_if, fields)
        if durable:
            return self._grouped(lambda db: db.execute(sql, args).rowcount == 1)
        with self.transaction(durable=False) as db:
            return db.execute(sql, args).rowcount == 1

    def job_status(self, job_id: str) -> str | None:
        rows = self._read("SELECT status FROM jobs WHERE id = ?", (job_id,))
        return str(rows[0][0]) if rows else None

    def recover_jobs(self, now: str) -> int:
        """After a restart: running jobs go back to the queue (their partial results are
        dropped; they run again from the first shot; the attempt still counts, so a job
        that takes the service down is not retried forever), canceling ones become
        canceled.
        Returns how many jobs are queued."""
        with self.transaction() as db:
            db.execute(
                "DELETE FROM job_chunks WHERE job_id IN"
                " (SELECT id FROM jobs WHERE status = 'running')"
            )
            db.execute(
                "UPDATE jobs SET status = 'queued', start_date = NULL, results = NULL,"
                " result_layout = NULL, last_shot = NULL WHERE status = 'running'"
            )
            db.execute(
                "UPDATE jobs SET status = 'canceled', result_date = ? WHERE status = 'canceling'",
                (now,),
            )
            row = db.execute("SELECT COUNT(*) FROM jobs WHERE status = 'queued'").fetchone()
        return int(row[0])


def _update_sql(
    job_id: str, only_if: tuple[str, ...], fields: dict[str, Any]
) -> tuple[str, tuple[Any, ...]]:
    """The UPDATE setting `fields` on a job whose status is in `only_if` (if given)."""
    values = encode(fields)
    sets = ", ".join(f"{k} = ?" for k in values)
    sql = f"UPDATE jobs SET {sets} WHERE id = ?"  # noqa: S608 - column names are ours
    args: tuple[Any, ...] = (*values.values(), job_id)
    if only_if:
        sql += f" AND status IN ({', '.join('?' for _ in only_if)})"
        args += only_if
    return sql, args


def _claim(db: sqlite3.Connection, start_date: str, now: float) -> dict[str, Any] | None:
    """`claim_next_job`'s write, in the caller's transaction."""
    row = db.execute(_NEXT_JOB_SQL, (now,)).fetchone()
    if row is None:
        return None
    db.execute(
        "UPDATE jobs SET status = 'running', start_date = ?, results = NULL,"
        " result_layout = NULL, last_shot = NULL, attempts = attempts + 1"
        " WHERE id = ?",
        (start_date, row["id"]),
    )
    db.execute("DELETE FROM job_chunks WHERE job_id = ?", (row["id"],))
    found = decode(db.execute("SELECT * FROM jobs WHERE id = ?", (row["id"],)).fetchone())
    program = db.execute(
        "SELECT program, cfl FROM job_programs WHERE seq = ?", (found["seq"],)
    ).fetchone()
    if program is not None:  # (a row written without one keeps its own)
        found.update(program=program["program"], cfl=program["cfl"])
    return found


def _append_chunk(db: sqlite3.Connection, job_id: str, chunk: Chunk) -> int:
    """Store a packed chunk of a job's results; the job's new `last_shot`."""
    seq, last_shot = _next_chunk(db, job_id, chunk[1])
    _insert_chunk(db, job_id, seq, chunk)
    db.execute(
        "UPDATE jobs SET result_layout = ?, last_shot = ? WHERE id = ?",
        (json.dumps(chunk[0]), last_shot, job_id),
    )
    return last_shot


def _chunks(db: sqlite3.Connection, job_id: str) -> list[tuple[int, bytes]]:
    return [(int(row[0]), bytes(row[1])) for row in db.execute(_CHUNKS_SQL, (job_id,))]


def _next_chunk(db: sqlite3.Connection, job_id: str, shots: int) -> tuple[int, int]:
    """(sequence number of a job's next chunk, its last shot once that chunk of `shots`
    is stored)."""
    row = db.execute(
        "SELECT COALESCE(MAX(seq), -1) + 1, (SELECT COALESCE(SUM(shots), 0)"
        " FROM job_chunks WHERE job_id = ?) FROM job_chunks WHERE job_id = ?",
        (job_id, job_id),
    ).fetchone()
    return int(row[0]), int(row[1]) + shots - 1


def _insert_chunk(db: sqlite3.Connection, job_id: str, seq: int, chunk: Chunk) -> None:
    _, shots, data = chunk
    db.execute(
        "INSERT INTO job_chunks (job_id, seq, shots, data) VALUES (?, ?, ?, ?)",
        (job_id, seq, shots, data),
    )


def _insert(
    job: dict[str, Any], idempotency: tuple[str, str] | None, join_batch: JoinBatch | None
) -> Callable[[sqlite3.Connection], str]:
    """The write of `insert_job` (see there), for a group commit."""

    def insert(db: sqlite3.Connection) -> str:
        if idempotency is not None:
            key, request_hash = idempotency
            row = db.execute(
                "SELECT job_id, request_hash FROM idempotency WHERE user_id = ? AND key = ?",
                (job["user_id"], key),
            ).fetchone()
            if row is not None:
                if row["request_hash"] != request_hash:
                    raise IdempotencyConflict(
                        "Idempotency-Key was already used with a different request body"
                    )
                return str(row["job_id"])
            db.execute(
                "INSERT INTO idempotency (user_id, key, request_hash, job_id) VALUES (?, ?, ?, ?)",
                (job["user_id"], key, request_hash, job["id"]),
            )
        if join_batch is not None:
            batch_id, check = join_batch
            check(_batch_head(db, batch_id))
        # The program and WASM module go to `job_programs`, out of the row that every
        # status change rewrites.
        values = encode({**job, "program": "", "cfl": None})
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        sql = f"INSERT INTO jobs ({columns}) VALUES ({marks})"  # noqa: S608
        seq = db.execute(sql, tuple(values.values())).lastrowid
        db.execute(
            "INSERT INTO job_programs (seq, program, cfl) VALUES (?, ?, ?)",
            (seq, job["program"], job.get("cfl")),
        )
        return str(job["id"])

    return insert


def _batch_head(db: sqlite3.Connection, batch_id: str) -> dict[str, Any] | None:
    head = db.execute("SELECT * FROM jobs WHERE id = ? AND batch = id", (batch_id,)).fetchone()
    if head is None:
        return None
    row = db.execute(
        "SELECT COALESCE(SUM(CASE WHEN status IN ('failed', 'canceled') THEN 0"
        " ELSE cost END), 0), MAX(batch_end) FROM jobs WHERE batch = ?",
        (batch_id,),
    ).fetchone()
    data = decode(head)
    data.update(batch_cost=float(row[0]), ended=bool(row[1]))
    return data
