"""Slow clients in a process of their own (so their work does not share the test's GIL
with the service): `python -m tests.security._slowloris PORT COUNT`.

Keeps COUNT slow connections to 127.0.0.1:PORT open at all times (from 127.0.0.2): half
trickle header lines, half a body, one piece every `TRICKLE` s; each connection is counted
when the service closes it, and replaced. Prints `ready` once COUNT are open and `cycled`
once COUNT more were opened (every first one was closed by the service); on a `stop`
line on stdin, stops opening new ones, waits for the service to close the open ones and
prints one JSON line: `opened`, `closed_by_server`, and the `replies` read before each
close.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys

TRICKLE = 0.2


class Slow:
    def __init__(self, port: int, count: int) -> None:
        self.port = port
        self.count = count
        self.opened = 0
        self.closed_by_server = 0
        self.replies: list[str] = []
        self.stop = asyncio.Event()

    def _opened(self) -> None:
        self.opened += 1
        if self.opened in (self.count, 2 * self.count):
            print("ready" if self.opened == self.count else "cycled", flush=True)

    async def keep_one(self, body: bool) -> None:
        while not self.stop.is_set():
            await self._one(body)

    async def _one(self, body: bool) -> None:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", self.port, local_addr=("127.0.0.2", 0)
        )
        self._opened()
        if body:  # a complete head, then a body of 10,000 bytes a byte at a time
            writer.write(
                b"POST /v1/job HTTP/1.1\r\nHost: qapi\r\nContent-Type: application/json\r\n"
                b"Content-Length: 10000\r\n\r\n"
            )
        else:  # a head that never ends
            writer.write(b"GET /v1/machine/ HTTP/1.1\r\nHost: qapi\r\n")
        reply = asyncio.ensure_future(reader.read())  # everything until the service closes
        try:
            while not reply.done():
                with contextlib.suppress(OSError):
                    writer.write(b"x" if body else b"X-Slow: 1\r\n")
                    await writer.drain()
                await asyncio.wait({reply}, timeout=TRICKLE)
            self.replies.append(reply.result().decode("latin-1"))
            self.closed_by_server += 1
        except OSError:  # a reset: closed by the service too
            self.closed_by_server += 1
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def main(port: int, count: int) -> None:
    slow = Slow(port, count)
    workers = [asyncio.ensure_future(slow.keep_one(body=i % 2 == 1)) for i in range(count)]
    loop = asyncio.get_running_loop()
    while (await loop.run_in_executor(None, sys.stdin.readline)).strip() != "stop":
        pass
    slow.stop.set()
    await asyncio.gather(*workers)
    print(json.dumps(vars(slow) | {"stop": None}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
