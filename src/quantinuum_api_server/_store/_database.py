"""The database core of `Store`: the SQLite file (WAL), its schema, connections and
transactions.

Writes go through one writer connection behind a lock (which rules out `SQLITE_BUSY`
between the HTTP handlers and the job workers); concurrent durable writes share one
commit, hence one fsync (`_grouped`). Reads go through a read-only connection per thread
in autocommit mode, so under WAL they never wait for a writer or its fsync, and a thread
sees every write committed before its read. Rows are plain dicts; the JSON columns
(`options`, `results`, `error`, `result_layout`) are decoded on the way out.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

__all__ = ["RANK_SQL", "Database", "StoreClosedError", "decode", "encode"]

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
CREATE INDEX IF NOT EXISTS jobs_user_seq ON jobs(user_id, seq);
-- A job's program and WASM module (`cfl`), apart from its row: a status change rewrites
-- the whole row, and a row holding a 6 KB program cost 7x a small one to update (a 1 MB
-- one, 370x). `jobs.program` stays in the schema (NOT NULL), empty since.
CREATE TABLE IF NOT EXISTS job_programs (
    seq INTEGER PRIMARY KEY,
    program TEXT NOT NULL,
    cfl TEXT
);
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
#: A job's priority as a number (high first), as the `jobs_queue` index spells it.
RANK_SQL = "(CASE priority WHEN 'high' THEN 0 WHEN 'low' THEN 2 ELSE 1 END)"


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


class Database:
    """The database at `path` (created with its tables when missing): its connections,
    transactions and group commits, on which the user, session and job stores build."""

    def __init__(self, path: Path) -> None:
        from .._keys import private_dir, private_file  # (kept out of the import block)

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
        self._db.execute(f"CREATE INDEX IF NOT EXISTS jobs_queue ON jobs(status, {RANK_SQL}, seq)")
        # Older databases had an index on (status, seq) as well: `jobs_queue` serves every
        # lookup by status, and each index more is written on every status change.
        self._db.execute("DROP INDEX IF EXISTS jobs_status")
        self._move_programs()

    def _move_programs(self) -> None:
        """Programs of jobs stored before `job_programs` existed move there (once)."""
        moving = self._db.execute("SELECT 1 FROM jobs WHERE program != '' LIMIT 1").fetchone()
        if moving is None:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(
                "INSERT OR REPLACE INTO job_programs (seq, program, cfl)"
                " SELECT seq, program, cfl FROM jobs WHERE program != ''"
            )
            self._db.execute("UPDATE jobs SET program = '', cfl = NULL WHERE program != ''")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

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
        return decode(rows[0]) if rows else None

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
        """Run `work` in a durable write transaction shared with the concurrent callers
        (`_grouped_all` of one work)."""
        part: _Part[_T] = self._grouped_all([work])[0]
        return part.outcome()

    def _grouped_all(self, works: list[Callable[[sqlite3.Connection], Any]]) -> list[_Part[Any]]:
        """Run each of `works`, in order, in one durable write transaction shared with
        the concurrent callers; their parts (each with its result or error).

        The caller that finds no leader leads: it takes the writer lock, then every
        queued part, runs each in its own savepoint (an exception rolls back only that
        part and is raised in its caller) and commits them all with one fsync. The
        others wait for their parts to be committed (or for the next lead). The parts of
        one call are queued together, so they share one commit. Each caller returns
        only after the commit holding its writes, as with `transaction()`.
        """
        if getattr(self._local, "writing", False):  # it would wait for itself
            raise RuntimeError("a Store write inside a write transaction of the same thread")
        parts: list[_Part[Any]] = [_Part(work) for work in works]
        if not parts:
            return parts
        last = parts[-1]
        with self._group:
            self._queue.extend(parts)
            while not last.done and self._leading:
                self._group.wait()
            if last.done:
                return parts
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
        return parts

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


def encode(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (json.dumps(v) if k in _JSON_COLUMNS and v is not None else v) for k, v in fields.items()
    }


def decode(row: sqlite3.Row) -> dict[str, Any]:
    data = dict(row)
    for key in _JSON_COLUMNS:
        if data.get(key) is not None:
            data[key] = json.loads(data[key])
    return data
