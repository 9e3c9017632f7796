"""`Subscriptions`: the open websockets, per user and per login session.

An open websocket lives no longer than the session its ticket was issued in. The session
ends with a logout, a password reset, `qapi server revoke-sessions` (another process: the
database is the only channel), a refresh-token replay, or its lifetime running out. One
watcher task per event loop checks the sessions of every open websocket in one query,
every `interval` seconds and at once when this process revoked sessions (`poke`, callable
from any thread), and ends the subscriptions of dead sessions: their handlers close with
`SESSION_ENDED` (4001).

Each user may hold `limit` subscriptions at once; one more is refused with
`TOO_MANY_SUBSCRIPTIONS` (4029) before it subscribes to anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool

__all__ = [
    "SESSION_ENDED",
    "TOO_MANY_SUBSCRIPTIONS",
    "Subscription",
    "Subscriptions",
    "TooManySubscriptions",
]

logger = logging.getLogger(__name__)

#: Websocket close code: the login session of the ticket ended (logout, password reset,
#: revoke-sessions, refresh-token reuse, session lifetime).
SESSION_ENDED = 4001
#: Websocket close code: the user already holds the maximum of open subscriptions.
TOO_MANY_SUBSCRIPTIONS = 4029

#: `live(sessions, now)`: which of `sessions` are still live.
LiveSessions = Callable[[set[str], float], set[str]]


class TooManySubscriptions(Exception):
    """The user already holds `limit` open subscriptions."""


@dataclass(eq=False)
class Subscription:
    """One open websocket; `ended` is set when its session ends."""

    user_id: int
    session: str | None
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class Subscriptions:
    """Open websockets of one service (see the module docstring)."""

    def __init__(self, limit: int, interval: float, live: LiveSessions) -> None:
        self.limit = limit
        self._interval = interval
        self._live = live
        self._lock = threading.Lock()
        self._open: set[Subscription] = set()
        self._per_user: dict[int, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._watcher: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<Subscriptions open={len(self._open)} limit={self.limit}>"

    def count(self, user_id: int) -> int:
        return self._per_user.get(user_id, 0)

    def open(self, user_id: int, session: str | None) -> Subscription:
        """Register a websocket (from inside the event loop); TooManySubscriptions when
        the user is at the limit."""
        with self._lock:
            if self._per_user.get(user_id, 0) >= self.limit:
                raise TooManySubscriptions(f"Too many open subscriptions (limit {self.limit})")
            subscription = Subscription(user_id, session)
            self._open.add(subscription)
            self._per_user[user_id] = self._per_user.get(user_id, 0) + 1
        self._ensure_watcher()
        return subscription

    def close(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription not in self._open:
                return
            self._open.discard(subscription)
            left = self._per_user[subscription.user_id] - 1
            if left:
                self._per_user[subscription.user_id] = left
            else:
                del self._per_user[subscription.user_id]

    def poke(self) -> None:
        """Check the sessions now (any thread): this process just revoked some."""
        loop, wake = self._loop, self._wake
        if loop is None or wake is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed
            loop.call_soon_threadsafe(wake.set)

    def _ensure_watcher(self) -> None:
        loop = asyncio.get_running_loop()
        if self._watcher is not None and not self._watcher.done() and self._loop is loop:
            return
        self._loop, self._wake = loop, asyncio.Event()
        self._watcher = loop.create_task(self._watch(self._wake), name="qapi-session-watch")

    def stop(self) -> None:
        """Cancel the watcher (from inside its event loop, as the service stops)."""
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None

    async def _watch(self, wake: asyncio.Event) -> None:
        while True:
            if not self._open:  # nothing to watch: the next `open` starts a new watcher
                self._watcher = None
                return
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await wake.wait()
            wake.clear()
            try:
                await self.check()
            except Exception:  # e.g. the database closing under a stopping service
                logger.warning("checking the sessions of open websockets failed", exc_info=True)

    async def check(self) -> None:
        """End the subscriptions whose session is no longer live."""
        with self._lock:
            tracked = [s for s in self._open if s.session is not None]
        sessions = {str(s.session) for s in tracked}
        if not sessions:
            return
        live = await run_in_threadpool(self._live, sessions, time.time())
        for subscription in tracked:
            if subscription.session not in live:
                subscription.ended.set()
