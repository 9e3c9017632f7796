"""The bench's delaying TCP proxy (`scripts/bench/_proxy.py`) in front of a real loopback
server: bytes arrive intact and in order, each direction is held for at least its delay
(a lower bound: the proxy can only add time, so this never depends on the machine's
speed), a new connection pays its handshake round trip, and it forwards to loopback only.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from bench._proxy import DelayProxy, ProxyThread

DELAY = 0.05  # one way


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        part = sock.recv(min(65_536, n - got))
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


@contextmanager
def _server(handler: object) -> Iterator[int]:
    """A loopback TCP server running `handler(conn)` per connection in a thread."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    threads: list[threading.Thread] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=handler, args=(conn,), daemon=True)  # type: ignore[arg-type]
            thread.start()
            threads.append(thread)

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield port
    finally:
        listener.close()
        for thread in threads:
            thread.join(10)


def _echo(conn: socket.socket) -> None:
    with conn:
        while data := conn.recv(65_536):
            conn.sendall(data)


def test_bytes_go_through_both_ways_intact_and_in_order() -> None:
    payload = os.urandom(3 * 1024 * 1024) + b"".join(b"%08d" % i for i in range(20_000))
    with _server(_echo) as port, ProxyThread(port, 0.005) as proxy:
        client = socket.create_connection(("127.0.0.1", proxy.port))
        with client:
            sender = threading.Thread(target=client.sendall, args=(payload,))
            sender.start()
            echoed = _recv_exactly(client, len(payload))
            sender.join()
            client.shutdown(socket.SHUT_WR)  # the end of stream is forwarded too
            assert client.recv(1) == b""
    assert echoed == payload


def test_each_direction_is_delayed_and_a_new_connection_pays_its_handshake() -> None:
    arrived: dict[str, float] = {}
    ready = threading.Event()

    def stamp_then_answer(conn: socket.socket) -> None:
        with conn:
            assert conn.recv(5) == b"hello"
            arrived["request"] = time.monotonic()
            ready.wait(10)
            arrived["answer_sent"] = time.monotonic()
            conn.sendall(b"world")
            assert conn.recv(4) == b"more"
            arrived["more"] = time.monotonic()
            conn.sendall(b"!")

    with _server(stamp_then_answer) as port, ProxyThread(port, DELAY) as proxy:
        connected = time.monotonic()  # before the proxy can accept
        client = socket.create_connection(("127.0.0.1", proxy.port))
        with client:
            client.sendall(b"hello")
            while "request" not in arrived:  # the request reached the service
                time.sleep(0.001)
            # client -> service: one way plus the handshake's round trip
            assert arrived["request"] - connected >= DELAY + 2 * DELAY
            ready.set()
            assert _recv_exactly(client, 5) == b"world"
            received = time.monotonic()
            assert received - arrived["answer_sent"] >= DELAY  # service -> client
            sent = time.monotonic()
            client.sendall(b"more")
            assert _recv_exactly(client, 1) == b"!"
            # a round trip on an open connection: both ways, no handshake again
            assert arrived["more"] - sent >= DELAY
            assert time.monotonic() - sent >= 2 * DELAY
        assert proxy.proxy.accepted == 1


def test_without_setup_round_trips_the_first_byte_waits_one_way_only() -> None:
    arrived: list[float] = []

    def stamp(conn: socket.socket) -> None:
        with conn:
            conn.recv(1)
            arrived.append(time.monotonic())

    with _server(stamp) as port, ProxyThread(port, DELAY, setup_round_trips=0) as proxy:
        client = socket.create_connection(("127.0.0.1", proxy.port))
        with client:
            sent = time.monotonic()
            client.sendall(b"x")
            assert client.recv(1) == b""  # the service closed after its stamp
    assert arrived[0] - sent >= DELAY


def test_connections_over_the_limit_are_closed() -> None:
    hold = threading.Event()

    def held(conn: socket.socket) -> None:
        with conn:
            hold.wait(10)

    with _server(held) as port, ProxyThread(port, 0.0, max_connections=1) as proxy:
        first = socket.create_connection(("127.0.0.1", proxy.port))
        first.sendall(b"x")
        while proxy.proxy.accepted < 1:
            time.sleep(0.001)
        second = socket.create_connection(("127.0.0.1", proxy.port))
        assert second.recv(1) == b""  # closed at once
        assert proxy.proxy.refused == 1
        hold.set()
        first.close()
        second.close()


@pytest.mark.parametrize("host", ["10.0.0.1", "example.com", "0.0.0.0"])  # noqa: S104
def test_only_loopback_targets_are_accepted(host: str) -> None:
    with pytest.raises(ValueError, match="loopback only"):
        DelayProxy(80, DELAY, target_host=host)


def test_negative_delays_are_refused() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        DelayProxy(80, -0.1)
