"""In-process fault injectors placed between the SDK and the real local service."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from quantinuum_api._sync import LoopThread

#: Decides what to do with a request: None forwards it, a Response replaces the reply
#: (the request is still forwarded when `forward_first` says so).
Fault = Callable[[httpx.Request, int], httpx.Response | None]


class FaultTransport(httpx.AsyncBaseTransport):
    """Forwards to the real service, except where `fault` injects a reply.

    `seen` records every request; `forwarded_replies` what the service really answered to
    requests whose reply was replaced after forwarding (`forward_then_fail`).
    """

    def __init__(self, fault: Fault, *, forward_then_fail: bool = False) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._fault = fault
        self._forward_then_fail = forward_then_fail
        self.seen: list[httpx.Request] = []
        self.forwarded_replies: list[Any] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        injected = self._fault(request, len(self.seen))
        if injected is None:
            return await self._inner.handle_async_request(request)
        if self._forward_then_fail:  # the service acted, but the reply is lost
            real = await self._inner.handle_async_request(request)
            await real.aread()
            self.forwarded_replies.append(real.json())
        return injected

    async def aclose(self) -> None:
        await self._inner.aclose()


class SeededFaults(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """A flaky network between the SDK and the real service (sync and async): each request
    fails with probability `rate`, drawn from `random.Random(seed)` so a run is repeatable.

    Half the faults are "refused": the connection fails before anything is sent (the
    service never sees the request). The other half are "reply lost": the request is
    forwarded, the service acts on it, and then the connection drops before its reply
    arrives. `injected` lists (kind, method, path) per fault; `seen` every request sent.
    """

    REFUSED = "refused"
    REPLY_LOST = "reply lost"

    def __init__(self, rate: float, *, seed: int) -> None:
        self.rate = rate
        self._random = random.Random(seed)
        self._guard = threading.Lock()
        self._sync = httpx.HTTPTransport()
        self._async = httpx.AsyncHTTPTransport()
        self.seen: list[httpx.Request] = []
        self.injected: list[tuple[str, str, str]] = []

    def _decide(self, request: httpx.Request) -> str | None:
        with self._guard:
            self.seen.append(request)
            draw = self._random.random()
            kind = None
            if draw < self.rate:
                kind = self.REFUSED if draw < self.rate / 2 else self.REPLY_LOST
                self.injected.append((kind, request.method, request.url.path))
            return kind

    @staticmethod
    def _refused(request: httpx.Request) -> httpx.ConnectError:
        return httpx.ConnectError("injected: connection refused", request=request)

    @staticmethod
    def _lost(request: httpx.Request) -> httpx.RemoteProtocolError:
        return httpx.RemoteProtocolError(
            "injected: server disconnected without sending a response", request=request
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        kind = self._decide(request)
        if kind == self.REFUSED:
            raise self._refused(request)
        response = self._sync.handle_request(request)
        if kind == self.REPLY_LOST:
            response.read()
            response.close()
            raise self._lost(request)
        return response

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        kind = self._decide(request)
        if kind == self.REFUSED:
            raise self._refused(request)
        response = await self._async.handle_async_request(request)
        if kind == self.REPLY_LOST:
            await response.aread()
            await response.aclose()
            raise self._lost(request)
        return response

    def close(self) -> None:
        self._sync.close()

    async def aclose(self) -> None:
        await self._async.aclose()


class WebsocketProxy:
    """A websocket relay to `upstream` that can drop connections after the first message.

    `drop_first` connections are cut (TCP abort) right after relaying the service's first
    job document; later connections are relayed until either side closes.
    """

    def __init__(self, upstream: str, *, drop_first: int = 0, corrupt: Sequence[str] = ()) -> None:
        self.upstream = upstream
        self.drop_first = drop_first
        self.corrupt = list(corrupt)
        self.connections = 0
        self.request_headers: list[dict[str, str]] = []
        self.client_closed = threading.Event()
        self.relayed = threading.Event()
        self._loop = LoopThread("ws-proxy")
        self._server: Any = None
        self.url = ""

    def __enter__(self) -> WebsocketProxy:
        async def start() -> None:
            self._server = await serve(self._handle, "127.0.0.1", 0)
            port = self._server.sockets[0].getsockname()[1]
            self.url = f"ws://127.0.0.1:{port}/v1/"

        self._loop.run(start())
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            self._server.close()
            await self._server.wait_closed()

        self._loop.run(stop())
        self._loop.stop()

    async def _handle(self, client: ServerConnection) -> None:
        self.connections += 1
        number = self.connections
        # Marks the SDK's side closed as soon as it is, not after the upstream teardown
        # (whose close handshake with the service may take longer than a test waits).
        watcher = asyncio.ensure_future(self._mark_closed(client))
        if client.request is not None:
            self.request_headers.append(dict(client.request.headers.raw_items()))
        try:
            if number <= len(self.corrupt):  # what the SDK must survive
                what = self.corrupt[number - 1]
                hello = json.loads(await client.recv())
                if what == "bad-ticket":  # the real service rejects it
                    async with connect(self.upstream) as upstream:
                        await upstream.send(json.dumps({**hello, "task_token": "forged"}))
                        await client.send(await upstream.recv())
                        await client.close()
                else:
                    await client.send(what)
                return
            async with connect(self.upstream) as upstream:
                await upstream.send(await client.recv())
                await client.send(await upstream.recv())
                self.relayed.set()
                if number <= self.drop_first:
                    client.transport.abort()
                    return
                relay = asyncio.ensure_future(self._relay(upstream, client))
                closed = asyncio.ensure_future(client.wait_closed())
                await asyncio.wait({relay, closed}, return_when=asyncio.FIRST_COMPLETED)
                relay.cancel()
        except ConnectionClosed:
            pass
        finally:
            await client.wait_closed()
            await watcher

    async def _mark_closed(self, client: ServerConnection) -> None:
        await client.wait_closed()
        self.client_closed.set()

    @staticmethod
    async def _relay(upstream: Any, client: ServerConnection) -> None:
        async for message in upstream:
            await client.send(message)
