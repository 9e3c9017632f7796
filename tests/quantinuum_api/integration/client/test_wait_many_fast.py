"""`wait_many` against a real service without the job-batch extension (as the cloud is):
one request per finished job, websockets only for jobs still running, input order kept,
the first error cancelling the rest."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from quantinuum_api import AsyncClient, Job, MemoryCredentialStorage, NotFoundError
from quantinuum_api_server.testing import LocalServer
from tests.programs import BELL

from .conftest import EMAIL, FAST, PASSWORD
from .faults import FaultTransport, WebsocketProxy


def _client(server: LocalServer, transport: FaultTransport, ws_url: str) -> AsyncClient:
    return AsyncClient(
        server.base_url,
        email=EMAIL,
        password=PASSWORD,
        token_store=MemoryCredentialStorage(),
        wait_policy=FAST,
        ws_url=ws_url,
        httpx_client=httpx.AsyncClient(transport=transport),
    )


def _job_gets(transport: FaultTransport, jobs: list[Job]) -> Counter[str]:
    """How many times each job was fetched (`GET v1/job/{id}`)."""
    ids = {job.id for job in jobs}
    return Counter(
        r.url.path.rsplit("/", 1)[-1]
        for r in transport.seen
        if r.method == "GET" and r.url.path.rsplit("/", 1)[-1] in ids
    )


async def test_jobs_already_done_cost_one_get_each_and_no_websocket(
    unbatched_server: LocalServer,
) -> None:
    server = unbatched_server
    transport = FaultTransport(lambda request, n: None)
    with WebsocketProxy(server.ws_url) as proxy:
        async with _client(server, transport, proxy.url) as client:
            jobs = [await client.jobs.submit(BELL, "H1-1E", 4, name=f"d{i}") for i in range(12)]
            for job in jobs:  # each one waited alone first: all final now
                await client.jobs.wait(job)
            connections_before = proxy.connections
            transport.seen.clear()
            results = await client.jobs.wait_many(jobs, max_concurrency=3)
    assert [r.id for r in results] == [j.id for j in jobs]
    assert all(r.succeeded and len(r.shots()) == 4 for r in results)
    assert _job_gets(transport, jobs) == Counter({job.id: 1 for job in jobs})
    probes = [r for r in transport.seen if r.url.path.startswith("/v1/job-batch")]
    assert len(probes) == 1  # the job-batch extension asked for once (404 here)
    assert len(transport.seen) == len(jobs) + 1  # nothing else was asked
    assert proxy.connections == connections_before  # no websocket opened


async def test_running_jobs_are_watched_from_the_first_fetch(
    unbatched_slow_server: LocalServer,
) -> None:
    slow_server = unbatched_slow_server
    # ~0.25 s per job on the slow service: most are still running at the first fetch; each
    # is then watched over a websocket with the ticket it came with, never fetched again.
    transport = FaultTransport(lambda request, n: None)
    with WebsocketProxy(slow_server.ws_url) as proxy:
        async with _client(slow_server, transport, proxy.url) as client:
            jobs = [await client.jobs.submit(BELL, "H1-1E", 50, name=f"r{i}") for i in range(8)]
            transport.seen.clear()
            seen: list[tuple[str, str]] = []
            results = await client.jobs.wait_many(
                jobs, max_concurrency=2, on_update=lambda j: seen.append((j.id, j.status))
            )
    assert [r.id for r in results] == [j.id for j in jobs]
    assert all(r.succeeded and len(r.shots()) == 50 for r in results)
    assert _job_gets(transport, jobs) == Counter({job.id: 1 for job in jobs})
    assert 1 <= proxy.connections <= len(jobs)  # only jobs running at their first fetch
    assert {job_id for job_id, status in seen if status == "completed"} == {j.id for j in jobs}
    asked = [r for r in transport.seen if r.method == "GET"]
    assert all(r.url.params.get("websocket") == "true" for r in asked)


async def test_duplicates_keep_input_order_and_are_fetched_once(
    unbatched_server: LocalServer,
) -> None:
    server = unbatched_server
    transport = FaultTransport(lambda request, n: None)
    async with _client(server, transport, server.ws_url) as client:
        a, b, c = [await client.jobs.submit(BELL, "H1-1E", 2, name=n) for n in "abc"]
        transport.seen.clear()
        results = await client.jobs.wait_many([c, a, c, b, a])
    assert [r.id for r in results] == [c.id, a.id, c.id, b.id, a.id]
    assert all(r.succeeded for r in results)
    assert _job_gets(transport, [a, b, c]) == Counter({a.id: 1, b.id: 1, c.id: 1})


async def test_first_error_cancels_the_other_watches(slow_server: LocalServer) -> None:
    transport = FaultTransport(lambda request, n: None)
    async with _client(slow_server, transport, slow_server.ws_url) as client:
        running = [await client.jobs.submit(BELL, "H1-1E", 300) for _ in range(3)]
        with pytest.raises(NotFoundError):
            await client.jobs.wait_many([*running, "no-such-job"], max_concurrency=2)
        # nothing of the wait is left behind: no watcher, no websocket task
        assert asyncio.all_tasks() == {asyncio.current_task()}
        assert not any(job.done for job in [await client.jobs.get(j) for j in running])
        for job in running:
            await client.jobs.cancel(job)
