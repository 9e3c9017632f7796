"""``QuantinuumAuth``: the httpx auth flow that signs requests with the manager's token."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator

import httpx

from ._manager import TokenManager

__all__ = ["QuantinuumAuth"]


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
