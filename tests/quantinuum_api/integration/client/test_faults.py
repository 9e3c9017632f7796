"""Faults a healthy service does not produce, injected between the SDK and the real one."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator

import httpx
import pytest

from quantinuum_api import (
    AsyncClient,
    Client,
    HttpOptions,
    MemoryCredentialStorage,
    ResponseValidationError,
    RetryPolicy,
    WaitTimeoutError,
)
from quantinuum_api_server.testing import LocalServer, fast_settings
from tests.programs import BELL

from .conftest import EMAIL, FAST, PASSWORD
from .faults import FaultTransport, WebsocketProxy

QUICK_RETRY = HttpOptions(retry=RetryPolicy(backoff_initial=0.01, backoff_max=0.05))


def _async_client(server: LocalServer, transport: FaultTransport) -> AsyncClient:
    return AsyncClient(
        server.base_url,
        email=EMAIL,
        password=PASSWORD,
        token_store=MemoryCredentialStorage(),
        http=QUICK_RETRY,
        wait_policy=FAST,
        httpx_client=httpx.AsyncClient(transport=transport),
    )


def _is_job_get(request: httpx.Request) -> bool:
    return request.method == "GET" and "/v1/job/" in request.url.path


def _error(status: int, code: int, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": code, "text": "injected"}}, headers=headers
    )


async def test_submit_retried_after_503_creates_exactly_one_job(server: LocalServer) -> None:
    def lose_first_submit_reply(request: httpx.Request, n: int) -> httpx.Response | None:
        first_submit = request.method == "POST" and request.url.path == "/v1/job"
        if first_submit and not any_submit_failed:
            any_submit_failed.append(True)
            return _error(503, 99)
        return None

    any_submit_failed: list[bool] = []
    transport = FaultTransport(lose_first_submit_reply, forward_then_fail=True)
    async with _async_client(server, transport) as client:
        job = await client.jobs.submit(BELL, "H1-1E", 2)
        submits = [r for r in transport.seen if r.method == "POST" and r.url.path == "/v1/job"]
        assert len(submits) == 2
        keys = {r.headers["Idempotency-Key"] for r in submits}
        assert len(keys) == 1  # the retry reused the key
        created_by_first = transport.forwarded_replies[0]["job"]
        assert job.id == created_by_first  # the retry returned the same job, not a new one
        assert (await client.jobs.wait(job)).succeeded
        other = await client.jobs.submit(BELL, "H1-1E", 2)
        assert other.id != job.id  # a new submission gets a new key and a new job


async def test_5xx_burst_and_429_during_polling_still_finish(slow_server: LocalServer) -> None:
    def flaky(request: httpx.Request, n: int) -> httpx.Response | None:
        if not _is_job_get(request):
            return None
        gets.append(n)
        k = len(gets)
        if 2 <= k <= 8:  # a burst longer than the HTTP layer's own retry budget
            return _error(503, 99)
        if 9 <= k <= 10:
            return _error(429, 29, **{"Retry-After": "0"})
        return None

    gets: list[int] = []
    transport = FaultTransport(flaky)
    async with _async_client(slow_server, transport) as client:
        job = await client.jobs.submit(BELL, "H1-1E", 100, options={"seed": 2})
        done = await client.jobs.wait(job, use_websocket=False)
        assert done.succeeded
        assert sum(done.counts().values()) == 100
        assert len(gets) > 10


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>gateway</html>", "not valid JSON"),
        (json.dumps({"job": 5, "status": "running"}).encode(), "Job.job must be str"),
        (
            json.dumps({"job": "x", "status": "completed", "results": {"c": "11"}}).encode(),
            "results",
        ),
        (json.dumps(["job"]).encode(), "expected a JSON object"),
    ],
)
async def test_malformed_job_json_is_a_response_validation_error(
    server: LocalServer, body: bytes, message: str
) -> None:
    def garble(request: httpx.Request, n: int) -> httpx.Response | None:
        if _is_job_get(request):
            return httpx.Response(200, content=body, headers={"content-type": "application/json"})
        return None

    async with _async_client(server, FaultTransport(garble)) as client:
        job = await client.jobs.submit(BELL, "H1-1E", 1)
        with pytest.raises(ResponseValidationError, match=message) as info:
            await client.jobs.wait(job)
        assert info.value.operation == "get job"


def test_overall_timeout_raises_timeout_error(slow_server: LocalServer) -> None:
    with Client(slow_server.base_url, email=EMAIL, password=PASSWORD, wait_policy=FAST) as c:
        job = c.jobs.submit(BELL, "H1-1E", 5000)
        with pytest.raises(
            WaitTimeoutError, match=r"not done after 0.2 s \(last status: (queued|running)\)"
        ):
            c.jobs.wait(job, timeout=0.2)
        with pytest.raises(WaitTimeoutError):
            c.jobs.wait_many([job], timeout=0.1, use_websocket=False)
        c.jobs.cancel(job)


@pytest.fixture
def dropping_proxy(slow_server: LocalServer) -> Iterator[WebsocketProxy]:
    with WebsocketProxy(slow_server.ws_url, drop_first=2) as proxy:
        yield proxy


def test_dropped_websocket_reconnects_and_finishes(
    slow_server: LocalServer, dropping_proxy: WebsocketProxy
) -> None:
    with Client(
        slow_server.base_url,
        email=EMAIL,
        password=PASSWORD,
        ws_url=dropping_proxy.url,
        wait_policy=FAST,
    ) as c:
        job = c.jobs.submit(BELL, "H1-1E", 500)
        done = c.jobs.wait(job)
        assert done.succeeded
        assert sum(done.counts().values()) == 500
    # two connections were cut; the third carried the wait to the end (no polling fallback)
    assert dropping_proxy.connections == 3


@pytest.fixture(scope="module")
def endless_server() -> Iterator[LocalServer]:
    """Jobs run one shot per chunk, 2 s apart: a 5000-shot job needs hours, so a test can
    interrupt its wait for certain (the slow server's ~25 s could end first on a fast,
    idle machine)."""
    settings = fast_settings(chunk_shots=1, chunk_growth=1.0, chunk_delay=2.0)
    with LocalServer(settings=settings) as srv:
        srv.add_user(EMAIL, PASSWORD)
        yield srv


def test_ctrl_c_during_a_wait_closes_the_websocket(endless_server: LocalServer) -> None:
    main = threading.main_thread().ident
    assert main is not None
    assert threading.current_thread().ident == main

    def interrupt_once_relaying() -> None:
        if proxy.relayed.wait(30):  # the wait is on the websocket now: press Ctrl-C
            signal.pthread_kill(main, signal.SIGINT)

    with (
        WebsocketProxy(endless_server.ws_url) as proxy,
        Client(
            endless_server.base_url,
            email=EMAIL,
            password=PASSWORD,
            ws_url=proxy.url,
            wait_policy=FAST,
        ) as c,
    ):
        job = c.jobs.submit(BELL, "H1-1E", 5000)
        presser = threading.Thread(target=interrupt_once_relaying)
        presser.start()
        with pytest.raises(KeyboardInterrupt):
            c.jobs.wait(job)
        presser.join()
        assert proxy.client_closed.wait(5), "the websocket was left open"
        assert c.jobs.cancel(job).status in {"canceling", "canceled"}, "it ran to the end"
