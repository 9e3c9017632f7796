import datetime
import functools
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.job_list import JobList
from ...models.job_status import JobStatus
from ...types import UNSET, Response, Unset, http_status


def _get_kwargs(
    *,
    status: JobStatus | Unset = UNSET,
    machine: str | Unset = UNSET,
    name: str | Unset = UNSET,
    group: str | Unset = UNSET,
    submitted_after: datetime.datetime | Unset = UNSET,
    submitted_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params["machine"] = machine

    params["name"] = name

    params["group"] = group

    json_submitted_after: str | Unset = UNSET
    if not isinstance(submitted_after, Unset):
        json_submitted_after = submitted_after.isoformat()
    params["submitted_after"] = json_submitted_after

    json_submitted_before: str | Unset = UNSET
    if not isinstance(submitted_before, Unset):
        json_submitted_before = submitted_before.isoformat()
    params["submitted_before"] = json_submitted_before

    params["cursor"] = cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/job",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | JobList | None:
    if response.status_code == 200:
        response_200 = JobList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 429:
        response_429 = ErrorResponse.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorResponse.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | JobList]:
    return Response(
        status_code=http_status(response.status_code),
        content=response.content,
        headers=response.headers,
        parser=functools.partial(_parse_response, client=client, response=response),
        http_response=response,
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    status: JobStatus | Unset = UNSET,
    machine: str | Unset = UNSET,
    name: str | Unset = UNSET,
    group: str | Unset = UNSET,
    submitted_after: datetime.datetime | Unset = UNSET,
    submitted_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Response[ErrorResponse | JobList]:
    """The caller's jobs, newest first, one page at a time

     Only the caller's own jobs, newest submission first, filtered by any of the
    query parameters (all given filters must match). A page holds at most `limit`
    jobs; `next-cursor` is null on the last page, otherwise the opaque `cursor` of
    the next page. Pages are stable under concurrent submissions: a job submitted
    while paging never shifts the following pages (it appears on a new first page).
    A cursor marks a position in the caller's history: repeat the filters to continue
    the same listing (other filters list from that position on). A malformed cursor
    is 400 (code 10). The documents leave `results` out: get
    them with `GET /v1/job/{job_id}`. A service without this extension answers 404
    or 405.

    Args:
        status (JobStatus | Unset): Done = `completed`, `failed`, `canceled`; `depleted` (out of
            credit) and
            `terminated` are final as well. `retrying` (the cloud runs the job again) and
            `cancelling` (the cloud's spelling of `canceling`) are not final; the local
            service never produces `retrying`, `cancelling`, `depleted` or `terminated`.
        machine (str | Unset):
        name (str | Unset):
        group (str | Unset):
        submitted_after (datetime.datetime | Unset):
        submitted_before (datetime.datetime | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | JobList]
    """

    kwargs = _get_kwargs(
        status=status,
        machine=machine,
        name=name,
        group=group,
        submitted_after=submitted_after,
        submitted_before=submitted_before,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    status: JobStatus | Unset = UNSET,
    machine: str | Unset = UNSET,
    name: str | Unset = UNSET,
    group: str | Unset = UNSET,
    submitted_after: datetime.datetime | Unset = UNSET,
    submitted_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> ErrorResponse | JobList | None:
    """The caller's jobs, newest first, one page at a time

     Only the caller's own jobs, newest submission first, filtered by any of the
    query parameters (all given filters must match). A page holds at most `limit`
    jobs; `next-cursor` is null on the last page, otherwise the opaque `cursor` of
    the next page. Pages are stable under concurrent submissions: a job submitted
    while paging never shifts the following pages (it appears on a new first page).
    A cursor marks a position in the caller's history: repeat the filters to continue
    the same listing (other filters list from that position on). A malformed cursor
    is 400 (code 10). The documents leave `results` out: get
    them with `GET /v1/job/{job_id}`. A service without this extension answers 404
    or 405.

    Args:
        status (JobStatus | Unset): Done = `completed`, `failed`, `canceled`; `depleted` (out of
            credit) and
            `terminated` are final as well. `retrying` (the cloud runs the job again) and
            `cancelling` (the cloud's spelling of `canceling`) are not final; the local
            service never produces `retrying`, `cancelling`, `depleted` or `terminated`.
        machine (str | Unset):
        name (str | Unset):
        group (str | Unset):
        submitted_after (datetime.datetime | Unset):
        submitted_before (datetime.datetime | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | JobList
    """

    return sync_detailed(
        client=client,
        status=status,
        machine=machine,
        name=name,
        group=group,
        submitted_after=submitted_after,
        submitted_before=submitted_before,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    status: JobStatus | Unset = UNSET,
    machine: str | Unset = UNSET,
    name: str | Unset = UNSET,
    group: str | Unset = UNSET,
    submitted_after: datetime.datetime | Unset = UNSET,
    submitted_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Response[ErrorResponse | JobList]:
    """The caller's jobs, newest first, one page at a time

     Only the caller's own jobs, newest submission first, filtered by any of the
    query parameters (all given filters must match). A page holds at most `limit`
    jobs; `next-cursor` is null on the last page, otherwise the opaque `cursor` of
    the next page. Pages are stable under concurrent submissions: a job submitted
    while paging never shifts the following pages (it appears on a new first page).
    A cursor marks a position in the caller's history: repeat the filters to continue
    the same listing (other filters list from that position on). A malformed cursor
    is 400 (code 10). The documents leave `results` out: get
    them with `GET /v1/job/{job_id}`. A service without this extension answers 404
    or 405.

    Args:
        status (JobStatus | Unset): Done = `completed`, `failed`, `canceled`; `depleted` (out of
            credit) and
            `terminated` are final as well. `retrying` (the cloud runs the job again) and
            `cancelling` (the cloud's spelling of `canceling`) are not final; the local
            service never produces `retrying`, `cancelling`, `depleted` or `terminated`.
        machine (str | Unset):
        name (str | Unset):
        group (str | Unset):
        submitted_after (datetime.datetime | Unset):
        submitted_before (datetime.datetime | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | JobList]
    """

    kwargs = _get_kwargs(
        status=status,
        machine=machine,
        name=name,
        group=group,
        submitted_after=submitted_after,
        submitted_before=submitted_before,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    status: JobStatus | Unset = UNSET,
    machine: str | Unset = UNSET,
    name: str | Unset = UNSET,
    group: str | Unset = UNSET,
    submitted_after: datetime.datetime | Unset = UNSET,
    submitted_before: datetime.datetime | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> ErrorResponse | JobList | None:
    """The caller's jobs, newest first, one page at a time

     Only the caller's own jobs, newest submission first, filtered by any of the
    query parameters (all given filters must match). A page holds at most `limit`
    jobs; `next-cursor` is null on the last page, otherwise the opaque `cursor` of
    the next page. Pages are stable under concurrent submissions: a job submitted
    while paging never shifts the following pages (it appears on a new first page).
    A cursor marks a position in the caller's history: repeat the filters to continue
    the same listing (other filters list from that position on). A malformed cursor
    is 400 (code 10). The documents leave `results` out: get
    them with `GET /v1/job/{job_id}`. A service without this extension answers 404
    or 405.

    Args:
        status (JobStatus | Unset): Done = `completed`, `failed`, `canceled`; `depleted` (out of
            credit) and
            `terminated` are final as well. `retrying` (the cloud runs the job again) and
            `cancelling` (the cloud's spelling of `canceling`) are not final; the local
            service never produces `retrying`, `cancelling`, `depleted` or `terminated`.
        machine (str | Unset):
        name (str | Unset):
        group (str | Unset):
        submitted_after (datetime.datetime | Unset):
        submitted_before (datetime.datetime | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | JobList
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            machine=machine,
            name=name,
            group=group,
            submitted_after=submitted_after,
            submitted_before=submitted_before,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
