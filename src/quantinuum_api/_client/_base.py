"""What the two clients share: their configuration, their input checks and the parts of
each operation with no I/O.

`AsyncClient` (`_async`, written by hand) and `Client` (`_sync`, generated from it by
`scripts/generate_sync.py`) are thin facades over the generated operations
(`quantinuum_api_client.api`): each method checks its input, calls one generated
``*_detailed`` function through `_api` (typed errors) on `client.api` (the SDK's
authenticated, retrying generated client), and parses the reply. `Client` calls the sync
operations on the caller's thread; only waiting (websocket + polling), `submit_many` and
closing run on the SDK's private event-loop thread (`run_sync`, which `awaited` becomes in
the sync twin), so `Client` also works inside a running event loop (Jupyter) and Ctrl-C
closes its connections.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypedDict, TypeVar

import httpx

from quantinuum_api_client import AuthenticatedClient, models
from quantinuum_api_client.api.jobs import get_job
from quantinuum_api_client.types import UNSET, Response

from .._auth import QuantinuumAuth, TokenManager
from .._batch import fetch_documents
from .._config import ENV_PROFILE, Config
from .._credentials import (
    CredentialStorage,
    MemoryCredentialStorage,
    jwt_expiry,
    profile_session,
    token_is_fresh,
)
from .._exceptions import JobFailedError, NotFoundError, ResponseValidationError
from .._http import HttpOptions, acall, json_body
from .._prompts import DEFAULT_PROMPT
from .._results import Job
from .._sync import run_sync
from .._urls import ApiUrls, derive_urls
from .._waiter import JobWaiter, WaitPolicy

__all__ = [
    "NOT_GIVEN",
    "ClientOptions",
    "JobRef",
    "api_root",
    "awaited",
    "calendar_root",
    "run_sync",
]

T = TypeVar("T")
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


async def awaited(coro: Coroutine[Any, Any, T]) -> T:
    """Await `coro` on the caller's loop; in the sync twin this is `run_sync`, which runs it
    on the SDK's loop thread (waits, `submit_many`, closing)."""
    return await coro


class _BaseClient:
    """Configuration shared by the twins; no I/O until `_connect`."""

    api: AuthenticatedClient

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
        if token_manager is not None and api_url is not None:
            config = None  # a facade's (the seed's `QuantinuumAPI`): it resolved its config
        elif profile is not None or os.environ.get(ENV_PROFILE):
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
        self._given: httpx.Client | httpx.AsyncClient | None = None

    def _connect(self, httpx_client: httpx.Client | httpx.AsyncClient | None) -> None:
        """Build `api` (an `httpx_client` passed in serves the API host: its base URL and
        auth are set, and its transports are wrapped in the SDK's retries) and the waiter."""
        given_sync = isinstance(httpx_client, httpx.Client)
        given_async = isinstance(httpx_client, httpx.AsyncClient)
        self.api = self.http.api_client(
            self._api_root, auth=self._auth, sync=not given_sync, asynchronous=not given_async
        )
        self._given = httpx_client
        if isinstance(httpx_client, httpx.Client):
            self.http.adopt(httpx_client, self._api_root, self._auth)
            self.api.set_httpx_client(httpx_client)
        elif isinstance(httpx_client, httpx.AsyncClient):
            self.http.adopt(httpx_client, self._api_root, self._auth)
            self.api.set_async_httpx_client(httpx_client)
        self._waiter = JobWaiter(
            self._fetch_for_wait,
            self.urls.websocket,
            policy=self.wait_policy,
            ws_kwargs=self.http.websocket_kwargs(self.urls.websocket),
            fetch_many=self._fetch_many_for_wait,
        )

    async def _fetch_many_for_wait(
        self, job_ids: list[str], hold: float
    ) -> tuple[list[Job], list[str]] | None:
        # The job-batch extension's documents request (None: the service has none), held
        # for at most half the read timeout, so that a held request never times out.
        timeout = self.http.timeout
        read = timeout.read if isinstance(timeout, httpx.Timeout) else timeout
        if read is not None:
            hold = min(hold, read / 2)
        return await fetch_documents(self.api, job_ids, hold)

    async def _fetch_for_wait(self, job_id: str, websocket: bool) -> Job:
        # On the loop the wait runs on, through the async operation (for `Client` too):
        # `wait_many`'s concurrent fetches are not capped by the default thread pool (~6
        # threads), which made 100 fetches over a 50 ms round trip take ~17 round trips.
        response = await acall(
            get_job.asyncio_detailed,
            "get job",
            _job_id(job_id),
            client=self.api,
            websocket=True if websocket else UNSET,
        )
        return _job(response, "get job")

    async def _aclose_connections(self) -> None:
        """Close the HTTP connections this client opened (not an `httpx_client` passed in)
        and its own token manager's."""
        for api in (self.api, self._calendar_api):
            if api is None:
                continue
            if api._client is not None and api._client is not self._given:
                api._client.close()
            if api._async_client is not None and api._async_client is not self._given:
                await api._async_client.aclose()
        if self._owns_token_manager:
            self.token_manager.close()

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

    def _session_client(self) -> AuthenticatedClient | None:
        """A one-off generated client signed with the stored id token while it is fresh, to
        end that session on the service; None when there is none (never logs in)."""
        token = self.token_manager.store.id_token
        expiry = jwt_expiry(token)
        if token is None or expiry is None or not token_is_fresh(expiry):
            return None
        return self.http.api_client(self._api_root, auth=_StoredToken(token))
