"""The seed-compatible classes: `QuantinuumAPI` and `QuantinuumAPIOffline`.

Same constructor arguments, attributes and methods as the original client, so code written
for it runs unchanged. Differences, all deliberate: no `input()`/`getpass` here (prompts go
through `_prompts` callbacks, only on a terminal), no event-loop patching (waits run on the
SDK's own loop thread, so they work inside Jupyter), credentials are hidden and stored
safely (`_credentials`), errors are typed subclasses of `QuantinuumAPIError`, requests are
retried (submission only with an Idempotency-Key), and a wait also ends on `depleted` and
`terminated`. As in the seed, `retrieve_job` returns the last document seen when the
overall `timeout` expires.

`QuantinuumAPI` is a dict-returning facade over `Client`: each call is the `Client`
operation's (its private, unparsed-document form, under the seed's operation names), so
no operation is written here again; only the seed's waiting semantics are its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any, ClassVar

import httpx

from quantinuum_api_client import models

from ._auth import TokenManager
from ._client import Client
from ._client._base import _calendar_args
from ._config import Config
from ._credentials import CredentialStorage, MemoryCredentialStorage
from ._exceptions import (
    BadRequestError,
    QuantinuumAPIError,
    WaitTimeoutError,
    raise_for_response,
)
from ._http import HttpOptions
from ._machines import default_machines
from ._prompts import DEFAULT_PROMPT
from ._results import (
    Job,
    check_job_document,
    is_final,
    parse_calendar,
    parse_machines,
)
from ._sync import run_sync
from ._urls import DEFAULT_API_URL, derive_urls
from ._waiter import JobWaiter, WaitPolicy

__all__ = ["QuantinuumAPI", "QuantinuumAPIOffline"]


def _simulated_machines() -> list[dict[str, Any]]:
    """Every machine the local service has: each system, its emulator and syntax checker."""
    from quantinuum_emulator import MachineCatalog

    return MachineCatalog(default_machines()).documents(config=True)


log = logging.getLogger("quantinuum_api")


class _OverrideManager:
    """Context manager that sets `timeout`/`retry_timeout` and restores them on exit."""

    def __init__(
        self,
        api_handler: QuantinuumAPI | QuantinuumAPIOffline,
        timeout: float | None = None,
        retry_timeout: float | None = None,
    ) -> None:
        self._timeout = timeout
        self._retry = retry_timeout
        self.api_handler = api_handler
        self._orig_timeout = api_handler.timeout
        self._orig_retry = api_handler.retry_timeout

    def __enter__(self) -> None:
        if self._timeout is not None:
            self.api_handler.timeout = self._timeout
        if self._retry is not None:
            self.api_handler.retry_timeout = self._retry

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.api_handler.timeout = self._orig_timeout
        self.api_handler.retry_timeout = self._orig_retry


class QuantinuumAPI:
    """Interface to the Quantinuum online remote API (the seed's class).

    A facade over `Client` returning the service's dicts, with the same configuration and
    environment handling (`QUANTINUUM_API_URL`, `QUANTINUUM_USER_NAME`,
    `QUANTINUUM_PASSWORD`, `QUANTINUUM_REFRESH_TOKEN`, the config file). It is also the
    `api_handler` of pytket-quantinuum's `QuantinuumBackend` (0.55).
    """

    # The seed's list; waits also end on `depleted` and `terminated` (FINAL_STATUSES).
    JOB_DONE: ClassVar[list[str]] = ["failed", "completed", "canceled"]
    DEFAULT_API_URL = DEFAULT_API_URL
    AZURE_PROVIDER = "microsoft"
    ERROR_CODE_MFA_REQUIRED = 73

    def __init__(
        self,
        token_store: CredentialStorage | None = None,
        api_url: str | None = None,
        api_version: int = 1,
        use_websocket: bool = True,
        provider: str | Callable[[], str] | None = None,
        support_mfa: bool = True,
        session: httpx.Client | None = None,
        _QuantinuumAPI__user_name: str | None = None,  # the seed's `__user_name`
        _QuantinuumAPI__pwd: str | None = None,  # the seed's `__pwd`
        *,
        mfa_code: Callable[[], str] | None = DEFAULT_PROMPT,
        credentials_prompt: Callable[[], tuple[str, str]] | None = DEFAULT_PROMPT,
        http: HttpOptions | None = None,
        ws_url: str | None = None,
        calendar_url: str | None = None,
    ) -> None:
        """Create the client; nothing is sent until the first call.

        `token_store` defaults to a new `MemoryCredentialStorage`; `api_url` to the
        configured one, else the cloud; `provider="microsoft"` (or any callable returning a
        provider token) selects federated login; `session` is the `httpx.Client` used for
        every request (its base URL, auth and transport are set by this class). The seed's
        private keywords `_QuantinuumAPI__user_name`/`_QuantinuumAPI__pwd` give the
        credentials; `mfa_code` is a callable returning the MFA code (default: ask on a
        terminal only).
        """
        user_name, pwd = _QuantinuumAPI__user_name, _QuantinuumAPI__pwd
        refresh_token: str | None = None
        if api_url is None or user_name is None or pwd is None:
            config = Config.load()
            api_url = api_url or config.api_url
            user_name = user_name or config.user_name
            pwd = pwd or config.password
            refresh_token = config.refresh_token
        self.online = True
        self._http = http if http is not None else HttpOptions()
        self._urls = derive_urls(
            api_url, api_version=api_version, ws_url=ws_url, calendar_url=calendar_url
        )
        self.url = self._urls.rest
        self._cred_store: CredentialStorage = (
            token_store if token_store is not None else MemoryCredentialStorage()
        )
        if user_name is not None:
            self._cred_store._store_login(user_name)
        self.api_version = api_version
        self.use_websocket = use_websocket
        self.provider = provider
        self.support_mfa = support_mfa
        self.ws_timeout: float = 180
        self.retry_timeout: float = 5
        self.timeout: float | None = None  # don't time out by default
        self._owns_session = session is None
        self.session: httpx.Client = session if session is not None else self._http.client()
        self._tokens = TokenManager(
            self._urls.login,
            store=self._cred_store,
            http=self._http,
            email=user_name,
            password=pwd,
            mfa_code=mfa_code,
            credentials_prompt=credentials_prompt,
            provider_token=self._provider_token(provider),
            support_mfa=support_mfa,
            client=self.session,
            refresh_token=refresh_token,
        )
        self._connect(ws_url, calendar_url)

    def _connect(self, ws_url: str | None, calendar_url: str | None) -> None:
        """The `Client` this facade calls (over `session`, with this class's token manager),
        and the waiter of `retrieve_job` (it fetches through `session` too)."""
        self._client = Client(
            self._urls.api,
            token_manager=self._tokens,
            http=self._http,
            httpx_client=self.session,
            api_version=self.api_version,
            ws_url=ws_url,
            calendar_url=calendar_url,
        )
        #: The authenticated, retrying generated client (over `session`).
        self.api = self._client.api
        self._waiter = JobWaiter(
            self._fetch_for_wait,
            self._urls.websocket,
            ws_kwargs=self._http.websocket_kwargs(self._urls.websocket),
        )

    def _provider_token(self, provider: str | Callable[[], str] | None) -> Callable[[], str] | None:
        if provider is None or callable(provider):
            return provider
        if isinstance(provider, str) and provider.lower() == self.AZURE_PROVIDER:
            from ._federated import microsoft_provider

            return microsoft_provider(http=self._http)
        raise ValueError(
            f"Unsupported provider for login: {provider!r} (use {self.AZURE_PROVIDER!r} or a "
            "callable returning a provider token)"
        )

    def __setattr__(self, name: str, value: Any) -> None:
        # pytket's QuantinuumBackend sets `provider` after construction: keep login in step.
        super().__setattr__(name, value)
        if name == "provider" and "_tokens" in self.__dict__:
            self._tokens.provider_token = self._provider_token(value)

    def __repr__(self) -> str:
        return f"QuantinuumAPI(url={self.url!r})"

    def _override_timeouts(
        self, timeout: float | None = None, retry_timeout: float | None = None
    ) -> _OverrideManager:
        """Context manager overriding `timeout` and `retry_timeout` for its body."""
        return _OverrideManager(self, timeout=timeout, retry_timeout=retry_timeout)

    override_timeouts = _override_timeouts  # the seed's name

    # -- authentication -----------------------------------------------------------------------
    def full_login(self) -> None:
        """Log in from scratch (credentials + MFA code, or the provider) and store tokens."""
        self._tokens.full_login()

    def login(self) -> str:
        """A valid id token: the stored one, a refreshed one, or one from a full login."""
        return self._tokens.token()

    def delete_authentication(self) -> None:
        """Remove stored credentials and tokens."""
        self._tokens.logout()

    # -- requests -----------------------------------------------------------------------------
    def _submit_job(self, body: dict[str, Any]) -> httpx.Response:
        """POST the job `body`; returns the response unchecked, as in the seed.

        One Idempotency-Key is sent with every retry, so a retry never creates a second job.
        """
        try:
            request = models.JobRequest.from_dict(body)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"submit job: not a valid job request ({exc!r})") from None
        response = self._client.jobs._post(request, None, check=False)
        assert response.http_response is not None  # set by every generated operation
        return response.http_response

    def _response_check(self, res: Any, description: str) -> None:
        """Raise the typed `QuantinuumAPIError` for a non-2xx reply (an httpx or a
        `requests` response: pytket's `device_state` passes the latter)."""
        raise_for_response(res, description)

    def retrieve_job_status(
        self,
        job_id: str,
        use_websocket: bool | None = None,
        request_raw_results: bool | None = None,
    ) -> dict[str, Any] | None:
        """The job document (with a websocket ticket when websockets are in use); with
        `request_raw_results`, results as the service stores them (`results_format=raw`)."""
        ws = bool(use_websocket or (use_websocket is None and self.use_websocket))
        doc = self._job_json(job_id, ws, raw=bool(request_raw_results))
        return check_job_document(doc, "job status")

    def _job_json(self, job_id: str, websocket: bool, *, raw: bool = False) -> Any:
        jobs = self._client.jobs
        return jobs._document(job_id, websocket=websocket, raw_results=raw, operation="job status")

    async def _fetch_for_wait(self, job_id: str, websocket: bool) -> Job:
        doc = await asyncio.to_thread(self._job_json, job_id, websocket)
        return Job.from_dict(doc, "job status")

    def _policy(self, use_websocket: bool) -> WaitPolicy:
        return WaitPolicy(
            timeout=self.timeout,
            use_websocket=use_websocket,
            ws_timeout=self.ws_timeout,
            retry_timeout=self.retry_timeout,
        )

    def retrieve_job(self, job_id: str, use_websocket: bool | None = None) -> dict[str, Any] | None:
        """Wait for the job to finish and return its document.

        Waits on the websocket when the service offers one, else polls. If `timeout`
        expires first, returns the last document seen (not final), as the seed did.
        """
        jr = self.retrieve_job_status(job_id, use_websocket)
        if not jr:
            raise QuantinuumAPIError(f"Unable to retrieve job {job_id}")
        if is_final(str(jr.get("status"))):
            return jr
        return self._wait(job_id, jr, "websocket" in jr)

    def _wait(self, job_id: str, first: dict[str, Any], use_websocket: bool) -> dict[str, Any]:
        last = [first]

        def seen(job: Job) -> None:
            last[0] = job.to_dict()

        try:
            job = run_sync(
                self._waiter.wait(job_id, on_update=seen, policy=self._policy(use_websocket))
            )
        except WaitTimeoutError:
            log.info("job %s: not done within timeout=%s s", job_id, self.timeout)
            return last[0]
        return job.to_dict()

    def _poll_results(self, job_id: str) -> dict[str, Any] | None:
        """Poll (no websocket) until the job is done or `timeout` expires."""
        return self._wait(job_id, {"job": job_id}, False)

    async def _wait_results(self, job_id: str) -> dict[str, Any] | None:
        """Async wait (websocket with polling fallback); None if `timeout` expires."""
        try:
            job = await self._waiter.wait(job_id, policy=self._policy(True))
        except WaitTimeoutError:
            return None
        return job.to_dict()

    def status(self, machine: str) -> str:
        """The machine's state (e.g. `online`)."""
        return self._client.machines._state(machine, "get machine status").state

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Cancel the job; returns its document."""
        doc = self._client.jobs._cancel(job_id, "job cancel")
        return Job.from_dict(doc, "job cancel").to_dict()

    def get_calendar(self, start_date: str, end_date: str) -> list[dict[str, Any]]:
        """Reservation calendar events between two `YYYY-MM-DD` dates (UTC)."""
        op = "get calendar events"
        data = self._client._calendar_documents(start_date, end_date, op)
        parse_calendar(data, op)
        return list(data)

    def get_machine_list(self) -> list[dict[str, Any]]:
        """Every machine's document."""
        op = "get machine list"
        data = self._client.machines._documents(op)
        parse_machines(data, op)
        return list(data)

    def close(self) -> None:
        """Close the HTTP connections (not a `session` passed in)."""
        self._client.close()
        self._tokens.close()
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> QuantinuumAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class QuantinuumAPIOffline:
    """Offline copy of the interface to the Quantinuum remote API (the seed's class).

    Submitted jobs are stored (`get_jobs`). With `simulate=True` they also run in-process on
    the local service's emulator (needs the `emulator` extra): the machine list then has
    every machine the service has (each system with its `…E` emulator and `…SC` syntax
    checker), `online` is True (pytket-quantinuum reads job ids only from an online
    handler), and everything pytket-quantinuum 0.55's `QuantinuumBackend` asks of its
    `api_handler` works: results, status, cancel (refused: the job is done), batches,
    `_override_timeouts`, and the service's calendar. Without `simulate`, retrieval and
    cancel raise `QuantinuumAPIError`, as in the seed.
    """

    def __init__(
        self, machine_list: list[dict[str, Any]] | None = None, *, simulate: bool = False
    ) -> None:
        if machine_list is None:
            machine_list = _simulated_machines() if simulate else default_machines()
        self.provider = ""
        self.url = ""
        self.online = simulate
        self.machine_list = machine_list
        self._cred_store = None
        self.submitted: list[dict[str, Any]] = []
        self.simulate = simulate
        self.timeout: float | None = None
        self.retry_timeout: float = 5
        self._sim = None
        if simulate:
            from ._offline import LocalSimulation

            self._sim = LocalSimulation(machine_list)

    def _override_timeouts(
        self, timeout: float | None = None, retry_timeout: float | None = None
    ) -> _OverrideManager:
        """Context manager overriding `timeout` and `retry_timeout` (jobs offline are done
        when submitted, so nothing waits on them)."""
        return _OverrideManager(self, timeout=timeout, retry_timeout=retry_timeout)

    override_timeouts = _override_timeouts  # the seed's name

    def _get_machine_list(self) -> list[dict[str, Any]] | None:
        """The machine list given to the constructor (or the defaults)."""
        return self.machine_list

    def get_machine_list(self) -> list[dict[str, Any]]:
        """The machine list given to the constructor (or the defaults)."""
        return self.machine_list

    def full_login(self) -> None:
        """No login offline."""
        return

    def login(self) -> str:
        """No login offline: always an empty token."""
        return ""

    def delete_authentication(self) -> None:
        """Nothing is stored offline."""
        return

    def _submit_job(self, body: dict[str, Any]) -> httpx.Response | None:
        """Store the job; with `simulate`, run it and return the service-like response."""
        self.submitted.append(body)
        if self._sim is None:
            return None
        return self._sim.submit(body)

    def get_jobs(self) -> list[dict[str, Any]] | None:
        """Every job body submitted so far."""
        return self.submitted

    def _response_check(self, res: httpx.Response, description: str) -> None:
        """With `simulate`, check like the online class; otherwise always raise."""
        if self._sim is not None:
            raise_for_response(res, description)
            return
        raise QuantinuumAPIError(
            f"Response can't be checked offline: {description}.", operation=description
        )

    def _simulated(self, job_id: str, what: str) -> dict[str, Any]:
        if self._sim is None:
            raise QuantinuumAPIError(
                f"Can't {what} offline: job_id {job_id} (pass simulate=True to "
                "QuantinuumAPIOffline to run jobs locally)",
                operation=what,
            )
        doc = self._sim.job(job_id)
        if doc is None:
            raise QuantinuumAPIError(
                f"Can't {what} offline: no job {job_id} was submitted here", operation=what
            )
        return doc

    def retrieve_job_status(
        self,
        job_id: str,
        use_websocket: bool | None = None,
        request_raw_results: bool | None = None,
    ) -> dict[str, Any] | None:
        """The simulated job's document; without `simulate`, QuantinuumAPIError."""
        return self._simulated(job_id, "retrieve job status")

    def retrieve_job(self, job_id: str, use_websocket: bool | None = None) -> dict[str, Any] | None:
        """The simulated job's document; without `simulate`, QuantinuumAPIError."""
        return self._simulated(job_id, "retrieve job")

    def status(self, machine: str) -> str:
        """Machine state is unknown offline: always `unclear`."""
        return "unclear"

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Simulated jobs are done when submitted: refused as the service refuses a done
        job (`BadRequestError`); without `simulate`, QuantinuumAPIError."""
        doc = self._simulated(job_id, "cancel job")
        raise BadRequestError(
            f"job cancel: Cannot cancel job {job_id}: job has completed already",
            operation="job cancel",
            status_code=400,
            error_code=10,
            body={"error": {"code": 10, "text": "job has completed already"}, "job": doc["job"]},
        )

    def get_calendar(self, start_date: str, end_date: str) -> list[dict[str, Any]]:
        """With `simulate`, the local service's calendar of these machines (the same
        deterministic schedule); otherwise there is none: QuantinuumAPIError."""
        if self._sim is not None:
            from quantinuum_emulator import MachineCatalog

            args = _calendar_args(start_date, end_date)
            return MachineCatalog(self.machine_list).calendar(args["start"], args["end"])
        raise QuantinuumAPIError(
            f"Can't get the calendar offline ({start_date} to {end_date})",
            operation="get calendar events",
        )
