"""Shared test helpers: JWT builders and in-memory keyring backends."""

from __future__ import annotations

import base64
import json
import time
from typing import Any


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
