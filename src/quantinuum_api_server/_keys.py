"""Secrets at rest: `KeyRing` (the service's master keys, in their own 0600 file) and
`private_file` / `private_dir` (create with owner-only modes, check on start).

The key file (`<database>.keys` unless `ServerSettings.key_path` says otherwise) is JSON
`{"current": kid, "keys": {kid: hex}}`. HKDF-SHA256 derives one key per purpose from
a master key (id-token signing, websocket tickets, encryption of TOTP secrets), so the
database alone yields none of them. Each derived key is computed once and kept until
the file is loaded again (a rotation here or in another process). `rotate()` makes a
new current key and keeps the previous one, so id tokens it signed stay valid until
they expire and what it encrypted can still be read; the authenticator re-encrypts TOTP
secrets under the new key.

A key file readable by group or others is refused (`InsecureFileError`); a database or
directory with a wider mode than 0600/0700 gets a warning in the log.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import secrets
import stat
import threading
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["InsecureFileError", "KeyRing", "key_path_for", "private_dir", "private_file"]

logger = logging.getLogger(__name__)

_POSIX = os.name == "posix"
_PREFIX = "enc1"


class InsecureFileError(PermissionError):
    """A secret file is readable by other users."""


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) with mode 0700; warn when an existing one lets
    other users replace its files (group/other-writable without the sticky bit)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
    if not _POSIX:
        return
    mode = path.stat().st_mode
    if mode & 0o022 and not mode & stat.S_ISVTX:
        logger.warning(
            "%s is writable by other users (mode %o); use a private directory (chmod 700)",
            path,
            stat.S_IMODE(mode),
        )


def private_file(path: Path, *, refuse: bool) -> None:
    """Create `path` empty with mode 0600 when missing; an existing one that others can
    read or write, or that another user owns, raises `InsecureFileError` (`refuse`) or
    is logged as a warning."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    os.close(os.open(path, flags, 0o600))
    if not _POSIX:
        return
    info = path.stat()
    mode = stat.S_IMODE(info.st_mode)
    message = ""
    if mode & 0o077:
        message = f"{path} is accessible by other users (mode {mode:o}); chmod 600 it"
    elif info.st_uid != os.getuid():
        message = f"{path} belongs to another user (uid {info.st_uid})"
    if message:
        if refuse:
            raise InsecureFileError(message)
        logger.warning("%s", message)


def key_path_for(db_path: Path, override: Path | None = None) -> Path:
    """The key file of the database at `db_path`: `override`, else `<db_path>.keys`."""
    return Path(override) if override is not None else db_path.with_name(db_path.name + ".keys")


def _derive(master: bytes, purpose: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"qapi {purpose}".encode())
    return hkdf.derive(master)


class KeyRing:
    """The master keys in the file at `path` (created with one key when missing)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._current = ""
        self._keys: dict[str, bytes] = {}
        # HKDF outputs by (master key, purpose): one derivation per key and purpose
        # instead of one per request; emptied whenever the file is (re)loaded.
        self._derived: dict[tuple[bytes, str], bytes] = {}
        self._stamp: tuple[int, int] | None = None
        private_dir(self.path.parent)
        with self._lock:
            if not self.path.exists() or self.path.stat().st_size == 0:
                kid = secrets.token_hex(4)
                self._write(kid, {kid: secrets.token_bytes(32)})
            self._load()

    def __repr__(self) -> str:
        return f"<KeyRing {self.path} current={self._current}>"

    # -- file ---------------------------------------------------------------------------
    def _write(self, current: str, keys: dict[str, bytes]) -> None:
        """Replace the file atomically (a 0600 temporary file renamed over it)."""
        data = json.dumps({"current": current, "keys": {k: v.hex() for k, v in keys.items()}})
        tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(tmp, flags, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _load(self) -> None:
        private_file(self.path, refuse=True)
        info = self.path.stat()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            keys = {str(k): bytes.fromhex(v) for k, v in data["keys"].items()}
            current = str(data["current"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError(f"{self.path} is not a valid key file") from None
        if current not in keys or any(len(v) < 32 for v in keys.values()):
            raise ValueError(f"{self.path} is not a valid key file")
        self._current, self._keys = current, keys
        self._derived = {}
        self._stamp = (info.st_mtime_ns, info.st_ino)

    def _reload_if_changed(self) -> None:
        """Pick up a rotation made by another process (`qapi server rotate-key`)."""
        with self._lock:
            try:
                info = self.path.stat()
            except OSError:
                return
            if (info.st_mtime_ns, info.st_ino) != self._stamp:
                self._load()

    def rotate(self) -> str:
        """Make a new current key, keep the previous one, drop older ones; the new kid."""
        with self._lock:
            self._load()
            kid = secrets.token_hex(4)
            keys = {self._current: self._keys[self._current], kid: secrets.token_bytes(32)}
            self._write(kid, keys)
            self._load()
            return kid

    # -- keys ---------------------------------------------------------------------------
    def _derive(self, master: bytes, purpose: str) -> bytes:
        cache = self._derived
        key = cache.get((master, purpose))
        if key is None:
            key = cache[(master, purpose)] = _derive(master, purpose)
        return key

    @property
    def current(self) -> str:
        return self._current

    def signing(self, purpose: str) -> tuple[str, bytes]:
        """(kid, key) of the current master key for `purpose`."""
        self._reload_if_changed()
        kid = self._current
        return kid, self._derive(self._keys[kid], purpose)

    def derived(self, purpose: str, kid: str | None = None) -> bytes:
        """The `purpose` key of master key `kid` (default: the current one); KeyError
        for an unknown kid."""
        if kid is None or kid not in self._keys:
            self._reload_if_changed()
        kid = kid or self._current
        return self._derive(self._keys[kid], purpose)

    def all_derived(self, purpose: str) -> list[bytes]:
        """The `purpose` keys of every master key, the current one first."""
        self._reload_if_changed()
        order = [self._current, *(k for k in self._keys if k != self._current)]
        return [self._derive(self._keys[k], purpose) for k in order]

    # -- encryption ---------------------------------------------------------------------
    def encrypt(self, plaintext: str, purpose: str) -> str:
        """`plaintext` sealed with AES-256-GCM under the current key (`enc1:kid:b64`)."""
        nonce = secrets.token_bytes(12)
        kid, key = self.signing(purpose)
        sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), None)
        blob = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{_PREFIX}:{kid}:{blob}"

    def decrypt(self, sealed: str, purpose: str) -> str:
        """The plaintext of `encrypt`'s output; ValueError when it cannot be opened."""
        try:
            prefix, kid, blob = sealed.split(":")
            if prefix != _PREFIX:
                raise ValueError
            raw = base64.urlsafe_b64decode(blob)
            return AESGCM(self.derived(purpose, kid)).decrypt(raw[:12], raw[12:], None).decode()
        except (ValueError, KeyError, InvalidTag):
            raise ValueError("cannot decrypt a stored secret (unknown or wrong key)") from None

    @staticmethod
    def is_sealed(value: str) -> bool:
        return value.startswith(f"{_PREFIX}:")

    def sealed_kid(self, sealed: str) -> str | None:
        parts = sealed.split(":")
        return parts[1] if len(parts) == 3 and parts[0] == _PREFIX else None
