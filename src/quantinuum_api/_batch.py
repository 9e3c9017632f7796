"""Many jobs per request, where the service has the job-batch extension (openapi.yaml).

`submit_batches` sends `submit_many`'s requests 100 to a `POST /v1/job-batch`, and
`fetch_documents` asks for up to 100 job documents in one `POST /v1/job-batch/documents`,
optionally held by the service until they have all ended. 50 ms from the service, 100
jobs then cost a round trip to submit and one to collect, where one request per job costs
a round trip per wave of the concurrency limit (100 jobs at 16: 7 waves each way).

Both return None when the service has no such extension (404 or 405: the cloud today, an
older local service); the callers then send one request per job, as before. That answer
is remembered per HTTP client, so the probe costs one request per SDK client.
"""

from __future__ import annotations

import asyncio
import json
import uuid
import weakref
from collections.abc import Sequence

import httpx

from quantinuum_api_client import AuthenticatedClient, models
from quantinuum_api_client.api.jobs import get_jobs, submit_jobs

from ._exceptions import APIStatusError, make_status_error
from ._http import acall, json_body
from ._job_request import queued_job
from ._results import Job
from ._transport import resend_on_lost_reply

__all__ = ["BATCH_BYTES", "BATCH_ITEMS", "fetch_documents", "submit_batches", "supports_batches"]

#: Items per batch request (the extension's limit).
BATCH_ITEMS = 100
#: Request bodies per batch up to about this size (the service's body limit is 1 MiB).
BATCH_BYTES = 512 * 1024

#: What each HTTP client found: True, the service has the batch extension; False, not.
_found: weakref.WeakKeyDictionary[httpx.AsyncClient, bool] = weakref.WeakKeyDictionary()


def supports_batches(api: AuthenticatedClient) -> bool | None:
    """Whether this client's service has the batch extension (None: not known yet)."""
    return _found.get(api.get_async_httpx_client())


def _remember(api: AuthenticatedClient, supported: bool) -> None:
    _found[api.get_async_httpx_client()] = supported


def _absent(api: AuthenticatedClient, exc: APIStatusError) -> bool:
    """Whether `exc` says the extension is not there (and remember it)."""
    if exc.status_code in (404, 405) and exc.error_code != 30:  # 30: a job not found
        _remember(api, False)
        return True
    return False


def _chunks(requests: Sequence[models.JobRequest]) -> list[list[int]]:
    """Indices of `requests` in batches of at most BATCH_ITEMS items and ~BATCH_BYTES."""
    batches: list[list[int]] = []
    size = 0
    for i, request in enumerate(requests):
        item = len(json.dumps(request.to_dict())) + 64
        if not batches or len(batches[-1]) >= BATCH_ITEMS or size + item > BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(i)
        size += item
    return batches


def _item_error(entry: models.JobBatchItem) -> APIStatusError:
    """The error a single submission of this item would have raised."""
    body = {"error": entry.error.to_dict()} if isinstance(entry.error, models.ErrorDetail) else {}
    status = entry.http_status if isinstance(entry.http_status, int) else 400
    return make_status_error(httpx.Response(status, json=body), "submit job")


async def submit_batches(
    api: AuthenticatedClient,
    requests: Sequence[models.JobRequest],
    keys: Sequence[str],
    *,
    max_concurrency: int,
) -> list[Job | Exception] | None:
    """Each request's job (or the error its submission got), in order; None when the
    service has no batch extension (nothing was submitted)."""
    if supports_batches(api) is False:
        return None
    if not requests:
        return []
    outcomes: list[Job | Exception | None] = [None] * len(requests)
    slots = asyncio.Semaphore(max_concurrency)

    async def one(batch: list[int]) -> None:
        body = models.JobBatchRequest(
            jobs=[
                models.JobBatchRequestJobsItem(request=requests[i], idempotency_key=keys[i])
                for i in batch
            ]
        )
        async with slots:
            try:
                response = await acall(
                    submit_jobs.asyncio_detailed,
                    "submit jobs",
                    client=api,
                    body=body,
                    idempotency_key=str(uuid.uuid4()),
                )
            except APIStatusError as exc:
                if _absent(api, exc):
                    raise _Absent from None
                for i in batch:
                    outcomes[i] = exc
                return
            except Exception as exc:  # a transport failure after the retries: each failed
                for i in batch:
                    outcomes[i] = exc
                return
        parsed = models.JobBatchSubmitted.from_dict(json_body(response, "submit jobs", dict))
        if len(parsed.jobs) != len(batch):
            raise make_status_error(
                response, "submit jobs", message="submit jobs: the reply has the wrong count"
            )
        for i, entry in zip(batch, parsed.jobs, strict=True):
            if isinstance(entry.job, str):
                status = (
                    str(entry.status) if isinstance(entry.status, models.JobStatus) else "queued"
                )
                outcomes[i] = queued_job(entry.job, status, requests[i])
            else:
                outcomes[i] = _item_error(entry)

    batches = _chunks(requests)
    try:
        if supports_batches(api) is None:
            # The first batch alone: if the service has no extension, only it was tried.
            await one(batches[0])
            batches = batches[1:]
            _remember(api, True)
        await asyncio.gather(*(one(batch) for batch in batches))
    except _Absent:
        if any(outcome is not None for outcome in outcomes):
            raise RuntimeError("the job-batch extension vanished mid-way") from None
        return None
    return [outcome if outcome is not None else RuntimeError("not sent") for outcome in outcomes]


class _Absent(Exception):
    """The service has no batch extension."""


async def fetch_documents(
    api: AuthenticatedClient, ids: Sequence[str], wait: float
) -> tuple[list[Job], list[str]] | None:
    """The documents of `ids` (at most BATCH_ITEMS) and the ids not found, held up to
    `wait` seconds until all are final; None when the service has no batch extension."""
    if supports_batches(api) is False:
        return None
    body = models.JobDocumentsRequest(jobs=list(ids), wait=wait)
    try:
        with resend_on_lost_reply():  # a read: sending it twice is harmless
            response = await acall(get_jobs.asyncio_detailed, "get jobs", client=api, body=body)
    except APIStatusError as exc:
        if _absent(api, exc):
            return None
        raise
    _remember(api, True)
    data = json_body(response, "get jobs", dict)
    jobs = [Job.from_dict(doc, "get jobs") for doc in data.get("jobs", [])]
    missing = [str(i) for i in data.get("missing", [])]
    return jobs, missing
