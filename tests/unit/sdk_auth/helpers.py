"""Shared test helpers: JWT builders and in-memory keyring backends."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import keyring.backend
import keyring.errors


def make_jwt(exp: float | None = None, **claims: Any) -> str:
    """An unsigned-looking JWT whose payload has ``exp`` (if given) and ``claims``."""

    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    payload = dict(claims)
    if exp is not None:
        payload["exp"] = int(exp)
    return f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(payload)}.c2lnbmF0dXJl"


def fresh_jwt(name: str = "id", lifetime: float = 3600) -> str:
    """A JWT valid for ``lifetime`` seconds, distinguishable by ``name``."""
    return make_jwt(time.time() + lifetime, sub=name)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real keyring backend that keeps passwords in a dict."""

    priority = 10

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(username) from None


class BrokenKeyring(MemoryKeyring):
    """Looks viable but fails on every write (a locked or unreachable keyring)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringError("no D-Bus session")
