"""HTTP: the options and httpx clients every connection uses, and sending through them.

`_options`: `HttpOptions` (timeout, TLS, proxy, retries, headers) and the factory of the
SDK's retrying, authenticated httpx and generated clients. `_async` / `_sync` (generated):
`acall`/`call`, the one place a generated operation is called, and `arequest`/`request`
for a raw request; `_replies`: replies into results or typed errors.
"""

from __future__ import annotations

from ._async import acall, arequest
from ._options import IDEMPOTENT_METHODS, HttpOptions, aclose_api_client, close_api_client
from ._replies import check, json_body, request_failed
from ._sync import call, request

__all__ = [
    "IDEMPOTENT_METHODS",
    "HttpOptions",
    "acall",
    "aclose_api_client",
    "arequest",
    "call",
    "check",
    "close_api_client",
    "json_body",
    "request",
    "request_failed",
]
