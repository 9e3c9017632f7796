import functools
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.machine import Machine
from ...types import UNSET, Response, Unset, http_status


def _get_kwargs(
    *,
    config: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["config"] = config

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/machine/",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | list[Machine] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = Machine.from_dict(response_200_item_data)

            response_200.append(response_200_item)

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
) -> Response[ErrorResponse | list[Machine]]:
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
    config: bool | Unset = UNSET,
) -> Response[ErrorResponse | list[Machine]]:
    """List machines, with their configuration when `config=true`

    Args:
        config (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | list[Machine]]
    """

    kwargs = _get_kwargs(
        config=config,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    config: bool | Unset = UNSET,
) -> ErrorResponse | list[Machine] | None:
    """List machines, with their configuration when `config=true`

    Args:
        config (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | list[Machine]
    """

    return sync_detailed(
        client=client,
        config=config,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    config: bool | Unset = UNSET,
) -> Response[ErrorResponse | list[Machine]]:
    """List machines, with their configuration when `config=true`

    Args:
        config (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | list[Machine]]
    """

    kwargs = _get_kwargs(
        config=config,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    config: bool | Unset = UNSET,
) -> ErrorResponse | list[Machine] | None:
    """List machines, with their configuration when `config=true`

    Args:
        config (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | list[Machine]
    """

    return (
        await asyncio_detailed(
            client=client,
            config=config,
        )
    ).parsed
