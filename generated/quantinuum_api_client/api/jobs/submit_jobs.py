import functools
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.job_batch_request import JobBatchRequest
from ...models.job_batch_submitted import JobBatchSubmitted
from ...types import UNSET, Response, Unset, http_status


def _get_kwargs(
    *,
    body: JobBatchRequest,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/job-batch",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | JobBatchSubmitted | None:
    if response.status_code == 200:
        response_200 = JobBatchSubmitted.from_dict(response.json())

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
) -> Response[ErrorResponse | JobBatchSubmitted]:
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
    body: JobBatchRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorResponse | JobBatchSubmitted]:
    """Submit many jobs in one request

     Each item is admitted in order exactly as `POST /v1/job` would admit it alone,
    with its own `idempotency-key`: resending the whole request (a lost reply) creates
    no job twice, the items already admitted answer with the job they created. The
    answer has one entry per item, in order: the job (`job`, `status`), or the error
    that item alone would have got (`error`, with that reply's `http-status`); one
    item's error does not stop the others. At most 100 items, and the body limit
    (413) applies to the whole request; a request that does not match the schema
    (any item) is refused as a whole (400) with nothing admitted. A service without
    this extension answers 404 or 405: submit the jobs one by one.

    Args:
        idempotency_key (str | Unset):
        body (JobBatchRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | JobBatchSubmitted]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: JobBatchRequest,
    idempotency_key: str | Unset = UNSET,
) -> ErrorResponse | JobBatchSubmitted | None:
    """Submit many jobs in one request

     Each item is admitted in order exactly as `POST /v1/job` would admit it alone,
    with its own `idempotency-key`: resending the whole request (a lost reply) creates
    no job twice, the items already admitted answer with the job they created. The
    answer has one entry per item, in order: the job (`job`, `status`), or the error
    that item alone would have got (`error`, with that reply's `http-status`); one
    item's error does not stop the others. At most 100 items, and the body limit
    (413) applies to the whole request; a request that does not match the schema
    (any item) is refused as a whole (400) with nothing admitted. A service without
    this extension answers 404 or 405: submit the jobs one by one.

    Args:
        idempotency_key (str | Unset):
        body (JobBatchRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | JobBatchSubmitted
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: JobBatchRequest,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorResponse | JobBatchSubmitted]:
    """Submit many jobs in one request

     Each item is admitted in order exactly as `POST /v1/job` would admit it alone,
    with its own `idempotency-key`: resending the whole request (a lost reply) creates
    no job twice, the items already admitted answer with the job they created. The
    answer has one entry per item, in order: the job (`job`, `status`), or the error
    that item alone would have got (`error`, with that reply's `http-status`); one
    item's error does not stop the others. At most 100 items, and the body limit
    (413) applies to the whole request; a request that does not match the schema
    (any item) is refused as a whole (400) with nothing admitted. A service without
    this extension answers 404 or 405: submit the jobs one by one.

    Args:
        idempotency_key (str | Unset):
        body (JobBatchRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | JobBatchSubmitted]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: JobBatchRequest,
    idempotency_key: str | Unset = UNSET,
) -> ErrorResponse | JobBatchSubmitted | None:
    """Submit many jobs in one request

     Each item is admitted in order exactly as `POST /v1/job` would admit it alone,
    with its own `idempotency-key`: resending the whole request (a lost reply) creates
    no job twice, the items already admitted answer with the job they created. The
    answer has one entry per item, in order: the job (`job`, `status`), or the error
    that item alone would have got (`error`, with that reply's `http-status`); one
    item's error does not stop the others. At most 100 items, and the body limit
    (413) applies to the whole request; a request that does not match the schema
    (any item) is refused as a whole (400) with nothing admitted. A service without
    this extension answers 404 or 405: submit the jobs one by one.

    Args:
        idempotency_key (str | Unset):
        body (JobBatchRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | JobBatchSubmitted
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
