"""Retries as httpx transports (sync and async twins) wrapping the real transport.

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

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpx

from ._retry import RetryPolicy

__all__ = [
    "ATTEMPTS_EXTENSION",
    "IDEMPOTENT_EXTENSION",
    "IDEMPOTENT_METHODS",
    "AsyncRetryTransport",
    "RetryTransport",
    "is_idempotent",
    "resend_on_lost_reply",
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


def _buffered(response: httpx.Response) -> httpx.Response:
    """``response`` with its raw (still encoded) body read whole, so a transport error while
    reading it is raised here, inside the retry loop; the original is closed. A reply
    already in memory (built with its content) is returned as it is."""
    if response.is_stream_consumed:
        return response
    try:
        raw = b"".join(response.iter_raw())
    finally:
        response.close()
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(raw),
        extensions=response.extensions,
    )


async def _abuffered(response: httpx.Response) -> httpx.Response:
    """Async twin of `_buffered`."""
    if response.is_stream_consumed:
        return response
    try:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    finally:
        await response.aclose()
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(raw),
        extensions=response.extensions,
    )


def _log(request: httpx.Request, attempt: int, delay: float, why: str) -> None:
    logger.info(
        "%s %s: %s; retry %d in %.2f s", request.method, request.url.path, why, attempt + 1, delay
    )


class RetryTransport(httpx.BaseTransport):
    """Sends through ``transport``, retrying per ``policy`` and waiting with ``sleep``."""

    def __init__(
        self,
        transport: httpx.BaseTransport,
        policy: RetryPolicy | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.transport = transport
        self.policy = policy if policy is not None else RetryPolicy()
        self.sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        safe = is_idempotent(request)
        lost_ok = safe or _LOST_REPLY.get()
        attempt = 0
        while True:
            request.extensions[ATTEMPTS_EXTENSION] = attempt + 1
            try:
                response = self.transport.handle_request(request)
                if lost_ok:
                    response = _buffered(response)
            except httpx.TransportError as exc:
                if not self.policy.should_retry(attempt, idempotent=lost_ok, exc=exc):
                    raise
                delay = self.policy.delay(attempt)
                _log(request, attempt, delay, type(exc).__name__)
            else:
                if response.is_success or not self.policy.should_retry(
                    attempt, idempotent=safe, response=response
                ):
                    return response
                delay = self.policy.delay(attempt, response)
                _log(request, attempt, delay, f"HTTP {response.status_code}")
                response.close()
            self.sleep(delay)
            attempt += 1

    def close(self) -> None:
        self.transport.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """Async twin of :class:`RetryTransport`."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport,
        policy: RetryPolicy | None = None,
        sleep: AsyncSleep = asyncio.sleep,
    ) -> None:
        self.transport = transport
        self.policy = policy if policy is not None else RetryPolicy()
        self.sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        safe = is_idempotent(request)
        lost_ok = safe or _LOST_REPLY.get()
        attempt = 0
        while True:
            request.extensions[ATTEMPTS_EXTENSION] = attempt + 1
            try:
                response = await self.transport.handle_async_request(request)
                if lost_ok:
                    response = await _abuffered(response)
            except httpx.TransportError as exc:
                if not self.policy.should_retry(attempt, idempotent=lost_ok, exc=exc):
                    raise
                delay = self.policy.delay(attempt)
                _log(request, attempt, delay, type(exc).__name__)
            else:
                if response.is_success or not self.policy.should_retry(
                    attempt, idempotent=safe, response=response
                ):
                    return response
                delay = self.policy.delay(attempt, response)
                _log(request, attempt, delay, f"HTTP {response.status_code}")
                await response.aclose()
            await self.sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        await self.transport.aclose()
