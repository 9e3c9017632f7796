"""Work done once instead of per request (issue 12's profile): derived keys are computed
once per master key and purpose, and every cached result is dropped or re-checked when
what it depends on changes (a key rotation, a token's expiry, a revoked session)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from quantinuum_api_server import _keys
from quantinuum_api_server._auth import ISSUER, Authenticator
from quantinuum_api_server._errors import ApiError
from quantinuum_api_server._keys import KeyRing
from quantinuum_api_server._store import Store
from quantinuum_api_server.testing import fast_settings


def _hkdf(master_hex: str, purpose: str) -> bytes:
    """The derivation, written out independently of `_keys`."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"qapi {purpose}".encode())
    return hkdf.derive(bytes.fromhex(master_hex))


def _file(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.read_text())
    return data


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, str]]:
    """Records every HKDF derivation `KeyRing` makes."""
    calls: list[tuple[bytes, str]] = []
    real = _keys._derive

    def counting(master: bytes, purpose: str) -> bytes:
        calls.append((master, purpose))
        return real(master, purpose)

    monkeypatch.setattr(_keys, "_derive", counting)
    return calls


def test_a_derived_key_is_computed_once_per_key_and_purpose(
    tmp_path: Path, derivations: list[tuple[bytes, str]]
) -> None:
    keys = KeyRing(tmp_path / "db.keys")
    for _ in range(50):
        keys.derived("id-token")
        keys.derived("id-token", keys.current)
        keys.signing("id-token")
        keys.all_derived("ws-ticket")
    assert sorted(purpose for _, purpose in derivations) == ["id-token", "ws-ticket"]
    data = _file(keys.path)
    assert isinstance(data["keys"], dict)
    assert keys.derived("id-token") == _hkdf(data["keys"][keys.current], "id-token")


def test_rotation_here_drops_the_cached_keys(tmp_path: Path) -> None:
    keys = KeyRing(tmp_path / "db.keys")
    first = keys.current
    old = keys.derived("id-token")
    keys.rotate()
    data = _file(keys.path)
    assert isinstance(data["keys"], dict)
    assert keys.signing("id-token") == (keys.current, _hkdf(data["keys"][keys.current], "id-token"))
    assert keys.derived("id-token", first) == old  # the previous key still verifies
    keys.rotate()
    with pytest.raises(KeyError):
        keys.derived("id-token", first)
    assert old not in keys.all_derived("id-token")


def test_rotation_by_another_process_drops_the_cached_keys(tmp_path: Path) -> None:
    path = tmp_path / "db.keys"
    service, command = KeyRing(path), KeyRing(path)
    first = service.current
    old = service.all_derived("ws-ticket")
    command.rotate()
    command.rotate()  # the service's first key is gone from the file
    data = _file(path)
    assert isinstance(data["keys"], dict)
    fresh = [_hkdf(data["keys"][command.current], "ws-ticket")]
    assert service.all_derived("ws-ticket")[0] == fresh[0]
    assert old[0] not in service.all_derived("ws-ticket")
    with pytest.raises(KeyError):
        service.derived("ws-ticket", first)


def test_a_key_file_replaced_under_the_same_kid_is_not_served_from_the_cache(
    tmp_path: Path,
) -> None:
    """A restored or hand-edited file may bind a kid to another master key."""
    path = tmp_path / "db.keys"
    keys = KeyRing(path)
    kid = keys.current
    before = keys.derived("id-token")
    other = "ab" * 32
    restored = tmp_path / "restored.keys"
    restored.write_text(json.dumps({"current": kid, "keys": {kid: other}}))
    restored.chmod(0o600)
    restored.replace(path)  # a new file (inode): same-tick mtimes cannot hide it
    assert keys.signing("id-token") == (kid, _hkdf(other, "id-token"))
    assert keys.derived("id-token") != before


# -- id tokens ------------------------------------------------------------------------
@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every PyJWT decode of an id token."""
    calls: list[str] = []
    real = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    return calls


def _status(auth: Authenticator, token: str) -> tuple[int, int]:
    """(status, code) of authenticating `token`; (200, 0) when it is accepted."""
    try:
        auth.authenticate(token)
    except ApiError as exc:
        return exc.status, exc.code
    return 200, 0


def test_a_token_is_decoded_once_and_its_session_checked_every_time(
    store: Store, decodes: list[str]
) -> None:
    auth = Authenticator(store, fast_settings())
    auth.add_user("a@b.c", "pw")
    token = auth.login_password("a@b.c", "pw", None)["id-token"]
    for _ in range(20):
        assert auth.authenticate(token)["email"] == "a@b.c"
    assert decodes == [token]
    auth.logout(auth.authenticate(token))
    assert _status(auth, token) == (401, 20)


def test_a_remembered_token_dies_with_a_session_revoked_elsewhere(store: Store) -> None:
    auth = Authenticator(store, fast_settings())
    auth.add_user("a@b.c", "pw")
    token = auth.login_password("a@b.c", "pw", None)["id-token"]
    assert _status(auth, token) == (200, 0)
    other = Store(store.path)  # `qapi server revoke-sessions` in another process
    try:
        Authenticator(other, fast_settings()).revoke_sessions("a@b.c")
    finally:
        other.close()
    assert _status(auth, token) == (401, 20)


def test_a_remembered_token_expires_on_time(store: Store) -> None:
    auth = Authenticator(store, fast_settings())
    auth.add_user("a@b.c", "pw")
    sid = jwt.decode(
        auth.login_password("a@b.c", "pw", None)["id-token"], options={"verify_signature": False}
    )["sid"]
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "1", "sid": sid, "iat": now, "exp": now + 2}
    kid = auth.keys.current
    token = jwt.encode(
        claims, auth.keys.derived("id-token"), algorithm="HS256", headers={"kid": kid}
    )
    assert _status(auth, token) == (200, 0)
    while time.time() < now + 2:
        time.sleep(0.05)
    assert _status(auth, token) == (401, 20)


def test_a_remembered_token_dies_when_its_key_leaves_the_key_file(store: Store) -> None:
    auth = Authenticator(store, fast_settings())
    auth.add_user("a@b.c", "pw")
    token = auth.login_password("a@b.c", "pw", None)["id-token"]
    assert _status(auth, token) == (200, 0)
    auth.rotate_keys()
    assert _status(auth, token) == (200, 0)  # the previous key still verifies
    auth.rotate_keys()
    assert _status(auth, token) == (401, 20)
