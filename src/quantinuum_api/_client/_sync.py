# GENERATED from _client/_async.py by scripts/generate_sync.py: do not edit.
"""`AsyncClient` and its `jobs`/`machines`: the one hand-written copy of every operation.

`scripts/generate_sync.py` generates the synchronous twin, `_sync.py` (`Client`, `Jobs`,
`Machines`), from this file: it drops `async`/`await` and renames the async names
(`acall` -> `call`, `asyncio_detailed` -> `sync_detailed`, `awaited` -> `run_sync`, ...).
Write names and docstrings that read right in both; edit here, then run `scripts/generate_sync.py`
(the drift test fails when `_sync.py` is stale).
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Self, Unpack

import httpx

from quantinuum_api_client import models
from quantinuum_api_client.api.auth import logout
from quantinuum_api_client.api.calendar import get_reservations
from quantinuum_api_client.api.jobs import cancel_job, get_job, submit_job
from quantinuum_api_client.api.machines import get_machine_state, list_machines
from quantinuum_api_client.types import UNSET, Response

from .._exceptions import QuantinuumAPIError
from .._http import aclose_api_client, call, json_body, request
from .._job_request import SubmitOptions, job_request, submitted
from .._many import DEFAULT_SUBMIT_CONCURRENCY, Program, job_requests, submit_all
from .._pagination import JobFilters, iter_jobs
from .._results import Job, MachineState, parse_calendar, parse_machine_state, parse_machines
from .._waiter import OnUpdate
from ._base import (
    NOT_GIVEN,
    ClientOptions,
    JobRef,
    _BaseClient,
    _calendar_args,
    _check_failed,
    _cost_of,
    _find_machine,
    _job_id,
    _machine_name,
    _syntax_checker,
    run_sync,
)

__all__ = ["Client", "Jobs", "Machines"]

logger = logging.getLogger("quantinuum_api")


class Jobs:
    """Job operations of an `AsyncClient` (`client.jobs`)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def submit(
        self,
        program: str,
        machine: str,
        shots: int | None = None,
        *,
        idempotency_key: str | None = None,
        **options: Unpack[SubmitOptions],
    ) -> Job:
        """Submit a job and return it (status `queued`); `options` are `job_request`'s
        (`name`, `language`, `options`, `priority`, `group`, `max_cost`, `cfl`, batches).

        One `Idempotency-Key` (a fresh UUID unless given) is sent with every retry of this
        submission, so retries never create a second job.
        """
        body = job_request(program, machine, shots, **options)
        return submitted(self._post(body, idempotency_key), body)

    def _post(
        self, body: models.JobRequest, idempotency_key: str | None, *, check: bool = True
    ) -> Response[Any]:
        """`POST /v1/job` (the reply unchecked with `check=False`, for the seed's API)."""
        return call(
            submit_job.sync_detailed,
            "submit job",
            client=self._client.api,
            body=body,
            idempotency_key=idempotency_key or str(uuid.uuid4()),
            raise_for_status=check,
        )

    def submit_many(
        self,
        programs: Iterable[Program],
        machine: str | None = None,
        shots: int | Sequence[int] | None = None,
        *,
        name: str | Sequence[str | None] | None = None,
        max_concurrency: int = DEFAULT_SUBMIT_CONCURRENCY,
        idempotency_keys: Sequence[str] | None = None,
        **submit_kw: Any,
    ) -> list[Job]:
        """Submit many jobs concurrently (at most `max_concurrency` requests at once).

        `shots` and `name` are one value for all or one per program; the other keywords
        are `submit`'s, for all. A program may also be a complete `models.JobRequest`.
        Every submission has its own Idempotency-Key. The jobs come back in the order of
        `programs`; if any submission fails, `SubmitManyError` (with the jobs created).
        """
        requests, keys = job_requests(
            programs, machine, shots, name=name, idempotency_keys=idempotency_keys, **submit_kw
        )
        submissions = submit_all(self._client.api, requests, keys, max_concurrency=max_concurrency)
        return run_sync(submissions)

    def run_many(
        self,
        programs: Iterable[Program],
        machine: str | None = None,
        shots: int | Sequence[int] | None = None,
        *,
        timeout: float | None = NOT_GIVEN,
        raise_on_failure: bool = True,
        max_concurrency: int = DEFAULT_SUBMIT_CONCURRENCY,
        **submit_kw: Any,
    ) -> list[Job]:
        """`submit_many`, then `wait_many` (results in the order of `programs`)."""
        jobs = self.submit_many(
            programs, machine, shots, max_concurrency=max_concurrency, **submit_kw
        )
        return self.wait_many(
            jobs,
            timeout=timeout,
            max_concurrency=max_concurrency,
            raise_on_failure=raise_on_failure,
        )

    def get(self, job: JobRef, *, websocket: bool = False) -> Job:
        """The job's current document (with a websocket ticket if asked and not done)."""
        return Job.from_dict(self._document(job, websocket=websocket), "get job")

    def _document(
        self,
        job: JobRef,
        *,
        websocket: bool = False,
        raw_results: bool = False,
        operation: str = "get job",
    ) -> Any:
        """The job's JSON document, unparsed (the seed's API checks it more cheaply)."""
        response = call(
            get_job.sync_detailed,
            operation,
            _job_id(job),
            client=self._client.api,
            websocket=True if websocket else UNSET,
            results_format=models.GetJobResultsFormat.RAW if raw_results else UNSET,
        )
        return json_body(response, operation)

    def cancel(self, job: JobRef) -> Job:
        """Ask the service to cancel the job; returns its document (`canceling`/`canceled`)."""
        return Job.from_dict(self._cancel(job), "cancel job")

    def _cancel(self, job: JobRef, operation: str = "cancel job") -> Any:
        response = call(cancel_job.sync_detailed, operation, _job_id(job), client=self._client.api)
        return json_body(response, operation)

    def wait(
        self,
        job: JobRef,
        *,
        timeout: float | None = NOT_GIVEN,
        on_update: OnUpdate | None = None,
        use_websocket: bool | None = None,
        raise_on_failure: bool = False,
    ) -> Job:
        """Wait until the job is final; `WaitTimeoutError` after `timeout` s.

        With `raise_on_failure`, a job that ends other than `completed` raises
        `JobFailedError`.
        """
        policy = self._client._policy(timeout, use_websocket)
        waiting = self._client._waiter.wait(_job_id(job), on_update=on_update, policy=policy)
        result = run_sync(waiting)
        return _check_failed(result) if raise_on_failure else result

    def wait_many(
        self,
        jobs: Iterable[JobRef],
        *,
        timeout: float | None = NOT_GIVEN,
        on_update: OnUpdate | None = None,
        use_websocket: bool | None = None,
        max_concurrency: int = 16,
        raise_on_failure: bool = False,
    ) -> list[Job]:
        """Wait for all jobs concurrently; returns when the last is final (input order)."""
        ids = [_job_id(j) for j in jobs]
        policy = self._client._policy(timeout, use_websocket)
        waiting = self._client._waiter.wait_many(
            ids, on_update=on_update, policy=policy, max_concurrency=max_concurrency
        )
        results = run_sync(waiting)
        if raise_on_failure:
            for result in results:
                _check_failed(result)
        return results

    def run(
        self,
        program: str,
        machine: str,
        shots: int,
        *,
        timeout: float | None = NOT_GIVEN,
        raise_on_failure: bool = True,
        **submit_kw: Any,
    ) -> Job:
        """Submit a job and wait for it."""
        job = self.submit(program, machine, shots, **submit_kw)
        return self.wait(job, timeout=timeout, raise_on_failure=raise_on_failure)

    def list(self, **filters: Unpack[JobFilters]) -> Iterator[Job]:
        """The caller's jobs, newest first, without results (`get` one for those).

        Job history (`GET /v1/job`, an extension of the local service): pages of
        `page_size` (default 50) are fetched as the loop advances. Filters combine with
        AND: `status`, `machine`, exact `name`, `group`, and `submitted_after` (inclusive)
        / `submitted_before` (exclusive), naive datetimes taken as UTC. A service without
        job history raises `NotFoundError`/`APIStatusError` saying so.
        """
        for model in iter_jobs(self._client.api, **filters):
            yield Job.from_dict(model.to_dict(), "list jobs")


class Machines:
    """Machine operations of an `AsyncClient` (`client.machines`)."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self) -> list[models.Machine]:
        """Every machine with its configuration."""
        return parse_machines(self._documents())

    def _documents(self, operation: str = "list machines") -> Any:
        response = call(
            list_machines.sync_detailed, operation, client=self._client.api, config=True
        )
        return json_body(response, operation)

    def get(self, name: str) -> models.Machine:
        """One machine's configuration (from the machine list)."""
        return _find_machine(name, self.list())

    def state(self, name: str) -> MachineState:
        """The machine's state (`.state`: `online`, `offline`, `in maintenance` or
        `reserved`; `str()` of it and `==` with a string use that) and its queue length
        (`.queue_length`, None where the service does not say)."""
        return self._state(name)

    def _state(self, name: str, operation: str = "get machine state") -> MachineState:
        response = call(
            get_machine_state.sync_detailed,
            operation,
            _machine_name(name),
            client=self._client.api,
        )
        return parse_machine_state(json_body(response, operation), operation)

    def syntax_checker(self, name: str) -> str:
        """The syntax checker that prices jobs for machine `name`."""
        if name.endswith("SC"):
            return name
        return _syntax_checker(name, self.list())


class Client(_BaseClient):
    """Client of the Quantinuum API: `AsyncClient` (awaitable methods, `async with`,
    `await client.aclose()`) or `Client` (the same methods, blocking; `with`,
    `client.close()`).

    `AsyncClient(api_url=..., email=..., password=..., mfa_code=callable)`; missing values
    come from the config file and environment (`QUANTINUUM_API_URL`, ...). `client.api` is
    the authenticated, retrying generated client: `get_job.asyncio(job_id, client=client.api)`
    or `get_job.sync(...)`. An `httpx_client` passed in serves the API host: its base URL and
    auth are set, and its transports are wrapped in the SDK's retries; closing this client
    leaves it open. `Client`'s waits run on the SDK's own loop thread, so they are safe
    inside a running event loop (e.g. Jupyter).
    """

    def __init__(
        self,
        api_url: str | None = None,
        *,
        httpx_client: httpx.Client | None = None,
        **kw: Unpack[ClientOptions],
    ) -> None:
        super().__init__(api_url, **kw)
        self._connect(httpx_client)
        self.jobs = Jobs(self)
        self.machines = Machines(self)

    def request(
        self, method: str, path: str, *, operation: str | None = None, **kw: Any
    ) -> httpx.Response:
        """The raw reply of an authenticated request to ``path`` (relative to `urls.rest`),
        for what `client.api` does not cover.

        Retried like every SDK request; a non-2xx reply raises the typed error. `kw` goes to
        httpx's `request` (`params=`, `json=`, `headers=`...).
        """
        url = path if path.startswith(("http://", "https://")) else f"{self.urls.rest}{path}"
        op = operation or f"{method.upper()} {path}"
        return request(self.api.get_httpx_client(), method, url, operation=op, **kw)

    def login(self) -> None:
        """Log in now (otherwise the first request does): stored token, refresh or login."""
        self.token_manager.token()

    def calendar(
        self, start: datetime.date | str, end: datetime.date | str
    ) -> list[models.CalendarEvent]:
        """Reservation calendar events between two dates (UTC)."""
        return parse_calendar(self._calendar_documents(start, end))

    def _calendar_documents(
        self, start: datetime.date | str, end: datetime.date | str, operation: str = "get calendar"
    ) -> Any:
        args = _calendar_args(start, end)
        response = call(get_reservations.sync_detailed, operation, client=self._calendar(), **args)
        return json_body(response, operation)

    def cost(
        self,
        program: str,
        machine: str,
        shots: int,
        *,
        language: str = "OPENQASM 2.0",
        timeout: float | None = NOT_GIVEN,
    ) -> float:
        """The job's cost in HQC, priced by the machine's syntax checker (runs nothing)."""
        checker = self.machines.syntax_checker(machine)
        job = self.jobs.submit(program, checker, shots, language=language, name="cost")
        result = self.jobs.wait(job, timeout=timeout, raise_on_failure=True)
        return _cost_of(result, checker)

    def logout(self) -> None:
        """End the session on the service (`POST /v1/logout`, where it has it) and forget
        the stored tokens and credentials; never asks for credentials."""
        session = self._session_client()
        if session is not None:
            try:
                call(logout.sync_detailed, "logout", client=session)
            except QuantinuumAPIError as exc:  # the local tokens go in any case
                logger.info("logout: the service did not end the session: %s", exc)
            finally:
                run_sync(aclose_api_client(session))
        self.token_manager.logout()

    def close(self) -> None:
        """Close the HTTP connections (not an `httpx_client` passed in)."""
        run_sync(self._aclose_connections())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
