"""`Store`: the service's SQLite database (WAL) holding users, login sessions and their
refresh tokens (as hashes), federated identities, jobs and results. No key is kept in
it (see `_keys`); the file is created 0600 in a 0700 directory.

Writes go through one writer connection behind a lock (which rules out `SQLITE_BUSY`
between the HTTP handlers and the job workers); concurrent durable writes share one
commit, hence one fsync (`_grouped`). Reads go through a read-only connection per thread
in autocommit mode, so under WAL they never wait for a writer or its fsync, and a thread
sees every write committed before its read. Rows are plain dicts; the JSON columns
(`options`, `results`, `error`) are decoded on the way out.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

__all__ = ["Chunk", "IdempotencyConflict", "Store", "StoreClosedError"]

_T = TypeVar("_T")

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
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created REAL NOT NULL,
    expires REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
CREATE TABLE IF NOT EXISTS session_tokens (
    token_hash TEXT PRIMARY KEY,
    session TEXT NOT NULL REFERENCES sessions(id),
    expires REAL NOT NULL,
    used REAL,
    superseded INTEGER NOT NULL DEFAULT 0,
    replaced_by TEXT,
    presenter TEXT
);
CREATE INDEX IF NOT EXISTS session_tokens_session ON session_tokens(session);
CREATE INDEX IF NOT EXISTS session_tokens_expires ON session_tokens(expires);
CREATE INDEX IF NOT EXISTS sessions_expires ON sessions(expires);
CREATE TABLE IF NOT EXISTS identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (issuer, subject)
);
DROP TABLE IF EXISTS refresh_tokens;
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
CREATE INDEX IF NOT EXISTS jobs_user_seq ON jobs(user_id, seq);
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
#: names and widths of the packed chunks in `job_chunks`), `ready_at` (Unix time before
#: which a queued job does not start: the service's queue delay; NULL: at once).
_JOB_COLUMNS_ADDED = {
    "attempts": "INTEGER NOT NULL DEFAULT 0",
    "batch": "TEXT",
    "batch_max_cost": "REAL",
    "batch_end": "INTEGER NOT NULL DEFAULT 0",
    "cfl": "TEXT",
    "result_layout": "TEXT",
    "ready_at": "REAL",
}
_JSON_COLUMNS = ("options", "results", "error", "result_layout")
_OPEN_STATUSES = "('queued', 'running', 'canceling')"
_PRIORITY_RANK = {"high": 0, "normal": 1, "low": 2}
_RANK_SQL = "(CASE priority WHEN 'high' THEN 0 WHEN 'low' THEN 2 ELSE 1 END)"
# The next job to run (jobs of a batch in order), and how many run before a queued one:
# both walk the `jobs_queue` index (SQLite uses an index on an expression only where a
# query spells the identical expression: `_RANK_SQL` in all three).
_NEXT_JOB_SQL = (
    f"SELECT id FROM jobs AS j WHERE status = 'queued'"  # noqa: S608
    f" AND (ready_at IS NULL OR ready_at <= ?) AND (batch IS NULL"
    f" OR NOT EXISTS (SELECT 1 FROM jobs AS e WHERE e.batch = j.batch"
    f" AND e.seq < j.seq AND e.status IN {_OPEN_STATUSES}))"
    f" ORDER BY {_RANK_SQL}, seq LIMIT 1"
)
_POSITION_SQL = (
    f"SELECT COUNT(*) FROM jobs WHERE status = 'queued'"  # noqa: S608
    f" AND ({_RANK_SQL} < ? OR ({_RANK_SQL} = ? AND seq < ?))"
)
# What a job listing reads: everything but the program and the (possibly large) results.
_LIST_COLUMNS = (
    "seq, id, user_id, name, machine, count, priority, grp, status, submit_date,"
    " start_date, result_date, cost, qubits, last_shot, error"
)
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
# A chunk of packed results as `append_chunk` takes it: (layout, shots, data).
Chunk = tuple[list[tuple[str, int]], int, bytes]


class IdempotencyConflict(ValueError):
    """An Idempotency-Key reused with a different request."""


class StoreClosedError(sqlite3.ProgrammingError):
    """A call on a `Store` after `close()`."""

    def __init__(self) -> None:
        super().__init__("the job store is closed")


class _Part(Generic[_T]):
    """One caller's write in a group commit: its work, then its result or error."""

    __slots__ = ("done", "error", "result", "work")

    def __init__(self, work: Callable[[sqlite3.Connection], _T]) -> None:
        self.work = work
        self.done = False
        self.result: _T | None = None
        self.error: BaseException | None = None

    def outcome(self) -> _T:
        if self.error is not None:
            raise self.error
        return self.result  # type: ignore[return-value]  # set when `work` returned


class Store:
    """The database at `path` (created with its tables when missing)."""

    def __init__(self, path: Path) -> None:
        from ._keys import private_dir, private_file  # (kept out of the import block)

        self.path = Path(path)
        private_dir(self.path.parent)
        private_file(self.path, refuse=False)  # SQLite gives -wal/-shm the same mode
        #: Commits made (for tests and benchmarks of the group commit).
        self.commits = 0
        self._closed = False
        self._lock = threading.RLock()  # the writer connection's
        self._db = _connect(self.path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an accepted job survives power loss
        self._durable = True  # what `synchronous` is set to
        self._group = threading.Condition()  # guards `_queue` and `_leading`
        self._queue: list[_Part[Any]] = []
        self._leading = False
        self._local = threading.local()
        self._readers_lock = threading.Lock()
        self._readers: list[tuple[weakref.ref[threading.Thread], sqlite3.Connection]] = []
        with self._lock:
            self._db.executescript(_SCHEMA)
            self._add_job_columns()
            tokens = {row[1] for row in self._db.execute("PRAGMA table_info(session_tokens)")}
            if "presenter" not in tokens:
                self._db.execute("ALTER TABLE session_tokens ADD COLUMN presenter TEXT")

    def _add_job_columns(self) -> None:
        present = {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}
        for name, kind in _JOB_COLUMNS_ADDED.items():
            if name not in present:
                self._db.execute(f"ALTER TABLE jobs ADD COLUMN {name} {kind}")
        self._db.execute("CREATE INDEX IF NOT EXISTS jobs_batch ON jobs(batch, seq)")
        # The queue in the order jobs run: claiming and queue positions walk it instead of
        # every queued row (see `_NEXT_JOB_SQL`).
        self._db.execute(f"CREATE INDEX IF NOT EXISTS jobs_queue ON jobs(status, {_RANK_SQL}, seq)")

    def close(self) -> None:
        """Close every connection; any later call raises StoreClosedError."""
        with self._lock, self._readers_lock:
            self._closed = True
            self._db.close()
            for _, db in self._readers:
                db.close()
            self._readers.clear()

    def _reader(self) -> sqlite3.Connection:
        """This thread's read-only connection (opened on first use)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            with self._readers_lock:
                if self._closed:
                    raise StoreClosedError
                # Connections of threads that ended are closed here rather than kept.
                for entry in [e for e in self._readers if not _alive(e[0])]:
                    self._readers.remove(entry)
                    entry[1].close()
                db = _connect(self.path)
                db.execute("PRAGMA query_only=ON")
                # Small: a reader's cache is dropped whenever another connection writes,
                # and one per thread adds up (the OS caches the file anyway).
                db.execute("PRAGMA cache_size=-512")
                self._readers.append((weakref.ref(threading.current_thread()), db))
                self._local.db = db
        elif self._closed:
            raise StoreClosedError
        return db

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        # Every row is fetched, so the statement ends with its read transaction: the
        # thread's next read sees the writes committed meanwhile.
        rows: list[sqlite3.Row] = self._reader().execute(sql, args).fetchall()
        return rows

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        rows = self._read(sql, args)
        return _decode(rows[0]) if rows else None

    def _writer(self, durable: bool) -> sqlite3.Connection:
        """The writer connection set to `durable` (call with `_lock` held)."""
        if self._closed:
            raise StoreClosedError
        if durable != self._durable:  # a PRAGMA costs ~3 µs: set only on a change
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self._durable = durable
        return self._db

    def _commit(self, db: sqlite3.Connection) -> None:
        try:
            db.execute("COMMIT")
        except BaseException:
            _rollback(db)
            raise
        self.commits += 1

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """An immediate (write-locked) transaction; commits on success.

        `durable=False` skips the commit's fsync (WAL with synchronous=NORMAL): the write
        survives a crash of the process but maybe not of the machine. For progress that
        can be redone (a job's results: it runs again after a restart), never for
        accepting a job or for credentials.

        The store's reads in the same thread do not see the uncommitted writes: read
        through the connection given.
        """
        with self._lock:
            db = self._writer(durable)
            db.execute("BEGIN IMMEDIATE")
            self._local.writing = True
            try:
                yield db
            except BaseException:
                _rollback(db)
                raise
            finally:
                self._local.writing = False
            self._commit(db)

    def _grouped(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run `work` in a durable write transaction shared with the concurrent callers.

        The caller that finds no leader leads: it takes the writer lock, then every
        queued part, runs each in its own savepoint (an exception rolls back only that
        part and is raised in its caller) and commits them all with one fsync. The
        others wait for their part to be committed (or for the next lead). Each caller
        returns only after the commit holding its write, as with `transaction()`.
        """
        if getattr(self._local, "writing", False):  # it would wait for itself
            raise RuntimeError("a Store write inside a write transaction of the same thread")
        part = _Part(work)
        with self._group:
            self._queue.append(part)
            while not part.done and self._leading:
                self._group.wait()
            if part.done:
                return part.outcome()
            self._leading = True
        batch: list[_Part[Any]] = []
        try:
            with self._lock:
                with self._group:
                    batch, self._queue = self._queue, []
                self._run_group(batch)
        finally:
            with self._group:
                for queued in batch:
                    queued.done = True
                self._leading = False
                self._group.notify_all()
        return part.outcome()

    def _run_group(self, batch: list[_Part[Any]]) -> None:
        try:
            db = self._writer(True)
            db.execute("BEGIN IMMEDIATE")
            self._local.writing = True
            try:
                for part in batch:
                    db.execute("SAVEPOINT part")
                    try:
                        part.result = part.work(db)
                    except BaseException as exc:  # raised in its own caller
                        part.error = exc
                        if not db.in_transaction:  # SQLite ended it: the group is lost
                            raise
                        db.execute("ROLLBACK TO part")
                    db.execute("RELEASE part")
                self._commit(db)
            except BaseException:
                _rollback(db)
                raise
            finally:
                self._local.writing = False
        except BaseException as exc:  # nothing was committed: every part failed
            for part in batch:
                if part.error is None:
                    part.error = exc

    # -- meta -------------------------------------------------------------------------
    def drop_legacy_secrets(self) -> None:
        """Older versions kept signing keys in `meta`; erase them (their pages too)."""
        with self._lock:
            db = self._writer(True)
            found = db.execute(
                "SELECT COUNT(*) FROM meta WHERE key IN ('jwt-hs256', 'ws-ticket')"
            ).fetchone()[0]
            if not found:
                return
            db.execute("PRAGMA secure_delete=ON")
            try:
                db.execute("DELETE FROM meta WHERE key IN ('jwt-hs256', 'ws-ticket')")
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                db.execute("PRAGMA secure_delete=OFF")

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
                # A reset credential ends every session started with the old one.
                db.execute("UPDATE sessions SET revoked = 1 WHERE user_id = ?", (row["id"],))
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

    def users_with_totp(self) -> list[tuple[int, str]]:
        rows = self._read("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
        return [(int(r[0]), str(r[1])) for r in rows]

    def set_totp_secret(self, user_id: int, sealed: str, *, only_if: str | None = None) -> None:
        """Store a (sealed) TOTP secret; with `only_if`, only over that exact value."""
        sql = "UPDATE users SET totp_secret = ? WHERE id = ?"
        args: tuple[Any, ...] = (sealed, user_id)
        if only_if is not None:
            sql += " AND totp_secret = ?"
            args += (only_if,)
        with self.transaction() as db:
            db.execute(sql, args)

    # -- federated identities -----------------------------------------------------------
    def user_by_identity(self, issuer: str, subject: str) -> dict[str, Any] | None:
        return self._one(
            "SELECT users.* FROM identities JOIN users ON users.id = identities.user_id"
            " WHERE identities.issuer = ? AND identities.subject = ?",
            (issuer, subject),
        )

    def add_identity_user(self, email: str, issuer: str, subject: str) -> dict[str, Any]:
        """Create a password-less user for the identity (issuer, subject), or return the
        one it has; ValueError when `email` belongs to another account."""
        with self.transaction() as db:
            row = db.execute(
                "SELECT user_id FROM identities WHERE issuer = ? AND subject = ?",
                (issuer, subject),
            ).fetchone()
            if row is None:
                if db.execute("SELECT 1 FROM users WHERE email = ?", (email,)).fetchone():
                    raise ValueError("the e-mail belongs to another account")
                cursor = db.execute(
                    "INSERT INTO users (email, created) VALUES (?, ?)", (email, time.time())
                )
                user_id = int(cursor.lastrowid or 0)
                db.execute(
                    "INSERT INTO identities (issuer, subject, user_id) VALUES (?, ?, ?)",
                    (issuer, subject, user_id),
                )
            else:
                user_id = int(row["user_id"])
            found = db.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        return _decode(found)

    # -- sessions (refresh-token families) ----------------------------------------------
    def start_session(
        self, session: str, user_id: int, token_hash: str, now: float, idle: float, life: float
    ) -> None:
        """A new session of `user_id` (ending at `now + life`) with its first token.
        Expired tokens and sessions are deleted on the way (presenting one is refused
        either way)."""
        with self.transaction() as db:
            db.execute("DELETE FROM session_tokens WHERE expires < ?", (now,))
            db.execute(
                "DELETE FROM sessions WHERE expires < ? AND NOT EXISTS"
                " (SELECT 1 FROM session_tokens WHERE session = sessions.id)",
                (now,),
            )
            db.execute(
                "INSERT INTO sessions (id, user_id, created, expires) VALUES (?, ?, ?, ?)",
                (session, user_id, now, now + life),
            )
            db.execute(
                "INSERT INTO session_tokens (token_hash, session, expires) VALUES (?, ?, ?)",
                (token_hash, session, min(now + idle, now + life)),
            )

    def rotate_refresh_token(
        self,
        token_hash: str,
        new_hash: str,
        now: float,
        idle: float,
        grace: float,
        *,
        presenter: str = "",
        known: tuple[str, ...] = (),
    ) -> tuple[str, dict[str, Any] | None]:
        """Spend a refresh token and store its successor `new_hash`, in one transaction.

        ("ok", session) on success, where `session["successor"]` is the successor's hash
        and `session["issued"]` the time the token was first spent; ("reused", None) after
        revoking the session (the whole family) when the token was spent before and this
        is not a retry; ("invalid", None) for an unknown, expired or revoked one.

        The successor of a token is fixed (the caller derives it from the token): a
        presentation of a spent token is a *retry* of a lost reply, answered with the same
        successor (`new_hash`, or one of `known`, the successors derived under older
        keys), when it comes within `grace` seconds of the first use, from the same
        `presenter` (client address), and that successor was never spent. Any other
        presentation of a spent token is reuse.
        """
        with self.transaction() as db:
            row = db.execute(
                "SELECT t.*, s.user_id, s.revoked, s.expires AS ends FROM session_tokens t"
                " JOIN sessions s ON s.id = t.session WHERE t.token_hash = ?",
                (token_hash,),
            ).fetchone()
            if row is None or row["revoked"] or min(row["expires"], row["ends"]) <= now:
                return "invalid", None
            session = {"id": row["session"], "user_id": row["user_id"], "expires": row["ends"]}
            if row["used"] is None and not row["superseded"]:
                db.execute(
                    "UPDATE session_tokens SET used = ?, replaced_by = ?, presenter = ?"
                    " WHERE token_hash = ?",
                    (now, new_hash, presenter, token_hash),
                )
                db.execute(
                    "INSERT INTO session_tokens (token_hash, session, expires) VALUES (?, ?, ?)",
                    (new_hash, row["session"], min(now + idle, row["ends"])),
                )
                return "ok", {**session, "successor": new_hash, "issued": now}
            successor = row["replaced_by"]
            child = None
            if successor in (new_hash, *known) and not row["superseded"]:
                child = db.execute(
                    "SELECT used, expires FROM session_tokens WHERE token_hash = ?", (successor,)
                ).fetchone()
            retry = (
                child is not None
                and child["used"] is None
                and child["expires"] > now
                and row["presenter"] == presenter
                and now - row["used"] <= grace
            )
            if not retry:
                db.execute("UPDATE sessions SET revoked = 1 WHERE id = ?", (row["session"],))
                return "reused", None
        return "ok", {**session, "successor": successor, "issued": row["used"]}

    def session_user(self, session: str, now: float) -> dict[str, Any] | None:
        """The user of a live (not revoked, not expired) session, else None."""
        return self._one(
            "SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id"
            " WHERE sessions.id = ? AND sessions.revoked = 0 AND sessions.expires > ?",
            (session, now),
        )

    def live_sessions(self, sessions: set[str], now: float) -> set[str]:
        """Which of `sessions` are live (not revoked, not expired)."""
        ids = sorted(sessions)
        live: set[str] = set()
        for start in range(0, len(ids), 500):  # SQLite's bound on parameters
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            rows = self._read(
                f"SELECT id FROM sessions WHERE id IN ({marks})"  # noqa: S608 - marks only
                " AND revoked = 0 AND expires > ?",
                (*part, now),
            )
            live.update(str(row[0]) for row in rows)
        return live

    def revoke_session(self, session: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE sessions SET revoked = 1 WHERE id = ?", (session,))

    def revoke_user_sessions(self, email: str) -> int:
        """Revoke every session of the user `email`; how many were live. KeyError when
        there is no such user."""
        with self.transaction() as db:
            row = db.execute("SELECT id FROM users WHERE email = ?", (email,)).fetchone()
            if row is None:
                raise KeyError(email)
            cursor = db.execute(
                "UPDATE sessions SET revoked = 1 WHERE user_id = ? AND revoked = 0",
                (row["id"],),
            )
            return cursor.rowcount

    # -- jobs ---------------------------------------------------------------------------
    def insert_job(
        self,
        job: dict[str, Any],
        idempotency: tuple[str, str] | None,
        join_batch: tuple[str, Callable[[dict[str, Any] | None], None]] | None = None,
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
                    "INSERT INTO idempotency (user_id, key, request_hash, job_id)"
                    " VALUES (?, ?, ?, ?)",
                    (job["user_id"], key, request_hash, job["id"]),
                )
            if join_batch is not None:
                batch_id, check = join_batch
                check(_batch_head(db, batch_id))
            values = _encode(job)
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            db.execute(f"INSERT INTO jobs ({columns}) VALUES ({marks})", tuple(values.values()))  # noqa: S608
            return str(job["id"])

        return self._grouped(insert)

    def job(self, job_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM jobs WHERE id = ?", (job_id,))

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
        return [_decode(row) for row in rows]

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
            moment = time.time() if now is None else now
            row = db.execute(_NEXT_JOB_SQL, (moment,)).fetchone()
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
            return _append_chunk(db, job_id, (layout, shots, data))

    def finish_job(
        self,
        job_id: str,
        *,
        only_if: tuple[str, ...],
        status: str,
        result_date: str,
        chunk: Chunk | None = None,
        **fields: Any,
    ) -> bool:
        """End a job in one transaction: set `status`, `result_date` and `fields` (when
        its status is in `only_if`) and store its last packed `chunk` (layout, shots,
        data, as `append_chunk` takes them), if any; False (and nothing stored) when the
        status did not match. Not fsynced, as `append_chunk`: after a machine crash, an
        unfinished-looking job just runs again. One commit instead of `append_chunk`
        and `update_job`'s two."""
        sql, args = _update_sql(
            job_id, only_if, dict(fields, status=status, result_date=result_date)
        )
        with self.transaction(durable=False) as db:
            if db.execute(sql, args).rowcount != 1:
                return False
            if chunk is not None:
                _append_chunk(db, job_id, chunk)
        return True

    def job_chunks(self, job_id: str) -> list[tuple[int, bytes]]:
        """The packed result chunks of a job, in order: (shots, data)."""
        rows = self._read(
            "SELECT shots, data FROM job_chunks WHERE job_id = ? ORDER BY seq", (job_id,)
        )
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


def _connect(path: Path) -> sqlite3.Connection:
    # Autocommit (`isolation_level=None`): transactions are begun explicitly, so a read
    # never leaves one open. Any thread may close it (`Store.close`).
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=10.0)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys=ON")
    return db


def _alive(thread: weakref.ref[threading.Thread]) -> bool:
    found = thread()
    return found is not None and found.is_alive()


def _rollback(db: sqlite3.Connection) -> None:
    if db.in_transaction:  # (SQLite may have rolled back already, e.g. on a full disk)
        db.execute("ROLLBACK")


def _encode(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (json.dumps(v) if k in _JSON_COLUMNS and v is not None else v) for k, v in fields.items()
    }


def _update_sql(
    job_id: str, only_if: tuple[str, ...], fields: dict[str, Any]
) -> tuple[str, tuple[Any, ...]]:
    """The UPDATE setting `fields` on a job whose status is in `only_if` (if given)."""
    values = _encode(fields)
    sets = ", ".join(f"{k} = ?" for k in values)
    sql = f"UPDATE jobs SET {sets} WHERE id = ?"  # noqa: S608 - column names are ours
    args: tuple[Any, ...] = (*values.values(), job_id)
    if only_if:
        sql += f" AND status IN ({', '.join('?' for _ in only_if)})"
        args += only_if
    return sql, args


def _append_chunk(db: sqlite3.Connection, job_id: str, chunk: Chunk) -> int:
    """Store a packed chunk of a job's results; the job's new `last_shot`."""
    layout, shots, data = chunk
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
