"""Authentication against the real local service: password, MFA (TOTP), refresh rotation,
re-login after revocation, 401 retry, single-flight, federated login, persistent stores."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import keyring
import pyotp
import pytest

from quantinuum_api import _prompts
from quantinuum_api._auth import QuantinuumAuth, TokenManager
from quantinuum_api._config import Config
from quantinuum_api._credentials import (
    CredentialStorage,
    FileCredentialStorage,
    KeyringCredentialStorage,
    MemoryCredentialStorage,
    default_credential_storage,
)
from quantinuum_api._exceptions import (
    APIConnectionError,
    AuthenticationError,
    CredentialsRequiredError,
    MFARequiredError,
)
from quantinuum_api._http import (
    HttpOptions,
    acall,
    aclose_api_client,
    call,
    close_api_client,
    json_body,
)
from quantinuum_api._retry import RetryPolicy
from quantinuum_api_client.api.machines import get_machine_state, list_machines
from quantinuum_api_server.testing import LocalServer
from tests.keyrings import MemoryKeyring
from tests.quantinuum_api.unit.auth.helpers import make_jwt

NewUser = Callable[..., tuple[str, str, "str | None"]]


def login_url(server: LocalServer) -> str:
    return f"{server.base_url}v1/login"


def machines(server: LocalServer, mgr: TokenManager) -> list[Any]:
    """An authenticated call of the generated operation through QuantinuumAuth and retries."""
    api = mgr.http.api_client(server.base_url, auth=QuantinuumAuth(mgr), asynchronous=False)
    try:
        reply = call(list_machines.sync_detailed, "get machine list", client=api)
    finally:
        close_api_client(api)
    data = json_body(reply, "get machine list")
    assert isinstance(data, list)
    return data


def expire_id_token(store: CredentialStorage) -> str:
    """Replace the stored id token with an expired one, keeping the real refresh token."""
    refresh = store.refresh_token
    assert refresh is not None
    store._store_tokens(make_jwt(time.time() - 1), refresh)
    return refresh


# -- password and MFA ----------------------------------------------------------------------


def test_password_login_and_api_call(server: LocalServer, new_user: NewUser) -> None:
    email, password, _ = new_user()
    store = MemoryCredentialStorage()
    mgr = TokenManager(login_url(server), store=store, email=email, password=password)
    token = mgr.token()
    assert token.count(".") == 2
    assert store.user_name == email
    assert any(m["name"] == "H1-1E" for m in machines(server, mgr))
    assert mgr.login_count == 1


def test_wrong_password(server: LocalServer, new_user: NewUser) -> None:
    email, _, _ = new_user()
    mgr = TokenManager(
        login_url(server), store=MemoryCredentialStorage(), email=email, password="wrong-pw"
    )
    with pytest.raises(AuthenticationError, match="Login failed: HTTP 401") as info:
        mgr.token()
    assert info.value.error_code == 21
    assert "wrong-pw" not in str(info.value)


def test_mfa_login_with_totp(server: LocalServer, new_user: NewUser) -> None:
    email, password, secret = new_user(mfa=True)
    assert secret is not None
    asked: list[int] = []

    def code() -> str:
        asked.append(1)
        return pyotp.TOTP(secret).now()

    mgr = TokenManager(
        login_url(server),
        store=MemoryCredentialStorage(),
        email=email,
        password=password,
        mfa_code=code,
    )
    mgr.token()
    assert asked == [1]
    assert machines(server, mgr)


def test_mfa_wrong_code_and_no_support(
    server: LocalServer, new_user: NewUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    email, password, _ = new_user(mfa=True)
    url = login_url(server)
    wrong = TokenManager(
        url,
        store=MemoryCredentialStorage(),
        email=email,
        password=password,
        mfa_code=lambda: "000000",
    )
    with pytest.raises(AuthenticationError) as info:
        wrong.token()
    assert info.value.error_code == 74
    assert not isinstance(info.value, MFARequiredError)
    no_mfa = TokenManager(
        url, store=MemoryCredentialStorage(), email=email, password=password, support_mfa=False
    )
    with pytest.raises(MFARequiredError, match="support_mfa is False"):
        no_mfa.token()
    monkeypatch.setattr(_prompts, "stdin_is_tty", lambda: False)
    default = TokenManager(url, store=MemoryCredentialStorage(), email=email, password=password)
    with pytest.raises(MFARequiredError, match="stdin is not a terminal"):
        default.token()


def test_non_interactive_login_from_env(
    server: LocalServer, new_user: NewUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    email, password, _ = new_user()
    monkeypatch.setenv("QUANTINUUM_API_URL", server.base_url)
    monkeypatch.setenv("QUANTINUUM_EMAIL", email)
    monkeypatch.setenv("QUANTINUUM_PASSWORD", password)
    monkeypatch.setattr(_prompts, "stdin_is_tty", lambda: False)
    config = Config.load()
    assert config.api_url == server.base_url
    mgr = TokenManager(
        f"{config.api_url}v1/login",
        store=MemoryCredentialStorage(),
        email=config.user_name,
        password=config.password,
    )
    assert machines(server, mgr)


def test_no_credentials_and_no_terminal(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_prompts, "stdin_is_tty", lambda: False)
    with pytest.raises(CredentialsRequiredError):
        TokenManager(login_url(server), store=MemoryCredentialStorage()).token()


# -- refresh, rotation, revocation ---------------------------------------------------------


def test_refresh_rotates_and_revoked_family_forces_full_login(
    server: LocalServer, new_user: NewUser
) -> None:
    email, password, _ = new_user()
    store = MemoryCredentialStorage()
    mgr = TokenManager(login_url(server), store=store, email=email, password=password)
    mgr.token()
    old_refresh = expire_id_token(store)
    new_token = mgr.token()
    assert mgr.refresh_count == 1
    assert store.refresh_token not in (None, old_refresh)  # rotated
    assert machines(server, mgr)
    assert store.id_token == new_token

    # Once its successor was used too (before that, the service may take the old token
    # as a retry after a lost reply), presenting the used refresh token is rejected, and
    # revokes the whole family.
    expire_id_token(store)
    mgr.token()
    assert mgr.refresh_count == 2
    with httpx.Client() as raw:
        reply = raw.post(login_url(server), json={"refresh-token": old_refresh})
    assert reply.status_code == 400
    assert "Invalid Refresh Token" in reply.json()["error"]["text"]

    # The manager's current refresh token is now dead too: it falls back to a full login.
    expire_id_token(store)
    mgr.token()
    assert mgr.login_count == 2
    assert mgr.refresh_count == 2
    assert machines(server, mgr)


def test_revoked_refresh_without_password_is_a_typed_error(
    server: LocalServer, new_user: NewUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    email, password, _ = new_user()
    store = MemoryCredentialStorage()
    TokenManager(login_url(server), store=store, email=email, password=password).token()
    store._store_tokens(make_jwt(time.time() - 1), "not-a-real-refresh-token")
    monkeypatch.setattr(_prompts, "stdin_is_tty", lambda: False)
    mgr = TokenManager(login_url(server), store=store)  # knows the e-mail, not the password
    with pytest.raises(CredentialsRequiredError, match="not a terminal"):
        mgr.token()
    assert mgr.refresh_count == 0


def test_401_on_api_call_refreshes_once_and_resends(server: LocalServer, new_user: NewUser) -> None:
    email, password, _ = new_user()
    store = MemoryCredentialStorage()
    mgr = TokenManager(login_url(server), store=store, email=email, password=password)
    mgr.token()
    refresh = store.refresh_token
    assert refresh is not None
    # An id token that looks valid to the client (exp in an hour) but the server rejects.
    store._store_tokens(make_jwt(time.time() + 3600, sub="forged"), refresh)
    assert machines(server, mgr)
    assert mgr.refresh_count == 1
    assert mgr.login_count == 1


# -- single-flight against single-use refresh tokens ----------------------------------------


def test_threads_share_one_refresh_live(server: LocalServer, new_user: NewUser) -> None:
    email, password, _ = new_user()
    store = MemoryCredentialStorage()
    mgr = TokenManager(
        login_url(server), store=store, email=email, password=password, credentials_prompt=None
    )
    mgr.token()
    expire_id_token(store)
    n = 8
    barrier = threading.Barrier(n)
    tokens: list[str] = []

    def worker() -> None:
        barrier.wait()
        tokens.append(mgr.token())

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(tokens) == n
    assert len(set(tokens)) == 1
    assert mgr.refresh_count == 1  # a second refresh would have revoked the family
    assert mgr.login_count == 1
    assert machines(server, mgr)


async def test_tasks_share_one_refresh_live(server: LocalServer, new_user: NewUser) -> None:
    email, password, _ = new_user()
    store = MemoryCredentialStorage()
    mgr = TokenManager(login_url(server), store=store, email=email, password=password)
    await mgr.atoken()
    expire_id_token(store)
    tokens = await asyncio.gather(*(mgr.atoken() for _ in range(10)))
    assert len(set(tokens)) == 1
    assert mgr.refresh_count == 1
    assert mgr.login_count == 1
    api = mgr.http.api_client(server.base_url, auth=QuantinuumAuth(mgr), sync=False)
    try:
        reply = await acall(
            get_machine_state.asyncio_detailed, "get machine status", "H1-1E", client=api
        )
    finally:
        await aclose_api_client(api)
    assert "state" in json_body(reply, "get machine status")


async def test_async_mfa_login(server: LocalServer, new_user: NewUser) -> None:
    email, password, secret = new_user(mfa=True)
    assert secret is not None

    async def code() -> str:
        return pyotp.TOTP(secret).now()

    mgr = TokenManager(
        login_url(server),
        store=MemoryCredentialStorage(),
        email=email,
        password=password,
        mfa_code=code,
    )
    await mgr.afull_login()
    assert mgr.store.id_token is not None


# -- federated -----------------------------------------------------------------------------


def test_federated_login_with_provider_callable(server: LocalServer) -> None:
    calls: list[str] = []

    def provider() -> str:
        calls.append("called")
        return server.mint_provider_token("fed-user@example.com")

    mgr = TokenManager(login_url(server), store=MemoryCredentialStorage(), provider_token=provider)
    assert machines(server, mgr)
    assert calls == ["called"]
    # refresh works the same for federated sessions
    expire_id_token(mgr.store)
    mgr.token()
    assert mgr.refresh_count == 1
    assert calls == ["called"]


async def test_federated_async_provider_and_bad_token(server: LocalServer) -> None:
    async def provider() -> str:
        return server.mint_provider_token("fed-async@example.com")

    mgr = TokenManager(login_url(server), store=MemoryCredentialStorage(), provider_token=provider)
    assert await mgr.atoken()
    forged = make_jwt(time.time() + 600, email="evil@example.com")
    bad = TokenManager(
        login_url(server), store=MemoryCredentialStorage(), provider_token=lambda: forged
    )
    with pytest.raises(AuthenticationError, match="Federated Login failed") as info:
        await bad.atoken()
    assert info.value.error_code == 23


# -- persistent stores ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["file", "keyring"])
def test_persistent_store_survives_a_new_manager(
    server: LocalServer, new_user: NewUser, tmp_path: Path, kind: str
) -> None:
    email, password, _ = new_user()

    def make_store() -> CredentialStorage:
        if kind == "file":
            return FileCredentialStorage(tmp_path / "creds.json", namespace=server.base_url)
        return KeyringCredentialStorage(server.base_url)

    first = TokenManager(login_url(server), store=make_store(), email=email, password=password)
    token = first.token()
    # A new process: no password, no prompt; the stored tokens are enough.
    second = TokenManager(login_url(server), store=make_store(), credentials_prompt=None)
    assert second.token() == token
    assert second.store.user_name == email
    expire_id_token(second.store)
    assert machines(server, second)
    assert second.refresh_count == 1
    assert second.login_count == 0
    if kind == "keyring":
        backend = keyring.get_keyring()
        assert isinstance(backend, MemoryKeyring)
        assert any(server.base_url in user for _, user in backend.entries)
    second.logout()
    assert make_store().refresh_token is None


def test_default_store_without_keyring_falls_back_to_file(
    server: LocalServer, new_user: NewUser, config_dir: Path
) -> None:
    import keyring.backends.fail

    keyring.set_keyring(keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]
    email, password, _ = new_user()
    with pytest.warns(UserWarning, match="No usable system keyring"):
        store = default_credential_storage(server.base_url)
    assert isinstance(store, FileCredentialStorage)
    TokenManager(login_url(server), store=store, email=email, password=password).token()
    assert (config_dir / "credentials.json").exists()


# -- HTTP options reach the token exchange -------------------------------------------------


def test_explicit_proxy_is_used_for_the_token_exchange(server: LocalServer) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    slept: list[float] = []
    opts = HttpOptions(
        proxy=f"http://127.0.0.1:{dead_port}",
        retry=RetryPolicy(max_retries=2, jitter=False),
        sleep=slept.append,
    )
    mgr = TokenManager(
        login_url(server),
        store=MemoryCredentialStorage(),
        http=opts,
        provider_token=lambda: server.mint_provider_token("proxy@example.com"),
    )
    with pytest.raises(APIConnectionError, match="Federated Login failed after 3 attempts"):
        mgr.token()
    assert slept == [0.5, 1.0]


def test_trust_env_proxy_reaches_the_token_exchange(
    server: LocalServer, new_user: NewUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    email, password, _ = new_user()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{dead_port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    none = RetryPolicy.none()
    via_env = TokenManager(
        login_url(server),
        store=MemoryCredentialStorage(),
        email=email,
        password=password,
        http=HttpOptions(retry=none),
    )
    with pytest.raises(APIConnectionError, match="Login failed"):
        via_env.token()
    direct = TokenManager(
        login_url(server),
        store=MemoryCredentialStorage(),
        email=email,
        password=password,
        http=HttpOptions(trust_env=False, retry=none),
    )
    assert direct.token()


async def test_websocket_kwargs_are_accepted_by_websockets(server: LocalServer) -> None:
    from websockets.asyncio.client import connect

    opts = HttpOptions(trust_env=False, headers={"X-Trace": "1"})
    async with connect(server.ws_url, **opts.websocket_kwargs(server.ws_url)) as ws:
        await ws.send(
            '{"action": "OpenConnection", "task_token": "bogus", "executionArn": "x", '
            '"partial": false}'
        )
        reply = await asyncio.wait_for(ws.recv(), 10)
    assert '"error"' in str(reply)


class _RefusesEveryOtherRefresh(httpx.BaseTransport):
    """The network below the SDK's retries: every other token refresh never connects."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.refreshes = 0
        self.refused = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/v1/login") and b"refresh-token" in request.read():
            self.refreshes += 1
            if self.refreshes % 2 == 1:
                self.refused += 1
                raise httpx.ConnectError("connection refused (injected)", request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_refresh_that_never_connected_is_retried_and_the_session_survives(
    server: LocalServer, new_user: NewUser
) -> None:
    """Issue 14 item 8: a refresh-token-only session (the CI set-up) must not die because
    a refresh never reached the service."""
    email, password, _ = new_user()
    seed = TokenManager(
        login_url(server), store=MemoryCredentialStorage(), email=email, password=password
    )
    seed.token()
    refresh = seed.store.refresh_token
    assert refresh is not None

    faults = _RefusesEveryOtherRefresh()
    http = HttpOptions(retry=RetryPolicy(backoff_initial=0.01, jitter=False), transport=faults)
    store = MemoryCredentialStorage()
    mgr = TokenManager(
        login_url(server), store=store, http=http, refresh_token=refresh, credentials_prompt=None
    )
    for _ in range(5):  # five forced refreshes, the first attempt of each refused
        mgr.token()
        assert machines(server, mgr)
        expire_id_token(store)
    assert faults.refused == 5
    assert faults.refreshes == 10
    assert mgr.refresh_count == 5
    assert mgr.login_count == 0  # never fell back to a password it does not have
