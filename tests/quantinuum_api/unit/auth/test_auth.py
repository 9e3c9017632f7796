"""TokenManager and QuantinuumAuth against respx: login, MFA, refresh, 401 retry, single-flight."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from quantinuum_api import _prompts
from quantinuum_api._auth import QuantinuumAuth, TokenManager
from quantinuum_api._credentials import MemoryCredentialStorage
from quantinuum_api._exceptions import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    CredentialsRequiredError,
    MFARequiredError,
    QuantinuumAPIError,
    RateLimitError,
    ResponseValidationError,
)
from quantinuum_api._http import HttpOptions, request
from quantinuum_api._retry import RetryPolicy
from tests.quantinuum_api.unit.auth.helpers import fresh_jwt, make_jwt

LOGIN = "http://svc.test/v1/login"
JOB = "http://svc.test/v1/job/abc"
PASSWORD = "correct-horse-battery"


def pair(name: str, lifetime: float = 3600) -> dict[str, str]:
    return {"id-token": fresh_jwt(f"id-{name}", lifetime), "refresh-token": f"refresh-{name}"}


def error(status: int, code: int, text: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "text": text}})


def body_of(call: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(call.request.content)
    return data


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def no_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_prompts, "stdin_is_tty", lambda: False)


def manager(store: MemoryCredentialStorage | None = None, **kw: Any) -> TokenManager:
    kw.setdefault("email", "ada@example.com")
    kw.setdefault("password", PASSWORD)
    http = HttpOptions(retry=RetryPolicy(jitter=False), sleep=lambda s: None)
    return TokenManager(LOGIN, store=store or MemoryCredentialStorage(), http=http, **kw)


# -- password login and MFA ----------------------------------------------------------------


def test_password_login_stores_tokens(mock: respx.MockRouter) -> None:
    reply = pair("a")
    route = mock.post(LOGIN).mock(return_value=httpx.Response(200, json=reply))
    store = MemoryCredentialStorage()
    mgr = manager(store)
    token = mgr.token()
    assert token == reply["id-token"]
    assert store.id_token == token
    assert store.refresh_token == "refresh-a"
    assert store.user_name == "ada@example.com"
    assert body_of(route.calls[0]) == {"email": "ada@example.com", "password": PASSWORD}
    assert mgr.token() == token  # cached: no second request
    assert route.call_count == 1
    assert mgr.login_count == 1


def test_mfa_code_callback_is_used(mock: respx.MockRouter) -> None:
    route = mock.post(LOGIN).mock(
        side_effect=[
            error(401, 73, "MFA verification code required"),
            httpx.Response(200, json=pair("m")),
        ]
    )
    codes = iter(["123456"])
    mgr = manager(mfa_code=lambda: next(codes))
    mgr.token()
    assert route.call_count == 2
    assert "code" not in body_of(route.calls[0])
    assert body_of(route.calls[1])["code"] == "123456"


def test_wrong_mfa_code_gives_server_text(mock: respx.MockRouter) -> None:
    mock.post(LOGIN).mock(
        side_effect=[
            error(401, 73, "MFA verification code required"),
            error(401, 74, "Invalid MFA code"),
        ]
    )
    mgr = manager(mfa_code=lambda: "000000")
    with pytest.raises(AuthenticationError, match="Invalid MFA code") as info:
        mgr.token()
    assert not isinstance(info.value, MFARequiredError)
    assert info.value.error_code == 74
    assert info.value.response is None  # the request held the password
    assert PASSWORD not in str(info.value)
    assert PASSWORD not in repr(info.value)


def test_support_mfa_false_raises_mfa_required(mock: respx.MockRouter) -> None:
    route = mock.post(LOGIN).mock(return_value=error(401, 73, "MFA verification code required"))
    with pytest.raises(MFARequiredError, match="support_mfa is False"):
        manager(support_mfa=False, mfa_code=lambda: "1").token()
    assert route.call_count == 1


def test_mfa_without_tty_raises_instead_of_blocking(mock: respx.MockRouter, no_tty: None) -> None:
    mock.post(LOGIN).mock(return_value=error(401, 73, "MFA verification code required"))
    with pytest.raises(MFARequiredError, match="stdin is not a terminal"):
        manager().token()  # default prompt


def test_mfa_callback_none_reraises_server_error(mock: respx.MockRouter) -> None:
    mock.post(LOGIN).mock(return_value=error(401, 73, "MFA verification code required"))
    with pytest.raises(MFARequiredError, match="MFA verification code required") as info:
        manager(mfa_code=None).token()
    assert info.value.status_code == 401


def test_empty_mfa_code_is_rejected(mock: respx.MockRouter) -> None:
    route = mock.post(LOGIN).mock(return_value=error(401, 73, "MFA verification code required"))
    with pytest.raises(MFARequiredError, match="returned no code"):
        manager(mfa_code=lambda: "  ").token()
    assert route.call_count == 1


def test_bad_password(mock: respx.MockRouter) -> None:
    mock.post(LOGIN).mock(return_value=error(401, 21, "Invalid email or password"))
    with pytest.raises(
        AuthenticationError, match=r"Login failed: HTTP 401.*Invalid email or password"
    ):
        manager().token()


def test_login_throttled_is_rate_limit_error(mock: respx.MockRouter) -> None:
    mock.post(LOGIN).mock(
        return_value=httpx.Response(
            429,
            headers={"Retry-After": "900"},
            json={"error": {"code": 29, "text": "Too many failed logins"}},
        )
    )
    with pytest.raises(RateLimitError) as info:
        manager().token()
    assert info.value.retry_after == 900.0


def test_no_credentials_without_tty(mock: respx.MockRouter, no_tty: None) -> None:
    route = mock.post(LOGIN)
    mgr = TokenManager(LOGIN, store=MemoryCredentialStorage())
    with pytest.raises(CredentialsRequiredError, match="QUANTINUUM_USER_NAME"):
        mgr.token()
    with pytest.raises(CredentialsRequiredError, match="prompting is disabled"):
        TokenManager(LOGIN, store=MemoryCredentialStorage(), credentials_prompt=None).token()
    assert route.call_count == 0


def test_custom_credentials_prompt_and_seed_memory_password(mock: respx.MockRouter) -> None:
    route = mock.post(LOGIN).mock(return_value=httpx.Response(200, json=pair("c")))
    TokenManager(
        LOGIN, store=MemoryCredentialStorage(), credentials_prompt=lambda: ("c@x.y", "pw-c")
    ).token()
    assert body_of(route.calls[0]) == {"email": "c@x.y", "password": "pw-c"}
    seed_store = MemoryCredentialStorage()
    seed_store._store_credentials("seed@x.y", "pw-seed")
    TokenManager(LOGIN, store=seed_store, credentials_prompt=None).token()
    assert body_of(route.calls[1]) == {"email": "seed@x.y", "password": "pw-seed"}


def test_malformed_token_reply(mock: respx.MockRouter) -> None:
    mock.post(LOGIN).mock(
        side_effect=[
            httpx.Response(200, content=b"<html>"),
            httpx.Response(200, json={"id-token": "x"}),
            httpx.Response(200, json={"id-token": 5, "refresh-token": "r"}),
            httpx.Response(200, json=["id", "r"]),
        ]
    )
    mgr = manager()
    for pattern in [
        "not valid JSON",
        "no valid 'refresh-token'",
        "no valid 'id-token'",
        "JSON object",
    ]:
        with pytest.raises(ResponseValidationError, match=f"Login: .*{pattern}"):
            mgr.token()


def test_repr_hides_password_and_tokens(mock: respx.MockRouter) -> None:
    mock.post(LOGIN).mock(return_value=httpx.Response(200, json=pair("r")))
    mgr = manager()
    token = mgr.token()
    for text in (repr(mgr), repr(QuantinuumAuth(mgr)), repr(mgr.store), repr(vars(mgr))):
        assert PASSWORD not in text
        assert token not in text


# -- refresh -------------------------------------------------------------------------------


def test_refresh_before_expiry(mock: respx.MockRouter) -> None:
    store = MemoryCredentialStorage()
    store._store_login("ada@example.com")
    near = make_jwt(time.time() + 45)  # inside the 60 s margin
    store._store_tokens(near, "refresh-old")
    route = mock.post(LOGIN).mock(return_value=httpx.Response(200, json=pair("new")))
    mgr = manager(store)
    token = mgr.token()
    assert token != near
    assert body_of(route.calls[0]) == {"refresh-token": "refresh-old"}
    assert store.refresh_token == "refresh-new"
    assert mgr.refresh_count == 1
    assert mgr.login_count == 0


def test_invalid_refresh_token_falls_back_to_full_login(mock: respx.MockRouter) -> None:
    store = MemoryCredentialStorage()
    store._store_tokens(make_jwt(time.time() - 5), "refresh-revoked")
    route = mock.post(LOGIN).mock(
        side_effect=[
            error(400, 22, "Invalid Refresh Token"),
            httpx.Response(200, json=pair("full")),
        ]
    )
    mgr = manager(store)
    mgr.token()
    assert body_of(route.calls[0]) == {"refresh-token": "refresh-revoked"}
    assert body_of(route.calls[1])["password"] == PASSWORD
    assert store.refresh_token == "refresh-full"
    assert (mgr.refresh_count, mgr.login_count) == (0, 1)


def test_refresh_is_never_retried_on_5xx(mock: respx.MockRouter) -> None:
    store = MemoryCredentialStorage()
    store._store_tokens(make_jwt(time.time() - 5), "refresh-1")
    route = mock.post(LOGIN).mock(return_value=httpx.Response(503))
    with pytest.raises(QuantinuumAPIError, match="Token Refresh failed: HTTP 503"):
        manager(store).token()
    # the service answered (it did not spend the token), and a long Retry-After could outlast
    # its grace window for a resent token: an error reply is not resent
    assert route.call_count == 1


def test_refresh_that_never_reached_the_server_is_retried(mock: respx.MockRouter) -> None:
    """Issue 14 item 8: a connect failure means the token was not presented; try again."""
    store = MemoryCredentialStorage()
    store._store_tokens(make_jwt(time.time() - 5), "refresh-1")
    route = mock.post(LOGIN).mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json=pair("new"))]
    )
    mgr = manager(store)
    assert mgr.token() == store.id_token
    assert route.call_count == 2
    assert mgr.refresh_count == 1
    assert mgr.login_count == 0
    assert [json.loads(c.request.content) for c in route.calls] == [
        {"refresh-token": "refresh-1"}
    ] * 2


def _reachable_text(exc: BaseException) -> str:
    """Everything an exception exposes: message, repr, attributes, cause and context, and
    the local variables of the SDK frames in its traceback (not the test's own)."""
    parts = [str(exc), repr(exc), repr(vars(exc))]
    tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None
    while tb is not None:
        parts.append(repr(tb.tb_frame.f_locals))
        tb = tb.tb_next
    for linked in (exc.__cause__, exc.__context__):
        if linked is not None:
            parts.append(_reachable_text(linked))
            request = getattr(linked, "_request", None)
            if isinstance(request, httpx.Request):
                parts.append(request.read().decode())
    return "\n".join(parts)


def test_a_secret_echoed_by_the_server_stays_out_of_the_error(mock: respx.MockRouter) -> None:
    """Issue 14 item 7: the service echoed an over-long password in its 400 text."""
    long_password = "p" * 2000
    mock.post(LOGIN).mock(return_value=error(400, 10, f"password too long: {long_password}"))
    with pytest.raises(QuantinuumAPIError) as info:
        manager(password=long_password).token()
    text = _reachable_text(info.value)
    assert long_password not in text
    assert "<hidden>" in str(info.value)
    assert info.value.response is None
    assert info.value.__cause__ is None
    assert info.value.__context__ is None


async def test_async_login_failure_keeps_no_secret(mock: respx.MockRouter) -> None:
    mock.post(LOGIN).mock(return_value=error(401, 20, "Invalid credentials"))
    with pytest.raises(AuthenticationError) as info:
        await manager().atoken()
    assert PASSWORD not in _reachable_text(info.value)


def test_a_failed_refresh_keeps_no_token(mock: respx.MockRouter, no_tty: None) -> None:
    store = MemoryCredentialStorage()
    store._store_tokens(make_jwt(time.time() - 5), "refresh-secret-1")
    mock.post(LOGIN).mock(side_effect=httpx.ReadTimeout("reply lost"))
    with pytest.raises(APIConnectionError) as info:
        manager(store, password=None, credentials_prompt=None).token()
    assert "refresh-secret-1" not in _reachable_text(info.value)


def test_a_login_with_no_reply_keeps_no_request(mock: respx.MockRouter) -> None:
    """Issue 14 item 7: the httpx error of a failed exchange holds the request body."""
    mock.post(LOGIN).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError, match="Login failed after 4 attempts") as info:
        manager().token()
    assert not isinstance(info.value, APIStatusError)
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    assert PASSWORD not in _reachable_text(info.value)


def test_logout_and_full_login(mock: respx.MockRouter) -> None:
    route = mock.post(LOGIN).mock(
        side_effect=[httpx.Response(200, json=pair("1")), httpx.Response(200, json=pair("2"))]
    )
    mgr = manager()
    first = mgr.token()
    mgr.full_login()
    assert mgr.token() != first
    assert route.call_count == 2
    mgr.logout()
    assert mgr.store.id_token is None
    assert mgr.store.refresh_token is None


# -- QuantinuumAuth: raw header, one retry after 401 ---------------------------------------


def test_auth_flow_sets_raw_header_and_retries_once_on_401(mock: respx.MockRouter) -> None:
    store = MemoryCredentialStorage()
    first = fresh_jwt("first")
    store._store_tokens(first, "refresh-1")
    second = pair("second")
    mock.post(LOGIN).mock(return_value=httpx.Response(200, json=second))
    job = mock.get(JOB).mock(
        side_effect=[
            error(401, 20, "Invalid or expired id token"),
            httpx.Response(200, json={"job": "abc"}),
        ]
    )
    mgr = manager(store)
    with httpx.Client(auth=QuantinuumAuth(mgr)) as client:
        response = client.get(JOB)
    assert response.json() == {"job": "abc"}
    assert job.calls[0].request.headers["Authorization"] == first  # no "Bearer "
    assert job.calls[1].request.headers["Authorization"] == second["id-token"]
    assert mgr.refresh_count == 1


def test_auth_flow_gives_up_after_second_401(mock: respx.MockRouter) -> None:
    store = MemoryCredentialStorage()
    store._store_tokens(fresh_jwt("first"), "refresh-1")
    mock.post(LOGIN).mock(return_value=httpx.Response(200, json=pair("second")))
    job = mock.get(JOB).mock(return_value=error(401, 20, "Invalid or expired id token"))
    with (
        httpx.Client(auth=QuantinuumAuth(manager(store))) as client,
        pytest.raises(AuthenticationError, match="job status"),
    ):
        request(client, "GET", JOB, operation="job status")
    assert job.call_count == 2


async def test_async_auth_flow(mock: respx.MockRouter) -> None:
    store = MemoryCredentialStorage()
    store._store_tokens(fresh_jwt("first"), "refresh-1")
    mock.post(LOGIN).mock(return_value=httpx.Response(200, json=pair("second")))
    job = mock.get(JOB).mock(side_effect=[error(401, 20, "expired"), httpx.Response(200, json={})])
    mgr = manager(store)
    async with httpx.AsyncClient(auth=QuantinuumAuth(mgr)) as client:
        response = await client.get(JOB)
    assert response.status_code == 200
    assert job.calls[1].request.headers["Authorization"] == store.id_token
    assert mgr.refresh_count == 1


# -- async login paths ---------------------------------------------------------------------


async def test_async_login_with_async_and_sync_callbacks(mock: respx.MockRouter) -> None:
    route = mock.post(LOGIN).mock(
        side_effect=[
            error(401, 73, "MFA"),
            httpx.Response(200, json=pair("a")),
            httpx.Response(200, json=pair("b")),
        ]
    )

    async def code() -> str:
        return "654321"

    mgr = manager(mfa_code=code)
    assert await mgr.atoken() == mgr.store.id_token
    assert body_of(route.calls[1])["code"] == "654321"

    provider_calls: list[int] = []

    def provider() -> str:
        provider_calls.append(1)
        return "provider-jwt"

    fed = TokenManager(LOGIN, store=MemoryCredentialStorage(), provider_token=provider)
    await fed.afull_login()
    assert body_of(route.calls[2]) == {"provider-token": "provider-jwt"}
    assert provider_calls == [1]


def test_provider_token_callable(mock: respx.MockRouter) -> None:
    route = mock.post(LOGIN).mock(return_value=httpx.Response(200, json=pair("f")))
    mgr = TokenManager(LOGIN, store=MemoryCredentialStorage(), provider_token=lambda: "idp-token")
    mgr.token()
    assert body_of(route.calls[0]) == {"provider-token": "idp-token"}
    assert "federated" in repr(mgr)


def test_async_provider_in_sync_code_is_a_clear_error(mock: respx.MockRouter) -> None:
    async def provider() -> str:
        return "x"

    mgr = TokenManager(LOGIN, store=MemoryCredentialStorage(), provider_token=provider)
    with pytest.raises(TypeError, match="use the async API"):
        mgr.token()


def test_bad_login_url() -> None:
    with pytest.raises(ValueError, match="login_url"):
        TokenManager("ftp://x/v1/login", store=MemoryCredentialStorage())


# -- single-flight -------------------------------------------------------------------------


def expired_store() -> MemoryCredentialStorage:
    store = MemoryCredentialStorage()
    store._store_login("ada@example.com")
    store._store_tokens(make_jwt(time.time() - 1), "refresh-0")
    return store


def test_threads_share_one_refresh(mock: respx.MockRouter) -> None:
    n = 12
    started = threading.Barrier(n + 1)
    release = threading.Event()

    def refresh(request: httpx.Request) -> httpx.Response:
        release.wait(10)  # hold the refresh open until every thread has asked for a token
        return httpx.Response(200, json=pair("shared"))

    route = mock.post(LOGIN).mock(side_effect=refresh)
    mgr = manager(expired_store())
    results: list[str] = []

    def worker() -> None:
        started.wait()
        results.append(mgr.token())

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    started.wait()
    release.set()
    for t in threads:
        t.join(10)
    assert route.call_count == 1
    assert len(results) == n
    assert len(set(results)) == 1
    assert mgr.refresh_count == 1


async def test_tasks_share_one_refresh(mock: respx.MockRouter) -> None:
    n = 20
    entered = 0
    everyone_in = asyncio.Event()

    async def refresh(request: httpx.Request) -> httpx.Response:
        await everyone_in.wait()
        return httpx.Response(200, json=pair("shared"))

    route = mock.post(LOGIN).mock(side_effect=refresh)
    mgr = manager(expired_store())

    async def task() -> str:
        nonlocal entered
        entered += 1
        if entered == n:
            everyone_in.set()
        return await mgr.atoken()

    results = await asyncio.wait_for(asyncio.gather(*(task() for _ in range(n))), 10)
    assert route.call_count == 1
    assert len(set(results)) == 1


def test_threads_and_tasks_on_several_loops_share_one_refresh(mock: respx.MockRouter) -> None:
    loops, per_loop, threads_n = 3, 5, 4
    parties = loops + threads_n + 1
    started = threading.Barrier(parties)
    release = threading.Event()

    def refresh(request: httpx.Request) -> httpx.Response:
        release.wait(10)
        return httpx.Response(200, json=pair("shared"))

    route = mock.post(LOGIN).mock(side_effect=refresh)
    mgr = manager(expired_store())
    results: list[str] = []
    lock = threading.Lock()

    def loop_worker() -> None:
        async def main() -> list[str]:
            started.wait()
            return list(await asyncio.gather(*(mgr.atoken() for _ in range(per_loop))))

        got = asyncio.run(main())
        with lock:
            results.extend(got)

    def sync_worker() -> None:
        started.wait()
        token = mgr.token()
        with lock:
            results.append(token)

    workers = [threading.Thread(target=loop_worker) for _ in range(loops)]
    workers += [threading.Thread(target=sync_worker) for _ in range(threads_n)]
    for w in workers:
        w.start()
    started.wait()
    release.set()
    for w in workers:
        w.join(20)
    assert route.call_count == 1
    assert len(results) == loops * per_loop + threads_n
    assert len(set(results)) == 1


async def test_cancelled_waiter_does_not_leak_the_lock(mock: respx.MockRouter) -> None:
    mgr = manager(expired_store())
    mock.post(LOGIN).mock(return_value=httpx.Response(200, json=pair("after")))
    assert mgr._lock.acquire()  # a "sync thread" holds the lock
    waiter = asyncio.create_task(mgr.atoken())
    await asyncio.sleep(0)  # let it start waiting for the lock in the executor
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    mgr._lock.release()
    token = await asyncio.wait_for(mgr.atoken(), 10)  # would hang if the lock leaked
    assert token == mgr.store.id_token


async def test_sync_token_inside_owning_loop_raises_instead_of_deadlocking(
    mock: respx.MockRouter,
) -> None:
    gate = asyncio.Event()
    in_refresh = asyncio.Event()

    async def refresh(request: httpx.Request) -> httpx.Response:
        in_refresh.set()
        await gate.wait()
        return httpx.Response(200, json=pair("x"))

    mock.post(LOGIN).mock(side_effect=refresh)
    mgr = manager(expired_store())
    renewing = asyncio.create_task(mgr.atoken())
    await asyncio.wait_for(in_refresh.wait(), 10)
    with pytest.raises(QuantinuumAPIError, match="use `await atoken\\(\\)`"):
        mgr.token()
    gate.set()
    await renewing


def test_seed_refresh_token_is_used_once(mock: respx.MockRouter, no_tty: None) -> None:
    route = mock.post(LOGIN).mock(
        side_effect=[
            httpx.Response(200, json=pair("from-env")),
            error(400, 22, "Invalid Refresh Token"),
        ]
    )
    store = MemoryCredentialStorage()
    mgr = TokenManager(LOGIN, store=store, refresh_token="refresh-env", credentials_prompt=None)
    mgr.token()
    assert body_of(route.calls[0]) == {"refresh-token": "refresh-env"}
    assert store.refresh_token == "refresh-from-env"
    assert "refresh-env" not in repr(vars(mgr))
    store.delete_credential()
    with pytest.raises(CredentialsRequiredError):
        mgr.token()  # the seed token is not presented a second time
    assert route.call_count == 1


def test_tokens_of_another_user_are_not_used(mock: respx.MockRouter) -> None:
    store = MemoryCredentialStorage()
    store._store_login("someone-else@example.com")
    other = fresh_jwt("other-user")
    store._store_tokens(other, "refresh-other")
    reply = pair("mine")
    route = mock.post(LOGIN).mock(return_value=httpx.Response(200, json=reply))
    mgr = manager(store)  # ada@example.com
    assert mgr.token() == reply["id-token"]
    assert body_of(route.calls[0])["email"] == "ada@example.com"
    assert store.user_name == "ada@example.com"
    same = manager(store, email="ADA@example.com")
    assert same.token() == reply["id-token"]  # same user (case-insensitive): reused
    assert route.call_count == 1


def test_invalidated_token_is_not_kept_in_clear(mock: respx.MockRouter) -> None:
    reply = pair("v")
    mock.post(LOGIN).mock(return_value=httpx.Response(200, json=reply))
    mgr = manager()
    token = mgr.token()
    mgr.invalidate_id_token()
    assert token not in repr(vars(mgr))
    assert mgr.token() == reply["id-token"]  # the stored refresh token is used again
    assert mgr.refresh_count == 1


def test_refresh_answered_with_401_also_falls_back_to_login(mock: respx.MockRouter) -> None:
    store = MemoryCredentialStorage()
    store._store_tokens(make_jwt(time.time() - 5), "refresh-x")
    route = mock.post(LOGIN).mock(
        side_effect=[error(401, 20, "expired"), httpx.Response(200, json=pair("ok"))]
    )
    mgr = manager(store)
    mgr.token()
    assert route.call_count == 2
    assert mgr.login_count == 1
