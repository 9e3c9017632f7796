"""A truncating HTTP/1.1 proxy on loopback: a bad network that loses replies after the
service acted.

`TruncatingProxy(target_port, seed=...)` forwards each request whole to the service and
reads its whole reply; then, drawn from `random.Random(seed)` per reply:

- with probability `truncate`, it forwards the reply's head and part of its body (from none
  to all but one byte) and closes the connection: httpx's `RemoteProtocolError: peer closed
  connection without sending complete message body`;
- with probability `drop`, it closes the connection without forwarding any of the reply
  ("Server disconnected without sending a response");
- otherwise it forwards the reply.

It understands just enough HTTP for the local service (bodies framed by Content-Length, no
chunked replies, no upgrades). `faults` lists (kind, method, path) per injected fault.
Unlike `scripts/bench/_proxy.py` (a latency model, byte-level), it works message by
message, because it must know where a reply's body starts and ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading

__all__ = ["TruncatingProxy"]

LOOPBACK = "127.0.0.1"
_MAX_HEAD = 64 * 1024


async def _read_message(reader: asyncio.StreamReader) -> tuple[bytes, bytes] | None:
    """One HTTP/1.1 message (head, body) framed by Content-Length; None at a clean end."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None
    if len(head) > _MAX_HEAD:
        raise ValueError("message head too large")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"transfer-encoding":
            raise ValueError("chunked messages are not supported by this proxy")
        if name == b"content-length":
            length = int(value.strip())
    return head, await reader.readexactly(length)


def _request_line(head: bytes) -> tuple[str, str]:
    method, path, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
    return method, path.split("?", 1)[0]


class TruncatingProxy:
    """The proxy on an event loop of its own in a daemon thread; a context manager."""

    TRUNCATED = "truncated"
    DROPPED = "dropped"

    def __init__(
        self, target_port: int, *, seed: int, truncate: float = 0.2, drop: float = 0.05
    ) -> None:
        self.target_port = target_port
        self.truncate = truncate
        self.drop = drop
        self.faults: list[tuple[str, str, str]] = []
        self.replies = 0
        self._random = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="truncating-proxy")
        self._thread.daemon = True
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}/"

    def __enter__(self) -> TruncatingProxy:
        self._thread.start()
        self.port = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._accept, LOOPBACK, 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        up_writer: asyncio.StreamWriter | None = None
        try:
            up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.target_port)
            while await self._exchange(reader, up_reader, up_writer, writer):
                pass
        except (OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # either side went away: both are closed below
        finally:
            self._tasks.discard(task)
            for side in (writer, up_writer):
                if side is not None:
                    side.close()
                    with contextlib.suppress(OSError, ConnectionError, asyncio.CancelledError):
                        await side.wait_closed()

    async def _exchange(
        self,
        reader: asyncio.StreamReader,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Forward one request and its reply (or a fault); whether to go on."""
        request = await _read_message(reader)
        if request is None:
            return False
        up_writer.write(b"".join(request))
        await up_writer.drain()
        reply = await _read_message(up_reader)
        if reply is None:
            return False
        self.replies += 1
        head, body = reply
        draw = self._random.random()
        method, path = _request_line(request[0])
        if draw < self.drop:
            self.faults.append((self.DROPPED, method, path))
            return False
        if draw < self.drop + self.truncate:
            self.faults.append((self.TRUNCATED, method, path))
            writer.write(head + body[: self._random.randrange(max(len(body), 1))])
            await writer.drain()
            return False
        writer.write(head + body)
        await writer.drain()
        return True
