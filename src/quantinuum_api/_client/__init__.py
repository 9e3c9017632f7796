"""The typed clients: `AsyncClient` (`_async`, the hand-written source) and `Client`, its
synchronous twin (`_sync`, generated from it by `scripts/generate_sync.py`); `_base` holds what
they share. See `_base` for how the two run."""

from __future__ import annotations

from .._job_request import build_job_request, job_request
from ._async import AsyncClient, AsyncJobs, AsyncMachines
from ._base import NOT_GIVEN
from ._sync import Client, Jobs, Machines

__all__ = [
    "NOT_GIVEN",
    "AsyncClient",
    "AsyncJobs",
    "AsyncMachines",
    "Client",
    "Jobs",
    "Machines",
    "build_job_request",
    "job_request",
]
