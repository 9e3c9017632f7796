"""Item 7 (service side): a rejected login never quotes the secret it was given, in the
error text or in the service's logs, whatever makes the request invalid."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import pytest

from quantinuum_api_server.testing import LocalServer

from .conftest import client


def windows(secret: str, width: int = 12) -> set[str]:
    return {secret[i : i + width] for i in range(0, len(secret) - width + 1, 7)}


SECRET = secrets.token_urlsafe(1500)  # 2,000 characters

BODIES: dict[str, dict[str, Any]] = {
    "long-password": {"email": "a@example.com", "password": SECRET},
    "password-without-email": {"password": SECRET},
    "password-with-extra": {"email": "a@example.com", "password": SECRET[:100], "x": 1},
    "password-wrong-type": {"email": "a@example.com", "password": [SECRET[:100]]},
    "long-code": {"email": "a@example.com", "password": "pw", "code": SECRET},
    "long-refresh-token": {"refresh-token": SECRET * 3},
    "refresh-and-password": {"refresh-token": SECRET[:100], "password": SECRET[100:200]},
    "long-provider-token": {"provider-token": SECRET * 9},
    "empty-email": {"email": "", "password": SECRET[:100]},
}


@pytest.mark.parametrize("name", list(BODIES))
def test_a_rejected_login_does_not_quote_its_secret(
    server: LocalServer, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    body = BODIES[name]
    with caplog.at_level(logging.DEBUG):
        reply = client(server).post("v1/login", json=body)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == 10
    text = reply.json()["error"]["text"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for piece in windows(SECRET):
        assert piece not in text, text[:200]
        assert piece not in logged
