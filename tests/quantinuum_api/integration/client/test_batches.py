"""`submit_many` and `wait_many` over the job-batch extension, against the real service:
100 jobs to a request each way, none sent twice, the same results and errors as one
request per job (tests of that path: test_submit_many.py and test_wait_many_fast.py, on a
service without the extension)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx
import pytest

from quantinuum_api import (
    AsyncClient,
    BadRequestError,
    Client,
    HttpOptions,
    MemoryCredentialStorage,
    NotFoundError,
    SubmitManyError,
)
from quantinuum_api_server.testing import LocalServer
from tests.programs import BELL

from .conftest import EMAIL, FAST, PASSWORD
from .faults import FaultTransport, WebsocketProxy

BAD = "OPENQASM 2.0;\nqreg q[1];\nbogus q[0];\n"


def _requests(transport: FaultTransport) -> Counter[str]:
    """Requests by kind: `POST /v1/job-batch`, `GET /v1/job/{id}` (as `GET job`), ..."""
    kinds: Counter[str] = Counter()
    for request in transport.seen:
        path = request.url.path
        kind = "GET job" if path.startswith("/v1/job/") else path
        kinds[f"{request.method} {kind}"] += 1
    return kinds


def _async_client(server: LocalServer, transport: FaultTransport, ws_url: str) -> AsyncClient:
    return AsyncClient(
        server.base_url,
        email=EMAIL,
        password=PASSWORD,
        token_store=MemoryCredentialStorage(),
        wait_policy=FAST,
        ws_url=ws_url,
        httpx_client=httpx.AsyncClient(transport=transport),
    )


def test_submit_many_sends_100_jobs_a_request_and_wait_many_collects_them(
    server: LocalServer,
) -> None:
    transport = FaultTransport(lambda request, n: None)
    with (
        WebsocketProxy(server.ws_url) as proxy,
        Client(
            server.base_url,
            email=EMAIL,
            password=PASSWORD,
            token_store=MemoryCredentialStorage(),
            wait_policy=FAST,
            ws_url=proxy.url,
            http=HttpOptions(async_transport=transport),
        ) as client,
    ):
        names = [f"b{i}" for i in range(250)]
        shots = [1 + i % 7 for i in range(250)]
        jobs = client.jobs.submit_many([BELL] * 250, "H1-1E", shots, name=names)
        assert [job.name for job in jobs] == names
        assert len({job.id for job in jobs}) == 250
        submitted = _requests(transport)
        done = client.jobs.wait_many(jobs)
    assert submitted == Counter({"POST /v1/login": 1, "POST /v1/job-batch": 3})  # 100+100+50
    assert [job.id for job in done] == [job.id for job in jobs]
    assert [len(job.shots()) for job in done] == shots
    kinds = _requests(transport)
    assert kinds["GET job"] == 0
    assert kinds["POST /v1/job"] == 0
    assert kinds["POST /v1/job-batch/documents"] >= 3  # at least one per 100 jobs
    assert proxy.connections == 0  # no websocket: the held request stands for them


def test_a_refused_item_is_that_job_s_error_and_the_others_exist(client: Client) -> None:
    with pytest.raises(SubmitManyError) as info:
        client.jobs.submit_many([BELL, BAD, BELL], "H1-1E", 2)
    error = info.value
    assert [job is None for job in error.jobs] == [False, True, False]
    assert isinstance(error.errors[1], BadRequestError)
    assert error.errors[1].error_code == 40
    assert error.errors[0] is None
    assert error.errors[2] is None
    kept = [job for job in error.jobs if job is not None]
    assert all(job.succeeded for job in client.jobs.wait_many(kept))


async def test_the_async_client_batches_too_and_reports_a_missing_job(
    server: LocalServer,
) -> None:
    transport = FaultTransport(lambda request, n: None)
    async with _async_client(server, transport, server.ws_url) as client:
        jobs = await client.jobs.run_many([BELL] * 30, "H1-1E", 3)
        assert all(job.succeeded and len(job.shots()) == 3 for job in jobs)
        kinds = _requests(transport)
        assert kinds["POST /v1/job-batch"] == 1
        assert kinds["GET job"] == 0
        with pytest.raises(NotFoundError) as info:
            await client.jobs.wait_many([jobs[0], "no-such-job"])
        assert info.value.error_code == 30
        assert asyncio.all_tasks() == {asyncio.current_task()}  # nothing left behind


async def test_a_wait_on_jobs_that_cannot_start_times_out_cleanly() -> None:
    from quantinuum_api import WaitTimeoutError
    from quantinuum_api_server.testing import fast_settings

    with LocalServer(settings=fast_settings(queue_delay=60.0)) as server:
        server.add_user(EMAIL, PASSWORD)
        transport = FaultTransport(lambda request, n: None)
        async with _async_client(server, transport, server.ws_url) as client:
            jobs = await client.jobs.submit_many([BELL] * 3, "H1-1E", 2)
            with pytest.raises(WaitTimeoutError):
                await client.jobs.wait_many(jobs, timeout=0.5)
            assert asyncio.all_tasks() == {asyncio.current_task()}
            for job in jobs:
                await client.jobs.cancel(job)


async def test_a_held_request_stays_within_the_read_timeout() -> None:
    """With a 1 s read timeout, the documents request is held at most 0.5 s: a longer
    hold would end in a read timeout (and retries) instead of an answer."""
    from quantinuum_api import WaitTimeoutError
    from quantinuum_api_server.testing import fast_settings

    transport = FaultTransport(lambda request, n: None)
    with LocalServer(settings=fast_settings(queue_delay=60.0)) as server:
        server.add_user(EMAIL, PASSWORD)
        async with AsyncClient(
            server.base_url,
            email=EMAIL,
            password=PASSWORD,
            token_store=MemoryCredentialStorage(),
            wait_policy=FAST,
            http=HttpOptions(timeout=1.0, async_transport=transport),
        ) as client:
            jobs = await client.jobs.submit_many([BELL] * 2, "H1-1E", 2)
            with pytest.raises(WaitTimeoutError):
                await client.jobs.wait_many(jobs, timeout=2.0)
            for job in jobs:
                await client.jobs.cancel(job)
    held = [
        json.loads(r.content)["wait"]
        for r in transport.seen
        if r.url.path == "/v1/job-batch/documents"
    ]
    assert max(held) == 0.5, held
