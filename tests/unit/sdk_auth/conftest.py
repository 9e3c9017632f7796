"""Isolation for the auth tests: config dirs in tmp_path, no real keyring, no QUANTINUUM_* env."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.isolation import isolated_user_dirs


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from isolated_user_dirs(tmp_path, monkeypatch)


@pytest.fixture
def config_dir(_isolate: Path) -> Path:
    return _isolate
