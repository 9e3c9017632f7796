"""The parts of the retrying transports with no I/O: which requests may be resent, the
lost-reply context, the request extensions and the retry log line (see `_transport`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpx

__all__ = [
    "ATTEMPTS_EXTENSION",
    "IDEMPOTENT_EXTENSION",
    "IDEMPOTENT_METHODS",
    "AsyncSleep",
    "Sleep",
    "async_sleep",
    "is_idempotent",
    "lost_reply_ok",
    "resend_on_lost_reply",
    "retry_log",
    "sync_sleep",
]

logger = logging.getLogger("quantinuum_api")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Request extension overriding the method's idempotency (``extensions={...: True}``).
IDEMPOTENT_EXTENSION = "quantinuum_api.idempotent"
#: Request extension set by the transport: how many attempts the request took.
ATTEMPTS_EXTENSION = "quantinuum_api.attempts"

Sleep = Callable[[float], None]
AsyncSleep = Callable[[float], Awaitable[None]]


def is_idempotent(request: httpx.Request) -> bool:
    """Whether ``request`` may be sent twice: its method, an Idempotency-Key, or the extension."""
    if "idempotency-key" in request.headers:
        return True
    explicit = request.extensions.get(IDEMPOTENT_EXTENSION)
    if isinstance(explicit, bool):
        return explicit
    return request.method.upper() in IDEMPOTENT_METHODS


_LOST_REPLY: ContextVar[bool] = ContextVar("quantinuum_api_lost_reply", default=False)


@contextmanager
def resend_on_lost_reply() -> Iterator[None]:
    """Let the requests sent inside this block (by this thread or task) be resent after a
    transport error once sent, a lost reply, though not on an error reply. A context, not a
    request extension, because generated operations take no extensions (see `_auth`)."""
    token = _LOST_REPLY.set(True)
    try:
        yield
    finally:
        _LOST_REPLY.reset(token)


def lost_reply_ok() -> bool:
    """Whether the current request was sent inside `resend_on_lost_reply()`."""
    return _LOST_REPLY.get()


#: The default waits of the two transports (the sync one is generated with `sync_sleep`).
async_sleep: AsyncSleep = asyncio.sleep
sync_sleep: Sleep = time.sleep


def retry_log(request: httpx.Request, attempt: int, delay: float, why: str) -> None:
    logger.info(
        "%s %s: %s; retry %d in %.2f s", request.method, request.url.path, why, attempt + 1, delay
    )
