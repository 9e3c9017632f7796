"""Replies into results or typed errors: a request that got no usable reply, a non-2xx
reply (named after the operation, secrets redacted), a reply's JSON body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, overload

import httpx

from quantinuum_api_client.types import Response

from .._exceptions import (
    APIConnectionError,
    QuantinuumAPIError,
    ResponseValidationError,
    make_status_error,
    parse_json,
)
from .._transport import ATTEMPTS_EXTENSION

__all__ = ["AsyncOperation", "SyncOperation", "check", "json_body", "request_failed"]

T = TypeVar("T")

#: A generated ``asyncio_detailed`` / ``sync_detailed`` function.
AsyncOperation = Callable[..., Awaitable[Response[T]]]
SyncOperation = Callable[..., Response[T]]


def request_failed(exc: httpx.RequestError, operation: str) -> QuantinuumAPIError:
    """The typed error for a request that got no usable reply."""
    if isinstance(exc, httpx.DecodingError):
        return ResponseValidationError(
            f"{operation}: the reply body could not be decoded: {exc}", operation=operation
        )
    try:
        attempts = exc.request.extensions.get(ATTEMPTS_EXTENSION, 1)
    except RuntimeError:  # no request attached
        attempts = 1
    what = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    return APIConnectionError(
        f"{operation} {what}{tries}: {type(exc).__name__}: {exc}", operation=operation
    )


def check(response: Response[T], operation: str, *, redact: Sequence[str] = ()) -> Response[T]:
    """``response`` if 2xx, else the typed error (secrets in ``redact`` removed)."""
    if 200 <= response.status_code < 300:
        return response
    raise make_status_error(response, operation, redact=redact)


@overload
def json_body(
    response: Response[Any], operation: str, expect: type[dict[Any, Any]]
) -> dict[str, Any]: ...
@overload
def json_body(response: Response[Any], operation: str, expect: type[list[Any]]) -> list[Any]: ...
@overload
def json_body(response: Response[Any], operation: str, expect: None = None) -> Any: ...
def json_body(
    response: Response[Any],
    operation: str,
    expect: type[dict[Any, Any]] | type[list[Any]] | None = None,
) -> Any:
    """The decoded JSON of a generated reply; ResponseValidationError if not JSON/``expect``."""
    raw = response.http_response
    if raw is None:  # a Response built by hand, not by a generated operation
        raw = httpx.Response(
            int(response.status_code), headers=response.headers, content=response.content
        )
    return parse_json(raw, operation, expect)
