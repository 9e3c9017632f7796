"""Every test runs away from the user's config, data dirs, keyring and QUANTINUUM_* variables."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from quantinuum_api import _credentials
from tests.keyrings import MemoryKeyring


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HOME/XDG dirs and QUANTINUUM_CONFIG_DIR under `tmp_path`, an in-memory keyring, and a
    fresh keyring-fallback warning; yields the config dir."""
    for name in list(os.environ):
        if name.startswith("QUANTINUUM_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    config_dir = tmp_path / "qconfig"
    monkeypatch.setenv("QUANTINUUM_CONFIG_DIR", str(config_dir))
    monkeypatch.setattr(_credentials, "_fallback_warned", False)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield config_dir
    keyring.set_keyring(previous)


@pytest.fixture
def config_dir(_isolate: Path) -> Path:
    """The isolated QUANTINUUM_CONFIG_DIR of this test (not created yet)."""
    return _isolate
