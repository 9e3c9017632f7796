"""The SDK's errors, and the one function that maps an HTTP reply to one of them.

Hierarchy::

    QuantinuumAPIError                      message, operation, status_code, error_code, body,
    │                                       response
    ├── APIStatusError                      any non-2xx reply (class chosen by make_status_error)
    │   ├── BadRequestError                 400, 413, 415, 422
    │   │   └── InvalidRefreshTokenError    400 "Invalid Refresh Token" (also an
    │   │                                   AuthenticationError)
    │   ├── UnauthorizedError               401: failed login, bad or expired token, wrong MFA
    │   │   │                               code (also an AuthenticationError)
    │   │   └── MFARequiredError            401 code 73 (and no way to get an MFA code)
    │   ├── PermissionDeniedError           403
    │   ├── NotFoundError                   404
    │   ├── RateLimitError                  429 (retry_after: seconds or None)
    │   └── ServerError                     5xx
    ├── AuthenticationError                 login failed: a 401 reply (UnauthorizedError) or
    │   └── CredentialsRequiredError        no reply at all (no credentials, no terminal to ask,
    │                                       no provider token)
    ├── ResponseValidationError             malformed reply: not JSON, wrong types, missing keys
    ├── APIConnectionError                  connect/read/write errors and request timeouts,
    │                                       after retries (old name: TransportError)
    ├── WaitTimeoutError                    an overall wait timed out (also builtins.TimeoutError;
    │                                       old name: TimeoutError)
    ├── JobFailedError                      a job ended failed/depleted/terminated/canceled
    ├── SubmitManyError                     some submissions of a `submit_many` failed (jobs:
    │                                       the ones created, errors: why the others were not)
    └── ConfigError                         unreadable configuration (also ValueError)

Messages carry the operation and the server's error text, never a token or password: the
token exchange passes its secrets to `make_status_error(redact=...)`, which removes them
from the text and the body and drops the reply (whose request held them).
"""

from __future__ import annotations

import builtins
import datetime
import email.utils
import json
import time
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, TypeVar, overload

import httpx

from ._constants import (
    ERROR_CODE_INVALID_REFRESH_TOKEN,
    ERROR_CODE_MFA_REQUIRED,
    INVALID_REFRESH_TOKEN_TEXT,
)

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "CredentialsRequiredError",
    "InvalidRefreshTokenError",
    "JobFailedError",
    "MFARequiredError",
    "NotFoundError",
    "PermissionDeniedError",
    "QuantinuumAPIError",
    "RateLimitError",
    "ResponseValidationError",
    "ServerError",
    "SubmitManyError",
    "TimeoutError",
    "TransportError",
    "UnauthorizedError",
    "WaitTimeoutError",
    "expect_field",
    "make_status_error",
    "parse_json",
    "parse_retry_after",
    "raise_for_response",
]

_T = TypeVar("_T")


class QuantinuumAPIError(Exception):
    """Base of every error the SDK raises (the seed's name)."""

    def __init__(
        self,
        message: str = "",
        *,
        operation: str | None = None,
        status_code: int | None = None,
        error_code: int | None = None,
        body: object | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.status_code = status_code
        self.error_code = error_code
        self.body = body
        self.response = response

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        parts = [repr(self.message)]
        if self.operation is not None:
            parts.append(f"operation={self.operation!r}")
        if self.status_code is not None:
            parts.append(f"status_code={self.status_code}")
        if self.error_code is not None:
            parts.append(f"error_code={self.error_code}")
        return f"{type(self).__name__}({', '.join(parts)})"


class APIStatusError(QuantinuumAPIError):
    """The service answered with a non-2xx status."""


class BadRequestError(APIStatusError):
    """400/413/415/422: the request was invalid."""


class AuthenticationError(QuantinuumAPIError):
    """Login failed: the service refused (a 401, `UnauthorizedError`), or it could not start."""


class UnauthorizedError(APIStatusError, AuthenticationError):
    """401: bad credentials, a bad or expired token, or a wrong MFA code."""


class InvalidRefreshTokenError(BadRequestError, AuthenticationError):
    """400 "Invalid Refresh Token": the refresh token is expired, reused or revoked."""


class MFARequiredError(UnauthorizedError):
    """401 code 73: the account needs an MFA code, and none could be obtained."""


class CredentialsRequiredError(AuthenticationError):
    """No credentials were given and there is no terminal to ask for them (nothing was sent)."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404: no such job or machine."""


class RateLimitError(APIStatusError):
    """429: too many requests; ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx."""


class ResponseValidationError(QuantinuumAPIError):
    """The reply could not be understood (not JSON, wrong types, missing keys)."""


class APIConnectionError(QuantinuumAPIError):
    """The request could not be completed (connection, TLS, read timeout), after retries."""


class WaitTimeoutError(QuantinuumAPIError, builtins.TimeoutError):
    """An overall wait (e.g. for a job) ran out of time."""


#: Deprecated aliases (the names shadowed httpx.TransportError and builtins.TimeoutError).
TransportError = APIConnectionError
TimeoutError = WaitTimeoutError


class JobFailedError(QuantinuumAPIError):
    """A job ended without results; ``job`` is its last document."""

    def __init__(self, message: str = "", *, job: dict[str, Any] | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.job: dict[str, Any] = job if job is not None else {}


class SubmitManyError(QuantinuumAPIError):
    """Some submissions of a `submit_many` failed; the others created their jobs.

    ``jobs[i]`` is the job the i-th program created (None where it failed) and
    ``errors[i]`` why it failed (None where it succeeded); the first error is the cause.
    """

    def __init__(
        self,
        message: str = "",
        *,
        jobs: Sequence[Any] = (),
        errors: Sequence[Exception | None] = (),
        **kw: Any,
    ) -> None:
        super().__init__(message, **kw)
        self.jobs: list[Any] = list(jobs)
        self.errors: list[Exception | None] = list(errors)


class ConfigError(QuantinuumAPIError, ValueError):
    """The configuration file or environment holds something unusable."""


def parse_retry_after(response: httpx.Response | None) -> float | None:
    """Seconds from ``retry-after-ms`` / ``Retry-After`` (seconds or HTTP date), else None."""
    return None if response is None else _retry_after(response.headers)


def _retry_after(headers: Any) -> float | None:
    ms = headers.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            value = -1.0
        if value >= 0:
            return value
    raw = headers.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=datetime.UTC)
        seconds = parsed.timestamp() - time.time()
        return max(seconds, 0.0)
    return seconds if seconds >= 0 else None


def _error_detail(body: object) -> tuple[int | None, str | None]:
    """(code, text) of an error body: the spec's `ErrorResponse`, else a bare `{"error": text}`."""
    if isinstance(body, Mapping):
        from quantinuum_api_client.models.error_response import ErrorResponse

        try:
            parsed = ErrorResponse.from_dict(body)
        except (KeyError, TypeError, ValueError, AttributeError):
            err = body.get("error")
            return None, err if isinstance(err, str) else None
        code, text = parsed.error.code, parsed.error.text
        return (
            code if isinstance(code, int) and not isinstance(code, bool) else None,
            text if isinstance(text, str) else None,
        )
    return None, None


def _scrub(value: Any, secrets: Sequence[str]) -> Any:
    """``value`` (JSON) with every secret replaced by ``<hidden>``."""
    if isinstance(value, str):
        for secret in secrets:
            if secret:
                value = value.replace(secret, "<hidden>")
        return value
    if isinstance(value, Mapping):
        return {k: _scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, secrets) for v in value]
    return value


def _reply_parts(response: Any) -> tuple[int, Any, bytes, str, httpx.Response | None]:
    """(status, headers, content, reason, httpx reply) of an httpx, requests or generated reply."""
    raw = response if isinstance(response, httpx.Response) else None
    if raw is None and isinstance(getattr(response, "http_response", None), httpx.Response):
        raw = response.http_response  # the generated client's Response
    status = int(response.status_code)
    try:
        content = raw.content if raw is not None else bytes(response.content or b"")
    except httpx.ResponseNotRead:
        content = b""
    reason = getattr(raw, "reason_phrase", None) or getattr(response, "reason", None)
    if not reason:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "error"
    return status, response.headers, content, str(reason), raw


def make_status_error(
    response: Any,
    operation: str,
    *,
    message: str | None = None,
    redact: Sequence[str] = (),
) -> APIStatusError:
    """Build the error for a non-2xx reply (one place chooses the class).

    ``response`` is an httpx reply, a generated `Response`, or a `requests.Response`.
    ``redact`` lists secrets the request carried: they are removed from the message and the
    body, and the reply is not kept (its request held them).
    """
    status, headers, content, reason, raw = _reply_parts(response)
    try:
        body: object | None = json.loads(content) if content else None
    except ValueError:
        body = None
    if redact:
        body = _scrub(body, redact)
        raw = None
    code, text = _error_detail(body)
    if message is None:
        message = f"{operation} failed: HTTP {status} {reason}"
        if text:
            message += f": {text}"
        if code is not None:
            message += f" (error code {code})"
    kw: dict[str, Any] = {
        "operation": operation,
        "status_code": status,
        "error_code": code,
        "body": body,
        "response": raw,
    }
    cls: type[APIStatusError]
    if status == 401:
        cls = MFARequiredError if code == ERROR_CODE_MFA_REQUIRED else UnauthorizedError
    elif status == 400 and (
        code == ERROR_CODE_INVALID_REFRESH_TOKEN or (text and INVALID_REFRESH_TOKEN_TEXT in text)
    ):
        cls = InvalidRefreshTokenError
    elif status in (400, 413, 415, 422):
        cls = BadRequestError
    elif status == 403:
        cls = PermissionDeniedError
    elif status == 404:
        cls = NotFoundError
    elif status == 429:
        return RateLimitError(message, retry_after=_retry_after(headers), **kw)
    elif status >= 500:
        cls = ServerError
    else:
        cls = APIStatusError
    return cls(message, **kw)


def raise_for_response(response: Any, operation: str) -> None:
    """Raise the matching :class:`APIStatusError` unless ``response`` (httpx, generated or
    `requests` reply) is 2xx."""
    if not 200 <= int(response.status_code) < 300:
        raise make_status_error(response, operation)


@overload
def parse_json(
    response: httpx.Response, operation: str, expect: type[dict[Any, Any]]
) -> dict[str, Any]: ...
@overload
def parse_json(response: httpx.Response, operation: str, expect: type[list[Any]]) -> list[Any]: ...
@overload
def parse_json(response: httpx.Response, operation: str, expect: None = None) -> Any: ...
def parse_json(
    response: httpx.Response,
    operation: str,
    expect: type[dict[Any, Any]] | type[list[Any]] | None = None,
) -> Any:
    """The JSON body of ``response``; ResponseValidationError if not JSON or not ``expect``."""
    try:
        data = response.json()
    except ValueError:
        ctype = response.headers.get("content-type", "no content type")
        raise ResponseValidationError(
            f"{operation}: the reply is not valid JSON (HTTP {response.status_code}, {ctype})",
            operation=operation,
            status_code=response.status_code,
            response=response,
        ) from None
    if expect is not None and not isinstance(data, expect):
        raise ResponseValidationError(
            f"{operation}: expected a JSON {'object' if expect is dict else 'array'}, "
            f"got {type(data).__name__}",
            operation=operation,
            status_code=response.status_code,
            body=data,
            response=response,
        )
    return data


def expect_field(data: Mapping[str, Any], key: str, typ: type[_T], operation: str) -> _T:
    """``data[key]`` checked to be a ``typ``; ResponseValidationError otherwise."""
    if key not in data:
        raise ResponseValidationError(
            f"{operation}: the reply has no {key!r} field", operation=operation
        )
    value = data[key]
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise ResponseValidationError(
            f"{operation}: field {key!r} should be {typ.__name__}, got {type(value).__name__}",
            operation=operation,
        )
    return value
