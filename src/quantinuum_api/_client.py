"""The typed clients: `AsyncClient`, and `Client`, its synchronous twin.

Both are thin facades over the generated operations (`quantinuum_api_client.api`): each
method checks its input, calls one generated ``*_detailed`` function through `_api` (typed
errors) on `client.api` (the SDK's authenticated, retrying generated client), and parses the
reply. `AsyncClient` calls the async functions; `Client` the sync ones, on the caller's
thread. Only waiting (websocket + polling) and `submit_many` run on the SDK's private
event-loop thread (`_sync`), through the async functions, so `Client` also works inside a
running event loop (Jupyter) and Ctrl-C closes its connections. The parts with no I/O
are shared by the twins (`_BaseClient`, `_Request`).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import uuid
from collections.abc import (
    AsyncIterator,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from typing import Any, Self, TypedDict, Unpack

import httpx

from quantinuum_api_client import AuthenticatedClient, models
from quantinuum_api_client.api.auth import logout
from quantinuum_api_client.api.calendar import get_reservations
from quantinuum_api_client.api.jobs import cancel_job, get_job, submit_job
from quantinuum_api_client.api.machines import get_machine_state, list_machines
from quantinuum_api_client.types import UNSET, Response

from ._api import acall, call, json_body
from ._auth import QuantinuumAuth, TokenManager
from ._batch import fetch_documents
from ._config import ENV_PROFILE, Config
from ._credentials import (
    CredentialStorage,
    MemoryCredentialStorage,
    jwt_expiry,
    profile_session,
    token_is_fresh,
)
from ._exceptions import JobFailedError, NotFoundError, QuantinuumAPIError, ResponseValidationError
from ._http import HttpOptions, aclose_api_client, arequest, close_api_client, request
from ._many import DEFAULT_SUBMIT_CONCURRENCY, Program, job_requests, submit_all
from ._pagination import DEFAULT_PAGE_SIZE, aiter_jobs, iter_jobs
from ._prompts import DEFAULT_PROMPT
from ._results import Job, parse_calendar, parse_machine_state, parse_machines, parse_model
from ._sync import run_sync
from ._urls import ApiUrls, derive_urls
from ._waiter import JobWaiter, OnUpdate, WaitPolicy

__all__ = [
    "NOT_GIVEN",
    "AsyncClient",
    "AsyncJobs",
    "AsyncMachines",
    "Client",
    "Jobs",
    "Machines",
    "build_job_request",
    "job_request",
]

JobRef = Job | str


logger = logging.getLogger("quantinuum_api")


class ClientOptions(TypedDict, total=False):
    """The keyword arguments both clients accept (defaults and meaning: `_BaseClient`)."""

    profile: str | None
    email: str | None
    password: str | None
    refresh_token: str | None
    mfa_code: Callable[[], str] | None
    credentials_prompt: Callable[[], tuple[str, str]] | None
    provider_token: Callable[[], str] | None
    token_store: CredentialStorage | None
    http: HttpOptions | None
    api_version: int
    ws_url: str | None
    calendar_url: str | None
    use_websocket: bool
    wait_timeout: float | None
    wait_policy: WaitPolicy | None
    token_manager: TokenManager | None


class _StoredToken(httpx.Auth):
    """Signs requests with one given id token (no refresh, no login)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "_StoredToken(<hidden>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = self._token
        yield request


class _NotGiven:
    """The type of `NOT_GIVEN`: "use the client's default" (distinct from None = no limit)."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN: Any = _NotGiven()


def _job_id(job: JobRef) -> str:
    if isinstance(job, Job):
        return job.id
    if not isinstance(job, str) or not job:
        raise ValueError(f"expected a Job or a non-empty job id, got {job!r}")
    return job


def _date(value: datetime.date | str, name: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{name} must be a date or a 'YYYY-MM-DD' string, got {value!r}")


def _machine_name(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"machine name must be a non-empty string, got {name!r}")
    return name


def _check_failed(job: Job) -> Job:
    if job.done and not job.succeeded:
        error = job.error
        detail = f": {error.text}" if error is not None else ""
        raise JobFailedError(
            f"job {job.id} ended {job.status}{detail}", operation="wait for job", job=job.to_dict()
        )
    return job


def job_request(
    program: str,
    machine: str,
    shots: int | None,
    *,
    count: int | None = None,
    name: str | None = None,
    language: str = "OPENQASM 2.0",
    options: Mapping[str, Any] | None = None,
    priority: str | None = None,
    group: str | None = None,
    max_cost: float | None = None,
    cfl: str | None = None,
    batch_exec: float | str | None = None,
    batch_end: bool | None = None,
) -> models.JobRequest:
    """The generated `JobRequest` of a submission, checked (ValueError for bad input).

    `cfl` is a base64 WASM module; `batch_exec` starts a batch (its maximum cost) or joins
    one (the first job's id), and `batch_end` closes it.
    """
    if shots is not None and count is not None and shots != count:
        raise ValueError("give the number of shots once: `shots` or `count`")
    n = shots if shots is not None else count
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"shots must be a positive integer, got {n!r}")
    if not isinstance(program, str) or not program.strip():
        raise ValueError("program must be a non-empty string")
    if not isinstance(machine, str) or not machine:
        raise ValueError(f"machine must be a non-empty string, got {machine!r}")
    try:
        lang = models.Language(language)
    except ValueError:
        choices = ", ".join(repr(v.value) for v in models.Language)
        raise ValueError(f"language must be one of {choices}, got {language!r}") from None
    try:
        prio = models.JobRequestPriority(priority) if priority is not None else UNSET
    except ValueError:
        choices = ", ".join(repr(v.value) for v in models.JobRequestPriority)
        raise ValueError(f"priority must be one of {choices}, got {priority!r}") from None
    if max_cost is not None and (
        isinstance(max_cost, bool) or not isinstance(max_cost, int | float) or max_cost < 0
    ):
        raise ValueError(f"max_cost must be a non-negative number, got {max_cost!r}")
    if options is not None and not isinstance(options, Mapping):
        raise ValueError(f"options must be a mapping, got {type(options).__name__}")
    if cfl is not None and not isinstance(cfl, str):
        raise ValueError(f"cfl must be a base64 string, got {type(cfl).__name__}")
    if batch_exec is not None and (
        isinstance(batch_exec, bool) or not isinstance(batch_exec, int | float | str)
    ):
        raise ValueError(f"batch_exec must be a cost or a job id, got {batch_exec!r}")
    return models.JobRequest(
        count=n,
        machine=machine,
        language=lang,
        program=program,
        name=name if name is not None else UNSET,
        priority=prio,
        options=models.JobOptions.from_dict(options) if options is not None else UNSET,
        group=group if group is not None else UNSET,
        max_cost=float(max_cost) if max_cost is not None else UNSET,
        cfl=cfl if cfl is not None else UNSET,
        batch_exec=batch_exec if batch_exec is not None else UNSET,
        batch_end=bool(batch_end) if batch_end is not None else UNSET,
    )


def build_job_request(program: str, machine: str, shots: int | None, **kw: Any) -> dict[str, Any]:
    """The JSON body of a job submission (see `job_request`)."""
    return job_request(program, machine, shots, **kw).to_dict()


def api_root(urls: ApiUrls, api_version: int) -> str:
    """The base URL of the generated operations (their paths start with ``/v1/``)."""
    if api_version != 1:
        raise ValueError(
            f"api_version {api_version} is not supported: the operations are generated from "
            "the v1 contract (openapi.yaml)"
        )
    return urls.api


def calendar_root(urls: ApiUrls) -> str:
    """The base URL of the calendar operation (its path starts with ``/beta/``)."""
    return urls.calendar[: -len("beta/")] if urls.calendar.endswith("/beta/") else urls.calendar


# -- the parts of each operation with no I/O, shared by the twins -----------------------------


def _submitted(response: Response[Any], request: models.JobRequest) -> Job:
    submitted = parse_model(models.JobSubmitted, json_body(response, "submit job"), "submit job")
    doc: dict[str, Any] = {
        "job": submitted.job,
        "status": str(submitted.status) if submitted.status else "queued",
        "machine": request.machine,
        "count": request.count,
    }
    if isinstance(request.name, str):
        doc["name"] = request.name
    return Job.from_dict(doc, "submit job")


def _job(response: Response[Any], operation: str) -> Job:
    return Job.from_dict(json_body(response, operation), operation)


def _syntax_checker(name: str, machines: list[models.Machine]) -> str:
    if name.endswith("SC"):
        return name
    for machine in machines:
        if machine.name == name and isinstance(machine.syntax_checker, str):
            return machine.syntax_checker
    for machine in machines:  # an emulator: its hardware's checker
        if machine.emulator == name and isinstance(machine.syntax_checker, str):
            return machine.syntax_checker
    return f"{name}SC"


def _find_machine(name: str, machines: list[models.Machine]) -> models.Machine:
    for machine in machines:
        if machine.name == name:
            return machine
    raise NotFoundError(f"get machine: no machine named {name!r}", operation="get machine")


def _cost_of(result: Job, checker: str) -> float:
    if result.cost is None:
        raise ResponseValidationError(
            f"cost: syntax checker {checker} completed job {result.id} without a cost",
            operation="cost",
        )
    return float(result.cost)


def _calendar_args(start: datetime.date | str, end: datetime.date | str) -> dict[str, Any]:
    return {
        "mode": models.GetReservationsMode.USER,
        "start": _date(start, "start"),
        "end": _date(end, "end"),
    }


class _BaseClient:
    """Configuration shared by the twins; no I/O."""

    api: AuthenticatedClient  # the generated client (each twin builds its own)

    def __init__(
        self,
        api_url: str | None = None,
        *,
        profile: str | None = None,
        email: str | None = None,
        password: str | None = None,
        mfa_code: Callable[[], str] | None = DEFAULT_PROMPT,
        credentials_prompt: Callable[[], tuple[str, str]] | None = DEFAULT_PROMPT,
        provider_token: Callable[[], str] | None = None,
        refresh_token: str | None = None,
        token_store: CredentialStorage | None = None,
        http: HttpOptions | None = None,
        api_version: int = 1,
        ws_url: str | None = None,
        calendar_url: str | None = None,
        use_websocket: bool = True,
        wait_timeout: float | None = None,
        wait_policy: WaitPolicy | None = None,
        token_manager: TokenManager | None = None,
    ) -> None:
        if profile is not None or os.environ.get(ENV_PROFILE):
            # a saved account (`qapi login --profile`): its URL, e-mail and token store
            config, saved_store = profile_session(profile)
            token_store = token_store if token_store is not None else saved_store
        elif api_url is None or email is None or password is None:
            config = Config.load()
        else:
            config = None
        if config is not None:
            api_url = api_url or config.api_url
            email = email or config.user_name
            password = password or config.password
            refresh_token = refresh_token or config.refresh_token
        self.urls: ApiUrls = derive_urls(
            api_url, api_version=api_version, ws_url=ws_url, calendar_url=calendar_url
        )
        self._api_root = api_root(self.urls, api_version)
        self.http = http if http is not None else HttpOptions()
        policy = wait_policy if wait_policy is not None else WaitPolicy()
        if wait_policy is None or wait_timeout is not None:
            policy = policy.with_timeout(wait_timeout)
        if not use_websocket:
            policy = dataclasses.replace(policy, use_websocket=False)
        self.wait_policy = policy
        self._owns_token_manager = token_manager is None
        self.token_manager = token_manager or TokenManager(
            self.urls.login,
            store=token_store if token_store is not None else MemoryCredentialStorage(),
            http=self.http,
            email=email,
            password=password,
            mfa_code=mfa_code,
            credentials_prompt=credentials_prompt,
            provider_token=provider_token,
            refresh_token=refresh_token,
        )
        self._auth = QuantinuumAuth(self.token_manager)
        self._calendar_api: AuthenticatedClient | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_url={self.urls.api!r})"

    def _calendar(self) -> AuthenticatedClient:
        """The generated client for the calendar host (built on first use)."""
        if self._calendar_api is None:
            self._calendar_api = self.http.api_client(calendar_root(self.urls), auth=self._auth)
        return self._calendar_api

    def _policy(self, timeout: float | None, use_websocket: bool | None) -> WaitPolicy:
        policy = self.wait_policy
        if timeout is not NOT_GIVEN:
            policy = policy.with_timeout(timeout)
        if use_websocket is not None:
            policy = dataclasses.replace(policy, use_websocket=use_websocket)
        return policy

    def _waiter_for(self, fetch: Callable[[str, bool], Any]) -> JobWaiter:
        return JobWaiter(
            fetch,
            self.urls.websocket,
            policy=self.wait_policy,
            ws_kwargs=self.http.websocket_kwargs(self.urls.websocket),
            fetch_many=lambda ids, hold: fetch_documents(self.api, ids, hold),
        )

    def _session_client(self) -> AuthenticatedClient | None:
        """A one-off generated client signed with the stored id token while it is fresh, to
        end that session on the service; None when there is none (never logs in)."""
        token = self.token_manager.store.id_token
        expiry = jwt_expiry(token)
        if token is None or expiry is None or not token_is_fresh(expiry):
            return None
        return self.http.api_client(self._api_root, auth=_StoredToken(token))


# -- async --------------------------------------------------------------------------------------


class AsyncJobs:
    """Job operations of an `AsyncClient` (`client.jobs`)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def submit(
        self,
        program: str,
        machine: str,
        shots: int | None = None,
        *,
        count: int | None = None,
        name: str | None = None,
        language: str = "OPENQASM 2.0",
        options: Mapping[str, Any] | None = None,
        priority: str | None = None,
        group: str | None = None,
        max_cost: float | None = None,
        cfl: str | None = None,
        batch_exec: float | str | None = None,
        batch_end: bool | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """Submit a job and return it (status `queued`).

        One `Idempotency-Key` (a fresh UUID unless given) is sent with every retry of this
        submission, so retries never create a second job.
        """
        body = job_request(
            program,
            machine,
            shots,
            count=count,
            name=name,
            language=language,
            options=options,
            priority=priority,
            group=group,
            max_cost=max_cost,
            cfl=cfl,
            batch_exec=batch_exec,
            batch_end=batch_end,
        )
        response = await acall(
            submit_job.asyncio_detailed,
            "submit job",
            client=self._client.api,
            body=body,
            idempotency_key=idempotency_key or str(uuid.uuid4()),
        )
        return _submitted(response, body)

    async def submit_many(
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
        return await submit_all(self._client.api, requests, keys, max_concurrency=max_concurrency)

    async def run_many(
        self,
        programs: Iterable[Program],
        machine: str | None = None,
        shots: int | Sequence[int] | None = None,
        *,
        timeout: float | None = NOT_GIVEN,  # noqa: ASYNC109 - the documented API
        raise_on_failure: bool = True,
        max_concurrency: int = DEFAULT_SUBMIT_CONCURRENCY,
        **submit_kw: Any,
    ) -> list[Job]:
        """`submit_many`, then `wait_many` (results in the order of `programs`)."""
        jobs = await self.submit_many(
            programs, machine, shots, max_concurrency=max_concurrency, **submit_kw
        )
        return await self.wait_many(
            jobs,
            timeout=timeout,
            max_concurrency=max_concurrency,
            raise_on_failure=raise_on_failure,
        )

    async def get(self, job: JobRef, *, websocket: bool = False) -> Job:
        """The job's current document (with a websocket ticket if asked and not done)."""
        response = await acall(
            get_job.asyncio_detailed,
            "get job",
            _job_id(job),
            client=self._client.api,
            websocket=True if websocket else UNSET,
        )
        return _job(response, "get job")

    async def cancel(self, job: JobRef) -> Job:
        """Ask the service to cancel the job; returns its document (`canceling`/`canceled`)."""
        response = await acall(
            cancel_job.asyncio_detailed, "cancel job", _job_id(job), client=self._client.api
        )
        return _job(response, "cancel job")

    async def wait(
        self,
        job: JobRef,
        *,
        timeout: float | None = NOT_GIVEN,  # noqa: ASYNC109 - the documented API
        on_update: OnUpdate | None = None,
        use_websocket: bool | None = None,
        raise_on_failure: bool = False,
    ) -> Job:
        """Wait until the job is final; `WaitTimeoutError` after `timeout` s.

        With `raise_on_failure`, a job that ends other than `completed` raises
        `JobFailedError`.
        """
        policy = self._client._policy(timeout, use_websocket)
        result = await self._client._waiter.wait(_job_id(job), on_update=on_update, policy=policy)
        return _check_failed(result) if raise_on_failure else result

    async def wait_many(
        self,
        jobs: Iterable[JobRef],
        *,
        timeout: float | None = NOT_GIVEN,  # noqa: ASYNC109 - the documented API
        on_update: OnUpdate | None = None,
        use_websocket: bool | None = None,
        max_concurrency: int = 16,
        raise_on_failure: bool = False,
    ) -> list[Job]:
        """Wait for all jobs concurrently; returns when the last is final (input order)."""
        ids = [_job_id(j) for j in jobs]
        policy = self._client._policy(timeout, use_websocket)
        results = await self._client._waiter.wait_many(
            ids, on_update=on_update, policy=policy, max_concurrency=max_concurrency
        )
        if raise_on_failure:
            for result in results:
                _check_failed(result)
        return results

    async def run(
        self,
        program: str,
        machine: str,
        shots: int,
        *,
        timeout: float | None = NOT_GIVEN,  # noqa: ASYNC109 - the documented API
        raise_on_failure: bool = True,
        **submit_kw: Any,
    ) -> Job:
        """Submit a job and wait for it."""
        job = await self.submit(program, machine, shots, **submit_kw)
        return await self.wait(job, timeout=timeout, raise_on_failure=raise_on_failure)

    async def list(
        self,
        *,
        status: str | None = None,
        machine: str | None = None,
        name: str | None = None,
        group: str | None = None,
        submitted_after: datetime.datetime | None = None,
        submitted_before: datetime.datetime | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[Job]:
        """The caller's jobs, newest first, without results (`get` one for those).

        Job history (`GET /v1/job`, an extension of the local service): pages of
        `page_size` are fetched as the loop advances. Filters combine with AND: `status`,
        `machine`, exact `name`, `group`, and `submitted_after` (inclusive) /
        `submitted_before` (exclusive), naive datetimes taken as UTC. A service without
        job history raises `NotFoundError`/`APIStatusError` saying so.
        """
        async for model in aiter_jobs(
            self._client.api,
            status=status,
            machine=machine,
            name=name,
            group=group,
            submitted_after=submitted_after,
            submitted_before=submitted_before,
            page_size=page_size,
        ):
            yield Job.from_dict(model.to_dict(), "list jobs")


class AsyncMachines:
    """Machine operations of an `AsyncClient` (`client.machines`)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self) -> list[models.Machine]:
        """Every machine with its configuration."""
        response = await acall(
            list_machines.asyncio_detailed, "list machines", client=self._client.api, config=True
        )
        return parse_machines(json_body(response, "list machines"))

    async def get(self, name: str) -> models.Machine:
        """One machine's configuration (from the machine list)."""
        return _find_machine(name, await self.list())

    async def state(self, name: str) -> str:
        """The machine's state, e.g. `online`, `offline`, `in maintenance`, `reserved`."""
        response = await acall(
            get_machine_state.asyncio_detailed,
            "get machine state",
            _machine_name(name),
            client=self._client.api,
        )
        return parse_machine_state(json_body(response, "get machine state"))

    async def syntax_checker(self, name: str) -> str:
        """The syntax checker that prices jobs for machine `name`."""
        if name.endswith("SC"):
            return name
        return _syntax_checker(name, await self.list())


class AsyncClient(_BaseClient):
    """Asynchronous client of the Quantinuum API.

    `AsyncClient(api_url=..., email=..., password=..., mfa_code=callable)`; missing values
    come from the config file and environment (`QUANTINUUM_API_URL`, ...). Use
    `async with` or `await client.aclose()`. `client.api` is the authenticated, retrying
    generated client: `await get_job.asyncio(job_id, client=client.api)`. An `httpx_client`
    passed in serves the API host: its base URL and auth are set, and its transports are
    wrapped in the SDK's retries; closing this client leaves it open.
    """

    def __init__(
        self,
        api_url: str | None = None,
        *,
        httpx_client: httpx.AsyncClient | None = None,
        **kw: Unpack[ClientOptions],
    ) -> None:
        super().__init__(api_url, **kw)
        self.api: AuthenticatedClient = self.http.api_client(self._api_root, auth=self._auth)
        self._own_async = httpx_client is None
        if httpx_client is not None:  # for the API host, with our base URL, auth and retries
            self.http.adopt(httpx_client, self._api_root, self._auth)
            self.api.set_async_httpx_client(httpx_client)
        self._waiter = self._waiter_for(self._fetch_for_wait)
        self.jobs = AsyncJobs(self)
        self.machines = AsyncMachines(self)

    async def request(
        self, method: str, path: str, *, operation: str | None = None, **kw: Any
    ) -> httpx.Response:
        """The raw reply of an authenticated request to ``path`` (relative to `urls.rest`),
        for what `client.api` does not cover.

        Retried like every SDK request; a non-2xx reply raises the typed error. `kw` goes to
        `httpx.AsyncClient.request` (`params=`, `json=`, `headers=`...).
        """
        url = path if path.startswith(("http://", "https://")) else f"{self.urls.rest}{path}"
        op = operation or f"{method.upper()} {path}"
        return await arequest(self.api.get_async_httpx_client(), method, url, operation=op, **kw)

    async def _fetch_for_wait(self, job_id: str, websocket: bool) -> Job:
        return await self.jobs.get(job_id, websocket=websocket)

    async def login(self) -> None:
        """Log in now (otherwise the first request does): stored token, refresh or login."""
        await self.token_manager.atoken()

    async def calendar(
        self, start: datetime.date | str, end: datetime.date | str
    ) -> list[models.CalendarEvent]:
        """Reservation calendar events between two dates (UTC)."""
        args = _calendar_args(start, end)
        response = await acall(
            get_reservations.asyncio_detailed, "get calendar", client=self._calendar(), **args
        )
        return parse_calendar(json_body(response, "get calendar"))

    async def cost(
        self,
        program: str,
        machine: str,
        shots: int,
        *,
        language: str = "OPENQASM 2.0",
        timeout: float | None = NOT_GIVEN,  # noqa: ASYNC109 - the documented API
    ) -> float:
        """The job's cost in HQC, priced by the machine's syntax checker (runs nothing)."""
        checker = await self.machines.syntax_checker(machine)
        job = await self.jobs.submit(program, checker, shots, language=language, name="cost")
        result = await self.jobs.wait(job, timeout=timeout, raise_on_failure=True)
        return _cost_of(result, checker)

    async def logout(self) -> None:
        """End the session on the service (`POST /v1/logout`, where it has it) and forget
        the stored tokens and credentials; never asks for credentials."""
        session = self._session_client()
        if session is not None:
            try:
                await acall(logout.asyncio_detailed, "logout", client=session)
            except QuantinuumAPIError as exc:  # the local tokens go in any case
                logger.info("logout: the service did not end the session: %s", exc)
            finally:
                await aclose_api_client(session)
        self.token_manager.logout()

    async def aclose(self) -> None:
        """Close the HTTP connections (not an `httpx_client` passed in)."""
        close_api_client(self.api)
        if self._own_async:
            await aclose_api_client(self.api)
        if self._calendar_api is not None:
            await aclose_api_client(self._calendar_api)
        if self._owns_token_manager:
            self.token_manager.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


# -- the synchronous twin ---------------------------------------------------------------------


class Jobs:
    """Job operations of a `Client` (`client.jobs`); see `AsyncJobs`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def submit(
        self,
        program: str,
        machine: str,
        shots: int | None = None,
        *,
        count: int | None = None,
        name: str | None = None,
        language: str = "OPENQASM 2.0",
        options: Mapping[str, Any] | None = None,
        priority: str | None = None,
        group: str | None = None,
        max_cost: float | None = None,
        cfl: str | None = None,
        batch_exec: float | str | None = None,
        batch_end: bool | None = None,
        idempotency_key: str | None = None,
    ) -> Job:
        """Submit a job (retried safely with one Idempotency-Key)."""
        body = job_request(
            program,
            machine,
            shots,
            count=count,
            name=name,
            language=language,
            options=options,
            priority=priority,
            group=group,
            max_cost=max_cost,
            cfl=cfl,
            batch_exec=batch_exec,
            batch_end=batch_end,
        )
        response = call(
            submit_job.sync_detailed,
            "submit job",
            client=self._client.api,
            body=body,
            idempotency_key=idempotency_key or str(uuid.uuid4()),
        )
        return _submitted(response, body)

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
        """Submit many jobs concurrently (see `AsyncJobs.submit_many`).

        The requests run on the SDK's loop thread, so this works inside a running event
        loop (Jupyter) too.
        """
        requests, keys = job_requests(
            programs, machine, shots, name=name, idempotency_keys=idempotency_keys, **submit_kw
        )
        return run_sync(
            submit_all(self._client.api, requests, keys, max_concurrency=max_concurrency)
        )

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
        """The job's current document."""
        response = call(
            get_job.sync_detailed,
            "get job",
            _job_id(job),
            client=self._client.api,
            websocket=True if websocket else UNSET,
        )
        return _job(response, "get job")

    def cancel(self, job: JobRef) -> Job:
        """Ask the service to cancel the job."""
        response = call(
            cancel_job.sync_detailed, "cancel job", _job_id(job), client=self._client.api
        )
        return _job(response, "cancel job")

    def wait(
        self,
        job: JobRef,
        *,
        timeout: float | None = NOT_GIVEN,
        on_update: OnUpdate | None = None,
        use_websocket: bool | None = None,
        raise_on_failure: bool = False,
    ) -> Job:
        """Wait until the job is final (`on_update` runs on the SDK's loop thread)."""
        policy = self._client._policy(timeout, use_websocket)
        waiter = self._client._waiter
        result = run_sync(waiter.wait(_job_id(job), on_update=on_update, policy=policy))
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
        """Wait for all jobs concurrently; returns when the last is final."""
        ids = [_job_id(j) for j in jobs]
        policy = self._client._policy(timeout, use_websocket)
        results = run_sync(
            self._client._waiter.wait_many(
                ids, on_update=on_update, policy=policy, max_concurrency=max_concurrency
            )
        )
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

    def list(
        self,
        *,
        status: str | None = None,
        machine: str | None = None,
        name: str | None = None,
        group: str | None = None,
        submitted_after: datetime.datetime | None = None,
        submitted_before: datetime.datetime | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[Job]:
        """The caller's jobs, newest first, without results (`get` one for those).

        Job history (`GET /v1/job`, an extension of the local service): pages of
        `page_size` are fetched as the loop advances. Filters combine with AND: `status`,
        `machine`, exact `name`, `group`, and `submitted_after` (inclusive) /
        `submitted_before` (exclusive), naive datetimes taken as UTC. A service without
        job history raises `NotFoundError`/`APIStatusError` saying so.
        """
        for model in iter_jobs(
            self._client.api,
            status=status,
            machine=machine,
            name=name,
            group=group,
            submitted_after=submitted_after,
            submitted_before=submitted_before,
            page_size=page_size,
        ):
            yield Job.from_dict(model.to_dict(), "list jobs")


class Machines:
    """Machine operations of a `Client` (`client.machines`); see `AsyncMachines`."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self) -> list[models.Machine]:
        """Every machine with its configuration."""
        response = call(
            list_machines.sync_detailed, "list machines", client=self._client.api, config=True
        )
        return parse_machines(json_body(response, "list machines"))

    def get(self, name: str) -> models.Machine:
        """One machine's configuration."""
        return _find_machine(name, self.list())

    def state(self, name: str) -> str:
        """The machine's state."""
        response = call(
            get_machine_state.sync_detailed,
            "get machine state",
            _machine_name(name),
            client=self._client.api,
        )
        return parse_machine_state(json_body(response, "get machine state"))

    def syntax_checker(self, name: str) -> str:
        """The syntax checker that prices jobs for machine `name`."""
        if name.endswith("SC"):
            return name
        return _syntax_checker(name, self.list())


class Client(_BaseClient):
    """Synchronous client of the Quantinuum API, with the same methods as `AsyncClient`.

    Calls run on the caller's thread; waits run on the SDK's own loop thread, so they are
    safe inside a running event loop (e.g. Jupyter). Use `with Client(...) as client:` or
    `client.close()`. `client.api` is the authenticated, retrying generated client:
    `get_job.sync(job_id, client=client.api)`.
    """

    def __init__(self, api_url: str | None = None, **kw: Unpack[ClientOptions]) -> None:
        super().__init__(api_url, **kw)
        self.api: AuthenticatedClient = self.http.api_client(self._api_root, auth=self._auth)
        self._waiter = self._waiter_for(self._fetch_for_wait)
        self.jobs = Jobs(self)
        self.machines = Machines(self)

    def request(
        self, method: str, path: str, *, operation: str | None = None, **kw: Any
    ) -> httpx.Response:
        """The raw reply of an authenticated request (see `AsyncClient.request`)."""
        url = path if path.startswith(("http://", "https://")) else f"{self.urls.rest}{path}"
        op = operation or f"{method.upper()} {path}"
        return request(self.api.get_httpx_client(), method, url, operation=op, **kw)

    async def _fetch_for_wait(self, job_id: str, websocket: bool) -> Job:
        # On the loop thread, through the async operation: `wait_many`'s concurrent
        # fetches are not capped by the default thread pool (~6 threads), which made 100
        # fetches over a 50 ms round trip take ~17 round trips.
        response = await acall(
            get_job.asyncio_detailed,
            "get job",
            _job_id(job_id),
            client=self.api,
            websocket=True if websocket else UNSET,
        )
        return _job(response, "get job")

    def login(self) -> None:
        """Log in now (otherwise the first request does)."""
        self.token_manager.token()

    def calendar(
        self, start: datetime.date | str, end: datetime.date | str
    ) -> list[models.CalendarEvent]:
        """Reservation calendar events between two dates (UTC)."""
        args = _calendar_args(start, end)
        response = call(
            get_reservations.sync_detailed, "get calendar", client=self._calendar(), **args
        )
        return parse_calendar(json_body(response, "get calendar"))

    def cost(
        self,
        program: str,
        machine: str,
        shots: int,
        *,
        language: str = "OPENQASM 2.0",
        timeout: float | None = NOT_GIVEN,
    ) -> float:
        """The job's cost in HQC, priced by the machine's syntax checker."""
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
        """Close the HTTP connections."""
        run_sync(aclose_api_client(self.api))
        if self._calendar_api is not None:
            run_sync(aclose_api_client(self._calendar_api))
        if self._owns_token_manager:
            self.token_manager.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
