import datetime
import functools
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.calendar_event import CalendarEvent
from ...models.error_response import ErrorResponse
from ...models.get_reservations_mode import GetReservationsMode
from ...types import UNSET, Response, http_status


def _get_kwargs(
    *,
    mode: GetReservationsMode,
    start: datetime.date,
    end: datetime.date,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_mode = mode.value
    params["mode"] = json_mode

    json_start = start.isoformat()
    params["start"] = json_start

    json_end = end.isoformat()
    params["end"] = json_end

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/beta/reservation",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | list[CalendarEvent] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = CalendarEvent.from_dict(response_200_item_data)

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
) -> Response[ErrorResponse | list[CalendarEvent]]:
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
    mode: GetReservationsMode,
    start: datetime.date,
    end: datetime.date,
) -> Response[ErrorResponse | list[CalendarEvent]]:
    """Reservation calendar events between two dates (UTC)

     Served on the calendar host: the REST URL with `https://` replaced by
    `https://ui.` and `v1` by `beta` for the cloud; the same host for a local service.
    `start` after `end`, a range longer than the service's limit (62 days locally) or
    dates outside 1970-01-01..9998-12-31 are 400 (code 10).

    Args:
        mode (GetReservationsMode):
        start (datetime.date):
        end (datetime.date):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | list[CalendarEvent]]
    """

    kwargs = _get_kwargs(
        mode=mode,
        start=start,
        end=end,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    mode: GetReservationsMode,
    start: datetime.date,
    end: datetime.date,
) -> ErrorResponse | list[CalendarEvent] | None:
    """Reservation calendar events between two dates (UTC)

     Served on the calendar host: the REST URL with `https://` replaced by
    `https://ui.` and `v1` by `beta` for the cloud; the same host for a local service.
    `start` after `end`, a range longer than the service's limit (62 days locally) or
    dates outside 1970-01-01..9998-12-31 are 400 (code 10).

    Args:
        mode (GetReservationsMode):
        start (datetime.date):
        end (datetime.date):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | list[CalendarEvent]
    """

    return sync_detailed(
        client=client,
        mode=mode,
        start=start,
        end=end,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    mode: GetReservationsMode,
    start: datetime.date,
    end: datetime.date,
) -> Response[ErrorResponse | list[CalendarEvent]]:
    """Reservation calendar events between two dates (UTC)

     Served on the calendar host: the REST URL with `https://` replaced by
    `https://ui.` and `v1` by `beta` for the cloud; the same host for a local service.
    `start` after `end`, a range longer than the service's limit (62 days locally) or
    dates outside 1970-01-01..9998-12-31 are 400 (code 10).

    Args:
        mode (GetReservationsMode):
        start (datetime.date):
        end (datetime.date):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | list[CalendarEvent]]
    """

    kwargs = _get_kwargs(
        mode=mode,
        start=start,
        end=end,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    mode: GetReservationsMode,
    start: datetime.date,
    end: datetime.date,
) -> ErrorResponse | list[CalendarEvent] | None:
    """Reservation calendar events between two dates (UTC)

     Served on the calendar host: the REST URL with `https://` replaced by
    `https://ui.` and `v1` by `beta` for the cloud; the same host for a local service.
    `start` after `end`, a range longer than the service's limit (62 days locally) or
    dates outside 1970-01-01..9998-12-31 are 400 (code 10).

    Args:
        mode (GetReservationsMode):
        start (datetime.date):
        end (datetime.date):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | list[CalendarEvent]
    """

    return (
        await asyncio_detailed(
            client=client,
            mode=mode,
            start=start,
            end=end,
        )
    ).parsed
