"""Credential stores: expiry from the JWT, file permissions and atomicity, keyring fallback."""

from __future__ import annotations

import os
import stat
import threading
import time
import warnings
from datetime import timedelta
from pathlib import Path

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import pytest

from quantinuum_api._credentials import (
    CredentialStorage,
    FileCredentialStorage,
    KeyringCredentialStorage,
    MemoryCredentialStorage,
    default_credential_storage,
    jwt_expiry,
    keyring_available,
    token_is_fresh,
)
from tests.keyrings import BrokenKeyring, MemoryKeyring
from tests.quantinuum_api.unit.auth.helpers import fresh_jwt, make_jwt

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# -- JWT expiry ----------------------------------------------------------------------------


def test_jwt_expiry_reads_exp_without_verifying() -> None:
    assert jwt_expiry(make_jwt(1_900_000_000)) == 1_900_000_000.0
    assert jwt_expiry(make_jwt(None, sub="x")) is None  # no exp claim
    assert jwt_expiry("not-a-jwt") is None
    assert jwt_expiry("a.!!!.c") is None
    assert jwt_expiry("a.bm90IGpzb24.c") is None  # payload is not JSON
    weird = make_jwt(None, sub="x").split(".")
    weird[1] = "eyJleHAiOiAic29vbiJ9"  # {"exp": "soon"}
    assert jwt_expiry(".".join(weird)) is None
    assert jwt_expiry(None) is None


def test_token_is_fresh_applies_60s_margin() -> None:
    now = time.time()
    assert token_is_fresh(now + 120)
    assert not token_is_fresh(now + 30)
    assert not token_is_fresh(now - 1)
    assert not token_is_fresh(None)


# -- memory store --------------------------------------------------------------------------


def test_memory_store_treats_nearly_expired_tokens_as_missing() -> None:
    store = MemoryCredentialStorage()
    assert store.id_token is None
    assert store.refresh_token is None
    good, nearly = make_jwt(time.time() + 600), make_jwt(time.time() + 30)
    store._store_tokens(good, good)
    assert store.id_token == good
    store._store_tokens(nearly, good)
    assert store.id_token is None
    assert store.refresh_token == good
    store.delete_credential()
    assert store.refresh_token is None


def test_memory_store_default_lifetimes_when_no_exp() -> None:
    store = MemoryCredentialStorage(
        id_token_timedelta=timedelta(seconds=30), refresh_token_timedelta=timedelta(days=29)
    )
    store._store_tokens("opaque-id", "opaque-refresh")
    assert store.id_token is None  # 30 s lifetime is inside the 60 s margin
    assert store.refresh_token == "opaque-refresh"
    default = MemoryCredentialStorage()
    default._store_tokens("opaque-id", "opaque-refresh")
    assert default.id_token == "opaque-id"  # 55 min assumed


def test_memory_store_seed_api_and_repr_hides_secrets() -> None:
    store = MemoryCredentialStorage()
    store._store_credentials("ada@example.com", "hunter2-secret")
    store._store_tokens(fresh_jwt("idtok"), fresh_jwt("reftok"))
    assert store.user_name == "ada@example.com"
    assert store._password == "hunter2-secret"
    text = repr(store)
    assert "ada@example.com" in text
    assert "hunter2" not in text
    assert "eyJ" not in text
    store.delete_credential()
    assert store._password is None
    assert isinstance(store, CredentialStorage)


# -- file store ----------------------------------------------------------------------------


@posix_only
def test_file_store_is_private_from_the_start(config_dir: Path) -> None:
    store = FileCredentialStorage()
    assert store.path == config_dir / "credentials.json"
    store._store_login("ada@example.com")
    idt = fresh_jwt("a")
    store._store_tokens(idt, fresh_jwt("b"))
    assert mode(store.path) == 0o600
    assert mode(config_dir) == 0o700
    assert store.id_token == idt
    assert store.user_name == "ada@example.com"


@posix_only
def test_file_store_created_0600_even_with_permissive_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        store = FileCredentialStorage(tmp_path / "d" / "creds.json")
        store._store_tokens(fresh_jwt("a"), fresh_jwt("b"))
    finally:
        os.umask(old)
    assert mode(store.path) == 0o600
    assert mode(store.path.parent) == 0o700


@posix_only
def test_temp_file_opened_with_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    modes: list[int] = []
    real_open = os.open

    def spy(path: str | os.PathLike[str], flags: int, mode: int = 0o777, **kw: object) -> int:
        if flags & os.O_CREAT:
            modes.append(mode)
        return real_open(path, flags, mode)

    monkeypatch.setattr(os, "open", spy)
    FileCredentialStorage(tmp_path / "c.json")._store_login("ada@example.com")
    assert modes == [0o600]


def test_file_store_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    tmp_path = tmp_path / "store"
    store = FileCredentialStorage(tmp_path / "creds.json")
    for n in range(3):
        store._store_tokens(fresh_jwt(f"id{n}"), fresh_jwt(f"r{n}"))
    assert [p.name for p in tmp_path.iterdir()] == ["creds.json"]


def test_failed_write_keeps_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = tmp_path / "store"
    store = FileCredentialStorage(tmp_path / "creds.json")
    first = fresh_jwt("first")
    store._store_tokens(first, first)

    def boom(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        store._store_tokens(fresh_jwt("second"), fresh_jwt("second"))
    monkeypatch.undo()
    assert store.id_token == first
    assert [p.name for p in tmp_path.iterdir()] == ["creds.json"]


def test_file_store_namespaces_are_separate(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    local = FileCredentialStorage(path, namespace="http://127.0.0.1:8000/")
    cloud = FileCredentialStorage(path, namespace="https://qapi.quantinuum.com/")
    idt = fresh_jwt("local")
    local._store_tokens(idt, fresh_jwt("lr"))
    cloud._store_login("ada@example.com")
    assert cloud.id_token is None
    assert local.id_token == idt
    assert local.user_name is None
    assert cloud.user_name == "ada@example.com"
    local.delete_credential()
    assert local.id_token is None
    assert local.refresh_token is None
    assert cloud.user_name == "ada@example.com"


def test_file_store_round_trip_and_expiry(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    idt, reft = make_jwt(time.time() + 600, n=1), make_jwt(time.time() + 86400, n=2)
    FileCredentialStorage(path)._store_tokens(idt, reft)
    again = FileCredentialStorage(path)
    assert again.id_token == idt
    assert again.refresh_token == reft
    again._store_tokens(make_jwt(time.time() + 10), reft)
    assert again.id_token is None


@posix_only
def test_file_store_tightens_loose_permissions(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    store = FileCredentialStorage(path)
    store._store_tokens(fresh_jwt(), fresh_jwt())
    os.chmod(path, 0o644)
    with pytest.warns(UserWarning, match="readable by others"):
        assert store.id_token is not None
    assert mode(path) == 0o600


def test_file_store_ignores_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "creds.json"
    path.write_text("{broken")
    os.chmod(path, 0o600)
    store = FileCredentialStorage(path)
    assert store.id_token is None
    store._store_tokens(fresh_jwt(), fresh_jwt())
    assert store.refresh_token is not None


def test_file_store_repr_hides_tokens(tmp_path: Path) -> None:
    store = FileCredentialStorage(tmp_path / "c.json")
    token = fresh_jwt("secret-token")
    store._store_tokens(token, token)
    assert token not in repr(store)
    assert "hidden" in repr(store)


# -- keyring -------------------------------------------------------------------------------


def test_keyring_store_uses_the_backend() -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    store = KeyringCredentialStorage("ns1")
    idt, reft = fresh_jwt("kid"), fresh_jwt("kref")
    store._store_login("ada@example.com")
    store._store_tokens(idt, reft)
    assert store.id_token == idt
    assert store.refresh_token == reft
    assert store.user_name == "ada@example.com"
    assert backend.entries[("quantinuum-api", "ns1:id_token")] == idt
    assert not store.using_fallback
    assert idt not in repr(store)
    store.delete_credential()
    assert store.id_token is None
    assert store.refresh_token is None
    assert ("quantinuum-api", "ns1:id_token") not in backend.entries
    assert store.user_name == "ada@example.com"


def test_keyring_store_expiry_is_respected() -> None:
    store = KeyringCredentialStorage("ns", backend=MemoryKeyring())
    store._store_tokens(make_jwt(time.time() + 20), fresh_jwt())
    assert store.id_token is None
    assert store.refresh_token is not None


def test_failing_keyring_falls_back_to_file_with_one_warning(tmp_path: Path) -> None:
    fallback = FileCredentialStorage(tmp_path / "c.json")
    store = KeyringCredentialStorage("ns", backend=BrokenKeyring(), fallback=fallback)
    idt = fresh_jwt("x")
    other_fallback = FileCredentialStorage(tmp_path / "c.json", namespace="ns2")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        store._store_tokens(idt, idt)
        store._store_login("ada@example.com")
        other = KeyringCredentialStorage("ns2", backend=BrokenKeyring(), fallback=other_fallback)
        other._store_login("bob@example.com")
    assert [str(w.message)[:27] for w in record] == ["No usable system keyring (k"]
    assert other.user_name == "bob@example.com"
    assert store.using_fallback
    assert store.id_token == idt
    assert fallback.id_token == idt
    assert store.user_name == "ada@example.com"


@pytest.mark.parametrize(
    "backend",
    [
        keyring.backends.fail.Keyring(),  # type: ignore[no-untyped-call]
        keyring.backends.chainer.ChainerBackend(),  # type: ignore[no-untyped-call]
    ],
    ids=["fail", "empty-chainer"],
)
def test_default_storage_falls_back_when_no_keyring(
    backend: object, monkeypatch: pytest.MonkeyPatch, config_dir: Path
) -> None:
    monkeypatch.setattr(keyring.backends.chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(backend)  # type: ignore[arg-type]
    ok, reason = keyring_available()
    assert not ok
    assert reason
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        store = default_credential_storage("ns")
        again = default_credential_storage("ns")
    assert len(record) == 1
    assert "No usable system keyring" in str(record[0].message)
    assert isinstance(store, FileCredentialStorage)
    assert isinstance(again, FileCredentialStorage)
    assert store.path.parent == config_dir
    store._store_tokens(fresh_jwt(), fresh_jwt())
    assert again.id_token is not None


def test_default_storage_rejects_insecure_low_priority_backend() -> None:
    class Plain(MemoryKeyring):
        priority = 0.5  # type: ignore[assignment]

    ok, reason = keyring_available(Plain())
    assert not ok
    assert "not a secure backend" in reason


def test_default_storage_falls_back_when_probe_raises() -> None:
    class Locked(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise RuntimeError("locked")

    ok, reason = keyring_available(Locked())
    assert not ok
    assert "RuntimeError" in reason


def test_default_storage_uses_working_keyring() -> None:
    keyring.set_keyring(MemoryKeyring())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store = default_credential_storage("ns")
    assert isinstance(store, KeyringCredentialStorage)


def test_concurrent_writers_do_not_lose_updates(tmp_path: Path) -> None:
    path = tmp_path / "store" / "creds.json"
    n = 8
    barrier = threading.Barrier(n)
    tokens = {f"ns{i}": fresh_jwt(f"t{i}") for i in range(n)}

    def writer(ns: str) -> None:
        store = FileCredentialStorage(path, namespace=ns)  # separate instances: no shared lock
        barrier.wait()
        for _ in range(5):
            store._store_tokens(tokens[ns], tokens[ns])

    threads = [threading.Thread(target=writer, args=(ns,)) for ns in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for ns, token in tokens.items():
        assert FileCredentialStorage(path, namespace=ns).id_token == token
