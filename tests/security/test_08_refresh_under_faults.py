"""Item 8 (SDK side), the acceptance run: under 20 % injected faults (half refused before
sending, half a reply lost after the service acted), 100 forced token refreshes of a
refresh-token-only session (the CI set-up: no password) end with 100 successful calls,
no password login, never an older refresh token presented, and the family alive."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from quantinuum_api import (
    APIConnectionError,
    AsyncClient,
    Client,
    HttpOptions,
    MemoryCredentialStorage,
    RetryPolicy,
)
from quantinuum_api_server.testing import LocalServer
from tests.quantinuum_api.integration.client.faults import SeededFaults

from .conftest import PASSWORD, authorized, client, login, new_user, refresh

CALLS = 100
RATE = 0.2
SEED = 14
#: One budget for every request, refreshes included; short waits so the run is quick. With
#: the default 3 retries a request fails when 4 tries in a row are hit (p = 0.2**4; ~250
#: requests a run): 10 of 30 seeds then lose 1 or 2 calls (the session survives: the next
#: call refreshes with the same token). 6 retries make that p = 0.2**7 (30 of 30 seeds pass).
QUICK = RetryPolicy(max_retries=6, backoff_initial=0.01, backoff_max=0.05)


def _no_prompt() -> tuple[str, str]:
    raise AssertionError("the SDK asked for a password it was never given")


def _seeded(refresh_token: str) -> dict[str, object]:
    return {"refresh_token": refresh_token}


def _stored(refresh_token: str) -> dict[str, object]:
    store = MemoryCredentialStorage()
    store._store_tokens("expired.id.token", refresh_token)
    return {"token_store": store}


def _presented(seen: list[httpx.Request]) -> list[str]:
    """The refresh tokens the SDK sent, in order (resends included)."""
    tokens = []
    for request in seen:
        if request.method == "POST" and request.url.path == "/v1/login":
            body = json.loads(request.content)
            assert set(body) == {"refresh-token"}, "a login other than a refresh was tried"
            tokens.append(body["refresh-token"])
    return tokens


@pytest.mark.parametrize("session", [_seeded, _stored], ids=["refresh_token=", "stored"])
def test_100_forced_refreshes_under_20_percent_faults(
    server: LocalServer, session: Callable[[str], dict[str, object]]
) -> None:
    http = client(server)
    email, _ = new_user(server)
    first = login(http, email=email, password=PASSWORD).json()
    network = SeededFaults(RATE, seed=SEED)
    options = HttpOptions(retry=QUICK, transport=network, async_transport=network)
    failures: list[str] = []
    with Client(
        server.base_url,
        http=options,
        credentials_prompt=_no_prompt,
        mfa_code=None,
        **session(first["refresh-token"]),  # type: ignore[arg-type]
    ) as sdk:
        for _ in range(CALLS):
            sdk.token_manager.invalidate_id_token()  # the next call must refresh first
            try:
                assert sdk.machines.list()
            except Exception as exc:  # counted, so the report says how many failed
                failures.append(f"{type(exc).__name__}: {exc}")
        manager = sdk.token_manager
        assert failures == [], f"{len(failures)} of {CALLS} calls failed: {failures[:3]}"
        assert manager.login_count == 0
        assert manager.refresh_count == CALLS
        last = manager.store.refresh_token
    assert last is not None

    # Both kinds of fault hit token refreshes, not only the calls after them.
    on_refresh = {kind for kind, method, path in network.injected if path == "/v1/login"}
    assert on_refresh == {SeededFaults.REFUSED, SeededFaults.REPLY_LOST}
    # A resend repeats the token just presented; a token once left behind never returns.
    presented = _presented(network.seen)
    distinct = [t for i, t in enumerate(presented) if i == 0 or t != presented[i - 1]]
    assert len(distinct) == len(set(distinct)) == CALLS
    assert distinct[0] == first["refresh-token"]

    # The family is alive: its newest token refreshes directly against the service.
    reply = refresh(http, last)
    assert reply.status_code == 200, reply.text
    assert authorized(http, reply.json()["id-token"])


class _LoseFirstLoginReply(httpx.HTTPTransport):
    """The service answers the first token exchange (`POST v1/login`); the reply is lost."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        response = super().handle_request(request)
        logins = [r for r in self.seen if r.url.path == "/v1/login"]
        if request.url.path == "/v1/login" and len(logins) == 1:
            response.close()
            raise httpx.RemoteProtocolError("injected: reply lost", request=request)
        return response


def test_a_refresh_failing_past_the_retry_budget_is_tried_again_on_the_next_call(
    server: LocalServer,
) -> None:
    """With no retry budget the call whose refresh reply was lost fails; the next call
    presents the same (seed) token, never a password login, and the grace window takes it."""
    http = client(server)
    email, _ = new_user(server)
    first = login(http, email=email, password=PASSWORD).json()
    network = _LoseFirstLoginReply()
    options = HttpOptions(retry=RetryPolicy.none(), transport=network)
    with Client(
        server.base_url,
        http=options,
        credentials_prompt=_no_prompt,
        mfa_code=None,
        refresh_token=first["refresh-token"],
    ) as sdk:
        with pytest.raises(APIConnectionError, match="reply lost"):
            sdk.machines.list()
        assert sdk.machines.list()
        assert sdk.token_manager.login_count == 0
    assert _presented(network.seen) == [first["refresh-token"]] * 2


async def test_the_async_client_under_20_percent_faults(server: LocalServer) -> None:
    http = client(server)
    email, _ = new_user(server)
    first = login(http, email=email, password=PASSWORD).json()
    network = SeededFaults(RATE, seed=SEED)
    options = HttpOptions(retry=QUICK, async_transport=network)
    async with AsyncClient(
        server.base_url,
        http=options,
        credentials_prompt=_no_prompt,
        mfa_code=None,
        refresh_token=first["refresh-token"],
    ) as sdk:
        for _ in range(CALLS):
            sdk.token_manager.invalidate_id_token()
            assert await sdk.machines.list()
        assert (sdk.token_manager.refresh_count, sdk.token_manager.login_count) == (CALLS, 0)
        last = sdk.token_manager.store.refresh_token
    assert {kind for kind, _, path in network.injected if path == "/v1/login"} == {
        SeededFaults.REFUSED,
        SeededFaults.REPLY_LOST,
    }
    assert last is not None
    assert refresh(http, last).status_code == 200


def test_a_password_login_whose_reply_was_lost_is_not_resent(server: LocalServer) -> None:
    """Only a refresh is resent after a lost reply (the grace window makes that safe); a
    login is not (its MFA code may be single-use), though the retry budget is there."""
    email, _ = new_user(server)
    network = _LoseFirstLoginReply()
    options = HttpOptions(retry=QUICK, transport=network)
    with Client(server.base_url, email=email, password=PASSWORD, http=options) as sdk:
        with pytest.raises(APIConnectionError, match="reply lost"):
            sdk.machines.list()
        assert sdk.machines.list()  # the next call logs in again
    assert [r.url.path for r in network.seen].count("/v1/login") == 2
