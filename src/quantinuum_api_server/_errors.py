"""`ApiError`: a failure that becomes the `{"error": {"code", "text"}}` body of a reply.

Codes follow the table in openapi.yaml's `info.description`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quantinuum_emulator import (
    INVALID_PROGRAM,
    INVALID_REQUEST,
    LIMIT_EXCEEDED,
    MACHINE_NOT_FOUND,
    MAX_COST_EXCEEDED,
    JobRejected,
)

__all__ = [
    "BAD_REFRESH_TOKEN",
    "BAD_TOKEN",
    "BODY_TOO_LARGE",
    "INTERNAL",
    "INVALID_PROGRAM",
    "INVALID_REQUEST",
    "JOB_NOT_FOUND",
    "LIMIT_EXCEEDED",
    "LOGIN_FAILED",
    "MACHINE_NOT_FOUND",
    "MAX_COST_EXCEEDED",
    "MFA_INVALID",
    "MFA_REQUIRED",
    "PROVIDER_TOKEN_INVALID",
    "TOO_MANY",
    "ApiError",
    "error_body",
]

BODY_TOO_LARGE = 11
BAD_TOKEN = 20
LOGIN_FAILED = 21
BAD_REFRESH_TOKEN = 22
PROVIDER_TOKEN_INVALID = 23
TOO_MANY = 29
JOB_NOT_FOUND = 30
MFA_REQUIRED = 73
MFA_INVALID = 74
INTERNAL = 99


def error_body(code: int, text: str) -> dict[str, Any]:
    """The error document every non-2xx reply carries."""
    return {"error": {"code": code, "text": text}}


class ApiError(Exception):
    """An HTTP error reply: `status`, error `code`, `text` and extra `headers`."""

    def __init__(
        self, status: int, code: int, text: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(text)
        self.status = status
        self.code = code
        self.text = text
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.text)

    @classmethod
    def rejected(cls, exc: JobRejected) -> ApiError:
        """The 400 reply for a job the emulator refused."""
        return cls(400, exc.code, exc.text)
