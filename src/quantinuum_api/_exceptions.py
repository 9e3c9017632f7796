"""The SDK's errors, and the one function that maps an HTTP reply to one of them.

Hierarchy::

    QuantinuumAPIError                      message, operation, status_code, error_code, body,
    │                                       response
    ├── APIStatusError                      any non-2xx reply (class chosen by make_status_error)
    │   ├── BadRequestError                 400, 413, 415, 422
    │   │   └── InvalidRefreshTokenError    400 "Invalid Refresh Token" (also an
    │   │                                   AuthenticationError)
    │   ├── AuthenticationError             401 (failed login, bad or expired token, wrong MFA
    │   │   │                               code), or no credentials available
    │   │   ├── MFARequiredError            401 code 73, or no way to get an MFA code
    │   │   └── CredentialsRequiredError    no credentials given and no terminal to ask
    │   ├── PermissionDeniedError           403
    │   ├── NotFoundError                   404
    │   ├── RateLimitError                  429 (retry_after: seconds or None)
    │   └── ServerError                     5xx
    ├── ResponseValidationError             malformed reply: not JSON, wrong types, missing keys
    ├── TransportError                      connect/read/write errors and request timeouts,
    │                                       after retries
    ├── TimeoutError                        an overall wait timed out (also builtins.TimeoutError)
    ├── JobFailedError                      a job ended failed/depleted/terminated/canceled
    └── ConfigError                         unreadable configuration (also ValueError)

Messages carry the operation and the server's error text, never a token or password.
"""

from __future__ import annotations

import builtins
import datetime
import email.utils
import time
from collections.abc import Mapping
from typing import Any, TypeVar, overload

import httpx

from ._constants import (
    ERROR_CODE_INVALID_REFRESH_TOKEN,
    ERROR_CODE_MFA_REQUIRED,
    INVALID_REFRESH_TOKEN_TEXT,
)

__all__ = [
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
    "TimeoutError",
    "TransportError",
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


class AuthenticationError(APIStatusError):
    """401, or login could not proceed."""


class InvalidRefreshTokenError(BadRequestError, AuthenticationError):
    """400 "Invalid Refresh Token": the refresh token is expired, reused or revoked."""


class MFARequiredError(AuthenticationError):
    """The account needs an MFA code and none could be obtained."""


class CredentialsRequiredError(AuthenticationError):
    """No credentials were given and there is no terminal to ask for them."""


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


class TransportError(QuantinuumAPIError):
    """The request could not be completed (connection, TLS, read timeout), after retries."""


class TimeoutError(QuantinuumAPIError, builtins.TimeoutError):
    """An overall wait (e.g. for a job) ran out of time."""


class JobFailedError(QuantinuumAPIError):
    """A job ended without results; ``job`` is its last document."""

    def __init__(self, message: str = "", *, job: dict[str, Any] | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.job: dict[str, Any] = job if job is not None else {}


class ConfigError(QuantinuumAPIError, ValueError):
    """The configuration file or environment holds something unusable."""


def parse_retry_after(response: httpx.Response | None) -> float | None:
    """Seconds from ``retry-after-ms`` / ``Retry-After`` (seconds or HTTP date), else None."""
    if response is None:
        return None
    ms = response.headers.get("retry-after-ms")
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            value = -1.0
        if value >= 0:
            return value
    raw = response.headers.get("retry-after")
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
    if isinstance(body, Mapping):
        err = body.get("error")
        if isinstance(err, Mapping):
            code = err.get("code")
            text = err.get("text")
            return (
                code if isinstance(code, int) and not isinstance(code, bool) else None,
                text if isinstance(text, str) else None,
            )
        if isinstance(err, str):
            return None, err
    return None, None


def make_status_error(
    response: httpx.Response, operation: str, *, message: str | None = None
) -> APIStatusError:
    """Build the error for a non-2xx ``response`` (one place chooses the class)."""
    status = response.status_code
    try:
        body: object | None = response.json()
    except (ValueError, httpx.ResponseNotRead):
        body = None
    code, text = _error_detail(body)
    if message is None:
        reason = response.reason_phrase or "error"
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
        "response": response,
    }
    cls: type[APIStatusError]
    if status == 401:
        cls = MFARequiredError if code == ERROR_CODE_MFA_REQUIRED else AuthenticationError
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
        return RateLimitError(message, retry_after=parse_retry_after(response), **kw)
    elif status >= 500:
        cls = ServerError
    else:
        cls = APIStatusError
    return cls(message, **kw)


def raise_for_response(response: httpx.Response, operation: str) -> None:
    """Raise the matching :class:`APIStatusError` unless ``response`` is 2xx."""
    if not response.is_success:
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
