"""The retry policy: which failures are retried, and how long to wait before the next try.

Pure logic, no I/O; the retrying transports apply it (``_transport.RetryTransport`` and its
async twin), under every request the SDK sends.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from ._constants import (
    DEFAULT_BACKOFF_INITIAL,
    DEFAULT_BACKOFF_MAX,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_AFTER,
    DEFAULT_RETRY_STATUSES,
)
from ._exceptions import parse_retry_after

__all__ = ["RetryPolicy"]

# Failures that happen before the request reaches the server: safe to retry for any method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures after the request may have been sent: retried only for idempotent requests.
_TRANSIENT = (
    *_NOT_SENT,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """Retry budget and backoff: exponential with jitter, honouring a capped Retry-After.

    ``attempt`` counts retries already made (0 before the first retry).
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_initial: float = DEFAULT_BACKOFF_INITIAL
    backoff_max: float = DEFAULT_BACKOFF_MAX
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER
    jitter: bool = True
    retry_statuses: frozenset[int] = DEFAULT_RETRY_STATUSES
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.backoff_initial < 0 or self.backoff_max < 0 or self.max_retry_after < 0:
            raise ValueError("backoff_initial, backoff_max and max_retry_after must be >= 0")
        object.__setattr__(self, "retry_statuses", frozenset(self.retry_statuses))

    @classmethod
    def none(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(max_retries=0)

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        """Seconds to wait before retry number ``attempt + 1``."""
        hint = parse_retry_after(response)
        if hint is not None:
            return min(hint, self.max_retry_after)
        base = min(self.backoff_initial * (2.0 ** max(attempt, 0)), self.backoff_max)
        if self.jitter:
            # between 75% and 100% of the base, so concurrent clients spread out
            base *= 1.0 - 0.25 * self.random()
        return base

    def should_retry(
        self,
        attempt: int,
        *,
        idempotent: bool,
        response: httpx.Response | None = None,
        exc: BaseException | None = None,
    ) -> bool:
        """Whether a request that got ``response`` (or raised ``exc``) should be tried again."""
        if attempt >= self.max_retries:
            return False
        if exc is not None:
            if isinstance(exc, _NOT_SENT):
                return True
            return idempotent and isinstance(exc, _TRANSIENT)
        if response is None or not idempotent:
            return False
        if response.status_code not in self.retry_statuses:
            return False
        hint = parse_retry_after(response)
        # A server asking for a longer pause than we are willing to wait: give up now and
        # let the caller see RateLimitError.retry_after.
        return hint is None or hint <= self.max_retry_after
