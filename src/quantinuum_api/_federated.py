"""Federated login: get an identity-provider id token to exchange at ``POST v1/login``.

A provider is any callable returning a provider token; pass it to ``TokenManager`` as
``provider_token``. Microsoft accounts use MSAL's device-code flow (``federated`` extra).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ._constants import AZURE_AUTHORITY, AZURE_CLIENT_ID, AZURE_SCOPES
from ._exceptions import AuthenticationError, QuantinuumAPIError
from ._http import HttpOptions

__all__ = ["microsoft_device_code_login", "microsoft_login", "microsoft_provider"]

OP = "Federated Login"


def _msal_app(http: HttpOptions | None) -> Any:
    try:
        import msal
    except ImportError:
        raise QuantinuumAPIError(
            "Microsoft login needs the 'federated' extra: pip install 'quantinuum-api[federated]'"
        ) from None
    kw: dict[str, Any] = {"authority": AZURE_AUTHORITY}
    if http is not None:
        if isinstance(http.verify, bool | str):
            kw["verify"] = http.verify
        if http.proxy is not None:
            kw["proxies"] = {"http": http.proxy, "https": http.proxy}
        timeout = http.timeout
        kw["timeout"] = timeout if isinstance(timeout, int | float) else timeout.read
    return msal.PublicClientApplication(AZURE_CLIENT_ID, **kw)


def microsoft_login(
    prompt: Callable[[str], object] = print, *, http: HttpOptions | None = None
) -> tuple[str | None, str]:
    """Run the MSAL device-code flow; returns (username, provider id token).

    ``prompt`` receives MSAL's instruction ("go to https://microsoft.com/devicelogin and
    enter code ...") and must show it to the user; the call blocks until they finish.
    """
    app = _msal_app(http)
    flow = app.initiate_device_flow(scopes=list(AZURE_SCOPES))
    if not isinstance(flow, dict) or "user_code" not in flow:
        detail = flow.get("error_description") if isinstance(flow, dict) else None
        raise AuthenticationError(
            f"{OP}: could not start the Microsoft device-code flow: {detail or 'unknown error'}",
            operation=OP,
        )
    prompt(str(flow.get("message", "")))
    result = app.acquire_token_by_device_flow(flow)
    token = result.get("id_token") if isinstance(result, dict) else None
    if not isinstance(token, str) or not token:
        detail = result.get("error_description") if isinstance(result, dict) else None
        raise AuthenticationError(
            f"{OP}: Microsoft login failed: {detail or 'no id token returned'}", operation=OP
        )
    claims = result.get("id_token_claims")
    username = claims.get("preferred_username") if isinstance(claims, dict) else None
    return (username if isinstance(username, str) else None), token


def microsoft_device_code_login(
    prompt: Callable[[str], object] = print, *, http: HttpOptions | None = None
) -> str:
    """The provider id token from the Microsoft device-code flow (see :func:`microsoft_login`)."""
    return microsoft_login(prompt, http=http)[1]


def microsoft_provider(
    prompt: Callable[[str], object] = print, *, http: HttpOptions | None = None
) -> Callable[[], str]:
    """A ``provider_token`` callable for ``TokenManager`` using the Microsoft flow."""
    return functools.partial(microsoft_device_code_login, prompt, http=http)
