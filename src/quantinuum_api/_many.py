"""Submitting many jobs at once: `jobs.submit_many` and `jobs.run_many` of both clients.

The requests are built and checked first (a bad program raises `ValueError` before anything
is sent), then sent concurrently through the generated async operation, at most
`max_concurrency` at a time, each with its own `Idempotency-Key` (so a retried request never
creates a second job). The jobs come back in the order of the programs. When some
submissions fail, the others' jobs still exist: `SubmitManyError` carries both.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from quantinuum_api_client import AuthenticatedClient, models
from quantinuum_api_client.api.jobs import submit_job

from ._batch import submit_batches
from ._exceptions import SubmitManyError
from ._http import acall
from ._job_request import job_request, submitted
from ._results import Job

__all__ = ["DEFAULT_SUBMIT_CONCURRENCY", "Program", "job_requests", "submit_all"]

#: A program's text, or a complete request (for per-job machine, shots, options...).
Program = str | models.JobRequest

#: Submissions in flight at once by default (each is one POST).
DEFAULT_SUBMIT_CONCURRENCY = 16


def _per_job(value: Any, n: int, what: str) -> list[Any]:
    """`value` for every job, or one value per job when a sequence is given."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != n:
            raise ValueError(f"{what}: got {len(value)} values for {n} programs")
        return list(value)
    return [value] * n


def job_requests(
    programs: Iterable[Program],
    machine: str | None,
    shots: int | Sequence[int] | None,
    *,
    name: str | Sequence[str | None] | None = None,
    idempotency_keys: Sequence[str] | None = None,
    **kw: Any,
) -> tuple[list[models.JobRequest], list[str]]:
    """The checked request of every program and the Idempotency-Key of each.

    `shots` and `name` are one value for all or one per program; `kw` are `job_request`'s
    other arguments, for all. A `JobRequest` given as a program is sent as it is.
    """
    items = list(programs)
    n = len(items)
    shot_list = _per_job(shots, n, "shots")
    names = _per_job(name, n, "name")
    requests: list[models.JobRequest] = []
    for i, (item, count, job_name) in enumerate(zip(items, shot_list, names, strict=True)):
        if isinstance(item, models.JobRequest):
            requests.append(item)
            continue
        if machine is None:
            raise ValueError(f"program {i}: give a machine (or a JobRequest)")
        requests.append(job_request(item, machine, count, name=job_name, **kw))
    if idempotency_keys is None:
        keys = [str(uuid.uuid4()) for _ in requests]
    else:
        keys = list(idempotency_keys)
        if len(keys) != n or len(set(keys)) != n or not all(isinstance(k, str) for k in keys):
            raise ValueError("idempotency_keys: give one distinct string per program")
    return requests, keys


async def submit_all(
    api: AuthenticatedClient,
    requests: Sequence[models.JobRequest],
    keys: Sequence[str],
    *,
    max_concurrency: int = DEFAULT_SUBMIT_CONCURRENCY,
) -> list[Job]:
    """POST every request concurrently (bounded); the jobs in request order.

    Where the service has the job-batch extension, up to 100 requests go in each POST
    (`_batch`), each item with its own key, so 100 jobs cost one round trip.

    Raises `SubmitManyError` when any submission failed, after every request finished.
    """
    if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
        raise ValueError(f"max_concurrency must be a positive integer, got {max_concurrency!r}")
    if max_concurrency < 1:
        raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency!r}")
    batched = await submit_batches(api, requests, keys, max_concurrency=max_concurrency)
    if batched is not None:
        return _all_or_error(batched)
    slots = asyncio.Semaphore(max_concurrency)

    async def one(request: models.JobRequest, key: str) -> Job:
        async with slots:
            response = await acall(
                submit_job.asyncio_detailed,
                "submit job",
                client=api,
                body=request,
                idempotency_key=key,
            )
        return submitted(response, request)

    outcomes = await asyncio.gather(
        *(one(r, k) for r, k in zip(requests, keys, strict=True)), return_exceptions=True
    )
    return _all_or_error(outcomes)


def _all_or_error(outcomes: Sequence[Job | BaseException]) -> list[Job]:
    """The jobs, or `SubmitManyError` when any submission failed (with both)."""
    jobs: list[Job | None] = []
    errors: list[Exception | None] = []
    for outcome in outcomes:
        if isinstance(outcome, Job):
            jobs.append(outcome)
            errors.append(None)
        elif isinstance(outcome, Exception):
            jobs.append(None)
            errors.append(outcome)
        else:  # KeyboardInterrupt, cancellation: not a submission failure
            raise outcome
    failed = [e for e in errors if e is not None]
    if failed:
        raise SubmitManyError(
            f"submit jobs: {len(failed)} of {len(errors)} submissions failed; the first: "
            f"{failed[0]}",
            operation="submit jobs",
            jobs=jobs,
            errors=errors,
        ) from failed[0]
    return [job for job in jobs if job is not None]
