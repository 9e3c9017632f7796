"""Login and token checks: passwords, TOTP, JWT id tokens, sessions of refresh tokens,
federated provider tokens, the failed-login throttle and the password-hashing gate.

- Passwords are hashed with argon2id (`argon2-cffi`; cost from `ServerSettings`). At
  most `login_concurrency` hashes run at once and `login_queue` more wait (`LoginGate`);
  beyond that a login gets 429 code 29 with `Retry-After`, so logins cannot exhaust
  memory or the worker threads job requests need.
- Keys live in a `KeyRing` file, never in the database. Id tokens are HS256 JWTs with
  the signing key's id in `kid`; decoding pins the algorithm and requires `exp`, `iat`,
  `sub`, `sid` and our issuer, and the session `sid` must still be live (looked up on
  every request). A token that passed PyJWT's checks is remembered (`_VerifiedTokens`)
  so that its next requests skip the decode; each use re-checks its time window and
  that its signing key is still in the key file.
- A password login starts a *session*, which ends `session_lifetime` seconds later
  whatever happens. Its refresh tokens are opaque random strings stored as SHA-256
  hashes. Each is single-use: a login with one returns a new pair of the same session,
  in the same transaction that spends it. A token's successor is fixed: an HMAC of the
  token under the key file's "refresh-successor" key, so it is never stored in clear.
  Presenting a spent token again is a *retry* (a lost reply), answered with the *same*
  pair, only when all of these hold: within `refresh_grace` seconds of its first use,
  from the same client address as that first use, and its successor was never spent.
  Any other presentation of a spent token (after the successor was used, from another
  address, or later) is *reuse*: it revokes the whole session (every branch, its id
  tokens, its websocket tickets and open websockets). A session never forks. All refresh
  failures are 400 code 22. A password reset, `revoke_sessions(email)` and
  `POST /v1/logout` also revoke sessions; each revocation calls `on_revoke` (the app
  closes the websockets of ended sessions).
- MFA: accounts with a TOTP secret (stored sealed with the key ring) need `code` (401
  code 73 without it); codes are checked with pyotp (one step of clock drift allowed)
  and a time step cannot be used twice (401 code 74 for a wrong or replayed code).
- Throttle (`LoginThrottle`): see its docstring; 429 code 29 with `Retry-After`.
- Federated: `provider-token` must be an RS256 JWT signed by one of
  `ServerSettings.idp_public_keys`, with the configured issuer and audience (both
  required settings) and a `sub`. The account is the one created for that (issuer,
  subject); with `provider_auto_create` (the default) it is created on first login
  with the token's e-mail, unless that e-mail belongs to another account: an e-mail
  claim never links to an existing account. Any failure is 401 code 23.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
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
from ._keys import KeyRing, key_path_for
from ._settings import ServerSettings
from ._store import Store

__all__ = ["ISSUER", "Authenticator", "LoginAttempt", "LoginGate", "LoginThrottle"]

ISSUER = "quantinuum-api-local"
_ID_TOKEN = "id-token"  # noqa: S105 - a key-derivation label
_TOTP = "totp"
_REFRESH = "refresh-successor"


def _too_many(text: str, wait: float) -> ApiError:
    seconds = max(1, int(wait + 0.999))
    return ApiError(429, TOO_MANY, text.format(seconds), headers={"Retry-After": str(seconds)})


@dataclass
class _Counter:
    failures: deque[float] = field(default_factory=deque)
    pending: int = 0


@dataclass
class LoginAttempt:
    """A reserved password attempt; end it with `failed()` or `succeeded()` (once)."""

    throttle: LoginThrottle
    keys: tuple[tuple[str, ...], ...]
    done: bool = False

    def failed(self) -> None:
        self.throttle._end(self, "failed")

    def succeeded(self) -> None:
        self.throttle._end(self, "succeeded")

    def released(self) -> None:
        """Neither: the password was right but an MFA code is still needed."""
        self.throttle._end(self, "released")


class LoginThrottle:
    """Failed-password limits, checked and reserved atomically (in memory, thread-safe).

    Three counters, each of failures plus attempts still being evaluated:

    - one account from one client address: `max_failures` per `window` seconds;
    - one client address over all accounts: `client_max_failures` per `window`;
    - one account from all addresses: `max_failures` per `lockout` seconds (short), so
      someone else's guesses hold the owner back for at most `lockout` seconds.

    `begin` refuses (429 with `Retry-After`) when any counter is full and otherwise
    reserves a place in all three, so parallel guesses cannot all slip past the check.
    """

    def __init__(
        self,
        max_failures: int,
        window: float,
        *,
        client_max_failures: int | None = None,
        lockout: float | None = None,
    ) -> None:
        self._limits = {
            "pair": (max_failures, window),
            "client": (client_max_failures or 4 * max_failures, window),
            "account": (max_failures, window if lockout is None else lockout),
        }
        self._counters: dict[tuple[str, ...], _Counter] = {}
        self._lock = threading.Lock()

    def _counter(self, key: tuple[str, ...], now: float) -> _Counter:
        counter = self._counters.setdefault(key, _Counter())
        _, window = self._limits[key[0]]
        while counter.failures and counter.failures[0] <= now - window:
            counter.failures.popleft()
        return counter

    def _sweep(self, now: float) -> None:
        for key in list(self._counters):
            counter = self._counter(key, now)
            if not counter.failures and not counter.pending:
                del self._counters[key]

    def begin(self, email: str, client: str = "") -> LoginAttempt:
        """Reserve an attempt for `email` from address `client`; 429 when over a limit."""
        account = email.casefold()
        keys = (("pair", account, client), ("client", client), ("account", account))
        now = time.monotonic()
        with self._lock:
            if len(self._counters) > 10_000:
                self._sweep(now)
            for key in keys:
                counter = self._counter(key, now)
                limit, window = self._limits[key[0]]
                if len(counter.failures) + counter.pending >= limit:
                    wait = counter.failures[0] + window - now if counter.failures else 1.0
                    raise _too_many("Too many failed logins; retry in {} s", wait)
            for key in keys:
                self._counters[key].pending += 1
        return LoginAttempt(self, keys)

    def _end(self, attempt: LoginAttempt, outcome: str) -> None:
        now = time.monotonic()
        with self._lock:
            if attempt.done:
                return
            attempt.done = True
            for key in attempt.keys:
                counter = self._counter(key, now)
                counter.pending = max(0, counter.pending - 1)
                if outcome == "failed":
                    counter.failures.append(now)
                elif outcome == "succeeded" and key[0] != "client":
                    counter.failures.clear()


class LoginGate:
    """Bounds concurrent password hashing: `slots` at once, `queue` waiting (each at
    most `wait` seconds); beyond that 429 with `Retry-After`. Used from the event loop,
    so waiting logins hold no worker thread."""

    def __init__(self, slots: int, queue: int, wait: float) -> None:
        self._slots = max(1, slots)
        self._queue = max(0, queue)
        self._wait = wait
        self._semaphore: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting = 0

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:  # e.g. a test harness' loop
            self._semaphore, self._loop = asyncio.Semaphore(self._slots), loop
        semaphore = self._semaphore
        if semaphore.locked() and self._waiting >= self._queue:
            raise _too_many("Too many logins at once; retry in {} s", 1)
        self._waiting += 1
        try:
            async with asyncio.timeout(self._wait):
                await semaphore.acquire()
        except TimeoutError:
            raise _too_many("Too many logins at once; retry in {} s", 1) from None
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            semaphore.release()


@dataclass(frozen=True)
class _Verified:
    claims: dict[str, Any]
    kid: str
    key: bytes  # the derived key that verified the signature
    not_before: int  # iat (and nbf): PyJWT refuses the token while now < this
    expires: int  # exp: PyJWT refuses the token once now >= this


class _VerifiedTokens:
    """Id tokens whose signature and claims PyJWT has verified, by token string, at most
    `size` (the oldest is forgotten first). Only tokens signed with our key get in, so
    a client cannot fill it with junk. Everything in PyJWT's verdict but time and the
    key file is a function of the token string; `get` re-checks those two."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._entries: dict[str, _Verified] = {}
        self._lock = threading.Lock()

    def get(self, token: str, keys: KeyRing, now: float) -> dict[str, Any] | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        try:
            fresh = entry.not_before <= now < entry.expires and secrets.compare_digest(
                keys.derived(_ID_TOKEN, entry.kid), entry.key
            )
        except KeyError:  # the kid left the key file
            fresh = False
        if not fresh:
            with self._lock:
                self._entries.pop(token, None)
            raise jwt.InvalidTokenError("expired, or its key left the key file")
        return entry.claims

    def put(self, token: str, entry: _Verified) -> None:
        with self._lock:
            if len(self._entries) >= self._size:
                del self._entries[next(iter(self._entries))]
            self._entries[token] = entry


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Authenticator:
    """Issues and checks credentials against the `Store`, with keys from `keys`."""

    def __init__(self, store: Store, settings: ServerSettings, keys: KeyRing | None = None) -> None:
        if settings.idp_public_keys and not (settings.idp_issuer and settings.idp_audience):
            raise ValueError("federated login needs both an IdP issuer and an audience")
        self._store = store
        self._settings = settings
        self._keys = keys or KeyRing(key_path_for(store.path, settings.key_path))
        self._verified = _VerifiedTokens()
        store.drop_legacy_secrets()
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_cost,
            parallelism=settings.argon2_parallelism,
        )
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        self.throttle = LoginThrottle(
            settings.login_max_failures,
            settings.login_failure_window,
            client_max_failures=settings.login_client_max_failures,
            lockout=settings.login_lockout,
        )
        self.gate = LoginGate(
            settings.login_concurrency, settings.login_queue, settings.login_queue_timeout
        )
        self._seal_plain_totp_secrets()
        #: Called (from any thread) after sessions were revoked.
        self.on_revoke: Callable[[], None] | None = None

    def __repr__(self) -> str:
        return f"<Authenticator {self._store.path}>"

    @property
    def keys(self) -> KeyRing:
        return self._keys

    # -- users ------------------------------------------------------------------------
    def add_user(self, email: str, password: str | None, *, mfa: bool = False) -> str | None:
        """Create (or reset, revoking its sessions) a user; the new TOTP secret when `mfa`."""
        if not email or "@" not in email:
            raise ValueError("email must look like name@domain")
        if password is not None and not password:
            raise ValueError("password must not be empty")
        password_hash = None if password is None else self._hasher.hash(password)
        totp_secret = pyotp.random_base32() if mfa else None
        sealed = None if totp_secret is None else self._keys.encrypt(totp_secret, _TOTP)
        self._store.add_user(email, password_hash, sealed)
        self._revoked()  # a reset ends the sessions of the old credentials
        return totp_secret

    def revoke_sessions(self, email: str) -> int:
        """End every session of `email` (KeyError when unknown); how many were live."""
        count = self._store.revoke_user_sessions(email)
        self._revoked()
        return count

    def _revoked(self) -> None:
        if self.on_revoke is not None:
            self.on_revoke()

    def rotate_keys(self) -> str:
        """New current key; TOTP secrets re-sealed under it. Sessions and id tokens
        signed with the previous key stay valid. The new key id."""
        kid = self._keys.rotate()
        self._reseal_totp_secrets()
        return kid

    def _seal_plain_totp_secrets(self) -> None:
        """Databases of older versions kept TOTP secrets in plain text."""
        for user_id, value in self._store.users_with_totp():
            if not KeyRing.is_sealed(value):
                sealed = self._keys.encrypt(value, _TOTP)
                self._store.set_totp_secret(user_id, sealed, only_if=value)

    def _reseal_totp_secrets(self) -> None:
        for user_id, value in self._store.users_with_totp():
            if self._keys.sealed_kid(value) != self._keys.current:
                plain = self._keys.decrypt(value, _TOTP)
                sealed = self._keys.encrypt(plain, _TOTP)
                self._store.set_totp_secret(user_id, sealed, only_if=value)

    # -- tokens -----------------------------------------------------------------------
    def _id_token(
        self,
        user: dict[str, Any],
        session: str,
        *,
        issued: int | None = None,
        jti: str | None = None,
    ) -> str:
        now = int(time.time()) if issued is None else issued
        claims = {
            "iss": ISSUER,
            "sub": str(user["id"]),
            "sid": session,
            "email": user["email"],
            "iat": now,
            "exp": now + self._settings.id_token_ttl,
            "jti": jti or uuid.uuid4().hex,
        }
        kid, key = self._keys.signing(_ID_TOKEN)
        return jwt.encode(claims, key, algorithm="HS256", headers={"kid": kid})

    def _start_session(self, user: dict[str, Any]) -> dict[str, str]:
        refresh = secrets.token_urlsafe(32)
        session = uuid.uuid4().hex
        self._store.start_session(
            session,
            int(user["id"]),
            _hash_token(refresh),
            time.time(),
            self._settings.refresh_token_ttl,
            self._settings.session_lifetime,
        )
        return {"id-token": self._id_token(user, session), "refresh-token": refresh}

    def _claims(self, id_token: str) -> dict[str, Any]:
        """The verified claims of `id_token` (do not modify them); PyJWTError, KeyError
        or ValueError when it is not a valid token of ours."""
        claims = self._verified.get(id_token, self._keys, time.time())
        if claims is not None:
            return claims
        kid = jwt.get_unverified_header(id_token).get("kid")
        if not isinstance(kid, str):
            raise jwt.InvalidTokenError("no kid")
        key = self._keys.derived(_ID_TOKEN, kid)
        claims = jwt.decode(
            id_token,
            key,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "sid"]},
        )
        # PyJWT checked that these are integers (int() of them succeeds).
        not_before = max(int(claims["iat"]), int(claims.get("nbf", claims["iat"])))
        self._verified.put(id_token, _Verified(claims, kid, key, not_before, int(claims["exp"])))
        return claims

    def authenticate(self, id_token: str | None) -> dict[str, Any]:
        """The user an `Authorization` header value belongs to (with its `session`);
        401 code 20 otherwise."""
        if not id_token:
            raise ApiError(401, BAD_TOKEN, "Missing id token (Authorization header)")
        user = None
        try:
            claims = self._claims(id_token)
            user = self._store.session_user(str(claims["sid"]), time.time())
            if user is not None and str(user["id"]) != str(claims["sub"]):
                user = None
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            user = None
        if user is None:
            raise ApiError(401, BAD_TOKEN, "Invalid or expired id token")
        user["session"] = str(claims["sid"])
        return user

    def logout(self, user: dict[str, Any]) -> None:
        """End the session an authenticated request came from."""
        self._store.revoke_session(str(user["session"]))
        self._revoked()

    # -- logins -----------------------------------------------------------------------
    def login_password(
        self, email: str, password: str, code: str | None, client: str = ""
    ) -> dict[str, str]:
        attempt = self.throttle.begin(email, client)
        try:
            pair = self._check_password(email, password, code)
        except ApiError as exc:
            if exc.code == MFA_REQUIRED:
                attempt.released()
            else:
                attempt.failed()
            raise
        except BaseException:
            attempt.failed()
            raise
        attempt.succeeded()
        return pair

    def _check_password(self, email: str, password: str, code: str | None) -> dict[str, str]:
        user = self._store.user_by_email(email)
        stored = user["password_hash"] if user is not None else None
        try:
            self._hasher.verify(stored or self._dummy_hash, password)
            ok = stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or user is None:
            raise ApiError(401, LOGIN_FAILED, "Invalid email or password")
        if self._hasher.check_needs_rehash(stored or ""):
            self._store.set_password_hash(int(user["id"]), self._hasher.hash(password))
        sealed = user["totp_secret"]
        if sealed:
            if code is None:
                raise ApiError(401, MFA_REQUIRED, "MFA verification code required")
            secret = self._keys.decrypt(sealed, _TOTP)
            if not self._verify_totp(int(user["id"]), secret, code):
                raise ApiError(401, MFA_INVALID, "Invalid MFA verification code")
        return self._start_session(user)

    def _verify_totp(self, user_id: int, secret: str, code: str) -> bool:
        totp = pyotp.TOTP(secret)
        now = time.time()
        for drift in (0, -1, 1):
            at = now + drift * totp.interval
            if secrets.compare_digest(totp.at(at).encode(), code.strip().encode()):
                return self._store.claim_totp_step(user_id, int(at // totp.interval))
        return False

    def _successors(self, refresh_token: str) -> list[str]:
        """The successor of `refresh_token` under each key of the key file (the current
        key's first): a token's successor is fixed, so a retry gets the same one."""
        return [
            base64.urlsafe_b64encode(hmac.digest(key, refresh_token.encode(), "sha256"))
            .rstrip(b"=")
            .decode()
            for key in self._keys.all_derived(_REFRESH)
        ]

    def login_refresh(self, refresh_token: str, client: str = "") -> dict[str, str]:
        """A new pair of the token's session (400 code 22 otherwise); see the module
        docstring for the retry rule. `client` is the presenter's address."""
        invalid = ApiError(400, BAD_REFRESH_TOKEN, "Invalid Refresh Token")
        successors = {_hash_token(token): token for token in self._successors(refresh_token)}
        hashes = tuple(successors)
        outcome, session = self._store.rotate_refresh_token(
            _hash_token(refresh_token),
            hashes[0],
            time.time(),
            self._settings.refresh_token_ttl,
            self._settings.refresh_grace,
            presenter=_hash_token(client)[:32],
            known=hashes[1:],
        )
        if outcome == "reused":
            self._revoked()
        if outcome != "ok" or session is None:
            raise invalid
        user = self._store.user_by_id(int(session["user_id"]))
        if user is None:
            raise invalid
        successor = str(session["successor"])
        # The same pair for a retry: the id token's claims are fixed by the successor.
        id_token = self._id_token(
            user, str(session["id"]), issued=int(session["issued"]), jti=successor[:32]
        )
        return {"id-token": id_token, "refresh-token": successors[successor]}

    def login_provider(self, provider_token: str) -> dict[str, str]:
        claims: dict[str, Any] | None = None
        for key in self._settings.idp_public_keys:
            try:
                claims = jwt.decode(
                    provider_token,
                    key,
                    algorithms=["RS256"],
                    audience=self._settings.idp_audience,
                    issuer=self._settings.idp_issuer,
                    options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                )
                break
            except (jwt.PyJWTError, ValueError, TypeError):
                continue
        subject = None if claims is None else claims.get("sub")
        if claims is None or not isinstance(subject, str) or not subject:
            raise ApiError(401, PROVIDER_TOKEN_INVALID, "Invalid provider token")
        issuer = str(claims["iss"])
        user = self._store.user_by_identity(issuer, subject)
        if user is None and self._settings.provider_auto_create:
            email = claims.get("email") or claims.get("preferred_username")
            if not isinstance(email, str) or "@" not in email:
                raise ApiError(401, PROVIDER_TOKEN_INVALID, "Invalid provider token")
            try:
                user = self._store.add_identity_user(email, issuer, subject)
            except ValueError:
                raise ApiError(
                    401,
                    PROVIDER_TOKEN_INVALID,
                    "This e-mail belongs to an account not created for this identity",
                ) from None
        if user is None:
            raise ApiError(401, PROVIDER_TOKEN_INVALID, "No account for this provider identity")
        return self._start_session(user)

    def add_federated_user(self, email: str, issuer: str, subject: str) -> None:
        """Create the account for the identity (issuer, subject) ahead of its first login
        (needed when `provider_auto_create` is off); ValueError when `email` is taken."""
        self._store.add_identity_user(email, issuer, subject)
