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
from typing import Any

from quantinuum_api_client import AuthenticatedClient, Client
from quantinuum_api_client.api.jobs import list_jobs
from quantinuum_api_client.models import Job, JobList, JobStatus
from quantinuum_api_client.types import UNSET, Response, Unset

from ._api import acall, call, check
from ._exceptions import ResponseValidationError, make_status_error

__all__ = ["DEFAULT_PAGE_SIZE", "aiter_jobs", "iter_jobs"]

#: Jobs per request; the service accepts 1 to 100.
DEFAULT_PAGE_SIZE = 50

_OPERATION = "list jobs"
_UNSUPPORTED = {HTTPStatus.NOT_FOUND, HTTPStatus.METHOD_NOT_ALLOWED}


def iter_jobs(
    client: AuthenticatedClient | Client,
    *,
    status: JobStatus | str | None = None,
    machine: str | None = None,
    name: str | None = None,
    group: str | None = None,
    submitted_after: dt.datetime | None = None,
    submitted_before: dt.datetime | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> Iterator[Job]:
    """The caller's jobs, newest first, fetched `page_size` at a time.

    `client` is a generated client that authenticates its requests: an
    `AuthenticatedClient`, or a `Client` whose httpx client carries an `httpx.Auth`.

    Filters (all optional, combined with AND): `status` (a `JobStatus` or its value),
    `machine`, exact `name`, `group`, and a submit-date window `submitted_after`
    (inclusive) / `submitted_before` (exclusive); naive datetimes are taken as UTC.
    Raises `APIStatusError` (`NotFoundError` for 404) when the service does not support
    job history, and the SDK's usual errors otherwise.
    """
    query = _query(status, machine, name, group, submitted_after, submitted_before, page_size)
    cursor: str | None = None
    while True:
        reply = call(
            list_jobs.sync_detailed,
            _OPERATION,
            client=client,
            **query,
            cursor=_given(cursor),
            raise_for_status=False,
        )
        page = _page(reply)
        yield from page.jobs
        cursor = _next_cursor(page, cursor)
        if cursor is None:
            return


async def aiter_jobs(
    client: AuthenticatedClient | Client,
    *,
    status: JobStatus | str | None = None,
    machine: str | None = None,
    name: str | None = None,
    group: str | None = None,
    submitted_after: dt.datetime | None = None,
    submitted_before: dt.datetime | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> AsyncIterator[Job]:
    """`iter_jobs` for asyncio: `async for job in aiter_jobs(api_client, ...)`."""
    query = _query(status, machine, name, group, submitted_after, submitted_before, page_size)
    cursor: str | None = None
    while True:
        reply = await acall(
            list_jobs.asyncio_detailed,
            _OPERATION,
            client=client,
            **query,
            cursor=_given(cursor),
            raise_for_status=False,
        )
        page = _page(reply)
        for job in page.jobs:
            yield job
        cursor = _next_cursor(page, cursor)
        if cursor is None:
            return


# -- helpers ------------------------------------------------------------------------------
def _given(value: Any) -> Any:
    return UNSET if value is None else value


def _utc(moment: dt.datetime | None) -> dt.datetime | Unset:
    if moment is None:
        return UNSET
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _query(
    status: JobStatus | str | None,
    machine: str | None,
    name: str | None,
    group: str | None,
    submitted_after: dt.datetime | None,
    submitted_before: dt.datetime | None,
    page_size: int,
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
