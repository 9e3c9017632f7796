# GENERATED from _http/_async.py by scripts/generate_sync.py: do not edit.
"""Sending, written once: `acall` (a generated operation) and `arequest` (a raw request).

This is the async source; `_sync.py` (`call`, `request`) is generated from it by
`scripts/generate_sync.py`. Both give the SDK's typed errors: transport failures and
non-2xx replies, named after the operation. Retries happen below, in the httpx transport
(`_transport`), and authentication in the httpx auth flow (`_auth`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import httpx

from quantinuum_api_client.types import Response

from .._exceptions import QuantinuumAPIError, make_status_error
from ._options import IDEMPOTENT_EXTENSION
from ._replies import SyncOperation, check, request_failed

__all__ = ["call", "request"]

T = TypeVar("T")


def call(
    op: SyncOperation[T],
    operation: str,
    /,
    *args: Any,
    redact: Sequence[str] = (),
    raise_for_status: bool = True,
    **kw: Any,
) -> Response[T]:
    """Call the generated ``op`` (`acall`: an ``asyncio_detailed``; `call`: a
    ``sync_detailed``), e.g. `call(get_job.sync_detailed, "get job", job_id, client=api)`;
    the generated `Response` of a 2xx reply, typed errors for failures (with
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


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    operation: str,
    idempotent: bool | None = None,
    raise_for_status: bool = True,
    **kw: Any,
) -> httpx.Response:
    """Send one request on ``client`` (built by `HttpOptions`, so it retries); typed errors.

    ``idempotent`` overrides the method's default for the retry decision; any request with
    an ``Idempotency-Key`` header counts as idempotent.
    """
    if idempotent is not None:
        kw["extensions"] = {**kw.get("extensions", {}), IDEMPOTENT_EXTENSION: idempotent}
    try:
        response = client.request(method, url, **kw)
    except httpx.RequestError as exc:
        raise request_failed(exc, operation) from exc
    if raise_for_status and not response.is_success:
        raise make_status_error(response, operation)
    return response
