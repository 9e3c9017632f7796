"""The waiter's polling core with a scripted fetch (no network): statuses, backoff, limits."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable

import httpx
import pytest
from websockets.utils import accept_key

from quantinuum_api import Job, QuantinuumAPIError, ServerError, WaitPolicy
from quantinuum_api import WaitTimeoutError as TimeoutError
from quantinuum_api._waiter import JobWaiter

FAST = WaitPolicy(poll_initial=0.001, poll_max=0.002, retry_timeout=0.001)


class Script:
    """A fetch that replays statuses (or raises errors) and records each call."""

    def __init__(self, steps: Iterable[str | Exception]) -> None:
        self.steps = list(steps)
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, job_id: str, websocket: bool) -> Job:
        self.calls.append((job_id, websocket))
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        return Job.from_dict({"job": job_id, "status": step})


def _server_error() -> ServerError:
    response = httpx.Response(503, request=httpx.Request("GET", "http://x/"))
    return ServerError("get job failed: HTTP 503", operation="get job", response=response)


@pytest.mark.parametrize("final", ["completed", "failed", "canceled", "depleted", "terminated"])
async def test_every_final_status_ends_the_wait(final: str) -> None:
    fetch = Script(["queued", "running", final])
    seen: list[str] = []
    job = await JobWaiter(fetch, "ws://unused/", policy=FAST).wait(
        "j1", on_update=lambda j: seen.append(j.status)
    )
    assert job.status == final
    assert seen == ["queued", "running", final]
    assert fetch.calls == [("j1", True)] * 3  # asked for a ticket; none offered -> polled


async def test_unknown_status_is_not_final_and_keeps_polling() -> None:
    fetch = Script(["queued", "calibrating", "calibrating", "completed"])
    job = await JobWaiter(fetch, "ws://unused/", policy=FAST).wait("j1")
    assert job.status == "completed"
    assert len(fetch.calls) == 4


async def test_unknown_status_forever_is_bounded_by_the_timeout() -> None:
    fetch = Script(["calibrating"])
    with pytest.raises(TimeoutError, match=r"not done after 0.05 s \(last status: calibrating\)"):
        await JobWaiter(fetch, "ws://unused/", policy=FAST.with_timeout(0.05)).wait("j1")


async def test_timeout_is_also_a_builtin_timeout_and_an_api_error() -> None:
    fetch = Script(["running"])
    with pytest.raises(TimeoutError) as info:
        await JobWaiter(fetch, "ws://unused/", policy=FAST.with_timeout(0.01)).wait("j1")
    assert isinstance(info.value, QuantinuumAPIError)
    assert isinstance(info.value, builtins_timeout())


def builtins_timeout() -> type[BaseException]:
    import builtins

    return builtins.TimeoutError


async def test_a_burst_of_server_errors_is_tolerated() -> None:
    fetch = Script(["running", _server_error(), _server_error(), "completed"])
    job = await JobWaiter(fetch, "ws://unused/", policy=FAST).wait("j1")
    assert job.status == "completed"


async def test_persistent_server_errors_end_the_wait() -> None:
    fetch = Script([_server_error()])
    with pytest.raises(ServerError):
        await JobWaiter(fetch, "ws://unused/", policy=FAST).wait("j1")
    assert len(fetch.calls) == FAST.max_errors + 1


async def test_polling_only_policy_never_asks_for_a_ticket() -> None:
    fetch = Script(["running", "completed"])
    policy = WaitPolicy(use_websocket=False, poll_initial=0.001)
    await JobWaiter(fetch, "ws://unused/", policy=policy).wait("j1")
    assert fetch.calls == [("j1", False), ("j1", False)]


async def test_websocket_failures_fall_back_to_polling() -> None:
    async def fetch(job_id: str, websocket: bool) -> Job:
        calls.append(websocket)
        doc: dict[str, object] = {
            "job": job_id,
            "status": "running" if len(calls) < 6 else "completed",
        }
        if websocket:
            doc["websocket"] = {"task_token": "t", "executionArn": "a"}
        return Job.from_dict(doc)

    calls: list[bool] = []
    # nothing listens on port 9 (discard): each websocket attempt fails fast
    job = await JobWaiter(fetch, "ws://127.0.0.1:9/v1/", policy=FAST).wait("j1")
    assert job.status == "completed"
    assert calls[: FAST.max_ws_failures] == [True] * FAST.max_ws_failures
    assert calls[FAST.max_ws_failures :]
    assert not any(calls[FAST.max_ws_failures :])


async def test_wait_many_returns_in_input_order_and_bounds_concurrency() -> None:
    active = 0
    peak = 0

    async def fetch(job_id: str, websocket: bool) -> Job:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0)
        active -= 1
        counts[job_id] = counts.get(job_id, 0) + 1
        status = "completed" if counts[job_id] >= 3 else "running"
        return Job.from_dict({"job": job_id, "status": status})

    counts: dict[str, int] = {}
    ids = [f"j{i}" for i in range(20)]
    updates: list[str] = []
    jobs = await JobWaiter(fetch, "ws://unused/", policy=FAST).wait_many(
        ids, max_concurrency=4, on_update=lambda j: updates.append(j.id)
    )
    assert [j.id for j in jobs] == ids
    assert all(j.status == "completed" for j in jobs)
    assert peak <= 4
    assert sorted(set(updates)) == sorted(ids)


async def test_wait_many_first_error_cancels_the_rest() -> None:
    async def fetch(job_id: str, websocket: bool) -> Job:
        if job_id == "bad":
            raise QuantinuumAPIError("boom", operation="get job")
        return Job.from_dict({"job": job_id, "status": "running"})

    with pytest.raises(QuantinuumAPIError, match="boom"):
        await JobWaiter(fetch, "ws://unused/", policy=FAST).wait_many(["a", "bad", "c"])


async def test_wait_many_timeout_counts_unfinished_jobs() -> None:
    async def fetch(job_id: str, websocket: bool) -> Job:
        return Job.from_dict({"job": job_id, "status": "completed" if job_id == "a" else "queued"})

    waiter = JobWaiter(fetch, "ws://unused/", policy=FAST.with_timeout(0.05))
    with pytest.raises(TimeoutError, match="2 of 3 jobs were not done"):
        await waiter.wait_many(["a", "b", "c"])


async def test_wait_many_finished_jobs_do_not_queue_behind_a_running_one() -> None:
    # One request at a time; the first job ends only once every other job was fetched,
    # which needs the others fetched while it is still being watched.
    others = [f"d{i}" for i in range(5)]
    fetched: list[str] = []

    async def fetch(job_id: str, websocket: bool) -> Job:
        fetched.append(job_id)
        done = job_id != "slow" or set(others) <= set(fetched)
        return Job.from_dict({"job": job_id, "status": "completed" if done else "running"})

    waiter = JobWaiter(fetch, "ws://unused/", policy=FAST.with_timeout(10))
    jobs = await waiter.wait_many(["slow", *others], max_concurrency=1)
    assert [j.status for j in jobs] == ["completed"] * 6
    assert [j.id for j in jobs] == ["slow", *others]
    assert fetched.count("slow") >= 2
    assert all(fetched.count(job_id) == 1 for job_id in others)  # one request each


async def test_wait_many_first_look_is_the_watch_start_and_memory_is_bounded() -> None:
    # Every job is fetched once before it is watched; the jobs between their first fetch
    # and their end are bounded by the watchers (WATCH_FACTOR * max_concurrency), the
    # hand-over queue and the fetchers, however many jobs there are.
    from quantinuum_api._waiter import WATCH_FACTOR

    polls: dict[str, int] = {}
    open_jobs: set[str] = set()
    peak = 0

    async def fetch(job_id: str, websocket: bool) -> Job:
        nonlocal peak
        polls[job_id] = polls.get(job_id, 0) + 1
        done = polls[job_id] >= 3
        (open_jobs.discard if done else open_jobs.add)(job_id)
        peak = max(peak, len(open_jobs))
        await asyncio.sleep(0)
        return Job.from_dict({"job": job_id, "status": "completed" if done else "queued"})

    ids = [f"j{i}" for i in range(200)]
    jobs = await JobWaiter(fetch, "ws://unused/", policy=FAST).wait_many(ids, max_concurrency=2)
    assert [j.id for j in jobs] == ids
    assert all(n == 3 for n in polls.values())  # first look, one poll, the final poll
    assert peak <= WATCH_FACTOR * 2 + 1 + 2


async def test_wait_many_of_nothing_asks_nothing() -> None:
    fetch = Script(["completed"])
    assert await JobWaiter(fetch, "ws://unused/", policy=FAST).wait_many([]) == []
    assert fetch.calls == []


async def _accept_websocket(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A minimal websocket server's side of the opening handshake."""
    request = await reader.readuntil(b"\r\n\r\n")
    key = next(
        line.split(b":", 1)[1].strip()
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    accept = accept_key(key.decode()).encode()
    writer.write(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )


async def _running(job_id: str, websocket: bool) -> Job:
    """A fetch: the job is running, with a websocket ticket."""
    return Job.from_dict(
        {"job": job_id, "status": "running", "websocket": {"task_token": "t", "executionArn": "a"}}
    )


async def test_wait_returns_without_waiting_for_the_closing_handshake() -> None:
    # A websocket peer that pushes the final document and then never answers the close
    # frame: the wait must return at once, not after websockets' close_timeout (10 s).
    async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _accept_websocket(reader, writer)
        await reader.read(2)  # the start of the OpenConnection frame
        final = json.dumps({"job": "j1", "status": "completed"}).encode()
        writer.write(bytes([0x81, len(final)]) + final)  # one unmasked text frame
        await writer.drain()
        await stop.wait()  # silent: no close frame, no TCP close
        writer.close()

    stop = asyncio.Event()
    server = await asyncio.start_server(peer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        waiter = JobWaiter(_running, f"ws://127.0.0.1:{port}/v1/", policy=FAST.with_timeout(5))
        job = await waiter.wait("j1")
        assert job.status == "completed"
    finally:
        stop.set()
        server.close()
        await server.wait_closed()


async def test_the_websocket_of_a_finished_wait_is_closed_after_it_returns() -> None:
    # The closing handshake starts a moment after the wait returned (CLOSE_DELAY), and it
    # does start: the peer receives a close frame.
    returned = asyncio.Event()
    close_seen: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _accept_websocket(reader, writer)
        header = await reader.readexactly(2)  # the OpenConnection frame (masked)
        await reader.readexactly((header[1] & 0x7F) + 4)
        final = json.dumps({"job": "j1", "status": "completed"}).encode()
        writer.write(bytes([0x81, len(final)]) + final)
        await writer.drain()
        opcode = (await reader.readexactly(2))[0] & 0x0F
        close_seen.set_result(opcode if returned.is_set() else -1.0)
        writer.close()

    server = await asyncio.start_server(peer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        waiter = JobWaiter(_running, f"ws://127.0.0.1:{port}/v1/", policy=FAST.with_timeout(5))
        job = await waiter.wait("j1")
        returned.set()
        assert job.status == "completed"
        assert await asyncio.wait_for(close_seen, 5) == 0x8  # a close frame, after return
    finally:
        server.close()
        await server.wait_closed()


async def test_a_finished_wait_answers_the_services_close_only_after_it_returned() -> None:
    # The service closes right after the final document. The waiter leaves that close
    # unread until its own closing handshake starts (CLOSE_DELAY after the wait
    # returned), so the peer gets the waiter's close (1000, no reason); a waiter that read
    # on would echo the peer's close (4000 "peer") at once.
    peer_close = bytes([0x88, 6]) + (4000).to_bytes(2, "big") + b"peer"
    send_close = asyncio.Event()
    reply: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    async def peer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _accept_websocket(reader, writer)
        header = await reader.readexactly(2)  # the OpenConnection frame (masked)
        await reader.readexactly((header[1] & 0x7F) + 4)
        final = json.dumps({"job": "j1", "status": "completed"}).encode()
        writer.write(bytes([0x81, len(final)]) + final)
        await writer.drain()
        await send_close.wait()  # the waiter has seen the final document
        writer.write(peer_close)
        await writer.drain()
        header = await reader.readexactly(2)  # the waiter's close frame (masked)
        mask, data = await reader.readexactly(4), await reader.readexactly(header[1] & 0x7F)
        reply.set_result(bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
        writer.close()

    def on_update(job: Job) -> None:
        if job.done:
            send_close.set()

    server = await asyncio.start_server(peer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        waiter = JobWaiter(_running, f"ws://127.0.0.1:{port}/v1/", policy=FAST.with_timeout(5))
        job = await waiter.wait("j1", on_update=on_update)
        assert job.status == "completed"
        assert await asyncio.wait_for(reply, 5) == (1000).to_bytes(2, "big")
    finally:
        server.close()
        await server.wait_closed()


def test_policy_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="timeout"):
        WaitPolicy(timeout=-1)
    with pytest.raises(ValueError, match="ws_timeout"):
        WaitPolicy(ws_timeout=0)
    with pytest.raises(ValueError, match="poll_factor"):
        WaitPolicy(poll_factor=0.5)
