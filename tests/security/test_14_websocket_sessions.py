"""Round 2, item 2: open websockets end with their session, tickets are single-use, and a
user holds a bounded number of subscriptions.

Before: a logged-out user's websocket kept streaming to the final result, and one ticket
opened 200 parallel subscriptions to one job. Now logout, a password reset,
`qapi server revoke-sessions` (another process: found by the periodic check), a refresh
token replay and the session's end close open websockets with code 4001 (after an error
message, code 20); a ticket opens one websocket; one more subscription than
`max_user_subscriptions` is refused with code 4029 (after an error message, code 29)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from websockets.sync.client import ClientConnection, connect

from quantinuum_api_server import _cli
from quantinuum_api_server._subscriptions import SESSION_ENDED, TOO_MANY_SUBSCRIPTIONS
from quantinuum_api_server.testing import LocalServer, fast_settings
from tests.programs import BELL

from .conftest import PASSWORD, client, login, new_user, refresh

CAP = 5
#: 10-shot chunks 200 ms apart: a job of 10,000 shots runs for minutes, never ending
#: during a test (the server's stop ends it).
SETTINGS = fast_settings(
    chunk_shots=10,
    chunk_growth=1.0,
    chunk_delay=0.2,
    max_user_subscriptions=CAP,
    websocket_session_check=0.2,
)
LONG_JOB = {"machine": "H1-1E", "language": "OPENQASM 2.0", "program": BELL, "count": 10_000}


@pytest.fixture(scope="module")
def ws_server() -> Iterator[LocalServer]:
    with LocalServer(settings=SETTINGS) as running:
        yield running


class User:
    def __init__(self, server: LocalServer) -> None:
        self.server = server
        self.sockets = contextlib.ExitStack()  # left open: the service closes them
        self.http = client(server)
        self.email, _ = new_user(server)
        self.pair = login(self.http, email=self.email, password=PASSWORD).json()
        self.job = self.http.post("v1/job", json=LONG_JOB, headers=self.headers).json()["job"]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.pair["id-token"]}

    def ticket(self) -> dict[str, Any]:
        doc = self.http.get(
            f"v1/job/{self.job}", params={"websocket": "true"}, headers=self.headers
        ).json()
        return {"action": "OpenConnection", **doc["websocket"]}

    def subscribe(self, ticket: dict[str, Any] | None = None) -> ClientConnection:
        """An open subscription whose first document has arrived."""
        socket = self.sockets.enter_context(connect(self.server.ws_url, open_timeout=10))
        socket.send(json.dumps(ticket or self.ticket()))
        first = json.loads(socket.recv(timeout=30))
        assert first.get("job") == self.job, first
        return socket


def _until_closed(socket: ClientConnection) -> tuple[list[dict[str, Any]], int | None]:
    """The messages received until the service closed `socket`, and its close code."""
    messages = []
    try:
        while True:
            messages.append(json.loads(socket.recv(timeout=60)))
    except websockets.ConnectionClosed as closed:
        return messages, None if closed.rcvd is None else closed.rcvd.code


def _ended_by_session(socket: ClientConnection) -> None:
    messages, code = _until_closed(socket)
    assert code == SESSION_ENDED
    assert messages[-1]["error"]["code"] == 20, messages[-1]
    assert all(m.get("status") != "completed" for m in messages)


def test_logout_closes_the_sessions_websockets(ws_server: LocalServer) -> None:
    user = User(ws_server)
    other = login(user.http, email=user.email, password=PASSWORD).json()  # another session
    sockets = [user.subscribe() for _ in range(2)]
    user.pair, keep = other, user.pair
    kept = user.subscribe()  # in the other session
    assert user.http.post("v1/logout", headers={"Authorization": keep["id-token"]}).is_success
    for socket in sockets:
        _ended_by_session(socket)
    kept.ping().wait(10)  # the other session's websocket is still open
    kept.close()


def test_a_password_reset_closes_websockets(ws_server: LocalServer) -> None:
    user = User(ws_server)
    socket = user.subscribe()
    ws_server.add_user(user.email, "a new password")
    _ended_by_session(socket)


def test_revoke_sessions_from_another_process_closes_websockets(
    ws_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = User(ws_server)
    socket = user.subscribe()
    parser = argparse.ArgumentParser(prog="qapi")
    _cli.register_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(
        ["server", "revoke-sessions", user.email, "--db", str(ws_server.db_path)]
    )
    monkeypatch.setattr(_cli, "ServerSettings", lambda: ws_server.settings)
    assert args.handler(args) == 0  # its own Store: the running service is not told
    _ended_by_session(socket)


def test_a_refresh_token_replay_closes_the_familys_websockets(ws_server: LocalServer) -> None:
    user = User(ws_server)
    spent = user.pair["refresh-token"]
    user.pair = refresh(user.http, spent).json()
    socket = user.subscribe()
    assert refresh(client(ws_server, "127.0.0.2"), spent).status_code == 400
    _ended_by_session(socket)


def test_the_end_of_a_session_closes_its_websockets() -> None:
    with LocalServer(settings=SETTINGS.replace(session_lifetime=2)) as server:
        socket = User(server).subscribe()
        _ended_by_session(socket)


def test_a_ticket_opens_one_websocket_even_in_parallel(ws_server: LocalServer) -> None:
    user = User(ws_server)
    ticket = json.dumps(user.ticket())

    async def attempt() -> Any:
        async with websockets.connect(ws_server.ws_url, open_timeout=30) as socket:
            await socket.send(ticket)
            return json.loads(await socket.recv())

    async def main() -> list[Any]:
        return await asyncio.gather(*(attempt() for _ in range(100)))

    replies = asyncio.run(main())
    accepted = [r for r in replies if r.get("job") == user.job]
    refused = [r for r in replies if r.get("error", {}).get("code") == 20]
    assert (len(accepted), len(refused)) == (1, 99)
    assert "already used" in refused[0]["error"]["text"]


def test_subscriptions_per_user_are_capped(ws_server: LocalServer) -> None:
    user, other = User(ws_server), User(ws_server)
    sockets = [user.subscribe() for _ in range(CAP)]
    with connect(ws_server.ws_url, open_timeout=10) as extra:
        extra.send(json.dumps(user.ticket()))
        messages, code = _until_closed(extra)
    assert code == TOO_MANY_SUBSCRIPTIONS
    assert [m["error"]["code"] for m in messages] == [29]
    assert f"limit {CAP}" in messages[0]["error"]["text"]
    other.subscribe().close()  # another user is not held back
    sockets.pop().close()
    _wait_for_free_slot(user)
    for socket in sockets:
        socket.close()


def _wait_for_free_slot(user: User) -> None:
    """A closed subscription frees its slot once the service saw the close: a new one
    is accepted then (its handshake follows the close of the previous one)."""
    for _ in range(100):
        with connect(user.server.ws_url, open_timeout=10) as socket:
            socket.send(json.dumps(user.ticket()))
            first = json.loads(socket.recv(timeout=30))
        if first.get("job") == user.job:
            return
        assert first["error"]["code"] == 29
    raise AssertionError("the closed subscription's slot was never freed")
