"""The job document: what `GET /v1/job/{id}` returns, built in one place.

The local service renders it from a stored job row, the SDK's offline backend from a job
it ran in-process; both call `job_document`, so the two carry the same fields in the same
order (openapi.yaml's `Job`): `job`, `name` (when given), `status`, `machine`, `count`,
`priority`, `group` and `results` (when given), the dates, `queue-position`, `cost`,
`last-shot`, `qubits`, and `error` (when the job failed). Dates are ISO 8601 UTC to the
second with a `Z` (`utc_now`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

__all__ = ["DONE_STATUSES", "job_document", "utc_now"]

#: The statuses a job never leaves.
DONE_STATUSES = frozenset({"completed", "failed", "canceled", "depleted", "terminated"})


def utc_now() -> str:
    """The current time as ISO 8601 UTC with a `Z`, to the second."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def job_document(
    job_id: str,
    *,
    status: str,
    machine: str,
    count: int,
    priority: str = "normal",
    name: str | None = None,
    group: str | None = None,
    results: Mapping[str, list[str]] | None = None,
    submit_date: str | None = None,
    start_date: str | None = None,
    result_date: str | None = None,
    queue_position: int | None = None,
    cost: float | None = None,
    last_shot: int | None = None,
    qubits: int | None = None,
    error: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A job's document; optional fields that are None are left out (`name`, `group`,
    `results`, `error`) or null (the dates, `queue-position`, `cost`, `last-shot`,
    `qubits`), as the service sends them."""
    doc: dict[str, Any] = {"job": job_id}
    if name is not None:
        doc["name"] = name
    doc.update(status=status, machine=machine, count=count, priority=priority)
    if group is not None:
        doc["group"] = group
    if results is not None:
        doc["results"] = results
    doc.update(
        {
            "submit-date": submit_date,
            "start-date": start_date,
            "result-date": result_date,
            "queue-position": queue_position,
            "cost": cost,
            "last-shot": last_shot,
            "qubits": qubits,
        }
    )
    if error is not None:
        doc["error"] = error
    return doc
