"""`ServerSettings`: every tunable of the local reference service in one frozen dataclass."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from quantinuum_emulator import DEFAULT_MAX_PROGRAM_BYTES, DEFAULT_MAX_RESULT_BITS

__all__ = ["DEFAULT_QUEUE_DELAY", "ServerSettings", "default_db_path"]

#: Seconds a job of `qapi serve` stays queued before it may start (`--queue-delay`).
DEFAULT_QUEUE_DELAY = 2.0


@dataclass(frozen=True)
class ServerSettings:
    """Configuration of the local service. The defaults suit `qapi serve`.

    Times are in seconds. `idp_public_keys` are PEM-encoded RSA public keys of the
    identity providers whose RS256 `provider-token`s are accepted (none: federated login
    is off and every provider token gets 401 code 23).

    Jobs run in `workers` worker processes (started on the first job). Each job may use
    `job_memory_limit` bytes of resident memory and `job_time_limit` seconds (None: no
    limit); a job whose worker dies `max_job_attempts` times fails with code 43. A worker
    holding more than `worker_recycle_rss` bytes after a job is restarted, so a big job's
    memory goes back to the system. `max_result_bits` bounds shots x classical bits at
    submission (code 41).
    """

    id_token_ttl: int = 3600
    refresh_token_ttl: int = 30 * 86400
    max_body_bytes: int = 1_048_576
    max_program_bytes: int = DEFAULT_MAX_PROGRAM_BYTES
    login_max_failures: int = 5
    login_failure_window: float = 900.0
    workers: int = 2  # job worker processes: one heavy job leaves one for the others
    job_memory_limit: int | None = field(default_factory=lambda: _physical_memory() // 2)
    job_time_limit: float | None = 6 * 3600.0
    max_job_attempts: int = 3
    worker_recycle_rss: int | None = 512 * 2**20
    max_result_bits: int = DEFAULT_MAX_RESULT_BITS  # e.g. 10,000 shots of 1,677 classical bits
    # A job stays queued this long after its submission, as on the cloud, so it can be
    # canceled before it starts and the queue is visible (0: it starts at once).
    queue_delay: float = DEFAULT_QUEUE_DELAY
    # Programs are parsed in checker processes (`_admission`), at most `checkers` at once,
    # each with `check_time_limit` seconds (CPU and wall clock) and `check_memory_limit`
    # bytes of address space beyond its start (None: no memory limit).
    checkers: int = 2
    check_time_limit: float = 20.0
    check_memory_limit: int | None = 2 * 2**30
    chunk_shots: int = 100  # shots of a job's first chunk of results
    chunk_growth: float = 2.0  # each next chunk this many times larger (1.0: fixed size)
    chunk_delay: float = 0.0
    ticket_ttl: int = 900
    websocket_open_timeout: float = 30.0
    # Open websockets per user at once (one more is closed with code 4029), and how often
    # the sessions of open websockets are checked (a revocation by another process, e.g.
    # `qapi server revoke-sessions`, or a session's end; this process' own revocations
    # are acted on at once): a socket of an ended session is closed with code 4001.
    max_user_subscriptions: int = 100
    # The job-batch extension (`POST /v1/job-batch`, `/v1/job-batch/documents`); off, the
    # service answers 404 for them, as the cloud does (tests of the SDK's fallback).
    batch_requests: bool = True
    websocket_session_check: float = 5.0
    # How long an idle kept-alive HTTP connection stays open. uvicorn's default (5 s)
    # equals pytket-quantinuum's polling interval, so its `requests` session resent on a
    # connection the service was closing that instant: RemoteDisconnected mid-wait.
    keep_alive: int = 75
    # Slow and many clients (`_serving`): a request's head must arrive within
    # `header_timeout` s and its body within `body_timeout` s (408 otherwise, and the
    # connection closes); beyond `max_connections` open connections, requests get 503.
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 1000
    calendar_max_days: int = 62
    idp_public_keys: tuple[str, ...] = ()
    idp_issuer: str | None = None
    idp_audience: str | None = None
    provider_auto_create: bool = True
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    argon2_parallelism: int = 4
    # Sessions, login limits (see `_auth.LoginThrottle`) and keys. With
    # `idp_public_keys`, `idp_issuer` and `idp_audience` are required.
    session_lifetime: int = 90 * 86400  # absolute: refreshing never extends a session
    refresh_grace: float = 30.0  # a spent refresh token is accepted again (lost reply)
    login_client_max_failures: int = 20  # per client address and failure window
    login_lockout: float = 30.0  # the longest others' guesses hold an account back
    login_concurrency: int = 2  # password hashes at once
    login_queue: int = 32  # logins waiting for a hashing slot; then 429
    login_queue_timeout: float = 10.0
    key_path: Path | None = None  # the key file; default: the database path + ".keys"
    spec_path: Path | None = None

    def replace(self, **changes: object) -> ServerSettings:
        """A copy with `changes` applied."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def _physical_memory() -> int:
    """The machine's physical memory in bytes (8 GiB when the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def default_db_path() -> Path:
    """The default SQLite file: `<user data dir>/quantinuum-api/server.sqlite3`."""
    import platformdirs

    return Path(platformdirs.user_data_dir("quantinuum-api")) / "server.sqlite3"
