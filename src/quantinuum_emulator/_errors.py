"""`JobRejected`: a job request the emulator refuses, with the API's error code.

The codes are the rows of openapi.yaml's error table that concern a job's content; the
service turns a rejection into a 400 reply and the offline backend into the same body.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "INVALID_PROGRAM",
    "INVALID_REQUEST",
    "LIMIT_EXCEEDED",
    "MACHINE_NOT_FOUND",
    "MAX_COST_EXCEEDED",
    "JobRejected",
]

INVALID_REQUEST = 10
MACHINE_NOT_FOUND = 31
INVALID_PROGRAM = 40
LIMIT_EXCEEDED = 41
MAX_COST_EXCEEDED = 42


class JobRejected(Exception):
    """The job cannot run as asked: `code` is the API error code, `text` says why."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text

    def body(self) -> dict[str, Any]:
        """The `{"error": {...}}` document a 400 reply carries."""
        return {"error": {"code": self.code, "text": self.text}}
