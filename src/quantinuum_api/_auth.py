"""Authentication: the token manager (login, MFA, refresh, federated) and the httpx auth flow.

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

``QuantinuumAuth`` puts the raw token in the ``Authorization`` header and, on a 401, renews
it once and resends the request.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import threading
import traceback
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import Any

import httpx

from quantinuum_api_client import AuthenticatedClient, Client
from quantinuum_api_client.api.auth import login as login_op
from quantinuum_api_client.models import (
    LoginPasswordRequest,
    LoginProviderRequest,
    LoginRefreshRequest,
    TokenPair,
)
from quantinuum_api_client.types import Response

from ._api import acall, call, json_body
from ._credentials import CredentialStorage, MemoryCredentialStorage, jwt_expiry, token_is_fresh
from ._exceptions import (
    AuthenticationError,
    CredentialsRequiredError,
    MFARequiredError,
    QuantinuumAPIError,
    ResponseValidationError,
)
from ._http import HttpOptions, aclose_api_client
from ._prompts import DEFAULT_PROMPT, prompt_credentials, prompt_mfa_code
from ._transport import resend_on_lost_reply
from ._urls import login_path

__all__ = ["LOGIN_PATH", "QuantinuumAuth", "TokenManager"]

logger = logging.getLogger("quantinuum_api")

OP_LOGIN = "Login"
OP_REFRESH = "Token Refresh"
OP_FEDERATED = "Federated Login"


class _Secret:
    """A string that never shows itself in ``repr``/``str``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<hidden>"

    __str__ = __repr__


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


LoginBody = LoginPasswordRequest | LoginProviderRequest | LoginRefreshRequest
#: The token endpoint's path under the API root, as generated from the spec ("v1/login").
LOGIN_PATH: str = login_path()


def _secrets(body: LoginBody) -> tuple[str, ...]:
    """The secrets a login body carries (kept out of any error about it)."""
    if isinstance(body, LoginPasswordRequest):
        code = body.code if isinstance(body.code, str) else ""
        return (body.password, code)
    if isinstance(body, LoginProviderRequest):
        return (body.provider_token,)
    return (body.refresh_token,)


def _forget_locals(exc: BaseException) -> None:
    """Clear the local variables of the finished frames in ``exc``'s traceback: the calls
    under a token exchange held the request body (password, refresh or provider token)."""
    traceback.clear_frames(exc.__traceback__)


def _parse_pair(data: dict[str, Any], operation: str) -> TokenPair:
    id_token = data.get("id-token")
    refresh_token = data.get("refresh-token")
    if not isinstance(id_token, str) or not id_token:
        raise ResponseValidationError(
            f"{operation}: the reply has no valid 'id-token'", operation=operation
        )
    if not isinstance(refresh_token, str) or not refresh_token:
        raise ResponseValidationError(
            f"{operation}: the reply has no valid 'refresh-token'", operation=operation
        )
    return TokenPair(id_token=id_token, refresh_token=refresh_token)


def _check_code(code: object) -> str:
    if not isinstance(code, str) or not code.strip():
        raise MFARequiredError(
            f"{OP_LOGIN}: the MFA callback returned no code", operation=OP_LOGIN, status_code=401
        )
    return code.strip()


def _check_credentials(creds: object) -> tuple[str, str]:
    if (
        not isinstance(creds, tuple)
        or len(creds) != 2
        or not all(isinstance(x, str) and x for x in creds)
    ):
        raise CredentialsRequiredError(
            f"{OP_LOGIN}: credentials_prompt must return (email, password) strings",
            operation=OP_LOGIN,
        )
    return creds[0], creds[1]


def _check_provider_token(token: object) -> str:
    if not isinstance(token, str) or not token:
        raise AuthenticationError(
            f"{OP_FEDERATED}: the provider callable returned no token", operation=OP_FEDERATED
        )
    return token


async def _call_async(fn: Callable[[], Any]) -> Any:
    """Call a user callback from async code: coroutine functions awaited, others in a thread."""
    if inspect.iscoroutinefunction(fn):
        return await fn()
    result = await asyncio.to_thread(fn)
    if inspect.isawaitable(result):
        result = await result
    return result


def _call_sync(fn: Callable[[], Any], what: str) -> Any:
    result = fn()
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()
        raise TypeError(f"{what} returned an awaitable; use the async API (atoken/afull_login)")
    return result


class TokenManager:
    """Keeps a valid id token for one user on one service.

    ``login_url`` is ``<api_url>v1/login``. ``password`` given here is kept (hidden) for
    non-interactive re-login when the refresh token dies; a prompted password is dropped as
    soon as the login request is sent. ``mfa_code``/``credentials_prompt`` default to a
    terminal prompt that only runs when stdin is a TTY; pass None to disable them.
    ``provider_token`` (any callable, sync or async, returning an identity-provider id
    token) switches to federated login. ``refresh_token`` (e.g. from
    ``QUANTINUUM_REFRESH_TOKEN``) is tried once when the store holds none.
    """

    def __init__(
        self,
        login_url: str,
        *,
        store: CredentialStorage,
        http: HttpOptions | None = None,
        email: str | None = None,
        password: str | None = None,
        mfa_code: Callable[[], str | Awaitable[str]] | None = DEFAULT_PROMPT,
        credentials_prompt: Callable[[], tuple[str, str] | Awaitable[tuple[str, str]]]
        | None = DEFAULT_PROMPT,
        provider_token: Callable[[], str | Awaitable[str]] | None = None,
        support_mfa: bool = True,
        client: httpx.Client | None = None,
        async_client: httpx.AsyncClient | None = None,
        refresh_token: str | None = None,
    ) -> None:
        if (
            not isinstance(login_url, str)
            or not login_url.startswith(("http://", "https://"))
            or not login_url.endswith(LOGIN_PATH)
        ):
            raise ValueError(
                f"login_url must be an http(s) URL ending in v1/login, got {login_url!r}"
            )
        self.login_url = login_url
        self._base_url = login_url[: -len(LOGIN_PATH)]
        self.store = store
        self.http = http if http is not None else HttpOptions()
        self.email = email
        self._password = _Secret(password) if password else None
        self.mfa_code = mfa_code
        self.credentials_prompt = credentials_prompt
        self.provider_token = provider_token
        self.support_mfa = support_mfa
        self._client = client
        self._api: Client | AuthenticatedClient | None = None  # for sync exchanges
        self._async_client = async_client
        self._lock = threading.Lock()
        self._owner_loop: asyncio.AbstractEventLoop | None = None
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._loop_locks_guard = threading.Lock()
        self._invalid: bytes | None = None  # digest of a token the server refused
        self._expiry: tuple[bytes, float | None] | None = None  # (token digest, JWT expiry)
        self._user_checked = False
        self._seed_refresh = _Secret(refresh_token) if refresh_token else None
        #: how many refresh / full-login exchanges this manager made (for tests and metrics)
        self.refresh_count = 0
        self.login_count = 0

    def __repr__(self) -> str:
        who = self.email or self.store.user_name
        mode = "federated" if self.provider_token is not None else "password"
        return f"TokenManager(login_url={self.login_url!r}, user={who!r}, mode={mode})"

    # -- public API -------------------------------------------------------------------------

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

    # -- helpers ----------------------------------------------------------------------------

    def _current_token(self) -> str | None:
        if not self._user_checked:
            return None  # first use goes through the lock, which runs the check once
        token = self.store.id_token
        if token is None:
            return None
        if self._invalid is not None and _digest(token) == self._invalid:
            return None
        digest = _digest(token)
        seen = self._expiry
        if seen is None or seen[0] != digest:  # decode each token once, not per request
            seen = self._expiry = (digest, jwt_expiry(token))
        exp = seen[1]
        if exp is not None and not token_is_fresh(exp):
            return None
        return token

    def _check_stored_user(self) -> None:
        """Stored tokens of a different user than ``email`` are not used (nor refreshed).

        Called with the lock held.
        """
        if self._user_checked:
            return
        self._user_checked = True
        stored = self.store.user_name
        if self.email and stored and stored.casefold() != self.email.casefold():
            logger.info("stored tokens belong to another user; logging in again")
            self.store.delete_credential()

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

    def _sync_api(self) -> Client | AuthenticatedClient:
        """The generated client for sync exchanges (no auth: this is the token endpoint)."""
        if self._api is None:
            if self._client is not None:  # a caller's client (e.g. the seed's `session`)
                self._client.base_url = httpx.URL(self._base_url)
                self._api = Client(base_url=self._base_url).set_httpx_client(self._client)
            else:
                self._api = self.http.api_client(self._base_url, asynchronous=False)
        return self._api

    def _known_credentials(self) -> tuple[str | None, str | None]:
        """The e-mail and password given or stored (either may be missing)."""
        email = self.email or self.store.user_name
        password: str | None = self._password.reveal() if self._password else None
        if password is None and isinstance(self.store, MemoryCredentialStorage):
            password = self.store._password
        return email, password

    def _credentials_prompt(
        self,
    ) -> Callable[[], tuple[str, str] | Awaitable[tuple[str, str]]]:
        """The callback asking for credentials; CredentialsRequiredError if disabled."""
        if self.credentials_prompt is None:
            raise CredentialsRequiredError(
                f"{OP_LOGIN}: no e-mail/password given and prompting is disabled",
                operation=OP_LOGIN,
            )
        return self.credentials_prompt

    def _credentials(self) -> tuple[str, str, bool]:
        """(email, password, prompted)."""
        email, password = self._known_credentials()
        if email and password:
            return email, password, False
        prompt = self._credentials_prompt()
        if prompt is DEFAULT_PROMPT:
            got = prompt_credentials(email)
        else:
            got = _check_credentials(_call_sync(prompt, "credentials_prompt"))
        return got[0], got[1], True

    async def _acredentials(self) -> tuple[str, str, bool]:
        email, password = self._known_credentials()
        if email and password:
            return email, password, False
        prompt = self._credentials_prompt()
        if prompt is DEFAULT_PROMPT:
            got = await asyncio.to_thread(prompt_credentials, email)
        else:
            got = _check_credentials(await _call_async(prompt))
        return got[0], got[1], True

    def _mfa_callback(self, exc: MFARequiredError) -> Callable[[], Any]:
        if not self.support_mfa:
            raise MFARequiredError(
                f"{OP_LOGIN}: this account needs an MFA code, and support_mfa is False",
                operation=OP_LOGIN,
                status_code=exc.status_code,
                error_code=exc.error_code,
                body=exc.body,
            ) from None
        if self.mfa_code is None:
            raise exc
        return prompt_mfa_code if self.mfa_code is DEFAULT_PROMPT else self.mfa_code

    def _refresh_candidate(self) -> str | None:
        """The stored refresh token, else the seed (kept until the service answers it)."""
        refresh = self.store.refresh_token
        if refresh is None and self._seed_refresh is not None:
            refresh = self._seed_refresh.reveal()
        return refresh

    def _answered(self, refresh: str) -> None:
        """The service answered ``refresh`` (a new pair, or refused): a seed never returns."""
        if self._seed_refresh is not None and self._seed_refresh.reveal() == refresh:
            self._seed_refresh = None

    def _store_pair(self, pair: TokenPair) -> str:
        self.store._store_tokens(pair.id_token, pair.refresh_token)
        self._invalid = None
        return pair.id_token

    # -- sync exchanges (called with the lock held) -----------------------------------------

    def _post(self, body: LoginBody, operation: str) -> TokenPair:
        """``POST v1/login`` through the generated operation. A POST without an
        Idempotency-Key is retried only when it never reached the server (`_transport`);
        a refresh also after a lost reply (see the module docstring)."""
        try:
            response = call(
                login_op.sync_detailed,
                operation,
                client=self._sync_api(),
                body=body,
                redact=_secrets(body),
            )
        except QuantinuumAPIError as exc:
            _forget_locals(exc)
            raise
        finally:
            del body
        return _parse_pair(json_body(response, operation, dict), operation)

    def _renew(self) -> str:
        refresh = self._refresh_candidate()
        if refresh is not None:
            try:
                with resend_on_lost_reply():
                    pair = self._post(LoginRefreshRequest(refresh_token=refresh), OP_REFRESH)
            except AuthenticationError as exc:  # 400 Invalid Refresh Token (or a 401)
                self._answered(refresh)
                logger.info("refresh token rejected (%s); logging in again", exc.status_code)
            else:
                self._answered(refresh)
                self.refresh_count += 1
                return self._store_pair(pair)
            finally:
                del refresh
        return self._login()

    def _login(self) -> str:
        if self.provider_token is not None:
            ptoken = _check_provider_token(_call_sync(self.provider_token, "provider_token"))
            try:
                pair = self._post(LoginProviderRequest(provider_token=ptoken), OP_FEDERATED)
            finally:
                del ptoken
        else:
            email, password, _prompted = self._credentials()
            body = LoginPasswordRequest(email=email, password=password)
            del password
            try:
                try:
                    pair = self._post(body, OP_LOGIN)
                except MFARequiredError as exc:
                    callback = self._mfa_callback(exc)
                    body.code = _check_code(_call_sync(callback, "mfa_code"))
                    pair = self._post(body, OP_LOGIN)
            finally:
                del body
            self.store._store_login(email)
        self.login_count += 1
        return self._store_pair(pair)

    # -- async exchanges (called with the lock held) ----------------------------------------

    async def _apost(self, body: LoginBody, operation: str) -> TokenPair:
        """Async :meth:`_post`."""
        try:
            response = await self._asend(body, operation)
        except QuantinuumAPIError as exc:
            _forget_locals(exc)
            raise
        finally:
            del body
        return _parse_pair(json_body(response, operation, dict), operation)

    async def _asend(self, body: LoginBody, operation: str) -> Response[Any]:
        if self._async_client is not None:
            self._async_client.base_url = httpx.URL(self._base_url)
            api = Client(base_url=self._base_url).set_async_httpx_client(self._async_client)
            return await acall(
                login_op.asyncio_detailed, operation, client=api, body=body, redact=_secrets(body)
            )
        # A fresh client per exchange: exchanges are rare, and an AsyncClient must not
        # outlive the event loop it was used on.
        own = self.http.api_client(self._base_url, sync=False)
        try:
            return await acall(
                login_op.asyncio_detailed, operation, client=own, body=body, redact=_secrets(body)
            )
        finally:
            await aclose_api_client(own)

    async def _arenew(self) -> str:
        refresh = self._refresh_candidate()
        if refresh is not None:
            try:
                with resend_on_lost_reply():
                    pair = await self._apost(LoginRefreshRequest(refresh_token=refresh), OP_REFRESH)
            except AuthenticationError as exc:  # 400 Invalid Refresh Token (or a 401)
                self._answered(refresh)
                logger.info("refresh token rejected (%s); logging in again", exc.status_code)
            else:
                self._answered(refresh)
                self.refresh_count += 1
                return self._store_pair(pair)
            finally:
                del refresh
        return await self._alogin()

    async def _alogin(self) -> str:
        if self.provider_token is not None:
            ptoken = _check_provider_token(await _call_async(self.provider_token))
            try:
                pair = await self._apost(LoginProviderRequest(provider_token=ptoken), OP_FEDERATED)
            finally:
                del ptoken
        else:
            email, password, _prompted = await self._acredentials()
            body = LoginPasswordRequest(email=email, password=password)
            del password
            try:
                try:
                    pair = await self._apost(body, OP_LOGIN)
                except MFARequiredError as exc:
                    callback = self._mfa_callback(exc)
                    body.code = _check_code(await _call_async(callback))
                    pair = await self._apost(body, OP_LOGIN)
            finally:
                del body
            self.store._store_login(email)
        self.login_count += 1
        return self._store_pair(pair)


class QuantinuumAuth(httpx.Auth):
    """httpx auth flow: raw id token in ``Authorization``; on 401 renew once and resend.

    The token endpoint itself (``POST <login_url>``) is sent unsigned.
    """

    def __init__(self, manager: TokenManager) -> None:
        self.manager = manager

    def __repr__(self) -> str:
        return f"QuantinuumAuth({self.manager!r})"

    def _is_token_endpoint(self, request: httpx.Request) -> bool:
        # A client shared with the token exchange (the seed's `session`) must not sign it.
        return request.method == "POST" and str(request.url) == self.manager.login_url

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        if self._is_token_endpoint(request):
            yield request
            return
        token = self.manager.token()
        request.headers["Authorization"] = token
        response = yield request
        if response.status_code == 401:
            self.manager.invalidate_id_token(token)
            request.headers["Authorization"] = self.manager.token()
            yield request

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if self._is_token_endpoint(request):
            yield request
            return
        token = await self.manager.atoken()
        request.headers["Authorization"] = token
        response = yield request
        if response.status_code == 401:
            self.manager.invalidate_id_token(token)
            request.headers["Authorization"] = await self.manager.atoken()
            yield request
