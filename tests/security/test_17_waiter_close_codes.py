"""Item 17: the SDK's waiter acts on the service's websocket close codes at once.

Before: 4001 (the session ended) and 4029 (too many subscriptions) were websocket failures
like any other, retried after `retry_timeout` (5 s, doubling) up to three times: a logged
out user's wait went on for a quarter of a minute before polling into a 401, and a user at
the subscription cap kept knocking. Now 4029 switches the wait to polling at once, and
4001 fetches the job at once (the SDK renews its token if it can) and raises the
`AuthenticationError` when the session cannot be renewed.

The waits below use `retry_timeout=3600` (and `retry_max`): any backoff would end in the test's
`WaitTimeoutError` instead of the behaviour checked.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator

import pytest
from websockets.sync.client import connect

from quantinuum_api import AsyncClient, AuthenticationError, Job, WaitPolicy
from quantinuum_api._waiter import SESSION_ENDED, TOO_MANY_SUBSCRIPTIONS, JobWaiter
from quantinuum_api_server._subscriptions import SESSION_ENDED as SERVER_SESSION_ENDED
from quantinuum_api_server._subscriptions import (
    TOO_MANY_SUBSCRIPTIONS as SERVER_TOO_MANY,
)
from quantinuum_api_server.testing import LocalServer, fast_settings
from tests.programs import BELL

from .conftest import PASSWORD, client, login, new_user

CAP = 2
#: 10-shot chunks 200 ms apart: a job of 10,000 shots runs for minutes.
SETTINGS = fast_settings(
    chunk_shots=10,
    chunk_growth=1.0,
    chunk_delay=0.2,
    max_user_subscriptions=CAP,
    websocket_session_check=0.2,
)
LONG_JOB = {"machine": "H1-1E", "language": "OPENQASM 2.0", "program": BELL, "count": 10_000}
NO_BACKOFF_LUCK = WaitPolicy(
    timeout=60, retry_timeout=3600, retry_max=3600, poll_initial=0.05, poll_max=0.1
)


@pytest.fixture(scope="module")
def ws_server() -> Iterator[LocalServer]:
    with LocalServer(settings=SETTINGS) as running:
        yield running


def test_the_sdk_and_the_service_agree_on_the_close_codes() -> None:
    assert (SESSION_ENDED, TOO_MANY_SUBSCRIPTIONS) == (SERVER_SESSION_ENDED, SERVER_TOO_MANY)


class _Recorder:
    """The SDK's own fetch, recording whether each call asked for a websocket ticket."""

    def __init__(self, sdk: AsyncClient) -> None:
        self.sdk = sdk
        self.calls: list[bool] = []
        self.cancel_when_polling = False

    async def __call__(self, job_id: str, websocket: bool) -> Job:
        self.calls.append(websocket)
        if not websocket and self.cancel_when_polling:
            self.cancel_when_polling = False
            await self.sdk.jobs.cancel(job_id)  # polling has begun: let the wait end
        return await self.sdk.jobs.get(job_id, websocket=websocket)


def _waiter(sdk: AsyncClient, fetch: _Recorder) -> JobWaiter:
    return JobWaiter(
        fetch, sdk.urls.websocket, ws_kwargs=sdk.http.websocket_kwargs(sdk.urls.websocket)
    )


def _session(server: LocalServer) -> tuple[str, str]:
    email, _ = new_user(server)
    reply = login(client(server), email=email, password=PASSWORD)
    return email, reply.json()["refresh-token"]


def test_4029_switches_the_wait_to_polling_at_once(ws_server: LocalServer) -> None:
    email, token = _session(ws_server)
    http = client(ws_server)
    pair = login(http, email=email, password=PASSWORD).json()
    headers = {"Authorization": pair["id-token"]}
    held = http.post("v1/job", json=LONG_JOB, headers=headers).json()["job"]
    with contextlib.ExitStack() as sockets:
        for _ in range(CAP):  # the user's every subscription slot is taken
            doc = http.get(f"v1/job/{held}", params={"websocket": "true"}, headers=headers)
            socket = sockets.enter_context(connect(ws_server.ws_url, open_timeout=10))
            socket.send(json.dumps({"action": "OpenConnection", **doc.json()["websocket"]}))
            assert json.loads(socket.recv(timeout=30))["job"] == held

        async def main() -> Job:
            async with AsyncClient(ws_server.base_url, refresh_token=token) as sdk:
                job = await sdk.jobs.submit(BELL, "H1-1E", 10_000)
                fetch = _Recorder(sdk)
                fetch.cancel_when_polling = True
                done = await _waiter(sdk, fetch).wait(job.id, policy=NO_BACKOFF_LUCK)
                assert fetch.calls[:2] == [True, False], fetch.calls  # one refusal, then polls
                return done

        assert asyncio.run(main()).status == "canceled"


def test_4001_raises_an_authentication_error_at_once(ws_server: LocalServer) -> None:
    """A password reset ends the session under an open wait: the SDK (refresh token only,
    no password) tries one token refresh, refused, and raises instead of retrying."""
    email, token = _session(ws_server)
    service = ws_server._service
    assert service is not None
    user = service.store.user_by_email(email)
    assert user is not None

    async def subscribed() -> None:
        # the count lives in the server's thread: no event of this loop to await
        while service.subscriptions.count(int(user["id"])) == 0:  # noqa: ASYNC110
            await asyncio.sleep(0.05)

    async def main() -> None:
        async with AsyncClient(ws_server.base_url, refresh_token=token) as sdk:
            job = await sdk.jobs.submit(BELL, "H1-1E", 10_000)
            refreshes = sdk.token_manager.refresh_count
            fetch = _Recorder(sdk)
            wait = asyncio.ensure_future(_waiter(sdk, fetch).wait(job.id, policy=NO_BACKOFF_LUCK))
            await subscribed()
            await asyncio.to_thread(ws_server.add_user, email, "a new password")
            with pytest.raises(AuthenticationError):
                await wait
            assert fetch.calls == [True, True]  # the ticket's fetch, then one after the 4001
            assert sdk.token_manager.refresh_count == refreshes  # tried once, refused
            assert sdk.token_manager.login_count == 0

    asyncio.run(main())
