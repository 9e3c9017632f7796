"""The typed clients: `AsyncClient`, and `Client`, its synchronous twin.

`AsyncClient` does all the I/O (httpx + websockets). `Client` has the same methods and runs
them on the SDK's private event-loop thread (`_sync`), so it also works inside a running
event loop (Jupyter) and Ctrl-C closes its connections. Replies are parsed into the models
of the generated client (`quantinuum_api_client.models`), checked at runtime.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Self, TypedDict, Unpack

import httpx

from quantinuum_api_client import models
from quantinuum_api_client.types import UNSET

from ._auth import QuantinuumAuth, TokenManager
from ._config import Config
from ._credentials import CredentialStorage, MemoryCredentialStorage
from ._exceptions import JobFailedError, NotFoundError, ResponseValidationError, parse_json
from ._http import HttpOptions
from ._prompts import DEFAULT_PROMPT
from ._results import Job, parse_calendar, parse_machine_state, parse_machines, parse_model
from ._sync import run_sync
from ._urls import ApiUrls, derive_urls
from ._waiter import JobWaiter, OnUpdate, WaitPolicy

__all__ = ["AsyncClient", "AsyncJobs", "AsyncMachines", "Client", "Jobs", "Machines"]

JobRef = Job | str


class ClientOptions(TypedDict, total=False):
    """The keyword arguments both clients accept (defaults and meaning: `_BaseClient`)."""

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


class _NotGiven:
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()  # "use the client's default" (distinct from None = no limit)


def _job_id(job: JobRef) -> str:
    if isinstance(job, Job):
        return job.id
    if not isinstance(job, str) or not job:
        raise ValueError(f"expected a Job or a non-empty job id, got {job!r}")
    return job


def _date(value: datetime.date | str, name: str) -> str:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValueError(f"{name} must be a date or a 'YYYY-MM-DD' string, got {value!r}")


def _check_failed(job: Job) -> Job:
    if job.done and not job.succeeded:
        error = job.error
        detail = f": {error.text}" if error is not None else ""
        raise JobFailedError(
            f"job {job.id} ended {job.status}{detail}", operation="wait for job", job=job.to_dict()
        )
    return job


def build_job_request(
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
) -> dict[str, Any]:
    """The JSON body of a job submission, built from the generated `JobRequest`."""
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
    request = models.JobRequest(
        count=n,
        machine=machine,
        language=lang,
        program=program,
        name=name if name is not None else UNSET,
        priority=prio,
        options=models.JobOptions.from_dict(options) if options is not None else UNSET,
        group=group if group is not None else UNSET,
        max_cost=float(max_cost) if max_cost is not None else UNSET,
    )
    return request.to_dict()


class _BaseClient:
    """Configuration shared by the twins; no I/O."""

    def __init__(
        self,
        api_url: str | None = None,
        *,
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
        config = Config.load() if api_url is None or email is None or password is None else None
        if config is not None:
            api_url = api_url or config.api_url
            email = email or config.user_name
            password = password or config.password
            refresh_token = refresh_token or config.refresh_token
        self.urls: ApiUrls = derive_urls(
            api_url, api_version=api_version, ws_url=ws_url, calendar_url=calendar_url
        )
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

    def __repr__(self) -> str:
        return f"{type(self).__name__}(api_url={self.urls.api!r})"


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
        idempotency_key: str | None = None,
    ) -> Job:
        """Submit a job and return it (status `queued`).

        One `Idempotency-Key` (a fresh UUID unless given) is sent with every retry of this
        submission, so retries never create a second job.
        """
        body = build_job_request(
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
        )
        key = idempotency_key or str(uuid.uuid4())
        data = await self._client._json(
            "POST",
            f"{self._client.urls.rest}job",
            operation="submit job",
            json=body,
            headers={"Idempotency-Key": key},
        )
        submitted = parse_model(models.JobSubmitted, data, "submit job")
        doc: dict[str, Any] = {
            "job": submitted.job,
            "status": str(submitted.status) if submitted.status else "queued",
            "machine": body["machine"],
            "count": body["count"],
        }
        if "name" in body:
            doc["name"] = body["name"]
        return Job.from_dict(doc, "submit job")

    async def get(self, job: JobRef, *, websocket: bool = False) -> Job:
        """The job's current document (with a websocket ticket if asked and not done)."""
        params = {"websocket": "true"} if websocket else None
        data = await self._client._json(
            "GET",
            f"{self._client.urls.rest}job/{_job_id(job)}",
            operation="get job",
            params=params,
        )
        return Job.from_dict(data, "get job")

    async def cancel(self, job: JobRef) -> Job:
        """Ask the service to cancel the job; returns its document (`canceling`/`canceled`)."""
        data = await self._client._json(
            "POST", f"{self._client.urls.rest}job/{_job_id(job)}/cancel", operation="cancel job"
        )
        return Job.from_dict(data, "cancel job")

    async def wait(
        self,
        job: JobRef,
        *,
        timeout: float | None = NOT_GIVEN,  # noqa: ASYNC109 - the documented API
        on_update: OnUpdate | None = None,
        use_websocket: bool | None = None,
        raise_on_failure: bool = False,
    ) -> Job:
        """Wait until the job is final; `quantinuum_api.TimeoutError` after `timeout` s.

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


class AsyncMachines:
    """Machine operations of an `AsyncClient` (`client.machines`)."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self) -> list[models.Machine]:
        """Every machine with its configuration."""
        data = await self._client._json(
            "GET",
            f"{self._client.urls.rest}machine/",
            operation="list machines",
            params={"config": "true"},
        )
        return parse_machines(data)

    async def get(self, name: str) -> models.Machine:
        """One machine's configuration (from the machine list)."""
        for machine in await self.list():
            if machine.name == name:
                return machine
        raise NotFoundError(f"get machine: no machine named {name!r}", operation="get machine")

    async def state(self, name: str) -> str:
        """The machine's state, e.g. `online`, `offline`, `in maintenance`, `reserved`."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"machine name must be a non-empty string, got {name!r}")
        data = await self._client._json(
            "GET", f"{self._client.urls.rest}machine/{name}", operation="get machine state"
        )
        return parse_machine_state(data)

    async def syntax_checker(self, name: str) -> str:
        """The syntax checker that prices jobs for machine `name`."""
        if name.endswith("SC"):
            return name
        machines = await self.list()
        for machine in machines:
            if machine.name == name and isinstance(machine.syntax_checker, str):
                return machine.syntax_checker
        for machine in machines:  # an emulator: its hardware's checker
            if machine.emulator == name and isinstance(machine.syntax_checker, str):
                return machine.syntax_checker
        return f"{name}SC"


class AsyncClient(_BaseClient):
    """Asynchronous client of the Quantinuum API.

    `AsyncClient(api_url=..., email=..., password=..., mfa_code=callable)`; missing values
    come from the config file and environment (`QUANTINUUM_API_URL`, ...). Use
    `async with` or `await client.aclose()`.
    """

    def __init__(
        self,
        api_url: str | None = None,
        *,
        httpx_client: httpx.AsyncClient | None = None,
        **kw: Unpack[ClientOptions],
    ) -> None:
        super().__init__(api_url, **kw)
        self._owns_client = httpx_client is None
        self._http_client = httpx_client if httpx_client is not None else self.http.async_client()
        self._waiter = JobWaiter(
            self._fetch_for_wait,
            self.urls.websocket,
            policy=self.wait_policy,
            ws_kwargs=self.http.websocket_kwargs(self.urls.websocket),
        )
        self.jobs = AsyncJobs(self)
        self.machines = AsyncMachines(self)

    async def request(
        self, method: str, path: str, *, operation: str | None = None, **kw: Any
    ) -> httpx.Response:
        """The raw reply of an authenticated REST request (`path` relative to `urls.rest`).

        Retried like every SDK request; a non-2xx reply raises the typed error. `kw` goes to
        `httpx.AsyncClient.request` (`params=`, `json=`, `headers=`...).
        """
        url = path if path.startswith(("http://", "https://")) else f"{self.urls.rest}{path}"
        return await self.http.arequest(
            self._http_client,
            method,
            url,
            operation=operation or f"{method.upper()} {path}",
            auth=self._auth,
            **kw,
        )

    async def _json(self, method: str, url: str, *, operation: str, **kw: Any) -> Any:
        response = await self.http.arequest(
            self._http_client, method, url, operation=operation, auth=self._auth, **kw
        )
        return parse_json(response, operation)

    async def _fetch_for_wait(self, job_id: str, websocket: bool) -> Job:
        return await self.jobs.get(job_id, websocket=websocket)

    def _policy(self, timeout: float | None, use_websocket: bool | None) -> WaitPolicy:
        policy = self.wait_policy
        if timeout is not NOT_GIVEN:
            policy = policy.with_timeout(timeout)
        if use_websocket is not None:
            policy = dataclasses.replace(policy, use_websocket=use_websocket)
        return policy

    async def login(self) -> None:
        """Log in now (otherwise the first request does): stored token, refresh or login."""
        await self.token_manager.atoken()

    def logout(self) -> None:
        """Forget the stored tokens and credentials."""
        self.token_manager.logout()

    async def calendar(
        self, start: datetime.date | str, end: datetime.date | str
    ) -> list[models.CalendarEvent]:
        """Reservation calendar events between two dates (UTC)."""
        params = {"mode": "user", "start": _date(start, "start"), "end": _date(end, "end")}
        data = await self._json(
            "GET", f"{self.urls.calendar}reservation", operation="get calendar", params=params
        )
        return parse_calendar(data)

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
        if result.cost is None:
            raise ResponseValidationError(
                f"cost: syntax checker {checker} completed job {result.id} without a cost",
                operation="cost",
            )
        return float(result.cost)

    async def aclose(self) -> None:
        """Close the HTTP connections (if this client created them)."""
        if self._owns_client:
            await self._http_client.aclose()
        if self._owns_token_manager:
            self.token_manager.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


# -- the synchronous twin ---------------------------------------------------------------------


class Jobs:
    """Job operations of a `Client` (`client.jobs`); see `AsyncJobs`."""

    def __init__(self, jobs: AsyncJobs) -> None:
        self._a = jobs

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
        idempotency_key: str | None = None,
    ) -> Job:
        """Submit a job (retried safely with one Idempotency-Key)."""
        return run_sync(
            self._a.submit(
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
                idempotency_key=idempotency_key,
            )
        )

    def get(self, job: JobRef, *, websocket: bool = False) -> Job:
        """The job's current document."""
        return run_sync(self._a.get(job, websocket=websocket))

    def cancel(self, job: JobRef) -> Job:
        """Ask the service to cancel the job."""
        return run_sync(self._a.cancel(job))

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
        return run_sync(
            self._a.wait(
                job,
                timeout=timeout,
                on_update=on_update,
                use_websocket=use_websocket,
                raise_on_failure=raise_on_failure,
            )
        )

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
        return run_sync(
            self._a.wait_many(
                jobs,
                timeout=timeout,
                on_update=on_update,
                use_websocket=use_websocket,
                max_concurrency=max_concurrency,
                raise_on_failure=raise_on_failure,
            )
        )

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
        return run_sync(
            self._a.run(
                program,
                machine,
                shots,
                timeout=timeout,
                raise_on_failure=raise_on_failure,
                **submit_kw,
            )
        )


class Machines:
    """Machine operations of a `Client` (`client.machines`); see `AsyncMachines`."""

    def __init__(self, machines: AsyncMachines) -> None:
        self._a = machines

    def list(self) -> list[models.Machine]:
        """Every machine with its configuration."""
        return run_sync(self._a.list())

    def get(self, name: str) -> models.Machine:
        """One machine's configuration."""
        return run_sync(self._a.get(name))

    def state(self, name: str) -> str:
        """The machine's state."""
        return run_sync(self._a.state(name))

    def syntax_checker(self, name: str) -> str:
        """The syntax checker that prices jobs for machine `name`."""
        return run_sync(self._a.syntax_checker(name))


class Client:
    """Synchronous client of the Quantinuum API, with the same methods as `AsyncClient`.

    Safe to call from inside a running event loop (e.g. Jupyter): the work runs on the
    SDK's own loop thread. Use `with Client(...) as client:` or `client.close()`.
    """

    def __init__(self, api_url: str | None = None, **kw: Unpack[ClientOptions]) -> None:
        self._async = AsyncClient(api_url, **kw)
        self.urls = self._async.urls
        self.http = self._async.http
        self.token_manager = self._async.token_manager
        self.jobs = Jobs(self._async.jobs)
        self.machines = Machines(self._async.machines)

    def __repr__(self) -> str:
        return f"Client(api_url={self.urls.api!r})"

    @property
    def wait_policy(self) -> WaitPolicy:
        return self._async.wait_policy

    def request(
        self, method: str, path: str, *, operation: str | None = None, **kw: Any
    ) -> httpx.Response:
        """The raw reply of an authenticated REST request (see `AsyncClient.request`)."""
        return run_sync(self._async.request(method, path, operation=operation, **kw))

    def login(self) -> None:
        """Log in now (otherwise the first request does)."""
        run_sync(self._async.login())

    def logout(self) -> None:
        """Forget the stored tokens and credentials."""
        self._async.logout()

    def calendar(
        self, start: datetime.date | str, end: datetime.date | str
    ) -> list[models.CalendarEvent]:
        """Reservation calendar events between two dates (UTC)."""
        return run_sync(self._async.calendar(start, end))

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
        return run_sync(
            self._async.cost(program, machine, shots, language=language, timeout=timeout)
        )

    def close(self) -> None:
        """Close the HTTP connections."""
        run_sync(self._async.aclose())

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
