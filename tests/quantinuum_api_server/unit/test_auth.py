"""Id-token checks of `Authenticator`: expiry, pinned algorithm, signing key."""

from __future__ import annotations

import time

import jwt
import pytest

from quantinuum_api_server._auth import ISSUER, Authenticator
from quantinuum_api_server._errors import ApiError
from quantinuum_api_server._keys import KeyRing, key_path_for
from quantinuum_api_server._store import Store
from quantinuum_api_server.testing import fast_settings


def claims(user_id: int, **changes: object) -> dict[str, object]:
    now = int(time.time())
    return {"iss": ISSUER, "sub": str(user_id), "iat": now, "exp": now + 60, **changes}


def test_issued_tokens_authenticate(store: Store) -> None:
    auth = Authenticator(store, fast_settings())
    auth.add_user("a@b.c", "pw")
    pair = auth.login_password("a@b.c", "pw", None)
    assert auth.authenticate(pair["id-token"])["email"] == "a@b.c"


def test_expired_token_is_rejected(store: Store) -> None:
    auth = Authenticator(store, fast_settings(id_token_ttl=-120))
    auth.add_user("a@b.c", "pw")
    token = auth.login_password("a@b.c", "pw", None)["id-token"]
    with pytest.raises(ApiError) as info:
        auth.authenticate(token)
    assert (info.value.status, info.value.code) == (401, 20)


@pytest.mark.parametrize("forgery", ["alg-none", "other-key", "other-issuer", "no-exp"])
def test_forged_tokens_are_rejected(store: Store, forgery: str) -> None:
    auth = Authenticator(store, fast_settings())
    auth.add_user("a@b.c", "pw")
    sid = jwt.decode(
        auth.login_password("a@b.c", "pw", None)["id-token"], options={"verify_signature": False}
    )["sid"]
    keys = KeyRing(key_path_for(store.path))
    key, kid = keys.derived("id-token"), {"kid": keys.current}
    if forgery == "alg-none":
        token = jwt.encode(claims(1, sid=sid), key="", algorithm="none", headers=kid)
    elif forgery == "other-key":
        token = jwt.encode(claims(1, sid=sid), b"x" * 32, algorithm="HS256", headers=kid)
    elif forgery == "other-issuer":
        token = jwt.encode(claims(1, iss="someone", sid=sid), key, algorithm="HS256", headers=kid)
    else:
        token = jwt.encode(
            {"iss": ISSUER, "sub": "1", "iat": 0, "sid": sid}, key, algorithm="HS256", headers=kid
        )
    with pytest.raises(ApiError) as info:
        auth.authenticate(token)
    assert info.value.status == 401


def test_user_without_password_cannot_log_in_with_one(store: Store) -> None:
    auth = Authenticator(store, fast_settings())
    auth.add_user("fed@b.c", None)
    with pytest.raises(ApiError) as info:
        auth.login_password("fed@b.c", "anything", None)
    assert info.value.code == 21


def test_provider_tokens_need_a_configured_key_and_maybe_an_account(store: Store) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    now = int(time.time())
    token = jwt.encode(
        {"email": "new@b.c", "sub": "u1", "iat": now, "exp": now + 60, "aud": "app", "iss": "i"},
        key,
        algorithm="RS256",
    )
    idp = {"idp_public_keys": (pem,), "idp_audience": "app", "idp_issuer": "i"}
    strict = Authenticator(store, fast_settings(**idp, provider_auto_create=False))
    with pytest.raises(ApiError) as info:
        strict.login_provider(token)
    assert (info.value.status, info.value.code) == (401, 23)
    strict.add_federated_user("new@b.c", "i", "u1")
    assert set(strict.login_provider(token)) == {"id-token", "refresh-token"}
    unconfigured = Authenticator(store, fast_settings())
    with pytest.raises(ApiError):
        unconfigured.login_provider(token)
    wrong_audience = Authenticator(store, fast_settings(**{**idp, "idp_audience": "x"}))
    with pytest.raises(ApiError):
        wrong_audience.login_provider(token)
    with pytest.raises(ValueError, match="issuer and an audience"):
        Authenticator(store, fast_settings(idp_public_keys=(pem,)))
