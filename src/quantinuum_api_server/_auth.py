"""Login and token checks: passwords, TOTP, JWT id tokens, refresh-token families,
federated provider tokens and the failed-login throttle.

- Passwords are hashed with argon2id (`argon2-cffi`; cost from `ServerSettings`).
- Id tokens are HS256 JWTs signed with a random secret kept in the database; decoding
  pins the algorithm and requires `exp`, `iat`, `sub` and our issuer.
- Refresh tokens are opaque random strings stored as SHA-256 hashes. Each is single-use;
  a login with one returns a new pair in the same *family*. Presenting a token that was
  already used revokes the whole family (every token descended from the same password
  login), so a stolen token dies as soon as either party uses it twice. All refresh
  failures are 400 code 22 "Invalid Refresh Token".
- MFA: accounts with a TOTP secret need `code` (401 code 73 without it); codes are checked
  with pyotp (one step of clock drift allowed) and a time step cannot be used twice
  (401 code 74 for a wrong or replayed code).
- Throttle: `login_max_failures` failed password/MFA attempts for one email within
  `login_failure_window` seconds block that email's password logins (429 code 29 with
  `Retry-After`) until the oldest failure leaves the window. A success clears the count.
- Federated: `provider-token` must be an RS256 JWT signed by one of
  `ServerSettings.idp_public_keys` (issuer/audience checked when configured), carrying
  `preferred_username` or `email`. With `provider_auto_create` (the default) an unknown
  user is created without a password on first login (like just-in-time provisioning);
  otherwise the user must already exist. Any failure is 401 code 23.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from collections import deque
from typing import Any

import jwt
import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ._errors import (
    BAD_REFRESH_TOKEN,
    BAD_TOKEN,
    LOGIN_FAILED,
    MFA_INVALID,
    MFA_REQUIRED,
    PROVIDER_TOKEN_INVALID,
    TOO_MANY,
    ApiError,
)
from ._settings import ServerSettings
from ._store import Store

__all__ = ["ISSUER", "Authenticator", "LoginThrottle"]

ISSUER = "quantinuum-api-local"


class LoginThrottle:
    """Failed-login counter per email (in memory, thread-safe)."""

    def __init__(self, max_failures: int, window: float) -> None:
        self._max = max_failures
        self._window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self._window:
            failures.popleft()
        return failures

    def check(self, email: str) -> None:
        """Raise 429 when `email` has too many recent failures."""
        key = email.casefold()
        now = time.monotonic()
        with self._lock:
            failures = self._recent(key, now)
            if len(failures) >= self._max:
                wait = max(1, int(failures[0] + self._window - now + 0.999))
                raise ApiError(
                    429,
                    TOO_MANY,
                    f"Too many failed logins; retry in {wait} s",
                    headers={"Retry-After": str(wait)},
                )

    def fail(self, email: str) -> None:
        key = email.casefold()
        with self._lock:
            self._recent(key, time.monotonic()).append(time.monotonic())

    def clear(self, email: str) -> None:
        with self._lock:
            self._failures.pop(email.casefold(), None)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Authenticator:
    """Issues and checks credentials against the `Store`."""

    def __init__(self, store: Store, settings: ServerSettings) -> None:
        self._store = store
        self._settings = settings
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_cost,
            parallelism=settings.argon2_parallelism,
        )
        self._jwt_key = store.secret("jwt-hs256")
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        self.throttle = LoginThrottle(settings.login_max_failures, settings.login_failure_window)

    # -- users ------------------------------------------------------------------------
    def add_user(self, email: str, password: str | None, *, mfa: bool = False) -> str | None:
        """Create (or reset) a user; returns the new TOTP secret when `mfa`."""
        if not email or "@" not in email:
            raise ValueError("email must look like name@domain")
        if password is not None and not password:
            raise ValueError("password must not be empty")
        password_hash = None if password is None else self._hasher.hash(password)
        totp_secret = pyotp.random_base32() if mfa else None
        self._store.add_user(email, password_hash, totp_secret)
        return totp_secret

    # -- tokens -----------------------------------------------------------------------
    def _issue(self, user: dict[str, Any], family: str | None = None) -> dict[str, str]:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": str(user["id"]),
            "email": user["email"],
            "iat": now,
            "exp": now + self._settings.id_token_ttl,
            "jti": uuid.uuid4().hex,
        }
        id_token = jwt.encode(claims, self._jwt_key, algorithm="HS256")
        refresh = secrets.token_urlsafe(32)
        self._store.add_refresh_token(
            _hash_token(refresh),
            int(user["id"]),
            family or uuid.uuid4().hex,
            time.time() + self._settings.refresh_token_ttl,
        )
        return {"id-token": id_token, "refresh-token": refresh}

    def authenticate(self, id_token: str | None) -> dict[str, Any]:
        """The user an `Authorization` header value belongs to; 401 code 20 otherwise."""
        if not id_token:
            raise ApiError(401, BAD_TOKEN, "Missing id token (Authorization header)")
        try:
            claims = jwt.decode(
                id_token,
                self._jwt_key,
                algorithms=["HS256"],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "iss"]},
            )
            user = self._store.user_by_id(int(claims["sub"]))
        except (jwt.PyJWTError, ValueError, TypeError):
            user = None
        if user is None:
            raise ApiError(401, BAD_TOKEN, "Invalid or expired id token")
        return user

    # -- logins -----------------------------------------------------------------------
    def login_password(self, email: str, password: str, code: str | None) -> dict[str, str]:
        self.throttle.check(email)
        user = self._store.user_by_email(email)
        stored = user["password_hash"] if user is not None else None
        try:
            self._hasher.verify(stored or self._dummy_hash, password)
            ok = stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or user is None:
            self.throttle.fail(email)
            raise ApiError(401, LOGIN_FAILED, "Invalid email or password")
        if self._hasher.check_needs_rehash(stored or ""):
            self._store.set_password_hash(int(user["id"]), self._hasher.hash(password))
        secret = user["totp_secret"]
        if secret:
            if code is None:
                raise ApiError(401, MFA_REQUIRED, "MFA verification code required")
            if not self._verify_totp(int(user["id"]), secret, code):
                self.throttle.fail(email)
                raise ApiError(401, MFA_INVALID, "Invalid MFA verification code")
        self.throttle.clear(email)
        return self._issue(user)

    def _verify_totp(self, user_id: int, secret: str, code: str) -> bool:
        totp = pyotp.TOTP(secret)
        now = time.time()
        for drift in (0, -1, 1):
            at = now + drift * totp.interval
            if secrets.compare_digest(totp.at(at), code.strip()):
                return self._store.claim_totp_step(user_id, int(at // totp.interval))
        return False

    def login_refresh(self, refresh_token: str) -> dict[str, str]:
        outcome, row = self._store.use_refresh_token(_hash_token(refresh_token), time.time())
        if outcome != "ok" or row is None:
            raise ApiError(400, BAD_REFRESH_TOKEN, "Invalid Refresh Token")
        user = self._store.user_by_id(int(row["user_id"]))
        if user is None:
            raise ApiError(400, BAD_REFRESH_TOKEN, "Invalid Refresh Token")
        return self._issue(user, family=str(row["family"]))

    def login_provider(self, provider_token: str) -> dict[str, str]:
        claims: dict[str, Any] | None = None
        options: jwt.types.Options = {"require": ["exp", "iat"]}
        if self._settings.idp_audience is None:
            options["verify_aud"] = False
        for key in self._settings.idp_public_keys:
            try:
                claims = jwt.decode(
                    provider_token,
                    key,
                    algorithms=["RS256"],
                    audience=self._settings.idp_audience,
                    issuer=self._settings.idp_issuer,
                    options=options,
                )
                break
            except (jwt.PyJWTError, ValueError, TypeError):
                continue
        email = None
        if claims is not None:
            email = claims.get("preferred_username") or claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise ApiError(401, PROVIDER_TOKEN_INVALID, "Invalid provider token")
        user = self._store.user_by_email(email)
        if user is None and self._settings.provider_auto_create:
            self._store.add_user(email, None, None)
            user = self._store.user_by_email(email)
        if user is None:
            raise ApiError(401, PROVIDER_TOKEN_INVALID, "No account for this provider identity")
        return self._issue(user)
