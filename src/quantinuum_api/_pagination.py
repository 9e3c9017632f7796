"""Job history: lazy iterators over the pages of `GET /v1/job` (an extension).

    from quantinuum_api_client import AuthenticatedClient, Client
    for job in iter_jobs(api_client, status="completed", machine="H1-1E"):
        print(job.job, job.name, job.submit_date)

Built on the generated `list_jobs` operation: a page is requested only when the previous
one is used up, so breaking out of the loop early costs no further request. Jobs come
newest first, as generated `Job` models without `results` (fetch those with `get_job`).
A service without the extension (404 or 405) raises an `APIStatusError` saying so; any
other failure is the usual typed error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from http import HTTPStatus
from typing import Any, TypedDict, Unpack

from quantinuum_api_client import AuthenticatedClient, Client
from quantinuum_api_client.api.jobs import list_jobs
from quantinuum_api_client.models import Job, JobList, JobStatus
from quantinuum_api_client.types import UNSET, Response, Unset

from ._exceptions import ResponseValidationError, make_status_error
from ._http import acall, call, check

__all__ = ["DEFAULT_PAGE_SIZE", "JobFilters", "aiter_jobs", "iter_jobs"]

#: Jobs per request; the service accepts 1 to 100.
DEFAULT_PAGE_SIZE = 50

_OPERATION = "list jobs"
_UNSUPPORTED = {HTTPStatus.NOT_FOUND, HTTPStatus.METHOD_NOT_ALLOWED}


class JobFilters(TypedDict, total=False):
    """The filters of a job-history listing (all optional, combined with AND; see
    `iter_jobs`)."""

    status: JobStatus | str | None
    machine: str | None
    name: str | None
    group: str | None
    submitted_after: dt.datetime | None
    submitted_before: dt.datetime | None
    page_size: int


def iter_jobs(client: AuthenticatedClient | Client, **filters: Unpack[JobFilters]) -> Iterator[Job]:
    """The caller's jobs, newest first, fetched `page_size` (default 50) at a time.

    `client` is a generated client that authenticates its requests: an
    `AuthenticatedClient`, or a `Client` whose httpx client carries an `httpx.Auth`.

    Filters (all optional, combined with AND): `status` (a `JobStatus` or its value),
    `machine`, exact `name`, `group`, and a submit-date window `submitted_after`
    (inclusive) / `submitted_before` (exclusive); naive datetimes are taken as UTC.
    Raises `APIStatusError` (`NotFoundError` for 404) when the service does not support
    job history, and the SDK's usual errors otherwise.
    """
    pages = _Pages(filters)
    while (args := pages.next_request()) is not None:
        yield from pages.jobs(call(list_jobs.sync_detailed, _OPERATION, client=client, **args))


async def aiter_jobs(
    client: AuthenticatedClient | Client, **filters: Unpack[JobFilters]
) -> AsyncIterator[Job]:
    """`iter_jobs` for asyncio: `async for job in aiter_jobs(api_client, ...)`."""
    pages = _Pages(filters)
    while (args := pages.next_request()) is not None:
        reply = await acall(list_jobs.asyncio_detailed, _OPERATION, client=client, **args)
        for job in pages.jobs(reply):
            yield job


class _Pages:
    """Where a listing is: its query (checked when the listing is made) and the cursor
    of the next page (None once the last page was read)."""

    def __init__(self, filters: JobFilters) -> None:
        self._query = _query(**filters)
        self._cursor: str | None = None
        self._started = False

    def next_request(self) -> dict[str, Any] | None:
        """The generated operation's arguments for the next page; None when done."""
        if self._started and self._cursor is None:
            return None
        self._started = True
        return {**self._query, "cursor": _given(self._cursor), "raise_for_status": False}

    def jobs(self, reply: Response[Any]) -> list[Job]:
        """The jobs of a page's reply (typed errors for a bad one); moves the cursor on."""
        page = _page(reply)
        self._cursor = _next_cursor(page, self._cursor)
        return page.jobs


# -- helpers ------------------------------------------------------------------------------
def _given(value: Any) -> Any:
    return UNSET if value is None else value


def _utc(moment: dt.datetime | None) -> dt.datetime | Unset:
    if moment is None:
        return UNSET
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _query(
    status: JobStatus | str | None = None,
    machine: str | None = None,
    name: str | None = None,
    group: str | None = None,
    submitted_after: dt.datetime | None = None,
    submitted_before: dt.datetime | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    """The generated operation's keyword arguments; checks what can be checked locally."""
    if status is not None and not isinstance(status, JobStatus):
        try:
            status = JobStatus(status)
        except ValueError:
            known = ", ".join(s.value for s in JobStatus)
            raise ValueError(f"unknown job status {status!r} (one of: {known})") from None
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError(f"page_size must be a positive integer, not {page_size!r}")
    return {
        "status": _given(status),
        "machine": _given(machine),
        "name": _given(name),
        "group": _given(group),
        "submitted_after": _utc(submitted_after),
        "submitted_before": _utc(submitted_before),
        "limit": page_size,
    }


def _page(reply: Response[Any]) -> JobList:
    """The page of a reply, or the typed error for anything but 200 with a job list."""
    if reply.status_code in _UNSUPPORTED:
        message = (
            f"{_OPERATION}: job history is not supported by this service "
            f"(GET /v1/job answered HTTP {reply.status_code}); "
            "it needs a service with the job-list extension"
        )
        raise make_status_error(reply, _OPERATION, message=message)
    check(reply, _OPERATION)
    try:
        page = reply.parsed
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        page = exc
    if not isinstance(page, JobList):
        raise ResponseValidationError(
            f"{_OPERATION}: the reply is not a job list", operation=_OPERATION, status_code=200
        )
    return page


def _next_cursor(page: JobList, current: str | None) -> str | None:
    following = page.next_cursor
    if following is not None and following == current:
        raise ResponseValidationError(
            f"{_OPERATION}: the service repeated a page cursor", operation=_OPERATION
        )
    return following
