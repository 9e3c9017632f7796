"""The retrying transport under every SDK client: faults a real server cannot easily
produce, via respx (which replaces the network below the transport)."""

from __future__ import annotations

import datetime
import email.utils
import ssl
from collections.abc import Iterator

import httpx
import pytest
import respx

from quantinuum_api._exceptions import (
    APIConnectionError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    parse_json,
)
from quantinuum_api._http import HttpOptions, arequest, request
from quantinuum_api._retry import RetryPolicy
from quantinuum_api._transport import RetryTransport

URL = "http://svc.test/v1/job/abc"
SUBMIT = "http://svc.test/v1/job"


class Sleeps:
    """Records requested sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def opts(sleeps: Sleeps) -> HttpOptions:
    policy = RetryPolicy(max_retries=3, backoff_initial=0.5, backoff_max=8.0, jitter=False)
    return HttpOptions(retry=policy, sleep=sleeps, asleep=sleeps.asleep)


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


# -- policy arithmetic ---------------------------------------------------------------------


def test_backoff_is_exponential_and_capped() -> None:
    policy = RetryPolicy(backoff_initial=0.5, backoff_max=3.0, jitter=False)
    assert [policy.delay(n) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_jitter_stays_within_75_to_100_percent() -> None:
    low = RetryPolicy(backoff_initial=2.0, random=lambda: 1.0)
    high = RetryPolicy(backoff_initial=2.0, random=lambda: 0.0)
    assert low.delay(0) == pytest.approx(1.5)
    assert high.delay(0) == pytest.approx(2.0)


def test_retry_after_honoured_and_capped() -> None:
    policy = RetryPolicy(max_retry_after=10.0, jitter=False)
    req = httpx.Request("GET", URL)
    assert policy.delay(0, httpx.Response(429, headers={"Retry-After": "4"}, request=req)) == 4.0
    assert policy.delay(0, httpx.Response(503, headers={"Retry-After": "99"}, request=req)) == 10.0
    assert policy.delay(2, httpx.Response(503, request=req)) == 2.0


def test_should_retry_rules() -> None:
    policy = RetryPolicy(max_retries=2)
    req = httpx.Request("GET", URL)
    r503 = httpx.Response(503, request=req)
    r400 = httpx.Response(400, request=req)
    assert policy.should_retry(0, idempotent=True, response=r503)
    assert not policy.should_retry(2, idempotent=True, response=r503)  # budget spent
    assert not policy.should_retry(0, idempotent=False, response=r503)
    assert not policy.should_retry(0, idempotent=True, response=r400)
    # never sent: safe for any method
    assert policy.should_retry(0, idempotent=False, exc=httpx.ConnectError("refused"))
    # may have been sent: only idempotent
    assert not policy.should_retry(0, idempotent=False, exc=httpx.ReadTimeout("slow"))
    assert policy.should_retry(0, idempotent=True, exc=httpx.ReadTimeout("slow"))
    assert not policy.should_retry(0, idempotent=True, exc=ValueError("bug"))


def test_policy_validation() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)
    assert RetryPolicy.none().max_retries == 0


# -- the loop ------------------------------------------------------------------------------


def test_5xx_burst_then_success(mock: respx.MockRouter, opts: HttpOptions, sleeps: Sleeps) -> None:
    route = mock.get(URL).mock(
        side_effect=[httpx.Response(503), httpx.Response(502), httpx.Response(200, json={"a": 1})]
    )
    with opts.client() as client:
        response = request(client, "GET", URL, operation="job status")
    assert response.json() == {"a": 1}
    assert route.call_count == 3
    assert sleeps.delays == [0.5, 1.0]


def test_budget_exhausted_raises_server_error(
    mock: respx.MockRouter, opts: HttpOptions, sleeps: Sleeps
) -> None:
    route = mock.get(URL).mock(
        return_value=httpx.Response(500, json={"error": {"code": 99, "text": "boom"}})
    )
    with (
        opts.client() as client,
        pytest.raises(ServerError, match=r"job status failed: HTTP 500.*boom"),
    ):
        request(client, "GET", URL, operation="job status")
    assert route.call_count == 4  # 1 + max_retries
    assert sleeps.delays == [0.5, 1.0, 2.0]


def test_429_retry_after_is_honoured(
    mock: respx.MockRouter, opts: HttpOptions, sleeps: Sleeps
) -> None:
    route = mock.get(URL).mock(
        side_effect=[
            httpx.Response(
                429, headers={"Retry-After": "7"}, json={"error": {"code": 29, "text": "slow"}}
            ),
            httpx.Response(200, json={}),
        ]
    )
    with opts.client() as client:
        request(client, "GET", URL, operation="job status")
    assert route.call_count == 2
    assert sleeps.delays == [7.0]


def test_429_asking_longer_than_cap_is_raised_not_waited(
    mock: respx.MockRouter, opts: HttpOptions, sleeps: Sleeps
) -> None:
    route = mock.get(URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    with opts.client() as client, pytest.raises(RateLimitError) as info:
        request(client, "GET", URL, operation="job status")
    assert info.value.retry_after == 3600.0
    assert route.call_count == 1
    assert sleeps.delays == []


def test_connect_errors_retried_then_transport_error(
    mock: respx.MockRouter, opts: HttpOptions, sleeps: Sleeps
) -> None:
    route = mock.get(URL).mock(side_effect=httpx.ConnectError("connection refused"))
    with (
        opts.client() as client,
        pytest.raises(APIConnectionError, match="after 4 attempts") as info,
    ):
        request(client, "GET", URL, operation="job status")
    assert route.call_count == 4
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert info.value.operation == "job status"


def test_read_timeout_retried_for_get(
    mock: respx.MockRouter, opts: HttpOptions, sleeps: Sleeps
) -> None:
    route = mock.get(URL).mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json={})]
    )
    with opts.client() as client:
        request(client, "GET", URL, operation="job status")
    assert route.call_count == 2


def test_post_without_idempotency_key_is_not_retried(
    mock: respx.MockRouter, opts: HttpOptions, sleeps: Sleeps
) -> None:
    route = mock.post(SUBMIT).mock(return_value=httpx.Response(503))
    with opts.client() as client, pytest.raises(ServerError):
        request(client, "POST", SUBMIT, operation="job submit", json={"a": 1})
    assert route.call_count == 1
    timeout_route = mock.post(SUBMIT + "/x/cancel").mock(side_effect=httpx.ReadTimeout("lost"))
    with opts.client() as client, pytest.raises(APIConnectionError, match="timed out"):
        request(client, "POST", SUBMIT + "/x/cancel", operation="job cancel")
    assert timeout_route.call_count == 1
    assert sleeps.delays == []


def test_post_with_idempotency_key_is_retried_with_the_same_key(
    mock: respx.MockRouter, opts: HttpOptions
) -> None:
    route = mock.post(SUBMIT).mock(
        side_effect=[
            httpx.ReadTimeout("lost reply"),
            httpx.Response(503),
            httpx.Response(200, json={"job": "j1"}),
        ]
    )
    with opts.client() as client:
        response = request(
            client,
            "POST",
            SUBMIT,
            operation="job submit",
            idempotent=False,
            json={"a": 1},
            headers={"Idempotency-Key": "key-1"},
        )
    assert response.json() == {"job": "j1"}
    assert route.call_count == 3
    assert {call.request.headers["Idempotency-Key"] for call in route.calls} == {"key-1"}
    assert all(call.request.content == b'{"a":1}' for call in route.calls)


def test_post_connect_error_is_retried_since_nothing_was_sent(
    mock: respx.MockRouter, opts: HttpOptions
) -> None:
    route = mock.post(SUBMIT).mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json={"job": "j"})]
    )
    with opts.client() as client:
        request(client, "POST", SUBMIT, operation="job submit", json={})
    assert route.call_count == 2


def test_raise_for_status_false_returns_the_error_response(
    mock: respx.MockRouter, opts: HttpOptions
) -> None:
    mock.get(URL).mock(return_value=httpx.Response(404, json={"error": {"code": 30, "text": "no"}}))
    with opts.client() as client:
        response = request(client, "GET", URL, operation="x", raise_for_status=False)
    assert response.status_code == 404


def test_retry_transport_wraps_any_transport(mock: respx.MockRouter) -> None:
    slept: list[float] = []
    route = mock.get(URL).mock(side_effect=[httpx.Response(500), httpx.Response(200, json={})])
    policy = RetryPolicy(jitter=False, backoff_initial=0.25)
    transport = RetryTransport(httpx.HTTPTransport(), policy, slept.append)
    with httpx.Client(transport=transport) as client:
        request(client, "GET", URL, operation="x")
    assert route.call_count == 2
    assert slept == [0.25]


def test_explicit_idempotent_post_is_retried(
    mock: respx.MockRouter, opts: HttpOptions, sleeps: Sleeps
) -> None:
    route = mock.post(SUBMIT).mock(side_effect=[httpx.Response(503), httpx.Response(200, json={})])
    with opts.client() as client:
        request(client, "POST", SUBMIT, operation="x", idempotent=True, json={})
    assert route.call_count == 2


def test_env_proxy_transports_retry_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    with HttpOptions().client() as client:
        transport = client._transport_for_url(httpx.URL("https://svc.test/v1/job/x"))
    assert isinstance(transport, RetryTransport)
    assert isinstance(transport.transport, httpx.HTTPTransport)
    assert transport.transport is not client._transport


def test_malformed_json_reply_is_a_typed_error(mock: respx.MockRouter, opts: HttpOptions) -> None:
    mock.get(URL).mock(return_value=httpx.Response(200, content=b"<html>oops</html>"))
    with opts.client() as client:
        response = request(client, "GET", URL, operation="job status")
    with pytest.raises(ResponseValidationError, match="job status: the reply is not valid JSON"):
        parse_json(response, "job status", dict)


async def test_async_twin_retries_and_sleeps(
    mock: respx.MockRouter, opts: HttpOptions, sleeps: Sleeps
) -> None:
    route = mock.get(URL).mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(504),
            httpx.Response(200, json={"ok": True}),
        ]
    )
    async with opts.async_client() as client:
        response = await arequest(client, "GET", URL, operation="job status")
    assert response.json() == {"ok": True}
    assert route.call_count == 4
    assert sleeps.delays == [0.5, 2.0, 2.0]


async def test_async_post_without_key_not_retried(
    mock: respx.MockRouter, opts: HttpOptions
) -> None:
    route = mock.post(SUBMIT).mock(return_value=httpx.Response(502))
    async with opts.async_client() as client:
        with pytest.raises(ServerError):
            await arequest(client, "POST", SUBMIT, operation="job submit", json={})
    assert route.call_count == 1


async def test_async_exhausted_transport_error(mock: respx.MockRouter, opts: HttpOptions) -> None:
    route = mock.get(URL).mock(side_effect=httpx.ConnectTimeout("connect timed out"))
    async with opts.async_client() as client:
        with pytest.raises(APIConnectionError, match="timed out after 4 attempts"):
            await arequest(client, "GET", URL, operation="job status")
    assert route.call_count == 4


# -- options reach the clients and the websocket -------------------------------------------


def test_options_reach_httpx_clients(tmp_path: object) -> None:
    ctx = ssl.create_default_context()
    opts = HttpOptions(
        timeout=12.0,
        verify=ctx,
        trust_env=False,
        proxy="http://proxy.test:3128",
        headers={"X-A": "1"},
    )
    with opts.client() as client:
        assert client.timeout == httpx.Timeout(12.0)
        assert client.headers["X-A"] == "1"
        assert client.headers["User-Agent"].startswith("quantinuum-api/")
        assert client.trust_env is False
        # the proxy is mounted for every scheme, under the retries
        assert any(
            isinstance(t, RetryTransport)
            and isinstance(t.transport, httpx.HTTPTransport)
            and t.transport._pool._proxy_url is not None  # type: ignore[attr-defined]
            for t in client._mounts.values()
            if t is not None
        )
    ws = opts.websocket_kwargs("wss://ws.example.com/v1/")
    assert ws["ssl"] is ctx
    assert ws["proxy"] == "http://proxy.test:3128"
    assert ws["open_timeout"] == 12.0
    assert ws["additional_headers"] == {"X-A": "1"}


def test_websocket_kwargs_plain_ws_and_env_proxy() -> None:
    ws = HttpOptions().websocket_kwargs("ws://127.0.0.1:8000/v1/")
    assert "ssl" not in ws
    assert ws["proxy"] is True  # trust_env: websockets reads the proxy environment
    assert HttpOptions(trust_env=False).websocket_kwargs("ws://x/")["proxy"] is None


def test_verify_false_gives_unverified_context() -> None:
    ctx = HttpOptions(verify=False).ssl_context()
    assert ctx.verify_mode == ssl.CERT_NONE
    assert ctx.check_hostname is False
    assert HttpOptions().ssl_context().verify_mode == ssl.CERT_REQUIRED


def test_retry_after_http_date_in_the_future() -> None:
    when = email.utils.format_datetime(
        datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=30), usegmt=True
    )
    response = httpx.Response(503, headers={"Retry-After": when}, request=httpx.Request("GET", URL))
    assert 25.0 <= RetryPolicy().delay(0, response) <= 30.0


def test_undecodable_body_is_a_validation_error(mock: respx.MockRouter, opts: HttpOptions) -> None:
    mock.get(URL).mock(
        return_value=httpx.Response(
            200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip")
        )
    )
    with (
        opts.client() as client,
        pytest.raises(ResponseValidationError, match="could not be decoded"),
    ):
        request(client, "GET", URL, operation="job status")
