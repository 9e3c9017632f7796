"""HTTP options shared by every connection, and the one retry loop (sync and async twins).

``HttpOptions`` carries timeout, TLS (``verify``), ``trust_env`` and an explicit proxy, so
that REST calls, the token exchange and the websocket all use the same settings.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ._constants import DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT
from ._exceptions import ResponseValidationError, TransportError, make_status_error
from ._retry import RetryPolicy
from ._version import __version__

__all__ = ["IDEMPOTENT_METHODS", "HttpOptions", "arequest", "request"]

logger = logging.getLogger("quantinuum_api")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
USER_AGENT = f"quantinuum-api/{__version__}"

Sleep = Callable[[float], None]
AsyncSleep = Callable[[float], Awaitable[None]]


def _default_timeout() -> httpx.Timeout:
    # pool=None: a request waiting for one of the client's own connections (e.g. many
    # concurrent submissions) queues instead of failing with PoolTimeout.
    return httpx.Timeout(DEFAULT_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT, pool=None)


@dataclass(frozen=True)
class HttpOptions:
    """Connection settings for every request the SDK makes.

    ``verify`` is True (system/certifi CAs), False (no verification: testing only), a CA
    bundle path, or an ``ssl.SSLContext``. ``proxy`` overrides the environment's proxies;
    with ``trust_env`` (default) ``HTTP(S)_PROXY``/``NO_PROXY``/``SSL_CERT_FILE`` apply.
    ``sleep``/``asleep`` are how the retry loop waits (injectable for tests).
    """

    timeout: float | httpx.Timeout = field(default_factory=_default_timeout)
    verify: bool | str | ssl.SSLContext = True
    trust_env: bool = True
    proxy: str | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    headers: Mapping[str, str] = field(default_factory=dict)
    sleep: Sleep = field(default=time.sleep, repr=False, compare=False)
    asleep: AsyncSleep = field(default=asyncio.sleep, repr=False, compare=False)

    # -- building clients -------------------------------------------------------------------

    def _verify_arg(self) -> bool | ssl.SSLContext:
        if isinstance(self.verify, str):
            return self.ssl_context()
        return self.verify

    def ssl_context(self) -> ssl.SSLContext:
        """An SSLContext for these TLS settings (used for the websocket)."""
        if isinstance(self.verify, ssl.SSLContext):
            return self.verify
        if self.verify is False:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        if isinstance(self.verify, str):
            if os.path.isdir(self.verify):
                return ssl.create_default_context(capath=self.verify)
            return ssl.create_default_context(cafile=self.verify)
        if self.trust_env and (os.environ.get("SSL_CERT_FILE") or os.environ.get("SSL_CERT_DIR")):
            return ssl.create_default_context(
                cafile=os.environ.get("SSL_CERT_FILE") or None,
                capath=os.environ.get("SSL_CERT_DIR") or None,
            )
        try:
            import certifi

            return ssl.create_default_context(cafile=certifi.where())
        except ImportError:  # pragma: no cover - certifi comes with httpx
            return ssl.create_default_context()

    def _client_kwargs(self, kw: dict[str, Any]) -> dict[str, Any]:
        headers = {"User-Agent": USER_AGENT, **self.headers, **kw.pop("headers", {})}
        args: dict[str, Any] = {
            "timeout": self.timeout,
            "verify": self._verify_arg(),
            "trust_env": self.trust_env,
            "headers": headers,
        }
        if self.proxy is not None:
            args["proxy"] = self.proxy
        args.update(kw)
        return args

    def client(self, **kw: Any) -> httpx.Client:
        """A new ``httpx.Client`` with these settings (``kw`` overrides, e.g. ``transport``)."""
        return httpx.Client(**self._client_kwargs(kw))

    def async_client(self, **kw: Any) -> httpx.AsyncClient:
        """A new ``httpx.AsyncClient`` with these settings."""
        return httpx.AsyncClient(**self._client_kwargs(kw))

    def websocket_kwargs(self, uri: str | None = None) -> dict[str, Any]:
        """Keyword arguments for ``websockets.asyncio.client.connect`` with the same settings.

        Pass the websocket ``uri``: TLS settings are only given for ``wss://``.
        """
        kw: dict[str, Any] = {
            "user_agent_header": USER_AGENT,
            "proxy": self.proxy if self.proxy is not None else (True if self.trust_env else None),
        }
        if uri is None or uri.startswith("wss://"):
            kw["ssl"] = self.ssl_context()
        if self.headers:
            kw["additional_headers"] = dict(self.headers)
        timeout = self.timeout
        if isinstance(timeout, httpx.Timeout):
            kw["open_timeout"] = timeout.connect
        else:
            kw["open_timeout"] = timeout
        return kw

    # -- the retry loop, bound to these options --------------------------------------------

    def request(
        self,
        client: httpx.Client,
        method: str,
        url: str,
        *,
        operation: str,
        idempotent: bool | None = None,
        raise_for_status: bool = True,
        **kw: Any,
    ) -> httpx.Response:
        """:func:`request` with this object's retry policy and sleep."""
        return request(
            client,
            method,
            url,
            operation=operation,
            idempotent=idempotent,
            raise_for_status=raise_for_status,
            retry=self.retry,
            sleep=self.sleep,
            **kw,
        )

    async def arequest(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        operation: str,
        idempotent: bool | None = None,
        raise_for_status: bool = True,
        **kw: Any,
    ) -> httpx.Response:
        """:func:`arequest` with this object's retry policy and sleep."""
        return await arequest(
            client,
            method,
            url,
            operation=operation,
            idempotent=idempotent,
            raise_for_status=raise_for_status,
            retry=self.retry,
            sleep=self.asleep,
            **kw,
        )


def _is_idempotent(method: str, idempotent: bool | None, kw: Mapping[str, Any]) -> bool:
    headers = kw.get("headers")
    if headers is not None and "idempotency-key" in httpx.Headers(headers):
        return True
    if idempotent is not None:
        return idempotent
    return method.upper() in IDEMPOTENT_METHODS


def _transport_error(exc: httpx.HTTPError, operation: str, attempts: int) -> TransportError:
    what = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    return TransportError(
        f"{operation} {what}{tries}: {type(exc).__name__}: {exc}", operation=operation
    )


def _decoding_error(exc: httpx.DecodingError, operation: str) -> ResponseValidationError:
    return ResponseValidationError(
        f"{operation}: the reply body could not be decoded: {exc}", operation=operation
    )


def _log_retry(
    operation: str, attempt: int, delay: float, response: httpx.Response | None, exc: Any
) -> None:
    why = f"HTTP {response.status_code}" if response is not None else type(exc).__name__
    logger.info("%s: %s; retry %d in %.2f s", operation, why, attempt + 1, delay)


def request(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    operation: str,
    idempotent: bool | None = None,
    raise_for_status: bool = True,
    retry: RetryPolicy | None = None,
    sleep: Sleep | None = None,
    **kw: Any,
) -> httpx.Response:
    """Send a request, retrying transient failures per ``retry``; raise typed errors.

    ``idempotent`` defaults from the method; any request carrying an ``Idempotency-Key``
    header is treated as idempotent. Connect failures are retried for every method.
    """
    policy = retry if retry is not None else RetryPolicy()
    do_sleep = sleep if sleep is not None else time.sleep
    safe = _is_idempotent(method, idempotent, kw)
    attempt = 0
    while True:
        try:
            response = client.request(method, url, **kw)
        except httpx.DecodingError as exc:
            raise _decoding_error(exc, operation) from exc
        except httpx.RequestError as exc:
            if not policy.should_retry(attempt, idempotent=safe, exc=exc):
                raise _transport_error(exc, operation, attempt + 1) from exc
            delay = policy.delay(attempt)
            _log_retry(operation, attempt, delay, None, exc)
        else:
            if response.is_success or not policy.should_retry(
                attempt, idempotent=safe, response=response
            ):
                if raise_for_status and not response.is_success:
                    raise make_status_error(response, operation)
                return response
            delay = policy.delay(attempt, response)
            _log_retry(operation, attempt, delay, response, None)
            response.close()
        do_sleep(delay)
        attempt += 1


async def arequest(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    operation: str,
    idempotent: bool | None = None,
    raise_for_status: bool = True,
    retry: RetryPolicy | None = None,
    sleep: AsyncSleep | None = None,
    **kw: Any,
) -> httpx.Response:
    """Async twin of :func:`request`."""
    policy = retry if retry is not None else RetryPolicy()
    do_sleep = sleep if sleep is not None else asyncio.sleep
    safe = _is_idempotent(method, idempotent, kw)
    attempt = 0
    while True:
        try:
            response = await client.request(method, url, **kw)
        except httpx.DecodingError as exc:
            raise _decoding_error(exc, operation) from exc
        except httpx.RequestError as exc:
            if not policy.should_retry(attempt, idempotent=safe, exc=exc):
                raise _transport_error(exc, operation, attempt + 1) from exc
            delay = policy.delay(attempt)
            _log_retry(operation, attempt, delay, None, exc)
        else:
            if response.is_success or not policy.should_retry(
                attempt, idempotent=safe, response=response
            ):
                if raise_for_status and not response.is_success:
                    raise make_status_error(response, operation)
                return response
            delay = policy.delay(attempt, response)
            _log_retry(operation, attempt, delay, response, None)
            await response.aclose()
        await do_sleep(delay)
        attempt += 1
