"""Error mapping: one function picks the class; messages carry operation and server text."""

from __future__ import annotations

import builtins
from typing import Any

import httpx
import pytest

from quantinuum_api._exceptions import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    CredentialsRequiredError,
    InvalidRefreshTokenError,
    MFARequiredError,
    NotFoundError,
    PermissionDeniedError,
    QuantinuumAPIError,
    RateLimitError,
    ResponseValidationError,
    ServerError,
    TimeoutError,
    UnauthorizedError,
    expect_field,
    make_status_error,
    parse_json,
    parse_retry_after,
    raise_for_response,
)


def reply(status: int, body: Any = None, **kw: Any) -> httpx.Response:
    request = httpx.Request("GET", "http://svc/v1/job/x")
    if body is None:
        return httpx.Response(status, request=request, **kw)
    return httpx.Response(status, json=body, request=request, **kw)


def err(code: int, text: str) -> dict[str, Any]:
    return {"error": {"code": code, "text": text}}


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (400, err(10, "Invalid request"), BadRequestError),
        (413, err(11, "too large"), BadRequestError),
        (415, err(10, "Content-Type"), BadRequestError),
        (422, err(10, "bad"), BadRequestError),
        (400, err(22, "Invalid Refresh Token"), InvalidRefreshTokenError),
        (
            400,
            {"error": {"code": 99, "text": "x: Invalid Refresh Token"}},
            InvalidRefreshTokenError,
        ),
        (401, err(20, "Invalid or expired id token"), UnauthorizedError),
        (401, err(73, "MFA verification code required"), MFARequiredError),
        (403, err(20, "forbidden"), PermissionDeniedError),
        (404, err(30, "Job not found"), NotFoundError),
        (429, err(29, "slow down"), RateLimitError),
        (500, err(99, "internal"), ServerError),
        (503, None, ServerError),
        (409, err(1, "conflict"), APIStatusError),
    ],
)
def test_status_maps_to_class(status: int, body: Any, cls: type[APIStatusError]) -> None:
    exc = make_status_error(reply(status, body), "job status")
    assert type(exc) is cls
    assert exc.status_code == status
    assert exc.operation == "job status"
    assert "job status" in str(exc)
    if body is not None:
        assert body["error"]["text"] in str(exc)
        assert exc.error_code == body["error"]["code"]
        assert exc.body == body


def test_invalid_refresh_token_is_both_bad_request_and_auth_error() -> None:
    exc = make_status_error(reply(400, err(22, "Invalid Refresh Token")), "Token Refresh")
    assert isinstance(exc, BadRequestError)
    assert isinstance(exc, AuthenticationError)
    assert isinstance(exc, QuantinuumAPIError)


def test_a_401_is_a_status_error_and_an_authentication_error() -> None:
    exc = make_status_error(reply(401, err(20, "bad token")), "get job")
    assert isinstance(exc, UnauthorizedError)
    assert isinstance(exc, APIStatusError)
    assert isinstance(exc, AuthenticationError)


def test_login_failures_without_a_reply_are_not_status_errors() -> None:
    assert not issubclass(CredentialsRequiredError, APIStatusError)
    assert not issubclass(AuthenticationError, APIStatusError)
    assert issubclass(CredentialsRequiredError, AuthenticationError)


def test_redacted_secrets_leave_no_trace() -> None:
    secret = "hunter2" * 200
    body = {"error": {"code": 10, "text": f"password too long: {secret}"}}
    exc = make_status_error(reply(400, body), "Login", redact=[secret])
    assert secret not in str(exc)
    assert secret not in repr(exc)
    assert secret not in repr(exc.body)
    assert "<hidden>" in str(exc)
    assert exc.response is None


class RequestsLikeResponse:
    """The attributes pytket reads on a `requests.Response`."""

    def __init__(self, status: int, content: bytes) -> None:
        self.status_code = status
        self.content = content
        self.reason = "Not Found"
        self.headers = {"content-type": "application/json"}


def test_a_requests_response_maps_too() -> None:
    exc = make_status_error(
        RequestsLikeResponse(404, b'{"error": {"code": 31, "text": "No such"}}'), "device state"
    )
    assert isinstance(exc, NotFoundError)
    assert str(exc) == "device state failed: HTTP 404 Not Found: No such (error code 31)"
    assert exc.response is None


def test_raise_for_response_passes_2xx_and_raises_otherwise() -> None:
    raise_for_response(reply(200, {}), "op")
    raise_for_response(reply(204), "op")
    with pytest.raises(NotFoundError, match=r"get machine status failed: HTTP 404.*No such"):
        raise_for_response(reply(404, err(31, "No such machine")), "get machine status")


def test_non_json_error_body_still_maps() -> None:
    exc = make_status_error(reply(502, content=b"<html>bad gateway</html>"), "job submit")
    assert isinstance(exc, ServerError)
    assert exc.body is None
    assert exc.error_code is None
    assert "HTTP 502" in str(exc)


def test_rate_limit_carries_retry_after() -> None:
    exc = make_status_error(reply(429, err(29, "slow"), headers={"Retry-After": "7"}), "Login")
    assert isinstance(exc, RateLimitError)
    assert exc.retry_after == 7.0


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after(reply(429, headers={"Retry-After": "3"})) == 3.0
    assert parse_retry_after(reply(429, headers={"retry-after-ms": "1500"})) == 1.5
    assert parse_retry_after(reply(429, headers={"Retry-After": "soon"})) is None
    assert parse_retry_after(reply(429, headers={"Retry-After": "-1"})) is None
    assert parse_retry_after(reply(429)) is None
    assert parse_retry_after(None) is None
    past = parse_retry_after(reply(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    assert past == 0.0


def test_parse_json_rejects_non_json_and_wrong_type() -> None:
    with pytest.raises(ResponseValidationError, match="job status: the reply is not valid JSON"):
        parse_json(reply(200, content=b"{not json"), "job status", dict)
    with pytest.raises(ResponseValidationError, match="expected a JSON object, got list"):
        parse_json(reply(200, [1, 2]), "job status", dict)
    with pytest.raises(ResponseValidationError, match="expected a JSON array, got dict"):
        parse_json(reply(200, {"a": 1}), "machine list", list)
    assert parse_json(reply(200, [1]), "machine list", list) == [1]
    assert parse_json(reply(200, {"a": 1}), "x", dict) == {"a": 1}


def test_expect_field() -> None:
    data = {"job": "abc", "count": 3, "flag": True}
    assert expect_field(data, "job", str, "job submit") == "abc"
    assert expect_field(data, "count", int, "job submit") == 3
    with pytest.raises(ResponseValidationError, match="job submit: the reply has no 'status'"):
        expect_field(data, "status", str, "job submit")
    with pytest.raises(ResponseValidationError, match="'job' should be int, got str"):
        expect_field(data, "job", int, "job submit")
    with pytest.raises(ResponseValidationError, match="'flag' should be int, got bool"):
        expect_field(data, "flag", int, "job submit")


def test_timeout_error_is_builtin_timeout_too() -> None:
    exc = TimeoutError("wait for job x timed out after 5 s", operation="wait")
    assert isinstance(exc, builtins.TimeoutError)
    assert isinstance(exc, QuantinuumAPIError)


def test_seed_style_construction_and_repr() -> None:
    exc = QuantinuumAPIError("Unable to retrieve job x")
    assert str(exc) == "Unable to retrieve job x"
    assert exc.status_code is None
    assert exc.operation is None
    full = make_status_error(reply(404, err(30, "Job not found")), "job status")
    assert repr(full) == (
        "NotFoundError('job status failed: HTTP 404 Not Found: Job not found (error code 30)', "
        "operation='job status', status_code=404, error_code=30)"
    )
