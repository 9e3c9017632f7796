"""`KeyRing`: the key file's mode, rotation (the previous key stays, older ones go) and
sealed secrets; a damaged key file is a clear error."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from quantinuum_api_server._keys import InsecureFileError, KeyRing


def test_a_new_key_file_is_private(tmp_path: Path) -> None:
    keys = KeyRing(tmp_path / "new" / "db.keys")
    if os.name == "posix":
        assert stat.S_IMODE(keys.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(keys.path.parent.stat().st_mode) == 0o700
    master = json.loads(keys.path.read_text())["keys"][keys.current]
    assert master not in repr(keys)


def test_rotation_keeps_the_previous_key_only(tmp_path: Path) -> None:
    keys = KeyRing(tmp_path / "db.keys")
    first = keys.current
    sealed = keys.encrypt("JBSWY3DPEHPK3PXP", "totp")
    second = keys.rotate()
    assert keys.decrypt(sealed, "totp") == "JBSWY3DPEHPK3PXP"
    assert keys.sealed_kid(keys.encrypt("x", "totp")) == second
    assert len(keys.all_derived("id-token")) == 2
    keys.rotate()
    with pytest.raises(ValueError, match="cannot decrypt"):
        keys.decrypt(sealed, "totp")
    with pytest.raises(KeyError):
        keys.derived("id-token", first)


def test_another_process_rotation_is_picked_up(tmp_path: Path) -> None:
    path = tmp_path / "db.keys"
    service, command = KeyRing(path), KeyRing(path)
    kid = command.rotate()
    assert service.signing("id-token")[0] == kid
    assert service.decrypt(command.encrypt("s", "totp"), "totp") == "s"


def test_purposes_get_different_keys_and_tampering_is_detected(tmp_path: Path) -> None:
    keys = KeyRing(tmp_path / "db.keys")
    assert keys.derived("id-token") != keys.derived("ws-ticket")
    sealed = keys.encrypt("secret", "totp")
    with pytest.raises(ValueError, match="cannot decrypt"):
        keys.decrypt(sealed, "other-purpose")
    with pytest.raises(ValueError, match="cannot decrypt"):
        keys.decrypt(sealed[:-4] + "AAAA", "totp")


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_damaged_or_exposed_key_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.keys"
    KeyRing(path)
    path.chmod(0o640)
    with pytest.raises(InsecureFileError):
        KeyRing(path)
    path.chmod(0o600)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not a valid key file"):
        KeyRing(path)
