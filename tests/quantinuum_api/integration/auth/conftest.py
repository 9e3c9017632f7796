"""A real LocalServer per module (isolation from the user's environment: tests/conftest.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from quantinuum_api_server.testing import LocalServer


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


@pytest.fixture
def new_user(server: LocalServer) -> Callable[..., tuple[str, str, str | None]]:
    """Create a fresh user: returns (email, password, totp secret or None)."""

    def make(*, mfa: bool = False) -> tuple[str, str, str | None]:
        email = f"user-{uuid.uuid4().hex[:10]}@example.com"
        password = f"pw-{uuid.uuid4().hex}"
        secret = server.add_user(email, password, mfa=mfa)
        return email, password, secret

    return make
