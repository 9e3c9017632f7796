"""The token exchange's pieces with no state: secrets kept out of sight, reply and
callback checks, and calling the user's callbacks from sync or async code."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from quantinuum_api_client.models import (
    LoginPasswordRequest,
    LoginProviderRequest,
    LoginRefreshRequest,
    TokenPair,
)

from .._exceptions import (
    AuthenticationError,
    CredentialsRequiredError,
    MFARequiredError,
    ResponseValidationError,
)

T = TypeVar("T")

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


async def _call_async(fn: Callable[[], Any], what: str) -> Any:
    """Call a user callback from async code: coroutine functions awaited, others in a thread
    (`what` names it in `_call_sync`'s error, its sync twin)."""
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


async def _athread(fn: Callable[..., T], *args: Any) -> T:
    """Run a blocking call (a terminal prompt) off the event loop; `_inline` in the twin."""
    return await asyncio.to_thread(fn, *args)


def _inline(fn: Callable[..., T], *args: Any) -> T:
    return fn(*args)
