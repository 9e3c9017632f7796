"""`Store`: the service's SQLite database (WAL) holding users, tokens, jobs and results.

One connection shared by all threads behind a lock: every call is short, and the lock
rules out `SQLITE_BUSY` between the HTTP handlers and the job workers. Rows are plain
dicts; the JSON columns (`options`, `results`, `error`) are decoded on the way out.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT,
    totp_secret TEXT,
    totp_last_step INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    family TEXT NOT NULL,
    expires REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens(family);
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    name TEXT,
    machine TEXT NOT NULL,
    count INTEGER NOT NULL,
    language TEXT NOT NULL,
    program TEXT NOT NULL,
    priority TEXT NOT NULL,
    options TEXT NOT NULL,
    grp TEXT,
    max_cost REAL,
    status TEXT NOT NULL,
    submit_date TEXT NOT NULL,
    start_date TEXT,
    result_date TEXT,
    cost REAL,
    qubits INTEGER,
    results TEXT,
    last_shot INTEGER,
    error TEXT
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status, seq);
CREATE TABLE IF NOT EXISTS job_chunks (
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    shots INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (job_id, seq)
);
CREATE TABLE IF NOT EXISTS idempotency (
    user_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    job_id TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);
"""

#: Job columns added after the first schema (added to older databases on open):
#: `attempts` (runs started), `batch` (id of the batch's first job), `batch_max_cost` (on
#: a batch's first job), `batch_end`, `cfl` (the WASM module), `result_layout` (register
#: names and widths of the packed chunks in `job_chunks`).
_JOB_COLUMNS_ADDED = {
    "attempts": "INTEGER NOT NULL DEFAULT 0",
    "batch": "TEXT",
    "batch_max_cost": "REAL",
    "batch_end": "INTEGER NOT NULL DEFAULT 0",
    "cfl": "TEXT",
    "result_layout": "TEXT",
}
_JSON_COLUMNS = ("options", "results", "error", "result_layout")
_OPEN_STATUSES = "('queued', 'running', 'canceling')"
_PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}
_RANK_SQL = "(CASE priority WHEN 'high' THEN 0 WHEN 'low' THEN 2 ELSE 1 END)"


class Store:
    """The database at `path` (created with its tables when missing)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            str(self.path), check_same_thread=False, isolation_level=None, timeout=10.0
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an accepted job survives power loss
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._lock:
            self._db.executescript(_SCHEMA)
            self._add_job_columns()

    def _add_job_columns(self) -> None:
        present = {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}
        for name, kind in _JOB_COLUMNS_ADDED.items():
            if name not in present:
                self._db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {kind}")
        self._db.execute("CREATE INDEX IF NOT EXISTS jobs_batch ON jobs(batch, seq)")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """An immediate (write-locked) transaction; commits on success.

        `durable=False` skips the commit's fsync (WAL with synchronous=NORMAL): the write
        survives a crash of the process but maybe not of the machine. For progress that
        can be redone (a job's results: it runs again after a restart), never for
        accepting a job or for credentials.
        """
        with self._lock:
            if not durable:
                self._db.execute("PRAGMA synchronous=NORMAL")
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            finally:
                if not durable:
                    self._db.execute("PRAGMA synchronous=FULL")

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return None if row is None else _decode(row)

    # -- meta -------------------------------------------------------------------------
    def secret(self, name: str) -> bytes:
        """A random 32-byte secret stored under `name`, created on first use."""
        with self.transaction() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (name,)).fetchone()
            if row is not None:
                return bytes.fromhex(row["value"])
            value = secrets.token_bytes(32)
            db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (name, value.hex()))
            return value

    # -- users ------------------------------------------------------------------------
    def add_user(self, email: str, password_hash: str | None, totp_secret: str | None) -> int:
        """Create a user, or replace the credentials of an existing one; its id."""
        with self.transaction() as db:
            row = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
            if row is not None:
                db.execute(
                    "UPDATE users SET password_hash = ?, totp_secret = ?, totp_last_step = 0"
                    " WHERE id = ?",
                    (password_hash, totp_secret, row["id"]),
                )
                return int(row["id"])
            cursor = db.execute(
                "INSERT INTO users (email, password_hash, totp_secret, created)"
                " VALUES (?, ?, ?, ?)",
                (email, password_hash, totp_secret, time.time()),
            )
            return int(cursor.lastrowid or 0)

    def user_by_email(self, email: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM users WHERE email = ?", (email,))

    def user_by_id(self, user_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM users WHERE id = ?", (user_id,))

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))

    def claim_totp_step(self, user_id: int, step: int) -> bool:
        """Record TOTP time step `step` as used; False when it (or a later one) was used."""
        with self.transaction() as db:
            cursor = db.execute(
                "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?",
                (step, user_id, step),
            )
            return cursor.rowcount == 1

    # -- refresh tokens -----------------------------------------------------------------
    def add_refresh_token(self, token_hash: str, user_id: int, family: str, expires: float) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO refresh_tokens (token_hash, user_id, family, expires)"
                " VALUES (?, ?, ?, ?)",
                (token_hash, user_id, family, expires),
            )

    def use_refresh_token(self, token_hash: str, now: float) -> tuple[str, dict[str, Any] | None]:
        """Spend a refresh token: ("ok", row), ("reused", row) after revoking its family,
        or ("invalid", None) for an unknown, expired or revoked one."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT * FROM refresh_tokens WHERE token_hash = ?", (token_hash,)
            ).fetchone()
            if row is None or row["revoked"] or row["expires"] <= now:
                return "invalid", None
            if row["used"]:
                db.execute(
                    "UPDATE refresh_tokens SET revoked = 1 WHERE family = ?", (row["family"],)
                )
                return "reused", dict(row)
            db.execute("UPDATE refresh_tokens SET used = 1 WHERE token_hash = ?", (token_hash,))
            return "ok", dict(row)

    # -- jobs ---------------------------------------------------------------------------
    def insert_job(
        self,
        job: dict[str, Any],
        idempotency: tuple[str, str] | None,
        join_batch: tuple[str, Callable[[dict[str, Any] | None], None]] | None = None,
    ) -> str:
        """Insert `job`; with an (idempotency key, request hash), the id of the job that
        key already created (which may be this one). Raises ValueError on a key reuse
        with a different request.

        `join_batch` = (batch id, check): in the same transaction, `check` gets the
        batch's first job (None if there is none) with `batch_cost` (the cost of its jobs
        that did not fail or get canceled) and `ended` (a job closed the batch), and may
        update `job` or raise ValueError."""
        with self.transaction() as db:
            if idempotency is not None:
                key, request_hash = idempotency
                row = db.execute(
                    "SELECT job_id, request_hash FROM idempotency WHERE user_id = ? AND key = ?",
                    (job["user_id"], key),
                ).fetchone()
                if row is not None:
                    if row["request_hash"] != request_hash:
                        raise ValueError("Idempotency-Key was used with a different request")
                    return str(row["job_id"])
                db.execute(
                    "INSERT INTO idempotency (user_id, key, request_hash, job_id)"
                    " VALUES (?, ?, ?, ?)",
                    (job["user_id"], key, request_hash, job["id"]),
                )
            if join_batch is not None:
                batch_id, check = join_batch
                check(_batch_head(db, batch_id))
            values = {
                k: (json.dumps(v) if k in _JSON_COLUMNS and v is not None else v)
                for k, v in job.items()
            }
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            db.execute(f"INSERT INTO jobs ({columns}) VALUES ({marks})", tuple(values.values()))  # noqa: S608
            return str(job["id"])

    def job(self, job_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM jobs WHERE id = ?", (job_id,))

    def queue_position(self, seq: int, priority: str) -> int:
        """How many queued jobs run before the job with sequence number `seq`: those of a
        higher priority, then older ones of the same priority."""
        rank = _PRIORITY_RANK.get(priority, 1)
        with self._lock:
            row = self._db.execute(
                f"SELECT COUNT(*) FROM jobs WHERE status = 'queued'"  # noqa: S608
                f" AND ({_RANK_SQL} < ? OR ({_RANK_SQL} = ? AND seq < ?))",
                (rank, rank, seq),
            ).fetchone()
        return int(row[0])

    def claim_next_job(self, start_date: str) -> dict[str, Any] | None:
        """Move the next queued job to `running` (counting the attempt) and return it.

        Jobs of a batch run in submission order: one waits while an earlier job of its
        batch is not done."""
        with self.transaction() as db:
            row = db.execute(
                f"SELECT id FROM jobs AS j WHERE status = 'queued' AND (batch IS NULL"  # noqa: S608
                f" OR NOT EXISTS (SELECT 1 FROM jobs AS e WHERE e.batch = j.batch"
                f" AND e.seq < j.seq AND e.status IN {_OPEN_STATUSES}))"
                f" ORDER BY {_RANK_SQL}, seq LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET status = 'running', start_date = ?, results = NULL,"
                " result_layout = NULL, last_shot = NULL, attempts = attempts + 1"
                " WHERE id = ?",
                (start_date, row["id"]),
            )
            db.execute("DELETE FROM job_chunks WHERE job_id = ?", (row["id"],))
            found = db.execute("SELECT * FROM jobs WHERE id = ?", (row["id"],)).fetchone()
        return _decode(found)

    def append_chunk(
        self, job_id: str, layout: list[tuple[str, int]], shots: int, data: bytes
    ) -> int:
        """Store a packed chunk of a running job's results (not fsynced: a job that
        restarts runs again from its first shot); the job's new `last-shot`."""
        with self.transaction(durable=False) as db:
            row = db.execute(
                "SELECT COALESCE(MAX(seq), -1) + 1, (SELECT COALESCE(SUM(shots), 0)"
                " FROM job_chunks WHERE job_id = ?) FROM job_chunks WHERE job_id = ?",
                (job_id, job_id),
            ).fetchone()
            seq, done = int(row[0]), int(row[1]) + shots
            db.execute(
                "INSERT INTO job_chunks (job_id, seq, shots, data) VALUES (?, ?, ?, ?)",
                (job_id, seq, shots, data),
            )
            db.execute(
                "UPDATE jobs SET result_layout = ?, last_shot = ? WHERE id = ?",
                (json.dumps(layout), done - 1, job_id),
            )
        return done - 1

    def job_chunks(self, job_id: str) -> list[tuple[int, bytes]]:
        """The packed result chunks of a job, in order: (shots, data)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT shots, data FROM job_chunks WHERE job_id = ? ORDER BY seq", (job_id,)
            ).fetchall()
        return [(int(row[0]), bytes(row[1])) for row in rows]

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
        `durable` as for `transaction`."""
        values = {
            k: (json.dumps(v) if k in _JSON_COLUMNS and v is not None else v)
            for k, v in fields.items()
        }
        sets = ", ".join(f"{k} = ?" for k in values)
        sql = f"UPDATE jobs SET {sets} WHERE id = ?"  # noqa: S608 - column names are ours
        args: tuple[Any, ...] = (*values.values(), job_id)
        if only_if:
            sql += f" AND status IN ({', '.join('?' for _ in only_if)})"
            args += only_if
        with self.transaction(durable=durable) as db:
            return db.execute(sql, args).rowcount == 1

    def job_status(self, job_id: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else str(row[0])

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


def _batch_head(db: sqlite3.Connection, batch_id: str) -> dict[str, Any] | None:
    head = db.execute("SELECT * FROM jobs WHERE id = ? AND batch = id", (batch_id,)).fetchone()
    if head is None:
        return None
    row = db.execute(
        "SELECT COALESCE(SUM(CASE WHEN status IN ('failed', 'canceled') THEN 0"
        " ELSE cost END), 0), MAX(batch_end) FROM jobs WHERE batch = ?",
        (batch_id,),
    ).fetchone()
    data = _decode(head)
    data.update(batch_cost=float(row[0]), ended=bool(row[1]))
    return data


def _decode(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    for key in _JSON_COLUMNS:
        if data.get(key) is not None:
            data[key] = json.loads(data[key])
    return data
