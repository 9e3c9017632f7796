"""Item 12: the service remembers id tokens it has verified (so a token's later requests
skip the JWT decode), yet a token already in use still stops working at once when its
session ends (password reset, `qapi server revoke-sessions` from another process,
logout) and on time when it expires."""

from __future__ import annotations

import time

import jwt

from quantinuum_api_server._cli import revoke_sessions
from quantinuum_api_server.testing import LocalServer, fast_settings

from .conftest import PASSWORD, authorized, client, login, new_user


def _in_use(server: LocalServer, email: str) -> list[str]:
    """Two id tokens of `email`, each accepted a few times already."""
    http = client(server)
    tokens = [login(http, email=email, password=PASSWORD).json()["id-token"] for _ in range(2)]
    for _ in range(3):
        assert all(authorized(http, token) for token in tokens)
    return tokens


def test_tokens_in_use_end_with_a_password_reset(server: LocalServer) -> None:
    email, _ = new_user(server)
    tokens = _in_use(server, email)
    server.add_user(email, "a new password")
    http = client(server)
    assert not any(authorized(http, token) for token in tokens)


def test_tokens_in_use_end_with_sessions_revoked_by_another_process(server: LocalServer) -> None:
    email, _ = new_user(server)
    other, _ = new_user(server)
    tokens = _in_use(server, email)
    bystander = _in_use(server, other)
    assert revoke_sessions(email, db_path=server.db_path) == 2  # its own connection and keys
    http = client(server)
    assert not any(authorized(http, token) for token in tokens)
    assert all(authorized(http, token) for token in bystander)


def test_a_token_in_use_stops_working_when_it_expires() -> None:
    with LocalServer(settings=fast_settings(id_token_ttl=2)) as server:
        email, _ = new_user(server)
        http = client(server)
        token = login(http, email=email, password=PASSWORD).json()["id-token"]
        expires = jwt.decode(token, options={"verify_signature": False})["exp"]
        while time.time() < expires - 0.5:
            assert authorized(http, token)
            time.sleep(0.1)
        while time.time() < expires:
            time.sleep(0.05)
        assert not authorized(http, token)
