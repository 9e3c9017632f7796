"""Where tokens live: the seed's ``CredentialStorage`` ABC, in-memory, keyring and file stores.

Every store is expiry-aware: ``id_token``/``refresh_token`` return None once the token is
within 60 s of its ``exp`` (read from the JWT without verifying it), or of the assumed
lifetime (55 min / 29 days) when the token carries no readable ``exp``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import stat
import threading
import time
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from ._config import (
    Config,
    atomic_write_private,
    credential_namespace,
    ensure_private_dir,
    user_config_dir,
)
from ._constants import (
    DEFAULT_API_URL,
    DEFAULT_ID_TOKEN_LIFETIME,
    DEFAULT_REFRESH_TOKEN_LIFETIME,
    KEYRING_SERVICE,
    TOKEN_EXPIRY_MARGIN,
)

__all__ = [
    "CredentialStorage",
    "FileCredentialStorage",
    "KeyringCredentialStorage",
    "MemoryCredentialStorage",
    "copy_session",
    "default_credential_storage",
    "jwt_expiry",
    "keyring_available",
    "profile_session",
    "token_is_fresh",
]

logger = logging.getLogger("quantinuum_api")

CREDENTIALS_FILE = "credentials.json"


def jwt_expiry(token: str | None) -> float | None:
    """The ``exp`` claim (POSIX seconds) of a JWT, read without verifying; None if unreadable."""
    if not token or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return float(exp)


def token_is_fresh(expiry: float | None, *, margin: float = TOKEN_EXPIRY_MARGIN) -> bool:
    """True if a token expiring at ``expiry`` is still usable ``margin`` seconds from now."""
    return expiry is not None and time.time() < expiry - margin


def _expiry_for(token: str, default_lifetime: float) -> float:
    exp = jwt_expiry(token)
    return exp if exp is not None else time.time() + default_lifetime


class CredentialStorage(ABC):
    """Storage for the user name and the id/refresh token pair (the seed's interface)."""

    def __init__(
        self,
        id_token_timedelta: timedelta | None = None,
        refresh_token_timedelta: timedelta | None = None,
    ) -> None:
        self._id_token_lifetime = (
            id_token_timedelta.total_seconds() if id_token_timedelta else DEFAULT_ID_TOKEN_LIFETIME
        )
        self._refresh_token_lifetime = (
            refresh_token_timedelta.total_seconds()
            if refresh_token_timedelta
            else DEFAULT_REFRESH_TOKEN_LIFETIME
        )

    @abstractmethod
    def _store_login(self, user_name: str) -> None:
        """Remember the user name."""

    @abstractmethod
    def _store_tokens(self, id_token: str, refresh_token: str) -> None:
        """Store a fresh token pair."""

    @abstractmethod
    def delete_credential(self) -> None:
        """Forget the tokens (and any stored password)."""

    @property
    @abstractmethod
    def id_token(self) -> str | None:
        """The id token, or None if missing or (about to be) expired."""

    @property
    @abstractmethod
    def refresh_token(self) -> str | None:
        """The refresh token, or None if missing or (about to be) expired."""

    @property
    @abstractmethod
    def user_name(self) -> str | None:
        """The stored user name (e-mail), if any."""

    def __repr__(self) -> str:
        try:
            user = self.user_name
        except Exception:
            user = "?"
        return f"{type(self).__name__}(user_name={user!r}, tokens=<hidden>)"


class MemoryCredentialStorage(CredentialStorage):
    """Tokens (and optionally a password, as in the seed) kept in this process only."""

    def __init__(
        self,
        id_token_timedelta: timedelta | None = None,
        refresh_token_timedelta: timedelta | None = None,
    ) -> None:
        super().__init__(id_token_timedelta, refresh_token_timedelta)
        self._user_name: str | None = None
        self._password: str | None = None
        self._id_token: str | None = None
        self._refresh_token: str | None = None
        self._id_token_expiry: float | None = None
        self._refresh_token_expiry: float | None = None
        self._lock = threading.Lock()

    def _store_login(self, user_name: str) -> None:
        self._user_name = user_name

    def _store_credentials(self, user_name: str, password: str) -> None:
        """Seed API: remember user name and password for non-interactive re-login."""
        self._user_name = user_name
        self._password = password

    def _store_tokens(self, id_token: str, refresh_token: str) -> None:
        with self._lock:
            self._id_token = id_token
            self._refresh_token = refresh_token
            self._id_token_expiry = _expiry_for(id_token, self._id_token_lifetime)
            self._refresh_token_expiry = _expiry_for(refresh_token, self._refresh_token_lifetime)

    def delete_credential(self) -> None:
        with self._lock:
            self._password = None
            self._id_token = None
            self._refresh_token = None
            self._id_token_expiry = None
            self._refresh_token_expiry = None

    @property
    def id_token(self) -> str | None:
        with self._lock:
            return self._id_token if token_is_fresh(self._id_token_expiry) else None

    @property
    def refresh_token(self) -> str | None:
        with self._lock:
            return self._refresh_token if token_is_fresh(self._refresh_token_expiry) else None

    @property
    def user_name(self) -> str | None:
        return self._user_name


class _Record:
    """The JSON shape persisted by the file store (one record per namespace)."""

    @staticmethod
    def make(
        id_token: str, refresh_token: str, id_lifetime: float, refresh_lifetime: float
    ) -> dict[str, Any]:
        return {
            "id_token": id_token,
            "id_token_expiry": _expiry_for(id_token, id_lifetime),
            "refresh_token": refresh_token,
            "refresh_token_expiry": _expiry_for(refresh_token, refresh_lifetime),
        }

    @staticmethod
    def fresh(record: dict[str, Any], kind: str) -> str | None:
        token = record.get(kind)
        expiry = record.get(f"{kind}_expiry")
        if not isinstance(token, str) or not isinstance(expiry, int | float):
            return None
        return token if token_is_fresh(float(expiry)) else None


@contextlib.contextmanager
def _directory_lock(folder: Path) -> Iterator[None]:
    """Serialise read-modify-write of the credentials file across processes (POSIX flock)."""
    try:
        import fcntl
    except ImportError:  # Windows: the thread lock and the atomic replace still apply
        yield
        return
    ensure_private_dir(folder)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


class FileCredentialStorage(CredentialStorage):
    """Tokens in a JSON file only the user can read (0600, dir 0700, atomic replace).

    One file holds records for several ``namespace`` s (e.g. one per API URL). The default
    location is ``credentials.json`` in :func:`user_config_dir` (``$QUANTINUUM_CONFIG_DIR``
    overrides it).
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        namespace: str = "default",
        config_dir: Path | str | None = None,
        id_token_timedelta: timedelta | None = None,
        refresh_token_timedelta: timedelta | None = None,
    ) -> None:
        super().__init__(id_token_timedelta, refresh_token_timedelta)
        if path is None:
            folder = Path(config_dir) if config_dir is not None else user_config_dir()
            path = folder / CREDENTIALS_FILE
        self.path = Path(path)
        self.namespace = namespace
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"FileCredentialStorage(path={str(self.path)!r}, namespace={self.namespace!r}, "
            "tokens=<hidden>)"
        )

    def _load_all(self) -> dict[str, Any]:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return {}
        with os.fdopen(fd, "rb") as fh:
            if os.name == "posix":
                mode = stat.S_IMODE(os.fstat(fh.fileno()).st_mode)
                if mode & 0o077:
                    warnings.warn(
                        f"credentials file {self.path} was readable by others "
                        f"(mode {mode:o}); restricting it to the owner (0600)",
                        stacklevel=3,
                    )
                    os.fchmod(fh.fileno(), 0o600)
            raw = fh.read()
        try:
            data = json.loads(raw)
        except ValueError:
            logger.warning("ignoring unreadable credentials file %s", self.path)
            return {}
        return data if isinstance(data, dict) else {}

    def _record(self) -> dict[str, Any]:
        record = self._load_all().get(self.namespace)
        return record if isinstance(record, dict) else {}

    def _update(self, changes: dict[str, Any] | None, *, drop_tokens: bool = False) -> None:
        with self._lock, _directory_lock(self.path.parent):
            data = self._load_all()
            record = data.get(self.namespace)
            record = dict(record) if isinstance(record, dict) else {}
            if drop_tokens:
                for key in ("id_token", "id_token_expiry", "refresh_token", "refresh_token_expiry"):
                    record.pop(key, None)
            if changes:
                record.update(changes)
            data[self.namespace] = record
            atomic_write_private(self.path, json.dumps(data).encode())

    def _store_login(self, user_name: str) -> None:
        self._update({"user_name": user_name})

    def _store_tokens(self, id_token: str, refresh_token: str) -> None:
        self._update(
            _Record.make(
                id_token, refresh_token, self._id_token_lifetime, self._refresh_token_lifetime
            )
        )

    def delete_credential(self) -> None:
        if self.path.exists():
            self._update(None, drop_tokens=True)

    @property
    def id_token(self) -> str | None:
        return _Record.fresh(self._record(), "id_token")

    @property
    def refresh_token(self) -> str | None:
        return _Record.fresh(self._record(), "refresh_token")

    @property
    def user_name(self) -> str | None:
        name = self._record().get("user_name")
        return name if isinstance(name, str) else None


# -- keyring -------------------------------------------------------------------------------

_fallback_warned = False
_fallback_lock = threading.Lock()


def _warn_fallback(reason: str, path: Path) -> None:
    """Warn (once per process) that tokens go to the file store instead of the keyring."""
    global _fallback_warned
    with _fallback_lock:
        if _fallback_warned:
            return
        _fallback_warned = True
    message = (
        f"No usable system keyring ({reason}); storing Quantinuum tokens in {path} "
        "(readable only by you). Install a keyring backend to avoid this."
    )
    warnings.warn(message, UserWarning, stacklevel=3)  # one warning, not also a log line


def keyring_available(backend: Any = None) -> tuple[bool, str]:
    """Whether the (given or current) keyring backend is usable; with a reason if not."""
    try:
        import keyring
        import keyring.backends.chainer
        import keyring.backends.fail
    except ImportError:
        return False, "the keyring package is not installed"
    try:
        kr = backend if backend is not None else keyring.get_keyring()
    except Exception as exc:
        return False, f"loading the backend failed: {type(exc).__name__}"
    name = f"{type(kr).__module__}.{type(kr).__name__}"
    if isinstance(kr, keyring.backends.fail.Keyring):
        return False, "no keyring backend is installed"
    if isinstance(kr, keyring.backends.chainer.ChainerBackend) and not kr.backends:
        return False, "no viable keyring backend"
    try:
        priority = float(kr.priority)
    except Exception:
        priority = 1.0
    if priority < 1:
        return False, f"{name} is not a secure backend (priority {priority})"
    try:
        kr.get_password(KEYRING_SERVICE, "__probe__")
    except Exception as exc:
        return False, f"{name} failed: {type(exc).__name__}"
    return True, name


class KeyringCredentialStorage(CredentialStorage):
    """Tokens in the system keyring (service ``quantinuum-api``, one entry set per namespace).

    If the keyring fails (no backend, locked, no D-Bus...), the store switches to a
    :class:`FileCredentialStorage` with one warning instead of raising.
    """

    def __init__(
        self,
        namespace: str = "default",
        *,
        service: str = KEYRING_SERVICE,
        fallback: FileCredentialStorage | None = None,
        backend: Any = None,
        id_token_timedelta: timedelta | None = None,
        refresh_token_timedelta: timedelta | None = None,
    ) -> None:
        super().__init__(id_token_timedelta, refresh_token_timedelta)
        self.namespace = namespace
        self.service = service
        self._backend = backend
        self._fallback_store = fallback
        self._failed = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        where = "file fallback" if self._failed else "keyring"
        return (
            f"KeyringCredentialStorage(namespace={self.namespace!r}, using={where}, "
            "tokens=<hidden>)"
        )

    @property
    def using_fallback(self) -> bool:
        """True once the keyring failed and the file store took over."""
        return self._failed

    def _fallback(self) -> FileCredentialStorage:
        if self._fallback_store is None:
            self._fallback_store = FileCredentialStorage(
                namespace=self.namespace,
                id_token_timedelta=timedelta(seconds=self._id_token_lifetime),
                refresh_token_timedelta=timedelta(seconds=self._refresh_token_lifetime),
            )
        return self._fallback_store

    def _kr(self) -> Any:
        if self._backend is not None:
            return self._backend
        import keyring

        return keyring.get_keyring()

    def _fail(self, exc: BaseException) -> FileCredentialStorage:
        self._failed = True
        store = self._fallback()
        _warn_fallback(f"keyring error: {type(exc).__name__}", store.path)
        return store

    def _key(self, what: str) -> str:
        return f"{self.namespace}:{what}"

    def _get(self, what: str) -> str | None:
        value = self._kr().get_password(self.service, self._key(what))
        return value if isinstance(value, str) else None

    def _set(self, what: str, value: str) -> None:
        self._kr().set_password(self.service, self._key(what), value)

    def _delete(self, what: str) -> None:
        import keyring.errors

        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            self._kr().delete_password(self.service, self._key(what))

    def _meta(self) -> dict[str, Any]:
        raw = self._get("meta")
        try:
            meta = json.loads(raw) if raw else {}
        except ValueError:
            return {}
        return meta if isinstance(meta, dict) else {}

    def _store_login(self, user_name: str) -> None:
        if not self._failed:
            try:
                with self._lock:
                    meta = self._meta()
                    meta["user_name"] = user_name
                    self._set("meta", json.dumps(meta))
                return
            except Exception as exc:
                store = self._fail(exc)
        else:
            store = self._fallback()
        store._store_login(user_name)

    def _store_tokens(self, id_token: str, refresh_token: str) -> None:
        if not self._failed:
            try:
                with self._lock:
                    meta = self._meta()
                    meta["id_token_expiry"] = _expiry_for(id_token, self._id_token_lifetime)
                    meta["refresh_token_expiry"] = _expiry_for(
                        refresh_token, self._refresh_token_lifetime
                    )
                    self._set("id_token", id_token)
                    self._set("refresh_token", refresh_token)
                    self._set("meta", json.dumps(meta))
                return
            except Exception as exc:
                store = self._fail(exc)
        else:
            store = self._fallback()
        store._store_tokens(id_token, refresh_token)

    def delete_credential(self) -> None:
        if not self._failed:
            try:
                with self._lock:
                    self._delete("id_token")
                    self._delete("refresh_token")
                    meta = self._meta()
                    meta.pop("id_token_expiry", None)
                    meta.pop("refresh_token_expiry", None)
                    self._set("meta", json.dumps(meta))
                return
            except Exception as exc:
                self._fail(exc)
        self._fallback().delete_credential()

    def _read(self, what: str) -> str | None:
        if not self._failed:
            try:
                token = self._get(what)
                expiry = self._meta().get(f"{what}_expiry")
            except Exception as exc:
                return getattr(self._fail(exc), what)  # type: ignore[no-any-return]
            if token is None or not isinstance(expiry, int | float):
                return None
            return token if token_is_fresh(float(expiry)) else None
        return getattr(self._fallback(), what)  # type: ignore[no-any-return]

    @property
    def id_token(self) -> str | None:
        return self._read("id_token")

    @property
    def refresh_token(self) -> str | None:
        return self._read("refresh_token")

    @property
    def user_name(self) -> str | None:
        if not self._failed:
            try:
                name = self._meta().get("user_name")
            except Exception as exc:
                return self._fail(exc).user_name
            return name if isinstance(name, str) else None
        return self._fallback().user_name


def default_credential_storage(
    namespace: str = "default", *, config_dir: Path | str | None = None
) -> CredentialStorage:
    """A persistent store: the system keyring if usable, else the file store (one warning)."""
    ok, reason = keyring_available()
    if ok:
        fallback = FileCredentialStorage(namespace=namespace, config_dir=config_dir)
        return KeyringCredentialStorage(namespace, fallback=fallback)
    store = FileCredentialStorage(namespace=namespace, config_dir=config_dir)
    _warn_fallback(reason, store.path)
    return store


def copy_session(source: CredentialStorage, target: CredentialStorage, *, user_name: str) -> None:
    """Put the fresh session of `source` (e.g. a login done in memory) into `target`.

    `qapi login` logs in to a `MemoryCredentialStorage` first and copies the tokens over
    only once that succeeded, so a failed login never destroys a saved, valid session.
    """
    id_token, refresh_token = source.id_token, source.refresh_token
    if id_token is None or refresh_token is None:
        raise ValueError("the source store holds no fresh session to copy")
    target._store_tokens(id_token, refresh_token)
    target._store_login(user_name)


def profile_session(profile: str | None = None) -> tuple[Config, CredentialStorage]:
    """The saved account `profile` (default: ``$QUANTINUUM_PROFILE``, else the default
    profile): its config (URL, e-mail, env overrides) and its persistent token store, the
    same one `qapi login --profile` fills. ConfigError for a profile never saved."""
    config = Config.load(profile=profile)
    namespace = credential_namespace(config.api_url or DEFAULT_API_URL, config.profile)
    return config, default_credential_storage(namespace=namespace)
