"""A delaying TCP proxy on loopback: the cloud's round trip in front of a local service.

`DelayProxy(target_port, one_way_delay_s)` listens on 127.0.0.1 and forwards every
connection to `127.0.0.1:target_port` (the target must be a loopback address), holding
each chunk of bytes for `one_way_delay_s` in each direction before passing it on: 25 ms
gives a 50 ms round trip. It models latency only:

- order is kept (one FIFO per direction) and nothing else is throttled: a chunk is read
  as soon as it arrives and written when its own delay is up, however many are in
  flight, so the bandwidth is loopback's;
- a new connection pays `setup_round_trips` extra round trips before its first byte
  reaches the service (default 1, TCP's handshake: on loopback `connect()` returns at
  once, on the internet it takes a round trip; TLS would add one more), so a client that
  opens many connections pays for them as it would against the cloud;
- an end of stream (half close) is forwarded after the same delay; a reset closes both
  sides.

It is bounded: at most `max_connections` at a time (more are closed on accept) and at
most `max_buffered_bytes` held per direction (the reader then waits: TCP back-pressure).
Both sockets of a connection get TCP_NODELAY, so the proxy's writes are never held back
by Nagle's algorithm.

`ProxyThread` runs one in a background thread (the benchmark runner and the tests use
it); `python -m bench._proxy --target-port P --delay-ms 25` runs one in the foreground,
printing `{"port": ...}` once it listens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import socket
import sys
import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

__all__ = ["DelayProxy", "ProxyThread"]

LOOPBACK = "127.0.0.1"
CHUNK = 65_536


def _check_loopback(host: str) -> None:
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the delaying proxy forwards to loopback only, not {host!r}")


def _no_delay(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Direction:
    """One direction of one connection: a FIFO of (due time, chunk), b"" for the end."""

    def __init__(self, max_buffered: int) -> None:
        self.queue: deque[tuple[float, bytes]] = deque()
        self.buffered = 0
        self.max_buffered = max_buffered
        self.changed = asyncio.Event()  # a chunk was queued or one was written

    async def pump_in(self, reader: asyncio.StreamReader, delay: float, not_before: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while self.buffered >= self.max_buffered:
                self.changed.clear()
                await self.changed.wait()
            data = await reader.read(CHUNK)
            self.queue.append((max(loop.time() + delay, not_before), data))
            self.buffered += len(data)
            self.changed.set()
            if not data:
                return

    async def pump_out(self, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        while True:
            while not self.queue:
                self.changed.clear()
                await self.changed.wait()
            due, data = self.queue[0]
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self.queue.popleft()
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()
            self.buffered -= len(data)
            self.changed.set()


class DelayProxy:
    """The proxy on the running event loop (see the module docstring)."""

    def __init__(
        self,
        target_port: int,
        one_way_delay_s: float,
        *,
        target_host: str = LOOPBACK,
        setup_round_trips: int = 1,
        max_connections: int = 256,
        max_buffered_bytes: int = 8 * 1024 * 1024,
    ) -> None:
        _check_loopback(target_host)
        if one_way_delay_s < 0 or setup_round_trips < 0:
            raise ValueError("delays must be >= 0")
        if max_connections < 1 or max_buffered_bytes < 1:
            raise ValueError("max_connections and max_buffered_bytes must be >= 1")
        self.target = (target_host, target_port)
        self.delay = one_way_delay_s
        self.setup_s = 2 * one_way_delay_s * setup_round_trips
        self.max_connections = max_connections
        self.max_buffered = max_buffered_bytes
        self.connections = 0  # open now
        self.accepted = 0  # ever
        self.refused = 0  # closed on accept: over max_connections
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, port: int = 0) -> int:
        """Listen on 127.0.0.1 (`port` 0: a free one); the port."""
        self._server = await asyncio.start_server(self._accept, LOOPBACK, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening and drop every open connection."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if self.connections >= self.max_connections:
            self.refused += 1
            writer.close()
            return
        self.connections += 1
        self.accepted += 1
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except asyncio.CancelledError:
            pass  # `close` dropped it
        finally:
            self.connections -= 1
            self._tasks.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        # the handshake's round trips, then the first byte's own way
        first_byte = loop.time() + self.setup_s + self.delay
        _no_delay(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        _no_delay(up_writer)
        upstream, downstream = _Direction(self.max_buffered), _Direction(self.max_buffered)
        pumps = [
            asyncio.ensure_future(upstream.pump_in(reader, self.delay, first_byte)),
            asyncio.ensure_future(upstream.pump_out(up_writer)),
            asyncio.ensure_future(downstream.pump_in(up_reader, self.delay, first_byte)),
            asyncio.ensure_future(downstream.pump_out(writer)),
        ]
        try:
            await asyncio.gather(*pumps)
        except (OSError, asyncio.IncompleteReadError):
            pass  # a reset on either side: both are closed below
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            for side in (writer, up_writer):
                side.close()
                with contextlib.suppress(OSError, ConnectionError):
                    await side.wait_closed()


class ProxyThread:
    """A `DelayProxy` on an event loop of its own in a daemon thread; a context manager.

    `url` is `http://127.0.0.1:PORT/` (a service's base URL through the proxy)."""

    def __init__(self, target_port: int, one_way_delay_s: float, **kw: Any) -> None:
        self.proxy = DelayProxy(target_port, one_way_delay_s, **kw)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="delay-proxy")
        self._thread.daemon = True
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/"

    def __enter__(self) -> ProxyThread:
        self._thread.start()
        self.port = asyncio.run_coroutine_threadsafe(self.proxy.start(), self._loop).result(30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self.proxy.close(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()


async def _serve_forever(args: argparse.Namespace) -> None:
    proxy = DelayProxy(args.target_port, args.delay_ms / 1e3, target_host=args.target_host)
    port = await proxy.start(args.port)
    print(json.dumps({"port": port}), flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await proxy.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench._proxy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target-port", type=int, required=True)
    parser.add_argument("--target-host", default=LOOPBACK)
    parser.add_argument("--delay-ms", type=float, default=25.0, help="one way (default 25)")
    parser.add_argument("--port", type=int, default=0, help="listen port (default: a free one)")
    args = parser.parse_args(argv)
    try:
        _check_loopback(args.target_host)
        asyncio.run(_serve_forever(args))
    except ValueError as exc:
        print(f"bench._proxy: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
