"""Item 10: the SDK never changes the mode of a directory it did not create (with
`QUANTINUUM_CONFIG_DIR=/tmp` it used to chmod /tmp to 0700); it warns instead, and still
writes its own files 0600. A directory it creates is 0700."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from quantinuum_api import Config, FileCredentialStorage

posix = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


@posix
@pytest.mark.parametrize("mode", [0o755, 0o1777])
def test_an_existing_config_dir_keeps_its_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: int
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, mode)
    monkeypatch.setenv("QUANTINUUM_CONFIG_DIR", str(shared))
    with pytest.warns(UserWarning, match="accessible by other users"):
        Config(api_url="http://127.0.0.1:1/", user_name="a@b.c").save()
    FileCredentialStorage(namespace="x")._store_login("a@b.c")  # warned once per process
    assert stat.S_IMODE(shared.stat().st_mode) == mode
    for name in ("config.json", "credentials.json"):
        assert stat.S_IMODE((shared / name).stat().st_mode) == 0o600


@posix
def test_a_dir_the_sdk_creates_is_private(config_dir: Path) -> None:
    Config(api_url="http://127.0.0.1:1/").save()
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700


@posix
def test_a_credentials_file_given_in_a_shared_dir_leaves_the_dir_alone(tmp_path: Path) -> None:
    shared = tmp_path / "team"
    shared.mkdir()
    os.chmod(shared, 0o775)  # noqa: S103 - a team-shared dir is the case under test
    store = FileCredentialStorage(shared / "creds.json")
    with pytest.warns(UserWarning, match="accessible by other users"):
        store._store_login("a@b.c")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o775
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
