"""`TokenManager`: a valid id token for one user on one service.

``TokenManager.token()`` returns a valid id token: the stored one while it is more than
60 s from expiry, else one from the refresh token, else from a full login (password plus an
MFA code when the account needs it, or a provider token). Refresh tokens are single-use and
reusing one revokes the whole family, so renewal is single-flight: one lock per manager for
threads, plus one ``asyncio.Lock`` per event loop so waiting tasks do not block their loop.

A refresh is sent inside `_transport.resend_on_lost_reply()`, so the retrying transport,
within its one budget, resends it with the same token after a lost reply as well as after a
refused connection: the service accepts the immediately previous token again while its
successor is unused (a short grace window). An error reply (5xx, 429) is not resent here
(the next call presents the same token): waiting out a Retry-After could outlast the window.
A refresh that still fails keeps its token (a ``refresh_token=`` seed included) for the
next call; a token is dropped only once the service answered, so an older token is never
presented again.
"""

from __future__ import annotations

import asyncio

from .._exceptions import QuantinuumAPIError
from ._async import _AsyncExchanges
from ._helpers import _digest
from ._sync import _SyncExchanges

__all__ = ["TokenManager"]


class TokenManager(_AsyncExchanges, _SyncExchanges):
    """Keeps a valid id token for one user on one service.

    ``login_url`` is ``<api_url>v1/login``. ``password`` given here is kept (hidden) for
    non-interactive re-login when the refresh token dies; a prompted password is dropped as
    soon as the login request is sent. ``mfa_code``/``credentials_prompt`` default to a
    terminal prompt that only runs when stdin is a TTY; pass None to disable them.
    ``provider_token`` (any callable, sync or async, returning an identity-provider id
    token) switches to federated login. ``refresh_token`` (e.g. from
    ``QUANTINUUM_REFRESH_TOKEN``) is tried once when the store holds none.
    """

    def token(self) -> str:
        """A valid id token (stored → refreshed → full login); safe from many threads."""
        token = self._current_token()
        if token is not None:
            return token
        self._check_loop_deadlock()
        with self._lock:
            self._check_stored_user()
            token = self._current_token()
            if token is not None:
                return token
            return self._renew()

    async def atoken(self) -> str:
        """Async :meth:`token`: one renewal shared by all tasks and threads."""
        token = self._current_token()
        if token is not None:
            return token
        loop = asyncio.get_running_loop()
        async with self._loop_lock(loop):
            token = self._current_token()
            if token is not None:
                return token
            await self._acquire_thread_lock()
            self._owner_loop = loop
            try:
                self._check_stored_user()
                token = self._current_token()
                if token is not None:
                    return token
                return await self._arenew()
            finally:
                self._owner_loop = None
                self._lock.release()

    def full_login(self) -> None:
        """Log in from scratch (password + MFA, or provider token) and store the tokens."""
        self._check_loop_deadlock()
        with self._lock:
            self._user_checked = True
            self._login()

    async def afull_login(self) -> None:
        """Async :meth:`full_login`."""
        loop = asyncio.get_running_loop()
        async with self._loop_lock(loop):
            await self._acquire_thread_lock()
            self._owner_loop = loop
            try:
                self._user_checked = True
                await self._alogin()
            finally:
                self._owner_loop = None
                self._lock.release()

    def invalidate_id_token(self, token: str | None = None) -> None:
        """Stop using ``token`` (default: the stored id token), e.g. after the server said 401."""
        token = token if token is not None else self.store.id_token
        self._invalid = _digest(token) if token is not None else None

    def logout(self) -> None:
        """Delete stored tokens and forget a password given to this manager."""
        self.store.delete_credential()
        self._password = None
        self._seed_refresh = None
        self._invalid = None

    def close(self) -> None:
        """Close the HTTP client this manager created (not one passed in)."""
        if self._api is not None and self._client is None:
            self._api.get_httpx_client().close()
        self._api = None

    def _check_loop_deadlock(self) -> None:
        owner = self._owner_loop
        if owner is None or not self._lock.locked():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            return
        if running is owner:
            raise QuantinuumAPIError(
                "token(): called from the event loop thread while a task on that loop is "
                "renewing the token; use `await atoken()` in async code"
            )

    def _loop_lock(self, loop: asyncio.AbstractEventLoop) -> asyncio.Lock:
        with self._loop_locks_guard:
            lock = self._loop_locks.get(loop)
            if lock is None:
                lock = self._loop_locks[loop] = asyncio.Lock()
            return lock

    async def _acquire_thread_lock(self) -> None:
        """Take the thread lock without blocking the event loop; cancellation-safe."""
        if self._lock.acquire(blocking=False):
            return
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(None, self._lock.acquire)
        try:
            await asyncio.shield(fut)
        except asyncio.CancelledError:
            # The executor may still get the lock after we are gone: give it back then.
            def _release(f: asyncio.Future[bool]) -> None:
                if not f.cancelled() and f.exception() is None and f.result():
                    self._lock.release()

            fut.add_done_callback(_release)
            raise
