import functools
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.job_documents import JobDocuments
from ...models.job_documents_request import JobDocumentsRequest
from ...types import Response, http_status


def _get_kwargs(
    *,
    body: JobDocumentsRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/job-batch/documents",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | JobDocuments | None:
    if response.status_code == 200:
        response_200 = JobDocuments.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 413:
        response_413 = ErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorResponse.from_dict(response.json())

        return response_415

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
) -> Response[ErrorResponse | JobDocuments]:
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
    body: JobDocumentsRequest,
) -> Response[ErrorResponse | JobDocuments]:
    """Many job documents in one request, optionally once they have ended

     The documents (with `results`) of the caller's listed jobs, in the order asked;
    ids that are not the caller's jobs are listed in `missing` (as `GET
    /v1/job/{job_id}` answers 404 for them). With `wait` > 0 the answer is held
    until every listed job has a final status (completed, failed, canceled,
    depleted, terminated) or `wait` seconds have passed, whichever comes first: one
    request stands for a poll loop over all of them. A held request counts as one
    of the user's open subscriptions (429 code 29 beyond the cap, as a websocket
    is closed with 4029). At most 100 ids, `wait` at most 30 s. A service without
    this extension answers 404 or 405: get the jobs one by one.

    Args:
        body (JobDocumentsRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | JobDocuments]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: JobDocumentsRequest,
) -> ErrorResponse | JobDocuments | None:
    """Many job documents in one request, optionally once they have ended

     The documents (with `results`) of the caller's listed jobs, in the order asked;
    ids that are not the caller's jobs are listed in `missing` (as `GET
    /v1/job/{job_id}` answers 404 for them). With `wait` > 0 the answer is held
    until every listed job has a final status (completed, failed, canceled,
    depleted, terminated) or `wait` seconds have passed, whichever comes first: one
    request stands for a poll loop over all of them. A held request counts as one
    of the user's open subscriptions (429 code 29 beyond the cap, as a websocket
    is closed with 4029). At most 100 ids, `wait` at most 30 s. A service without
    this extension answers 404 or 405: get the jobs one by one.

    Args:
        body (JobDocumentsRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | JobDocuments
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: JobDocumentsRequest,
) -> Response[ErrorResponse | JobDocuments]:
    """Many job documents in one request, optionally once they have ended

     The documents (with `results`) of the caller's listed jobs, in the order asked;
    ids that are not the caller's jobs are listed in `missing` (as `GET
    /v1/job/{job_id}` answers 404 for them). With `wait` > 0 the answer is held
    until every listed job has a final status (completed, failed, canceled,
    depleted, terminated) or `wait` seconds have passed, whichever comes first: one
    request stands for a poll loop over all of them. A held request counts as one
    of the user's open subscriptions (429 code 29 beyond the cap, as a websocket
    is closed with 4029). At most 100 ids, `wait` at most 30 s. A service without
    this extension answers 404 or 405: get the jobs one by one.

    Args:
        body (JobDocumentsRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | JobDocuments]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: JobDocumentsRequest,
) -> ErrorResponse | JobDocuments | None:
    """Many job documents in one request, optionally once they have ended

     The documents (with `results`) of the caller's listed jobs, in the order asked;
    ids that are not the caller's jobs are listed in `missing` (as `GET
    /v1/job/{job_id}` answers 404 for them). With `wait` > 0 the answer is held
    until every listed job has a final status (completed, failed, canceled,
    depleted, terminated) or `wait` seconds have passed, whichever comes first: one
    request stands for a poll loop over all of them. A held request counts as one
    of the user's open subscriptions (429 code 29 beyond the cap, as a websocket
    is closed with 4029). At most 100 ids, `wait` at most 30 s. A service without
    this extension answers 404 or 405: get the jobs one by one.

    Args:
        body (JobDocumentsRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | JobDocuments
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
