"""Round 2, item 1: a retry of a lost refresh reply never forks a session.

A spent refresh token presented again within `refresh_grace` seconds, from the address
that spent it, while its successor was never spent, is a retry: it gets the *same* pair.
Any other presentation (the successor was already spent, or another address) is a
replay: the whole family ends, every branch with its id tokens and websocket tickets.
The attack of the issue (a thief replays the token inside the window and takes the
session over, locking the owner out) gets nothing and ends the session for both."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import httpx
from websockets.sync.client import connect

from quantinuum_api_server.testing import LocalServer, fast_settings
from tests.programs import BELL

from .conftest import PASSWORD, at_once, authorized, client, login, new_user, refresh

PARALLEL = 20
#: 10-shot chunks 50 ms apart: the job runs long enough to be given a websocket ticket.
SLOW = fast_settings(chunk_shots=10, chunk_growth=1.0, chunk_delay=0.05)
SLOW_JOB = {"machine": "H1-1E", "language": "OPENQASM 2.0", "program": BELL, "count": 1000}


def _pairs(replies: list[httpx.Response]) -> set[tuple[str, str]]:
    assert {r.status_code for r in replies} <= {200, 400}, [r.text for r in replies]
    return {(r.json()["id-token"], r.json()["refresh-token"]) for r in replies if r.is_success}


def _ticket(server: LocalServer, http: httpx.Client, id_token: str) -> dict[str, Any]:
    headers = {"Authorization": id_token}
    job = http.post("v1/job", json=SLOW_JOB, headers=headers).json()["job"]
    doc = http.get(f"v1/job/{job}", params={"websocket": "true"}, headers=headers).json()
    assert "websocket" in doc, doc
    return dict(doc["websocket"])


def _ticket_refused(server: LocalServer, ticket: dict[str, Any]) -> bool:
    with connect(server.ws_url, open_timeout=10) as socket:
        socket.send(json.dumps({"action": "OpenConnection", **ticket}))
        message = json.loads(socket.recv(timeout=10))
    return bool(message.get("error", {}).get("code") == 20)


def test_parallel_presentations_of_one_token_get_one_pair(server: LocalServer) -> None:
    email, _ = new_user(server)
    clients = [client(server) for _ in range(PARALLEL)]
    for http in clients:
        http.get("openapi.json")  # connections open before the race
    first = login(clients[0], email=email, password=PASSWORD).json()
    replies = at_once([partial(refresh, http, first["refresh-token"]) for http in clients])
    pairs = _pairs(replies)
    assert len(pairs) == 1, f"{len(pairs)} distinct pairs from one token"
    ((id_token, successor),) = pairs
    assert authorized(clients[0], id_token)
    assert refresh(clients[0], successor).status_code == 200  # the one branch goes on


def test_a_lost_reply_is_recovered_with_the_same_pair(server: LocalServer) -> None:
    http = client(server)
    email, _ = new_user(server)
    first = login(http, email=email, password=PASSWORD).json()
    lost = refresh(http, first["refresh-token"])  # the client never sees this reply
    retried = refresh(http, first["refresh-token"])
    assert (lost.status_code, retried.status_code) == (200, 200)
    assert retried.json() == lost.json()
    pair = retried.json()
    for _ in range(3):
        reply = refresh(http, pair["refresh-token"])
        assert reply.status_code == 200
        pair = reply.json()
    assert authorized(http, pair["id-token"])


def test_a_replay_after_the_owner_refreshed_ends_the_family() -> None:
    with LocalServer(settings=SLOW) as server:
        owner, thief = client(server), client(server)
        email, _ = new_user(server)
        first = login(owner, email=email, password=PASSWORD).json()
        second = refresh(owner, first["refresh-token"]).json()
        third = refresh(owner, second["refresh-token"]).json()  # the successor was spent
        ticket = _ticket(server, owner, third["id-token"])
        # Inside the grace window, from the owner's own address: still a replay.
        assert refresh(thief, first["refresh-token"]).status_code == 400
        assert refresh(thief, second["refresh-token"]).status_code == 400
        for pair in (first, second, third):
            assert not authorized(owner, pair["id-token"])
        assert refresh(owner, third["refresh-token"]).status_code == 400
        assert _ticket_refused(server, ticket)


def test_a_replay_from_another_address_inside_the_window_ends_the_family() -> None:
    # The attack: the owner refreshes, a thief replays the spent token two seconds
    # later from elsewhere, before the owner used the new token.
    with LocalServer(settings=SLOW) as server:
        owner, thief = client(server), client(server, "127.0.0.2")
        email, _ = new_user(server)
        first = login(owner, email=email, password=PASSWORD).json()
        second = refresh(owner, first["refresh-token"]).json()
        ticket = _ticket(server, owner, second["id-token"])
        assert refresh(thief, first["refresh-token"]).status_code == 400
        assert not authorized(owner, second["id-token"])
        assert refresh(owner, second["refresh-token"]).status_code == 400
        assert refresh(thief, first["refresh-token"]).status_code == 400
        assert _ticket_refused(server, ticket)


def test_parallel_presentations_from_many_addresses_never_fork(server: LocalServer) -> None:
    email, _ = new_user(server)
    clients = [client(server, f"127.0.0.{10 + i}") for i in range(PARALLEL)]
    for http in clients:
        http.get("openapi.json")
    first = login(clients[0], email=email, password=PASSWORD).json()
    replies = at_once([partial(refresh, http, first["refresh-token"]) for http in clients])
    pairs = _pairs(replies)
    assert len(pairs) == 1  # the first presentation wins, every other one is a replay
    ((id_token, successor),) = pairs
    assert not authorized(clients[0], id_token)
    assert refresh(clients[0], successor).status_code == 400
