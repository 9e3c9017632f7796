"""The one place a generated operation is called: transport failures and non-2xx replies
become the SDK's typed errors, named after the operation.

`call(get_job.sync_detailed, "get job", job_id, client=api)` returns the generated
`Response` of a 2xx reply; `acall` is its async twin. Retries happen below, in the httpx
transport (`_transport`), and authentication in the httpx auth flow (`_auth`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, overload

import httpx

from quantinuum_api_client.types import Response

from ._exceptions import (
    APIConnectionError,
    QuantinuumAPIError,
    ResponseValidationError,
    make_status_error,
    parse_json,
)
from ._transport import ATTEMPTS_EXTENSION

__all__ = ["acall", "call", "check", "json_body", "request_failed"]

T = TypeVar("T")


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


def call(
    op: Callable[..., Response[T]],
    operation: str,
    /,
    *args: Any,
    redact: Sequence[str] = (),
    raise_for_status: bool = True,
    **kw: Any,
) -> Response[T]:
    """Call the generated ``op`` (a ``sync_detailed``); typed errors for failures (with
    ``raise_for_status=False`` a non-2xx reply is returned instead).

    With ``redact`` (the secrets the request carries), a failure keeps no reference to the
    request: the error is raised outside the ``except`` block, with no cause or context.
    """
    failure: QuantinuumAPIError | None = None
    try:
        response = op(*args, **kw)
    except httpx.RequestError as exc:
        if not redact:
            raise request_failed(exc, operation) from exc
        failure = request_failed(exc, operation)
    if failure is not None:
        raise failure
    return check(response, operation, redact=redact) if raise_for_status else response


async def acall(
    op: Callable[..., Awaitable[Response[T]]],
    operation: str,
    /,
    *args: Any,
    redact: Sequence[str] = (),
    raise_for_status: bool = True,
    **kw: Any,
) -> Response[T]:
    """Async twin of :func:`call` (``op`` is an ``asyncio_detailed``)."""
    failure: QuantinuumAPIError | None = None
    try:
        response = await op(*args, **kw)
    except httpx.RequestError as exc:
        if not redact:
            raise request_failed(exc, operation) from exc
        failure = request_failed(exc, operation)
    if failure is not None:
        raise failure
    return check(response, operation, redact=redact) if raise_for_status else response


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
