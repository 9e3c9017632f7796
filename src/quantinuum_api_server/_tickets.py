"""Websocket tickets: `task_token` = base64url(JSON {job, user, exp}) "." base64url(HMAC),
signed with the service's ticket key (from its key file; tickets signed with the
previous key stay valid after a rotation); `executionArn` names the job. A ticket is bound
to one job, one user and (when issued to a request) its login session, carries a random
nonce, and expires after `ServerSettings.ticket_ttl` seconds. A ticket opens one websocket:
`use` remembers it (in memory, until it expires) and refuses it the second time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

__all__ = ["Ticket", "TicketError", "Tickets", "execution_arn"]


class Ticket(NamedTuple):
    """What a valid ticket grants: a job of a user, in a login session (if known)."""

    job: str
    user: int
    session: str | None


class TicketError(ValueError):
    """The ticket is malformed, forged, expired or does not match its executionArn."""


def execution_arn(job_id: str) -> str:
    return f"arn:qapi:local:execution:{job_id}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Tickets:
    """Issues and verifies tickets with `key`."""

    def __init__(
        self,
        keys: bytes | Callable[[], Sequence[bytes]],
        ttl: int,
        session_live: Callable[[str], bool] | None = None,
    ) -> None:
        """`keys`: one key, or a callable giving the keys (the signing one first);
        `session_live(sid)`: whether a ticket issued in session `sid` is still good."""
        self._keys = keys if callable(keys) else (lambda: [keys])
        self._ttl = ttl
        self._session_live = session_live
        self._used: dict[bytes, int] = {}  # signature -> expiry, of tickets used once
        self._sweep_at = 4096
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Tickets ttl={self._ttl}>"

    def issue(self, job_id: str, user_id: int, session: str | None = None) -> dict[str, str]:
        """A ticket for `job_id`; with `session`, it dies with that login session."""
        claims: dict[str, Any] = {
            "job": job_id,
            "user": user_id,
            "exp": int(time.time()) + self._ttl,
            "n": secrets.token_urlsafe(9),
        }
        if session is not None:
            claims["sid"] = session
        payload = json.dumps(claims, separators=(",", ":")).encode()
        signature = hmac.new(self._keys()[0], payload, hashlib.sha256).digest()
        return {
            "task_token": f"{_b64(payload)}.{_b64(signature)}",
            "executionArn": execution_arn(job_id),
        }

    def verify(self, task_token: str, arn: str) -> tuple[str, int]:
        """The (job id, user id) a valid ticket grants; TicketError otherwise."""
        ticket, _ = self._check(task_token, arn)
        return ticket.job, ticket.user

    def use(self, task_token: str, arn: str) -> Ticket:
        """Verify a ticket and spend it: TicketError when invalid or already used."""
        ticket, (signature, expires) = self._check(task_token, arn)
        now = time.time()
        with self._lock:
            if signature in self._used:
                raise TicketError("This task_token was already used")
            if len(self._used) >= self._sweep_at:  # forget expired ones, now and then
                self._used = {k: e for k, e in self._used.items() if e >= now}
                self._sweep_at = max(4096, 2 * len(self._used))
            self._used[signature] = expires
        return ticket

    def _check(self, task_token: str, arn: str) -> tuple[Ticket, tuple[bytes, int]]:
        try:
            encoded, signature = task_token.split(".")
            payload = _unb64(encoded)
            given = _unb64(signature)
        except ValueError:
            raise TicketError("Malformed task_token") from None
        if not any(
            hmac.compare_digest(given, hmac.new(key, payload, hashlib.sha256).digest())
            for key in self._keys()
        ):
            raise TicketError("Invalid task_token")
        try:
            data: Any = json.loads(payload)
            expires, job_id, user_id = int(data["exp"]), str(data["job"]), int(data["user"])
            session = data.get("sid")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise TicketError("Malformed task_token") from None
        if expires < time.time():
            raise TicketError("Expired task_token")
        if session is not None and self._session_live and not self._session_live(str(session)):
            raise TicketError("The session of this task_token has ended")
        if not hmac.compare_digest(arn.encode(errors="replace"), execution_arn(job_id).encode()):
            raise TicketError("executionArn does not match task_token")
        sid = None if session is None else str(session)
        return Ticket(job_id, user_id, sid), (given, expires)
