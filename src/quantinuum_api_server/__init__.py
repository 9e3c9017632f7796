"""The local reference service implementing openapi.yaml (`qapi serve`)."""

from __future__ import annotations

__all__: list[str] = []
