"""`jobs.submit_many` / `jobs.run_many` of both clients against the real local service."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from quantinuum_api import (
    AsyncClient,
    BadRequestError,
    Client,
    HttpOptions,
    Job,
    MemoryCredentialStorage,
    SubmitManyError,
)
from quantinuum_api.models import JobRequest
from quantinuum_api_server.testing import LocalServer
from tests.programs import BELL

from .conftest import EMAIL, FAST, PASSWORD, TWO_REGISTERS

BAD = "OPENQASM 2.0;\nqreg q[1];\nbogus q[0];\n"


class Gate(httpx.AsyncBaseTransport):
    """Holds job submissions (or, with `gets`, job fetches) until `width` of them are in
    flight at once, then lets them all through; records the most seen at once and every
    Idempotency-Key."""

    def __init__(self, width: int, *, gets: bool = False) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.gets = gets
        self.width = width
        self.in_flight = 0
        self.most = 0
        self.keys: list[str] = []
        self._open: asyncio.Event | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if self.gets:
            gated = request.method == "GET" and path.startswith("/v1/job/")
        else:
            gated = request.method == "POST" and path.endswith("/job")
        if not gated:
            return await self.inner.handle_async_request(request)
        self.keys.append(request.headers.get("Idempotency-Key", ""))
        self._open = self._open or asyncio.Event()
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            if self.in_flight >= self.width:
                self._open.set()
            async with asyncio.timeout(30):  # never reached when requests run concurrently
                await self._open.wait()
            return await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def gate() -> Gate:
    return Gate(width=4)


@pytest.fixture
def gated(unbatched_server: LocalServer, gate: Gate) -> Iterator[Client]:
    """A client of a service without the job-batch extension (one POST per job)."""
    http = HttpOptions(async_transport=gate)
    with Client(
        unbatched_server.base_url,
        email=EMAIL,
        password=PASSWORD,
        token_store=MemoryCredentialStorage(),
        wait_policy=FAST,
        http=http,
    ) as c:
        yield c


def test_submit_many_is_concurrent_bounded_and_keeps_order(gated: Client, gate: Gate) -> None:
    programs = [BELL, TWO_REGISTERS] * 6
    shots = [i + 1 for i in range(12)]
    names = [f"many-{i}" for i in range(12)]
    jobs = gated.jobs.submit_many(
        programs, "H1-1E", shots, name=names, options={"seed": 3}, max_concurrency=4
    )
    assert [j.name for j in jobs] == names
    assert gate.most == 4  # four at once (the gate opened), never more
    assert len(set(gate.keys)) == 12  # one Idempotency-Key per job
    done = gated.jobs.wait_many(jobs)
    assert [len(j.shots()) for j in done] == shots
    assert [j.registers for j in done] == [["c"], ["a", "b"]] * 6


def test_the_sync_clients_wait_many_fetches_concurrently(unbatched_server: LocalServer) -> None:
    """Its fetches run on the loop thread (async), not capped by a small thread pool (on
    a service without the job-batch extension: one GET per job)."""
    gate = Gate(width=12, gets=True)
    http = HttpOptions(async_transport=gate)
    url = unbatched_server.base_url
    with Client(url, email=EMAIL, password=PASSWORD, wait_policy=FAST) as plain:
        jobs = plain.jobs.run_many([BELL] * 12, "H1-1E", 2)  # all done before the gated wait
    with Client(url, email=EMAIL, password=PASSWORD, wait_policy=FAST, http=http) as client:
        done = client.jobs.wait_many(jobs, max_concurrency=12)
    assert gate.most == 12
    assert [j.id for j in done] == [j.id for j in jobs]


def test_run_many_and_one_request_per_program(client: Client) -> None:
    requests = [
        JobRequest.from_dict(
            {
                "count": 3,
                "machine": "H2-1E",
                "language": "OPENQASM 2.0",
                "program": TWO_REGISTERS,
                "name": "as-is",
            }
        )
    ]
    done = client.jobs.run_many([BELL, BELL, *requests], "H1-1E", 2)
    assert all(isinstance(j, Job) and j.status == "completed" for j in done)
    assert [j.machine for j in done] == ["H1-1E", "H1-1E", "H2-1E"]
    assert [len(j.shots()) for j in done] == [2, 2, 3]
    assert done[2].counts() == {"01 1": 3}


def test_one_failed_submission_keeps_the_others_jobs(client: Client) -> None:
    with pytest.raises(SubmitManyError) as info:
        client.jobs.submit_many([BELL, BAD, BELL], "H1-1E", 2)
    error = info.value
    assert [j is None for j in error.jobs] == [False, True, False]
    assert error.errors[0] is None
    assert isinstance(error.errors[1], BadRequestError)
    assert isinstance(error.__cause__, BadRequestError)
    assert "1 of 3 submissions failed" in str(error)
    done = client.jobs.wait_many([j for j in error.jobs if j is not None])
    assert [j.status for j in done] == ["completed", "completed"]


def test_bad_input_is_refused_before_anything_is_sent(gated: Client, gate: Gate) -> None:
    with pytest.raises(ValueError, match="shots: got 2 values for 3 programs"):
        gated.jobs.submit_many([BELL] * 3, "H1-1E", [1, 2])
    with pytest.raises(ValueError, match="shots must be a positive integer"):
        gated.jobs.submit_many([BELL, BELL], "H1-1E", [1, 0])
    with pytest.raises(ValueError, match="give a machine"):
        gated.jobs.submit_many([BELL], None, 1)
    with pytest.raises(ValueError, match="one distinct string per program"):
        gated.jobs.submit_many([BELL, BELL], "H1-1E", 1, idempotency_keys=["k", "k"])
    with pytest.raises(ValueError, match="max_concurrency"):
        gated.jobs.submit_many([BELL], "H1-1E", 1, max_concurrency=0)
    assert gate.keys == []
    assert gated.jobs.submit_many([], "H1-1E", 1) == []


def test_the_same_keys_give_the_same_jobs(client: Client) -> None:
    keys = ["many-key-1", "many-key-2"]
    first = client.jobs.submit_many([BELL, TWO_REGISTERS], "H1-1E", 2, idempotency_keys=keys)
    again = client.jobs.submit_many([BELL, TWO_REGISTERS], "H1-1E", 2, idempotency_keys=keys)
    assert [j.id for j in again] == [j.id for j in first]


async def test_sync_submit_many_inside_a_running_event_loop(client: Client) -> None:
    done = client.jobs.run_many([BELL] * 3, "H1-1E", 2)
    assert [j.status for j in done] == ["completed"] * 3


async def test_async_submit_many_and_run_many(server: LocalServer) -> None:
    async with AsyncClient(
        server.base_url, email=EMAIL, password=PASSWORD, wait_policy=FAST
    ) as client:
        jobs = await client.jobs.submit_many([BELL, TWO_REGISTERS], "H1-1E", [3, 4])
        assert [j.model.count for j in jobs] == [3, 4]
        done = await client.jobs.run_many([BELL] * 5, "H2-1E", 2, name="async-many")
        assert [(j.name, j.status) for j in done] == [("async-many", "completed")] * 5
        with pytest.raises(SubmitManyError):
            await client.jobs.submit_many([BAD], "H1-1E", 1)
