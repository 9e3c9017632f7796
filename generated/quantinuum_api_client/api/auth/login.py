import functools
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.login_password_request import LoginPasswordRequest
from ...models.login_provider_request import LoginProviderRequest
from ...models.login_refresh_request import LoginRefreshRequest
from ...models.token_pair import TokenPair
from ...types import Response, http_status


def _get_kwargs(
    *,
    body: LoginPasswordRequest | LoginProviderRequest | LoginRefreshRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/login",
    }

    if isinstance(body, LoginPasswordRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, LoginRefreshRequest):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | TokenPair | None:
    if response.status_code == 200:
        response_200 = TokenPair.from_dict(response.json())

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
) -> Response[ErrorResponse | TokenPair]:
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
    body: LoginPasswordRequest | LoginProviderRequest | LoginRefreshRequest,
) -> Response[ErrorResponse | TokenPair]:
    """Exchange credentials, a refresh token or a provider token for a token pair

     Three body variants. Password login to an account with MFA needs `code`; without
    it the reply is 401 with error code 73. A refresh token is single-use: the reply
    carries a new pair, and presenting a used token revokes its whole family (400,
    "Invalid Refresh Token"). A service may accept the immediately previous token
    again for a few seconds, while the token it was exchanged for is unused (a
    retry after a lost reply); that token then stops working. `provider-token` is
    an id token from a federated identity provider (Microsoft).

    Args:
        body (LoginPasswordRequest | LoginProviderRequest | LoginRefreshRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | TokenPair]
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
    body: LoginPasswordRequest | LoginProviderRequest | LoginRefreshRequest,
) -> ErrorResponse | TokenPair | None:
    """Exchange credentials, a refresh token or a provider token for a token pair

     Three body variants. Password login to an account with MFA needs `code`; without
    it the reply is 401 with error code 73. A refresh token is single-use: the reply
    carries a new pair, and presenting a used token revokes its whole family (400,
    "Invalid Refresh Token"). A service may accept the immediately previous token
    again for a few seconds, while the token it was exchanged for is unused (a
    retry after a lost reply); that token then stops working. `provider-token` is
    an id token from a federated identity provider (Microsoft).

    Args:
        body (LoginPasswordRequest | LoginProviderRequest | LoginRefreshRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | TokenPair
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: LoginPasswordRequest | LoginProviderRequest | LoginRefreshRequest,
) -> Response[ErrorResponse | TokenPair]:
    """Exchange credentials, a refresh token or a provider token for a token pair

     Three body variants. Password login to an account with MFA needs `code`; without
    it the reply is 401 with error code 73. A refresh token is single-use: the reply
    carries a new pair, and presenting a used token revokes its whole family (400,
    "Invalid Refresh Token"). A service may accept the immediately previous token
    again for a few seconds, while the token it was exchanged for is unused (a
    retry after a lost reply); that token then stops working. `provider-token` is
    an id token from a federated identity provider (Microsoft).

    Args:
        body (LoginPasswordRequest | LoginProviderRequest | LoginRefreshRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | TokenPair]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: LoginPasswordRequest | LoginProviderRequest | LoginRefreshRequest,
) -> ErrorResponse | TokenPair | None:
    """Exchange credentials, a refresh token or a provider token for a token pair

     Three body variants. Password login to an account with MFA needs `code`; without
    it the reply is 401 with error code 73. A refresh token is single-use: the reply
    carries a new pair, and presenting a used token revokes its whole family (400,
    "Invalid Refresh Token"). A service may accept the immediately previous token
    again for a few seconds, while the token it was exchanged for is unused (a
    retry after a lost reply); that token then stops working. `provider-token` is
    an id token from a federated identity provider (Microsoft).

    Args:
        body (LoginPasswordRequest | LoginProviderRequest | LoginRefreshRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | TokenPair
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
