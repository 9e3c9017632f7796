"""The token manager's state and its parts with no I/O of their own (see `_manager`)."""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from quantinuum_api_client import AuthenticatedClient, Client
from quantinuum_api_client.api.auth import login as login_op
from quantinuum_api_client.models import TokenPair
from quantinuum_api_client.types import Response

from .._credentials import CredentialStorage, MemoryCredentialStorage, jwt_expiry, token_is_fresh
from .._exceptions import CredentialsRequiredError, MFARequiredError
from .._http import HttpOptions, acall, aclose_api_client, call
from .._prompts import DEFAULT_PROMPT, prompt_mfa_code
from .._urls import login_path
from ._helpers import OP_LOGIN, LoginBody, _digest, _Secret, _secrets

__all__ = ["LOGIN_PATH"]

logger = logging.getLogger("quantinuum_api")

#: The token endpoint's path under the API root, as generated from the spec ("v1/login").
LOGIN_PATH: str = login_path()


class _TokenCore:
    """What every part of `TokenManager` shares: its configuration and state, the checks
    of the stored token and the one-request exchanges (`_send`, `_asend`)."""

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

    # -- one exchange (called with the lock held) -------------------------------------------

    def _send(self, body: LoginBody, operation: str) -> Response[Any]:
        return call(
            login_op.sync_detailed,
            operation,
            client=self._sync_api(),
            body=body,
            redact=_secrets(body),
        )

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
