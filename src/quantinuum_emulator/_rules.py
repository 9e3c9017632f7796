"""The job rules that are not about a program: max cost, result size and batches.

The local service (`quantinuum_api_server`) and the SDK's offline backend
(`quantinuum_api._offline`) both apply these, so a job is accepted, priced and failed the
same way in both; each keeps only its own bookkeeping (the service's database, the
offline backend's dictionary). The rules that read the program (machine, shots,
language, size, qubits, registers, memory) are `Emulator.check_request`/`prepare`.

- `max-cost`: a job whose cost exceeds it is accepted and fails at once with code 42
  (`max_cost_error`).
- Result size: shots x classical bits beyond a limit (`DEFAULT_MAX_RESULT_BITS`) is
  refused with code 41 (`check_result_size`; `Emulator.prepare` applies it).
- Batches: `batch-exec` a number starts a batch (that number is its max cost), a job id
  joins the batch it started (`batch_exec`); a job is refused with code 10 when that is
  no batch of the caller's or a job with `batch-end` closed it (`batch_join_refusal`);
  a job taking the batch's total cost beyond its max is accepted and fails at once with
  code 42 (`batch_cost_error`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import INVALID_REQUEST, LIMIT_EXCEEDED, MAX_COST_EXCEEDED, JobRejected

__all__ = [
    "DEFAULT_MAX_RESULT_BITS",
    "BatchExec",
    "batch_cost_error",
    "batch_exec",
    "batch_join_refusal",
    "check_result_size",
    "max_cost_error",
]

#: The most result bits (shots x classical bits) a job may produce unless the caller sets
#: another limit: e.g. 10,000 shots of 1,677 classical bits.
DEFAULT_MAX_RESULT_BITS = 2**24


def max_cost_error(cost: float, max_cost: object) -> dict[str, Any] | None:
    """The job's error when its cost exceeds `max-cost` (code 42), else None."""
    if isinstance(max_cost, bool) or not isinstance(max_cost, int | float) or cost <= max_cost:
        return None
    return {"code": MAX_COST_EXCEEDED, "text": f"Job cost {cost} HQC exceeds max-cost {max_cost}"}


def check_result_size(count: int, registers: Mapping[str, int], max_bits: int) -> None:
    """Refuse (code 41) a job whose results would hold more than `max_bits` bits."""
    bits = sum(int(width) for width in registers.values())
    if count * bits > max_bits:
        raise JobRejected(
            LIMIT_EXCEEDED,
            f"Results would hold {count} shots x {bits} classical bits"
            f" = {count * bits} bits; the limit is {max_bits}",
        )


@dataclass(frozen=True)
class BatchExec:
    """A job's `batch-exec`: it starts a batch with max cost `max_cost`, or joins the
    batch `join` (the id of the batch's first job)."""

    max_cost: float | None = None
    join: str | None = None


def batch_exec(body: Mapping[str, Any]) -> BatchExec | None:
    """The job's `batch-exec` (None: not part of a batch); code 10 when it is neither a
    number nor a job id."""
    given = body.get("batch-exec")
    if given is None:
        return None
    if isinstance(given, str):
        return BatchExec(join=given)
    if isinstance(given, int | float) and not isinstance(given, bool):
        return BatchExec(max_cost=float(given))
    raise JobRejected(INVALID_REQUEST, "Invalid request: batch-exec must be a number or a job id")


def batch_join_refusal(batch_id: str, *, found: bool, ended: bool) -> JobRejected | None:
    """Why a job may not join the batch `batch_id` (code 10), or None when it may:
    `found` whether it is a batch of the caller's, `ended` whether `batch-end` closed it."""
    if not found:
        return JobRejected(
            INVALID_REQUEST, f"Invalid request: batch-exec names no batch of yours ({batch_id})"
        )
    if ended:
        return JobRejected(
            INVALID_REQUEST, f"Invalid request: batch {batch_id} has ended (batch-end)"
        )
    return None


def batch_cost_error(batch_cost: float, cost: float, max_cost: float) -> dict[str, Any] | None:
    """The job's error (code 42) when its `cost` takes the batch's total cost so far,
    `batch_cost`, beyond the batch's `max_cost`; else None."""
    total = round(batch_cost + cost, 6)
    if total <= max_cost:
        return None
    return {
        "code": MAX_COST_EXCEEDED,
        "text": f"Batch cost {total} HQC would exceed the batch's max cost {max_cost}",
    }
