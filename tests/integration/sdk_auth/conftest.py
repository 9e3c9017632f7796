"""A real LocalServer per module, and isolation from the user's config, keyring and env."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest

from quantinuum_api import _credentials
from quantinuum_api_server.testing import LocalServer
from tests.keyrings import MemoryKeyring


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
    for name in list(os.environ):
        if name.startswith("QUANTINUUM_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    config_dir = tmp_path / "qconfig"
    monkeypatch.setenv("QUANTINUUM_CONFIG_DIR", str(config_dir))
    monkeypatch.setattr(_credentials, "_fallback_warned", False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield config_dir
    keyring.set_keyring(previous)


@pytest.fixture
def config_dir(_isolate: Path) -> Path:
    return _isolate
