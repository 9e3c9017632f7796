"""Login flows through real HTTP: MFA, refresh rotation and reuse revocation, throttling,
federated provider tokens."""

from __future__ import annotations

import httpx
import pyotp
import pytest

from quantinuum_api_server.testing import LocalServer, fast_settings

from .conftest import new_user


def login(server: LocalServer, **body: str) -> httpx.Response:
    return httpx.post(f"{server.base_url}v1/login", json=body, timeout=30)


def machines(server: LocalServer, token: str) -> httpx.Response:
    return httpx.get(f"{server.base_url}v1/machine/", headers={"Authorization": token})


def test_password_login_gives_a_working_id_token(server: LocalServer) -> None:
    email, _ = new_user(server)
    reply = login(server, email=email, password="pw-1")
    assert reply.status_code == 200
    assert machines(server, reply.json()["id-token"]).status_code == 200


def test_wrong_password_and_bad_id_token_are_401(server: LocalServer) -> None:
    email, _ = new_user(server)
    reply = login(server, email=email, password="wrong")
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == 21
    assert machines(server, "not-a-jwt").json()["error"]["code"] == 20
    assert machines(server, "not-a-jwt").status_code == 401


def test_mfa_needs_a_valid_totp_code(server: LocalServer) -> None:
    email, secret = new_user(server, mfa=True)
    assert secret is not None
    missing = login(server, email=email, password="pw-1")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == 73
    totp = pyotp.TOTP(secret)
    wrong_code = f"{(int(totp.now()) + 1) % 1_000_000:06d}"
    wrong = login(server, email=email, password="pw-1", code=wrong_code)
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == 74
    code = totp.now()
    ok = login(server, email=email, password="pw-1", code=code)
    assert ok.status_code == 200, ok.text
    replay = login(server, email=email, password="pw-1", code=code)
    assert replay.status_code == 401
    assert replay.json()["error"]["code"] == 74


def test_refresh_tokens_rotate_and_reuse_revokes_the_family(server: LocalServer) -> None:
    email, _ = new_user(server)
    first = login(server, email=email, password="pw-1").json()
    second = login(server, **{"refresh-token": first["refresh-token"]})
    assert second.status_code == 200
    pair2 = second.json()
    assert pair2["refresh-token"] != first["refresh-token"]
    assert machines(server, pair2["id-token"]).status_code == 200
    pair3 = login(server, **{"refresh-token": pair2["refresh-token"]}).json()
    # The first token was used already: presenting it again is a reuse...
    reused = login(server, **{"refresh-token": first["refresh-token"]})
    assert reused.status_code == 400
    assert "Invalid Refresh Token" in reused.json()["error"]["text"]
    # ...which revokes the newest token of the same family as well.
    revoked = login(server, **{"refresh-token": pair3["refresh-token"]})
    assert revoked.status_code == 400
    assert revoked.json()["error"]["code"] == 22
    # Another login starts a new, independent family.
    fresh = login(server, email=email, password="pw-1").json()
    assert login(server, **{"refresh-token": fresh["refresh-token"]}).status_code == 200


def test_unknown_refresh_token_is_400(server: LocalServer) -> None:
    reply = login(server, **{"refresh-token": "nope"})
    assert reply.status_code == 400
    assert reply.json()["error"] == {"code": 22, "text": "Invalid Refresh Token"}


def test_failed_logins_are_throttled_per_email() -> None:
    settings = fast_settings(login_max_failures=3, login_failure_window=600)
    with LocalServer(settings=settings) as server:
        email, _ = new_user(server)
        other, _ = new_user(server)
        for _ in range(3):
            assert login(server, email=email, password="wrong").status_code == 401
        blocked = login(server, email=email, password="pw-1")
        assert blocked.status_code == 429
        assert blocked.json()["error"]["code"] == 29
        retry_after = int(blocked.headers["Retry-After"])
        assert 0 < retry_after <= 600
        assert login(server, email=other, password="pw-1").status_code == 200


def test_provider_token_login(server: LocalServer) -> None:
    token = server.mint_provider_token("federated@example.com")
    reply = login(server, **{"provider-token": token})
    assert reply.status_code == 200
    assert machines(server, reply.json()["id-token"]).status_code == 200


@pytest.mark.parametrize("kind", ["tampered", "expired", "garbage"])
def test_bad_provider_tokens_are_401(server: LocalServer, kind: str) -> None:
    if kind == "tampered":
        token = server.mint_provider_token("a@example.com")
        head, payload, signature = token.split(".")
        token = f"{head}.{payload}.{signature[::-1]}"
    elif kind == "expired":
        token = server.mint_provider_token("a@example.com", expires_in=-120)
    else:
        token = "garbage"
    reply = login(server, **{"provider-token": token})
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == 23
