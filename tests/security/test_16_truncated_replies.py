"""Item 16: a submission that succeeded is never reported as failed, nor duplicated.

Through a proxy that truncates ~20 % of the service's replies (head and part of the body,
then the connection closes) and drops ~5 % before any byte of the reply, 100 submissions
through `Client` and 100 through `AsyncClient` all return, and the service holds exactly
one job per submission: the SDK resends a submission carrying an Idempotency-Key after the
request was sent, a truncated reply included, and the service answers a resend with the
job the first try created. A POST without a key is not resent once sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from quantinuum_api import AsyncClient, Client, HttpOptions, RetryPolicy
from quantinuum_api._transport import RetryTransport
from quantinuum_api_server.testing import LocalServer, fast_settings
from tests.programs import BELL

from ._truncating_proxy import TruncatingProxy
from .conftest import PASSWORD, client, login, new_user

SUBMISSIONS = 100
SEED = 21
#: One budget for every request; short waits so the run is quick. A request fails when
#: 7 tries in a row are hit (p = 0.25**7, ~1e-4 per submission).
QUICK = RetryPolicy(max_retries=6, backoff_initial=0.01, backoff_max=0.05)


@pytest.fixture(scope="module")
def queued_server() -> Iterator[LocalServer]:
    """Jobs stay queued (they never run): the test counts them, it needs no results."""
    with LocalServer(settings=fast_settings(queue_delay=3600)) as running:
        yield running


def _session(server: LocalServer) -> tuple[str, str]:
    """A new user's email and a refresh token of theirs, from a direct login."""
    email, _ = new_user(server)
    reply = login(client(server), email=email, password=PASSWORD)
    assert reply.status_code == 200, reply.text
    return email, reply.json()["refresh-token"]


def _job_names(server: LocalServer, email: str) -> list[str]:
    """The names of `email`'s jobs, as the service holds them (no proxy)."""
    token = login(client(server), email=email, password=PASSWORD).json()["refresh-token"]
    with Client(server.base_url, refresh_token=token) as direct:
        return [job.name or "" for job in direct.jobs.list()]


def _check(proxy: TruncatingProxy, names: list[str], prefix: str) -> None:
    expected = [f"{prefix}-{i}" for i in range(SUBMISSIONS)]
    assert sorted(names) == sorted(expected), "a job is missing or duplicated"
    submit = ("POST", "/v1/job")
    on_submit = {kind for kind, method, path in proxy.faults if (method, path) == submit}
    assert on_submit == {TruncatingProxy.TRUNCATED, TruncatingProxy.DROPPED}, proxy.faults


def test_100_sync_submissions_through_truncated_replies(queued_server: LocalServer) -> None:
    email, token = _session(queued_server)
    failures: list[str] = []
    with (
        TruncatingProxy(queued_server.port, seed=SEED) as proxy,
        Client(proxy.url, http=HttpOptions(retry=QUICK), refresh_token=token) as sdk,
    ):
        for i in range(SUBMISSIONS):
            try:
                sdk.jobs.submit(BELL, "H1-1E", 10, name=f"sync-{i}")
            except Exception as exc:  # counted, so the report says how many failed
                failures.append(f"{type(exc).__name__}: {exc}")
    assert failures == [], f"{len(failures)} of {SUBMISSIONS} raised: {failures[:3]}"
    _check(proxy, _job_names(queued_server, email), "sync")


def test_100_async_submissions_through_truncated_replies(queued_server: LocalServer) -> None:
    email, token = _session(queued_server)
    failures: list[str] = []

    async def run(proxy: TruncatingProxy) -> None:
        async with AsyncClient(
            proxy.url, http=HttpOptions(retry=QUICK), refresh_token=token
        ) as sdk:
            for i in range(SUBMISSIONS):
                try:
                    await sdk.jobs.submit(BELL, "H1-1E", 10, name=f"async-{i}")
                except Exception as exc:
                    failures.append(f"{type(exc).__name__}: {exc}")

    with TruncatingProxy(queued_server.port, seed=SEED + 1) as proxy:
        asyncio.run(run(proxy))
    assert failures == [], f"{len(failures)} of {SUBMISSIONS} raised: {failures[:3]}"
    _check(proxy, _job_names(queued_server, email), "async")


def test_a_post_without_a_key_is_not_resent_after_a_truncated_reply(
    queued_server: LocalServer,
) -> None:
    """A token refresh sent without the SDK's lost-reply context (a POST without an
    Idempotency-Key) whose reply is cut: the error reaches the caller, no resend."""
    _, token = _session(queued_server)
    with TruncatingProxy(queued_server.port, seed=SEED, truncate=1.0, drop=0.0) as proxy:
        retrying = RetryTransport(httpx.HTTPTransport(), QUICK, sleep=lambda _: None)
        http = httpx.Client(base_url=proxy.url, transport=retrying)
        with pytest.raises(httpx.RemoteProtocolError):
            http.post("v1/login", json={"refresh-token": token})
    assert proxy.faults == [(TruncatingProxy.TRUNCATED, "POST", "/v1/login")]
