"""`uvicorn_config`: how `qapi serve` and `LocalServer` run the app under uvicorn, with the
limits that keep slow or many clients from holding the service.

- **Header timeout** (`ServerSettings.header_timeout`): a connection must deliver a
  request's head (request line and headers) within this many seconds of its first byte,
  and a new connection its first head within as long of connecting; otherwise it gets
  `408` (error code 10) and is closed. uvicorn has no such timeout (its keep-alive timer
  stops at the first byte), so a slowloris client trickling header lines held a connection
  for ever. `_GuardedHttpTools`, a subclass of uvicorn's httptools protocol, adds it.
- **Body timeout** (`ServerSettings.body_timeout`): a request's whole body must arrive
  within this many seconds of its head; otherwise `408` (error code 10) and the connection
  is closed. `BodyDeadline`, an ASGI middleware, reads the body (up to `max_body_bytes`
  + 1 bytes: a larger one is the app's 413) before the app sees the request, so the app
  never waits on a client.
- **Connection cap** (`ServerSettings.max_connections`): a request on a connection
  beyond the cap (open HTTP connections count, this one included) is answered `503`
  (error code 29, `Retry-After: 1`) and its connection closed; the SDK retries it. It is
  uvicorn's `limit_concurrency` check, made by the protocol so the reply carries the
  error document (uvicorn's is plain text). Slow connections count too: the header
  timeout is what frees their places.
- **Websocket compression at zlib level 1** (`_FastDeflateWebSockets`): uvicorn's
  websockets-sansio protocol with the same permessage-deflate offer (12-bit windows,
  `memLevel` 5) but zlib's fastest level instead of its default (6). A job document costs
  ~6x less to compress (a 2.8 KB one: 139 -> 24 us; a 600 KB one: 49 -> 6.8 ms) for output
  ~25% larger (0.24 of the input instead of 0.18 on results), and it is on the path of
  every pushed final document.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

from ._errors import INVALID_REQUEST, TOO_MANY, error_body
from ._settings import ServerSettings

__all__ = ["BodyDeadline", "uvicorn_config"]

#: zlib level of the websocket's permessage-deflate (see the module docstring).
WS_COMPRESSION_LEVEL = 1


def _timeout_body(text: str) -> bytes:
    return json.dumps(error_body(INVALID_REQUEST, text)).encode()


def _timeout_headers(body: bytes) -> list[tuple[bytes, bytes]]:
    """The headers of a 408 reply carrying `body`; the connection closes after it."""
    return [
        (b"content-type", b"application/json"),
        (b"connection", b"close"),
        (b"content-length", str(len(body)).encode()),
    ]


class _GuardedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline on each request's head."""

    header_timeout = 10.0  # these two are set per service by `uvicorn_config` (a subclass)
    max_connections = 1000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()  # a connection that sends nothing is as slow as one that trickles

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_timer is None:  # the next request on a kept-alive connection
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        if len(self.connections) <= self.max_connections:
            super().on_headers_complete()
            return
        # Over the cap: the parent runs `self.app` for this request; ours answers 503.
        app, self.app = self.app, _over_capacity
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    def _arm(self) -> None:
        self._head_timer = self.loop.call_later(self.header_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _too_slow(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        body = _timeout_body(f"Request headers not received within {self.header_timeout:g} s")
        head = b"".join(name + b": " + value + b"\r\n" for name, value in _timeout_headers(body))
        self.transport.write(b"HTTP/1.1 408 Request Timeout\r\n" + head + b"\r\n" + body)
        self.transport.close()


class _FastDeflateWebSockets(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol, compressing at `WS_COMPRESSION_LEVEL`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.config.ws_per_message_deflate:  # uvicorn's offer, with a faster level
            self.conn.available_extensions = [
                ServerPerMessageDeflateFactory(
                    server_max_window_bits=12,
                    client_max_window_bits=12,
                    compress_settings={"memLevel": 5, "level": WS_COMPRESSION_LEVEL},
                )
            ]


async def _over_capacity(scope: Scope, receive: Receive, send: Send) -> None:
    """The reply to a request beyond `max_connections`: 503, code 29, retry in 1 s."""
    body = json.dumps(error_body(TOO_MANY, "Too many open connections; retry later")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"retry-after", b"1"),
        (b"connection", b"close"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyDeadline:
    """ASGI middleware: an HTTP request's body is read whole within `timeout` seconds, or
    the reply is 408 (error code 10) and the connection closes; then the app gets it."""

    def __init__(self, app: ASGIApp, timeout: float, max_body_bytes: int) -> None:
        self.app = app
        self.timeout = timeout
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self._declared_too_large(scope):
            await self.app(scope, receive, send)  # a declared oversize body: the app's 413
            return
        messages: list[Message] = []
        try:
            async with asyncio.timeout(self.timeout):
                await self._read(receive, messages)
        except TimeoutError:
            await self._refuse(send)
            return
        await self.app(scope, _replay(messages, receive), send)

    def _declared_too_large(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"content-length":
                return value.isdigit() and int(value) > self.max_body_bytes
        return False

    async def _read(self, receive: Receive, messages: list[Message]) -> None:
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":  # the client left
                return
            size += len(message.get("body", b""))
            if not message.get("more_body", False) or size > self.max_body_bytes:
                return

    async def _refuse(self, send: Send) -> None:
        body = _timeout_body(f"Request body not received within {self.timeout:g} s")
        headers = _timeout_headers(body)
        await send({"type": "http.response.start", "status": 408, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _replay(messages: list[Message], receive: Receive) -> Callable[[], Any]:
    """A `receive` that returns `messages`, then defers to the real one."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def uvicorn_config(app: Any, settings: ServerSettings, **kwargs: Any) -> uvicorn.Config:
    """The uvicorn configuration of the service `app` (see the module docstring); `kwargs`
    are uvicorn's other settings (log level, graceful shutdown, ...)."""
    limits = {
        "header_timeout": settings.header_timeout,
        "max_connections": settings.max_connections,
    }
    protocol = type("GuardedHttpTools", (_GuardedHttpTools,), limits)
    return uvicorn.Config(
        BodyDeadline(app, settings.body_timeout, settings.max_body_bytes),
        http=protocol,
        ws=_FastDeflateWebSockets,
        timeout_keep_alive=settings.keep_alive,
        **kwargs,
    )
