"""`Store`: the service's SQLite database (WAL) holding users, login sessions and their
refresh tokens (as hashes), federated identities, jobs and results. No key is kept in
it (see `_keys`); the file is created 0600 in a 0700 directory.

The database core (`_database`: connections, schema, transactions, group commits) and a
store per concern on it: users and federated identities (`_users`), login sessions and
their refresh tokens (`_sessions`), jobs and their results (`_jobs`). `Store` is all of
them over one database.
"""

from __future__ import annotations

from ._database import StoreClosedError
from ._jobs import Chunk, Finished, IdempotencyConflict, JobStore, Shown
from ._sessions import SessionStore
from ._users import UserStore

__all__ = ["Chunk", "Finished", "IdempotencyConflict", "Shown", "Store", "StoreClosedError"]


class Store(UserStore, SessionStore, JobStore):
    """The service's database at `path` (created with its tables when missing)."""
