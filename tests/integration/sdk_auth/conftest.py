"""A real LocalServer per module, and isolation from the user's config, keyring and env."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from quantinuum_api_server.testing import LocalServer
from tests.isolation import isolated_user_dirs


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


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from isolated_user_dirs(tmp_path, monkeypatch)


@pytest.fixture
def config_dir(_isolate: Path) -> Path:
    return _isolate
