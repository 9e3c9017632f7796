"""The generated operations' call helpers, under the import path they had before the HTTP
part became a package (`_http`, where they live): `call`/`acall`, `check`, `json_body`,
`request_failed`."""

from __future__ import annotations

from ._http import acall, call, check, json_body, request_failed

__all__ = ["acall", "call", "check", "json_body", "request_failed"]
