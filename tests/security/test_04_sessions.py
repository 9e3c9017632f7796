"""Item 4: a password reset, `qapi server revoke-sessions` and `POST /v1/logout` end
sessions (their refresh and id tokens stop working at once), and a session has an
absolute lifetime however often it is refreshed."""

from __future__ import annotations

import argparse
import json
import time

import pytest
from websockets.sync.client import connect

from quantinuum_api_server import _cli
from quantinuum_api_server.testing import LocalServer, fast_settings
from tests.programs import BELL

from .conftest import PASSWORD, authorized, client, login, new_user, refresh

SLOW_JOB = {"machine": "H1-1E", "language": "OPENQASM 2.0", "program": BELL, "count": 1000}


def test_a_password_reset_ends_every_session(server: LocalServer) -> None:
    http = client(server)
    email, _ = new_user(server)
    sessions = [login(http, email=email, password=PASSWORD).json() for _ in range(2)]
    server.add_user(email, "a new password")  # what `qapi server add-user` does
    for pair in sessions:
        assert not authorized(http, pair["id-token"])
        assert refresh(http, pair["refresh-token"]).status_code == 400
    assert login(http, email=email, password="a new password").status_code == 200


def test_revoke_sessions_command_ends_every_session(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    http = client(server)
    email, _ = new_user(server)
    other, _ = new_user(server)
    sessions = [login(http, email=email, password=PASSWORD).json() for _ in range(3)]
    bystander = login(http, email=other, password=PASSWORD).json()
    parser = argparse.ArgumentParser(prog="qapi")
    _cli.register_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["server", "revoke-sessions", email, "--db", str(server.db_path)])
    monkeypatch.setattr(_cli, "ServerSettings", lambda: server.settings)
    assert args.handler(args) == 0
    assert "Ended 3 session(s)" in capsys.readouterr().out
    for pair in sessions:
        assert not authorized(http, pair["id-token"])
        assert refresh(http, pair["refresh-token"]).status_code == 400
    assert authorized(http, bystander["id-token"])
    args = parser.parse_args(["server", "revoke-sessions", "nobody@example.com"])
    args.db = server.db_path
    assert args.handler(args) == 2
    assert "no user" in capsys.readouterr().err


def test_logout_ends_this_session_only(server: LocalServer) -> None:
    http = client(server)
    email, _ = new_user(server)
    leaving, staying = (login(http, email=email, password=PASSWORD).json() for _ in range(2))
    reply = http.post("v1/logout", headers={"Authorization": leaving["id-token"]})
    assert reply.status_code == 200
    assert reply.json() == {"revoked": 1}
    assert not authorized(http, leaving["id-token"])
    assert refresh(http, leaving["refresh-token"]).status_code == 400
    assert authorized(http, staying["id-token"])
    assert refresh(http, staying["refresh-token"]).status_code == 200
    again = http.post("v1/logout", headers={"Authorization": leaving["id-token"]})
    assert again.status_code == 401


def test_refreshing_never_extends_a_session_past_its_lifetime() -> None:
    lifetime = 2
    with LocalServer(settings=fast_settings(session_lifetime=lifetime)) as server:
        http = client(server)
        email, _ = new_user(server)
        pair = login(http, email=email, password=PASSWORD).json()
        started = time.monotonic()
        while time.monotonic() - started < lifetime - 0.5:
            reply = refresh(http, pair["refresh-token"])
            assert reply.status_code == 200
            pair = reply.json()
            time.sleep(0.2)
        time.sleep(max(0.0, lifetime + 0.2 - (time.monotonic() - started)))
        assert refresh(http, pair["refresh-token"]).status_code == 400
        assert not authorized(http, pair["id-token"])


def test_websocket_tickets_end_with_their_session() -> None:
    # 10-shot chunks 50 ms apart: the job runs for seconds, so it gets a ticket.
    slow = fast_settings(chunk_shots=10, chunk_growth=1.0, chunk_delay=0.05)
    with LocalServer(settings=slow) as server:
        ticket_after_logout(server)


def ticket_after_logout(server: LocalServer) -> None:
    http = client(server)
    email, _ = new_user(server)
    pair = login(http, email=email, password=PASSWORD).json()
    headers = {"Authorization": pair["id-token"]}
    job = http.post("v1/job", json=SLOW_JOB, headers=headers).json()["job"]
    ticket = http.get(f"v1/job/{job}", params={"websocket": "true"}, headers=headers).json()
    assert "websocket" in ticket, ticket
    assert http.post("v1/logout", headers=headers).status_code == 200
    with connect(server.ws_url, open_timeout=10) as socket:
        socket.send(json.dumps({"action": "OpenConnection", **ticket["websocket"]}))
        message = json.loads(socket.recv(timeout=10))
    assert message["error"]["code"] == 20, message
