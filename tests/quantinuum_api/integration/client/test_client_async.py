"""`AsyncClient` against the real local service: the same surface as `Client`."""

from __future__ import annotations

import asyncio

import pytest

from quantinuum_api import AsyncClient, JobFailedError, MemoryCredentialStorage, NotFoundError
from quantinuum_api_client import models
from quantinuum_api_server.testing import LocalServer
from tests.programs import BELL

from .conftest import EMAIL, FAST, PASSWORD


def _client(server: LocalServer) -> AsyncClient:
    return AsyncClient(
        server.base_url,
        email=EMAIL,
        password=PASSWORD,
        token_store=MemoryCredentialStorage(),
        wait_policy=FAST,
    )


async def test_submit_wait_counts_websocket_and_polling(server: LocalServer) -> None:
    async with _client(server) as client:
        await client.login()
        a = await client.jobs.submit(BELL, "H2-1E", 16, options={"seed": 5})
        b = await client.jobs.submit(BELL, "H2-1E", 16, options={"seed": 5})
        by_ws, by_poll = await asyncio.gather(
            client.jobs.wait(a), client.jobs.wait(b, use_websocket=False)
        )
        assert by_ws.status == by_poll.status == "completed"
        assert by_ws.shots() == by_poll.shots()  # same seed, same shots
        assert sum(by_ws.counts().values()) == 16
        assert (await client.jobs.get(a.id)).to_dict() == by_ws.to_dict()


async def test_wait_many_fifty_jobs_concurrently(server: LocalServer) -> None:
    async with _client(server) as client:
        jobs = await asyncio.gather(
            *(client.jobs.submit(BELL, "H1-1E", 1, name=f"a{i}") for i in range(50))
        )
        seen: list[str] = []
        results = await client.jobs.wait_many(
            jobs, on_update=lambda j: seen.append(j.status), max_concurrency=25
        )
        assert [r.id for r in results] == [j.id for j in jobs]
        assert all(r.succeeded for r in results)
        assert seen.count("completed") == 50


async def test_machines_calendar_cost(server: LocalServer) -> None:
    async with _client(server) as client:
        machines = await client.machines.list()
        assert {"H1-1", "H2-1SC"} <= {m.name for m in machines}
        assert (await client.machines.get("H1-1")).syntax_checker == "H1-1SC"
        assert await client.machines.state("H2-1SC") == "online"
        events = await client.calendar("2026-11-25", "2026-11-27")
        assert all(isinstance(e, models.CalendarEvent) for e in events)
        assert await client.cost(BELL, "H2-1", 10) == pytest.approx(5 + 10 * 31 / 5000, abs=0.01)
        with pytest.raises(NotFoundError):
            await client.jobs.cancel("missing")


async def test_cancel_and_raise_on_failure(slow_server: LocalServer) -> None:
    async with _client(slow_server) as client:
        job = await client.jobs.submit(BELL, "H1-1E", 2000)
        assert (await client.jobs.cancel(job)).status in {"canceling", "canceled"}
        with pytest.raises(JobFailedError, match="canceled"):
            await client.jobs.wait(job, raise_on_failure=True)


async def test_run_submits_and_waits(server: LocalServer) -> None:
    async with _client(server) as client:
        job = await client.jobs.run(BELL, "H1-1E", 3)
        assert job.succeeded
        assert len(job.shots("c")) == 3


async def test_async_client_api_runs_any_generated_operation(server: LocalServer) -> None:
    from quantinuum_api_client.api.jobs import get_job
    from quantinuum_api_client.api.machines import list_machines

    async with _client(server) as client:
        job = await client.jobs.run(BELL, "H1-1E", 4)
        model = await get_job.asyncio(job.id, client=client.api)
        assert isinstance(model, models.Job)
        assert model.job == job.id
        machines = await list_machines.asyncio(client=client.api, config=True)
        assert isinstance(machines, list)
        assert any(m.name == "H1-1E" for m in machines if isinstance(m, models.Machine))
