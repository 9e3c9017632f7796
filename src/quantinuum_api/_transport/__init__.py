"""Retries as httpx transports (an async one and its generated sync twin) wrapping the real
transport.

Every request the SDK sends, generated operations included, goes through these, so the
retry policy (`_retry.RetryPolicy`) is applied in one place: GET/PUT/DELETE/HEAD/OPTIONS and
any request carrying an ``Idempotency-Key`` are retried on 429/5xx and transient transport
errors; any other request (a POST without a key: cancel, login, token refresh) only when the
connection was never made, since then the server cannot have acted on it. A request sent
inside ``resend_on_lost_reply()`` (a token refresh, which the service takes again after a
lost reply) is also resent after a transport error once sent, though not after an error
reply. A reply to a request that may be resent is read whole inside the retry loop, so a
reply cut short (``RemoteProtocolError: peer closed connection without sending complete
message body``) is resent like one never received; other replies are returned unread, as
the inner transport gave them. Retry-After is
honoured up to a cap (a longer hint is returned to the caller as the 429), otherwise the wait
is exponential with jitter, and one budget covers every kind of failure.

httpx-retries 0.6 (`RetryTransport`) was evaluated and not used: it decides by HTTP method
only, so it cannot retry a POST that carries an Idempotency-Key while leaving other POSTs
alone, nor retry a POST only when nothing was sent; it caps Retry-After with the backoff cap
and then always waits; it ignores ``retry-after-ms``; and its sleep cannot be injected.
"""

from __future__ import annotations

from ._async import AsyncRetryTransport
from ._core import (
    ATTEMPTS_EXTENSION,
    IDEMPOTENT_EXTENSION,
    IDEMPOTENT_METHODS,
    is_idempotent,
    resend_on_lost_reply,
)
from ._sync import RetryTransport

__all__ = [
    "ATTEMPTS_EXTENSION",
    "IDEMPOTENT_EXTENSION",
    "IDEMPOTENT_METHODS",
    "AsyncRetryTransport",
    "RetryTransport",
    "is_idempotent",
    "resend_on_lost_reply",
]
