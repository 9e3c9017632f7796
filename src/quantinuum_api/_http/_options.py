"""HTTP options shared by every connection, and the factory of the SDK's httpx clients.

``HttpOptions`` carries timeout, TLS (``verify``), ``trust_env``, an explicit proxy and the
retry policy, so that REST calls, the token exchange and the websocket all use the same
settings. Every httpx client it builds sends through the retrying transport
(`_transport`); :meth:`HttpOptions.api_client` attaches such clients, with the auth flow, to
a generated client.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from quantinuum_api_client import AuthenticatedClient, Client

from .._constants import DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT
from .._retry import RetryPolicy
from .._transport import (
    IDEMPOTENT_EXTENSION,
    IDEMPOTENT_METHODS,
    AsyncRetryTransport,
    RetryTransport,
)
from .._version import __version__

__all__ = [
    "IDEMPOTENT_EXTENSION",
    "IDEMPOTENT_METHODS",
    "HttpOptions",
    "aclose_api_client",
    "close_api_client",
]

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
    ``sleep``/``asleep`` are how the retrying transport waits (injectable for tests).
    ``transport``/``async_transport`` replace the network transports under the retries
    (e.g. ``httpx.MockTransport``, or a fault injector in tests).
    """

    timeout: float | httpx.Timeout = field(default_factory=_default_timeout)
    verify: bool | str | ssl.SSLContext = True
    trust_env: bool = True
    proxy: str | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    headers: Mapping[str, str] = field(default_factory=dict)
    sleep: Sleep = field(default=time.sleep, repr=False, compare=False)
    asleep: AsyncSleep = field(default=asyncio.sleep, repr=False, compare=False)
    transport: httpx.BaseTransport | None = field(default=None, repr=False, compare=False)
    async_transport: httpx.AsyncBaseTransport | None = field(
        default=None, repr=False, compare=False
    )
    _ssl: list[ssl.SSLContext] = field(default_factory=list, init=False, repr=False, compare=False)

    # -- building clients -------------------------------------------------------------------

    def _verify_arg(self) -> bool | ssl.SSLContext:
        if self.verify is False:
            return False
        # One context for every client built from these options (loading CAs costs ms).
        if not self._ssl:
            self._ssl.append(self.ssl_context())
        return self._ssl[0]

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
        """A new retrying ``httpx.Client`` with these settings (``kw`` overrides, e.g.
        ``transport``: the transport under the retries)."""
        kw.setdefault("transport", self.transport)
        client = httpx.Client(**self._client_kwargs(kw))
        _wrap_transports(client, lambda t: RetryTransport(t, self.retry, self.sleep))
        return client

    def async_client(self, **kw: Any) -> httpx.AsyncClient:
        """A new retrying ``httpx.AsyncClient`` with these settings."""
        kw.setdefault("transport", self.async_transport)
        client = httpx.AsyncClient(**self._client_kwargs(kw))
        _wrap_transports(client, lambda t: AsyncRetryTransport(t, self.retry, self.asleep))
        return client

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

    # -- generated clients --------------------------------------------------------------------

    def adopt(
        self, client: httpx.Client | httpx.AsyncClient, base_url: str, auth: httpx.Auth | None
    ) -> None:
        """Make a caller's httpx client one of ours: ``base_url``, ``auth`` and the retrying
        transport are set on it (its other settings are kept)."""
        client.base_url = httpx.URL(base_url)
        if auth is not None:
            client.auth = auth
        if isinstance(client, httpx.Client):
            _wrap_transports(client, lambda t: RetryTransport(t, self.retry, self.sleep))
        else:
            _wrap_transports(client, lambda t: AsyncRetryTransport(t, self.retry, self.asleep))

    def api_client(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        sync: bool = True,
        asynchronous: bool = True,
    ) -> AuthenticatedClient:
        """A generated client for ``base_url`` whose httpx clients (sync and/or async) retry
        per :attr:`retry` and authenticate with ``auth``; pass it as ``client=`` to any
        generated operation. Close it with :func:`close_api_client`."""
        api = AuthenticatedClient(base_url=base_url, token="", prefix="")  # the auth flow signs
        kw: dict[str, Any] = {"base_url": base_url}
        if auth is not None:
            kw["auth"] = auth
        if sync:
            api.set_httpx_client(self.client(**kw))
        if asynchronous:
            api.set_async_httpx_client(self.async_client(**kw))
        return api


def close_api_client(api: AuthenticatedClient | Client) -> None:
    """Close the sync httpx client of a generated client (if it has one)."""
    if api._client is not None:
        api._client.close()


async def aclose_api_client(api: AuthenticatedClient | Client) -> None:
    """Close both httpx clients of a generated client."""
    close_api_client(api)
    if api._async_client is not None:
        await api._async_client.aclose()


def _wrap_transports(client: Any, wrap: Callable[[Any], Any]) -> None:
    """Put ``wrap`` around every transport of an httpx client: the default one and the
    proxy mounts httpx built from the environment (all must retry). Idempotent."""

    def once(t: Any) -> Any:
        return t if t is None or isinstance(t, RetryTransport | AsyncRetryTransport) else wrap(t)

    client._transport = once(client._transport)
    client._mounts = {pattern: once(t) for pattern, t in client._mounts.items()}
