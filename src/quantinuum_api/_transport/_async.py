"""The retrying transport (see `_transport`). This async source is the one written by
hand; the sync twin (`_sync.py`) is generated from it by scripts/generate_sync.py."""

from __future__ import annotations

import httpx

from .._retry import RetryPolicy
from ._core import (
    ATTEMPTS_EXTENSION,
    AsyncSleep,
    async_sleep,
    is_idempotent,
    lost_reply_ok,
    retry_log,
)

__all__ = ["AsyncRetryTransport"]


async def _abuffered(response: httpx.Response) -> httpx.Response:
    """``response`` with its raw (still encoded) body read whole, so a transport error while
    reading it is raised here, inside the retry loop; the original is closed. A reply
    already in memory (built with its content) is returned as it is."""
    if response.is_stream_consumed:
        return response
    chunks: list[bytes] = []
    try:
        async for chunk in response.aiter_raw():
            chunks.append(chunk)
    finally:
        await response.aclose()
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(b"".join(chunks)),
        extensions=response.extensions,
    )


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """Sends through ``transport``, retrying per ``policy`` and waiting with ``sleep``."""

    def __init__(
        self,
        transport: httpx.AsyncBaseTransport,
        policy: RetryPolicy | None = None,
        sleep: AsyncSleep = async_sleep,
    ) -> None:
        self.transport = transport
        self.policy = policy if policy is not None else RetryPolicy()
        self.sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        safe = is_idempotent(request)
        lost_ok = safe or lost_reply_ok()
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
                retry_log(request, attempt, delay, type(exc).__name__)
            else:
                if response.is_success or not self.policy.should_retry(
                    attempt, idempotent=safe, response=response
                ):
                    return response
                delay = self.policy.delay(attempt, response)
                retry_log(request, attempt, delay, f"HTTP {response.status_code}")
                await response.aclose()
            await self.sleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        await self.transport.aclose()
