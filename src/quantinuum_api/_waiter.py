"""Waiting for jobs: the websocket protocol, with polling as the fallback.

One wait, as in the reference: ask for the job with a websocket ticket; if it is not done,
connect, send `OpenConnection` and receive job documents until a final status. Each receive
waits up to `ws_timeout`; when it expires the waiter pings the server (keep-alive) and checks
the job over REST, in case a push was missed. A failed websocket (refused, dropped, bad
ticket, garbled message) is retried after `retry_timeout` (doubling, with jitter), always
starting over with a fresh status request; after `max_ws_failures` consecutive failures the
rest of the wait polls (a session that delivered more than its first document resets the
count). Polling backs off exponentially with jitter from `poll_initial` to `poll_max`.
Transient REST failures (5xx, 429, transport) that outlive the HTTP layer's own retries are
tolerated `max_errors` times in a row. `timeout` bounds the whole wait and raises
`quantinuum_api.WaitTimeoutError`.

Two websocket close codes of the service are acted on at once, not retried with backoff:
4029 (`TOO_MANY_SUBSCRIPTIONS`: the user holds the most subscriptions the service allows)
switches the rest of the wait to polling; 4001 (`SESSION_ENDED`: the login session of the
ticket ended, by a logout, a password reset or revoked sessions) fetches the job again at
once, which renews the SDK's token when it can (a 401 gets one token refresh) and raises the
`AuthenticationError` when it cannot; a second 4001 in a row raises `AuthenticationError`.

`wait_many` fetches every job once, in order, and watches only the jobs not yet final,
each from the document it just received (see `JobWaiter.wait_many`).

Final statuses are `completed`, `failed`, `canceled`, `depleted` and `terminated`. Any other
status, including one this SDK does not know, counts as "not done": the wait keeps watching,
with backoff, until the job ends or the timeout expires.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection, connect

from quantinuum_api_client.models import OpenConnectionRequest, WebsocketError
from quantinuum_api_client.types import Unset

from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    WaitTimeoutError,
    make_status_error,
)
from ._results import Job

__all__ = [
    "SESSION_ENDED",
    "TOO_MANY_SUBSCRIPTIONS",
    "Fetch",
    "JobWaiter",
    "OnUpdate",
    "WaitPolicy",
]

log = logging.getLogger("quantinuum_api.waiter")

#: `fetch(job_id, websocket)`: the job document, with a websocket ticket when asked.
Fetch = Callable[[str, bool], Awaitable[Job]]
#: `fetch_many(job_ids, wait)`: the documents of up to `MANY_PER_REQUEST` jobs and the ids
#: not found, held up to `wait` seconds until all are final; None: the service cannot.
FetchMany = Callable[[list[str], float], Awaitable[tuple[list[Job], list[str]] | None]]
#: Job ids per `fetch_many` request, and how long one is held at most (seconds).
MANY_PER_REQUEST = 100
MANY_HOLD = 20.0
#: Called with every new job document seen during a wait.
OnUpdate = Callable[[Job], object]

_rng = random.SystemRandom()

#: Websockets of finished waits still closing (referenced so they are not collected).
_closing: set[asyncio.Task[None]] = set()
#: Seconds after a wait's return when its websocket's closing handshake starts.
CLOSE_DELAY = 0.002

#: Websocket close code: the login session of the ticket ended (see openapi.yaml).
SESSION_ENDED = 4001
#: Websocket close code: the user already holds the service's maximum of subscriptions.
TOO_MANY_SUBSCRIPTIONS = 4029

#: `wait_many` watches up to this many times `max_concurrency` unfinished jobs at once
#: (a websocket each, idle until its job's next update; requests stay bounded separately).
WATCH_FACTOR = 4


@dataclass(frozen=True)
class WaitPolicy:
    """How a wait behaves; the defaults follow the reference client (seconds)."""

    timeout: float | None = None  # whole wait; None = no limit
    use_websocket: bool = True
    ws_timeout: float = 180.0  # per websocket receive
    retry_timeout: float = 5.0  # first delay before reconnecting; doubles per failure
    retry_max: float = 60.0
    ping_timeout: float = 10.0
    open_timeout: float = 10.0
    max_ws_failures: int = 3  # consecutive websocket failures before polling instead
    poll_initial: float = 0.5
    poll_max: float = 30.0
    poll_factor: float = 1.5
    max_errors: int = 5  # consecutive transient REST failures tolerated during a wait

    def __post_init__(self) -> None:
        if self.timeout is not None and self.timeout < 0:
            raise ValueError(f"timeout must be >= 0 or None, got {self.timeout!r}")
        for name in ("ws_timeout", "ping_timeout", "open_timeout", "poll_initial", "poll_max"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if self.retry_timeout < 0 or self.retry_max < 0:
            raise ValueError("retry_timeout and retry_max must be >= 0")
        if self.poll_factor < 1:
            raise ValueError(f"poll_factor must be >= 1, got {self.poll_factor!r}")

    def with_timeout(self, timeout: float | None) -> WaitPolicy:
        return replace(self, timeout=timeout)


class _WebsocketFailure(Exception):
    """The websocket path failed in a way worth retrying (message for the log)."""


class _Refused(_WebsocketFailure):
    """The service sent a `WebsocketError` document; it closes the websocket next."""


class _SessionEnded(Exception):
    """The service closed the websocket with `SESSION_ENDED`."""


class _TooManySubscriptions(Exception):
    """The service closed the websocket with `TOO_MANY_SUBSCRIPTIONS`."""


_WS_ERRORS = (
    _WebsocketFailure,
    websockets.exceptions.WebSocketException,
    OSError,
    builtins.TimeoutError,  # opening handshake or keep-alive ping timed out
)


def _jittered(delay: float) -> float:
    """Between 75% and 100% of `delay`, so concurrent waiters spread out."""
    return delay * (1.0 - 0.25 * _rng.random())


class _Watch:
    """Per-wait state: the last document and the update callback (deduplicated)."""

    def __init__(self, job_id: str, on_update: OnUpdate | None, fetch: Fetch) -> None:
        self.job_id = job_id
        self.fetch = fetch
        self.last: Job | None = None
        self.session_updates = 0  # messages received on the current websocket
        self._on_update = on_update

    def see(self, job: Job) -> Job:
        if job.id != self.job_id:
            raise _WebsocketFailure(f"update for job {job.id!r} while waiting for {self.job_id!r}")
        if self.last is None or job != self.last:
            self.last = job
            if self._on_update is not None:
                self._on_update(job)
        return job


class JobWaiter:
    """Waits for jobs using `fetch` for REST and `ws_url` for websocket updates."""

    def __init__(
        self,
        fetch: Fetch,
        ws_url: str,
        *,
        policy: WaitPolicy | None = None,
        ws_kwargs: Mapping[str, Any] | None = None,
        fetch_many: FetchMany | None = None,
    ) -> None:
        self._fetch = fetch
        self._fetch_many = fetch_many
        self.ws_url = ws_url
        self.policy = policy or WaitPolicy()
        self._ws_kwargs = dict(ws_kwargs or {})

    async def wait(
        self,
        job_id: str,
        *,
        on_update: OnUpdate | None = None,
        policy: WaitPolicy | None = None,
    ) -> Job:
        """Wait until job `job_id` is final and return its last document."""
        policy = policy or self.policy
        watch = _Watch(job_id, on_update, self._fetch)
        try:
            async with asyncio.timeout(policy.timeout) as scope:
                return await self._wait(watch, policy)
        except builtins.TimeoutError:
            if not scope.expired():
                raise
            status = watch.last.status if watch.last is not None else "unknown"
            raise WaitTimeoutError(
                f"job {job_id} was not done after {policy.timeout:g} s (last status: {status})",
                operation="wait for job",
            ) from None

    async def wait_many(
        self,
        job_ids: Iterable[str],
        *,
        on_update: OnUpdate | None = None,
        policy: WaitPolicy | None = None,
        max_concurrency: int = 16,
    ) -> list[Job]:
        """Wait for every job; results in the order of `job_ids`.

        Every job is fetched once, in order (with a websocket ticket when websockets are
        on): a job already final costs that one request. A job not yet final is then
        watched from that document, as one `wait` would, without asking again: over a
        websocket with the ticket just received, or by polling. Fetching never waits for
        the watched jobs, so finished jobs do not queue behind running ones. At most
        `max_concurrency` requests are in flight at once and at most
        `WATCH_FACTOR * max_concurrency` jobs are watched at once, so memory stays bounded
        for any number of jobs. The first error cancels the rest and is raised.
        """
        ids = list(job_ids)
        if max_concurrency < 1:
            raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency!r}")
        policy = policy or self.policy
        untimed = policy.with_timeout(None)
        unique = list(dict.fromkeys(ids))
        by_id: dict[str, Job] = {}  # the jobs found final so far
        if not unique:
            return []
        try:
            async with asyncio.timeout(policy.timeout) as scope:
                batched = self._fetch_many is not None and await self._wait_batched(
                    unique, on_update, untimed, by_id
                )
                if not batched:
                    await self._wait_each(unique, on_update, untimed, max_concurrency, by_id)
        except builtins.TimeoutError:
            if not scope.expired():
                raise
            raise WaitTimeoutError(
                f"{len(ids) - sum(1 for i in ids if i in by_id)} of {len(ids)} jobs were not "
                f"done after {policy.timeout:g} s",
                operation="wait for jobs",
            ) from None
        return [by_id[job_id] for job_id in ids]

    async def _wait_each(
        self,
        unique: list[str],
        on_update: OnUpdate | None,
        untimed: WaitPolicy,
        max_concurrency: int,
        by_id: dict[str, Job],
    ) -> None:
        """`wait_many` with a request (and a websocket) per job: see `wait_many`."""
        requests = asyncio.Semaphore(max_concurrency)
        all_done = asyncio.Event()
        # a small hand-over queue: fetching pauses while every watcher is busy
        running: asyncio.Queue[tuple[_Watch, Job]] = asyncio.Queue(maxsize=1)
        todo = iter(unique)

        async def fetch(job_id: str, websocket: bool) -> Job:
            async with requests:
                return await self._fetch(job_id, websocket)

        def final(job: Job) -> None:
            by_id[job.id] = job
            if len(by_id) == len(unique):
                all_done.set()

        async def first_look() -> None:
            for job_id in todo:
                watch = _Watch(job_id, on_update, fetch)
                job = await self._get(watch, untimed.use_websocket, untimed)
                if job.done:
                    final(job)
                else:
                    await running.put((watch, job))

        async def watcher() -> None:
            while True:
                watch, job = await running.get()
                final(await self._wait(watch, untimed, job))

        workers = [
            *(first_look() for _ in range(min(max_concurrency, len(unique)))),
            *(watcher() for _ in range(min(WATCH_FACTOR * max_concurrency, len(unique)))),
        ]
        tasks = {asyncio.create_task(worker) for worker in workers}
        finished = asyncio.create_task(all_done.wait())
        try:
            pending: set[asyncio.Future[Any]] = {*tasks, finished}
            while not finished.done():
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()  # raises the first failure
        finally:
            for task in (*tasks, finished):
                task.cancel()
            await asyncio.gather(*tasks, finished, return_exceptions=True)

    async def _wait_batched(
        self, ids: list[str], on_update: OnUpdate | None, policy: WaitPolicy, done: dict[str, Job]
    ) -> bool:
        """`wait_many` over `fetch_many` (final jobs into `done`); False when the service
        has no such request.

        Each round asks for every job not yet final, 100 per request, with no hold, then
        (while some are left) for the first 100 of those held until they have all ended:
        jobs run roughly in submission order, so those are the ones to wait for. Each
        round costs a round trip or two, whatever the number of jobs."""
        assert self._fetch_many is not None
        watches = {job_id: _Watch(job_id, on_update, self._fetch) for job_id in ids}
        left = list(ids)
        hold = 0.0
        while left:
            chunks = [left[i : i + MANY_PER_REQUEST] for i in range(0, len(left), MANY_PER_REQUEST)]
            if hold > 0:
                chunks = chunks[:1]
            answers = await asyncio.gather(
                *(self._fetch_chunk(chunk, hold, policy) for chunk in chunks)
            )
            for answer in answers:
                if answer is None and not done and hold == 0:
                    return False  # the first answer: the service has no such request
                if answer is None:
                    raise APIConnectionError(
                        "wait for jobs: the service stopped answering job-batch requests",
                        operation="wait for jobs",
                    )
                jobs, missing = answer
                if missing:
                    raise _not_found(missing[0])
                for job in jobs:
                    if job.id in watches:
                        watches[job.id].see(job)
                        if job.done:
                            done[job.id] = job
            left = [job_id for job_id in left if job_id not in done]
            hold = MANY_HOLD if hold == 0 else 0.0
        return True

    async def _fetch_chunk(
        self, ids: list[str], hold: float, policy: WaitPolicy
    ) -> tuple[list[Job], list[str]] | None:
        """One `fetch_many`, tolerating a bounded run of transient failures."""
        assert self._fetch_many is not None
        errors = 0
        while True:
            try:
                return await self._fetch_many(ids, hold)
            except (ServerError, RateLimitError, APIConnectionError) as exc:
                errors += 1
                if errors > policy.max_errors:
                    raise
                hint = exc.retry_after if isinstance(exc, RateLimitError) else None
                delay = hint if hint is not None else _jittered(policy.poll_initial * 2.0**errors)
                log.info("get jobs: %s; retrying in %.1f s", exc, delay)
                await asyncio.sleep(min(delay, policy.poll_max))

    # -- one wait ---------------------------------------------------------------------------
    async def _get(self, watch: _Watch, websocket: bool, policy: WaitPolicy) -> Job:
        """Fetch the job, tolerating a bounded run of transient failures."""
        errors = 0
        while True:
            try:
                return watch.see(await watch.fetch(watch.job_id, websocket))
            except (ServerError, RateLimitError, APIConnectionError) as exc:
                errors += 1
                if errors > policy.max_errors:
                    raise
                hint = exc.retry_after if isinstance(exc, RateLimitError) else None
                delay = (
                    hint
                    if hint is not None
                    else _jittered(min(policy.poll_initial * 2.0**errors, policy.poll_max))
                )
                log.info("job %s: %s; retrying in %.1f s", watch.job_id, exc, delay)
                await asyncio.sleep(delay)

    async def _wait(self, watch: _Watch, policy: WaitPolicy, first: Job | None = None) -> Job:
        """Watch one job until final; `first` is a document just fetched (not asked again)."""
        use_ws = policy.use_websocket
        ws_failures = 0
        session_ended = False  # the last websocket was closed with SESSION_ENDED
        poll_delay = policy.poll_initial
        while True:
            job = first if first is not None else await self._get(watch, use_ws, policy)
            first = None
            if job.done:
                return job
            if use_ws and not isinstance(job.model.websocket, Unset):
                try:
                    return await self._listen(watch, job, policy)
                except _TooManySubscriptions as exc:
                    log.warning("job %s: %s; polling instead", watch.job_id, exc)
                    use_ws = False
                    continue
                except _SessionEnded as exc:
                    if session_ended:
                        raise AuthenticationError(
                            f"waiting for job {watch.job_id}: {exc}; log in again",
                            operation="wait for job",
                        ) from None
                    # Fetch again at once: a 401 makes the SDK renew its token (once).
                    log.info("job %s: %s; fetching the job again", watch.job_id, exc)
                    session_ended = True
                    continue
                except _WS_ERRORS as exc:
                    session_ended = False
                    # a session that delivered progress was healthy: count from one again
                    ws_failures = 1 if watch.session_updates > 1 else ws_failures + 1
                    if ws_failures >= policy.max_ws_failures:
                        log.warning(
                            "job %s: websocket failed %d times (%s); polling instead",
                            watch.job_id,
                            ws_failures,
                            exc or type(exc).__name__,
                        )
                        use_ws = False
                        continue
                    delay = _jittered(
                        min(policy.retry_timeout * 2.0 ** (ws_failures - 1), policy.retry_max)
                    )
                    log.info(
                        "job %s: websocket failed (%s); retrying in %.1f s",
                        watch.job_id,
                        exc or type(exc).__name__,
                        delay,
                    )
                    await asyncio.sleep(delay)
                    continue
            await asyncio.sleep(_jittered(poll_delay))
            poll_delay = min(poll_delay * policy.poll_factor, policy.poll_max)

    async def _listen(self, watch: _Watch, job: Job, policy: WaitPolicy) -> Job:
        """One websocket session: OpenConnection, then job documents until a final one."""
        ticket = job.model.websocket
        if isinstance(ticket, Unset):  # pragma: no cover - the caller checked
            raise _WebsocketFailure("no websocket ticket")
        hello = OpenConnectionRequest(
            action="OpenConnection",
            task_token=ticket.task_token,
            execution_arn=ticket.execution_arn,
            partial=False,
        ).to_dict()
        kwargs = {"open_timeout": policy.open_timeout, **self._ws_kwargs}
        watch.session_updates = 0
        ws = await connect(self.ws_url, **kwargs)
        try:
            job = await self._session(ws, watch, policy, hello)
        except _WS_ERRORS as exc:
            code = await _close_code(ws, exc, policy)
            await ws.close()
            if code == SESSION_ENDED:
                raise _SessionEnded("the login session of the websocket ended") from None
            if code == TOO_MANY_SUBSCRIPTIONS:
                raise _TooManySubscriptions("too many open websocket subscriptions") from None
            raise
        except BaseException:
            await ws.close()
            raise
        # The job is final: return now; the closing handshake (a round trip to the service)
        # starts a moment later, in the background, so that it does not run before the
        # caller has the result (a sync caller waits for this loop's thread to let go).
        # Until then the socket is not read: the service closes as soon as it has sent
        # the final document, and answering that close at once would keep this thread
        # busy just when the caller should take over (0.1-0.15 ms of every wait).
        ws.transport.pause_reading()
        task = asyncio.get_running_loop().create_task(_close_soon(ws))
        _closing.add(task)
        task.add_done_callback(_closing.discard)
        return job

    async def _session(
        self, ws: ClientConnection, watch: _Watch, policy: WaitPolicy, hello: dict[str, Any]
    ) -> Job:
        """OpenConnection, then receive job documents until a final one."""
        await ws.send(json.dumps(hello))
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for loses a cancellation
            # (Ctrl-C) that arrives as a message does, leaving the wait running.
            try:
                async with asyncio.timeout(policy.ws_timeout):
                    message = await ws.recv()
            except builtins.TimeoutError:
                # Quiet for ws_timeout: keep the connection alive, and make sure no final
                # update was missed.
                pong = await ws.ping()
                async with asyncio.timeout(policy.ping_timeout):
                    await pong
                current = await self._get(watch, False, policy)
                if current.done:
                    return current
                continue
            update = _decode(message)
            watch.session_updates += 1
            if watch.see(update).done:
                return update


async def _close_soon(ws: ClientConnection) -> None:
    """Read `ws` again and close it after `CLOSE_DELAY` (at once if cancelled meanwhile)."""
    try:
        await asyncio.sleep(CLOSE_DELAY)
    finally:
        ws.transport.resume_reading()
        await ws.close()


def _not_found(job_id: str) -> APIStatusError:
    """What `get job` raises for an id that is not the caller's job."""
    body = {"error": {"code": 30, "text": f"Job not found: {job_id}"}}
    return make_status_error(httpx.Response(404, json=body), "get job")


async def _close_code(ws: ClientConnection, exc: BaseException, policy: WaitPolicy) -> int | None:
    """The close code the service sent, if it closed the websocket: from `exc`, or after
    a refusal message, from the close that follows it (waited for up to `ping_timeout`)."""
    if isinstance(exc, websockets.exceptions.ConnectionClosed):
        return None if exc.rcvd is None else exc.rcvd.code
    if isinstance(exc, _Refused):
        try:
            async with asyncio.timeout(policy.ping_timeout):
                await ws.wait_closed()
        except builtins.TimeoutError:
            return None
        return ws.close_code
    return None


def _decode(message: str | bytes) -> Job:
    try:
        data = json.loads(message)
    except ValueError:
        raise _WebsocketFailure("websocket message is not JSON") from None
    if isinstance(data, dict) and "error" in data and "job" not in data:
        try:
            refusal = WebsocketError.from_dict(data)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise _Refused(f"websocket rejected: {data['error']}") from None
        error = refusal.error
        raise _Refused(f"websocket rejected: {error.text} (error code {error.code})")
    try:
        return Job.from_dict(data, operation="websocket job update")
    except ResponseValidationError as exc:
        raise _WebsocketFailure(str(exc)) from None
