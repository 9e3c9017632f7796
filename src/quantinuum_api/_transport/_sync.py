# GENERATED from _transport/_async.py by scripts/generate_sync.py: do not edit.
"""The retrying transport (see `_transport`). This async source is the one written by
hand; the sync twin (`_sync.py`) is generated from it by scripts/generate_sync.py."""

from __future__ import annotations

import httpx

from .._retry import RetryPolicy
from ._core import (
    ATTEMPTS_EXTENSION,
    Sleep,
    is_idempotent,
    lost_reply_ok,
    retry_log,
    sync_sleep,
)

__all__ = ["RetryTransport"]


def _buffered(response: httpx.Response) -> httpx.Response:
    """``response`` with its raw (still encoded) body read whole, so a transport error while
    reading it is raised here, inside the retry loop; the original is closed. A reply
    already in memory (built with its content) is returned as it is."""
    if response.is_stream_consumed:
        return response
    chunks: list[bytes] = []
    try:
        for chunk in response.iter_raw():
            chunks.append(chunk)
    finally:
        response.close()
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=httpx.ByteStream(b"".join(chunks)),
        extensions=response.extensions,
    )


class RetryTransport(httpx.BaseTransport):
    """Sends through ``transport``, retrying per ``policy`` and waiting with ``sleep``."""

    def __init__(
        self,
        transport: httpx.BaseTransport,
        policy: RetryPolicy | None = None,
        sleep: Sleep = sync_sleep,
    ) -> None:
        self.transport = transport
        self.policy = policy if policy is not None else RetryPolicy()
        self.sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        safe = is_idempotent(request)
        lost_ok = safe or lost_reply_ok()
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
                retry_log(request, attempt, delay, type(exc).__name__)
            else:
                if response.is_success or not self.policy.should_retry(
                    attempt, idempotent=safe, response=response
                ):
                    return response
                delay = self.policy.delay(attempt, response)
                retry_log(request, attempt, delay, f"HTTP {response.status_code}")
                response.close()
            self.sleep(delay)
            attempt += 1

    def close(self) -> None:
        self.transport.close()
