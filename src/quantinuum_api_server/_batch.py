"""Many jobs in one request: `POST /v1/job-batch` and `POST /v1/job-batch/documents`.

Both are extensions (openapi.yaml): a client 50 ms from the service pays one round trip
for 100 submissions, or for 100 job documents, instead of one per job (or one per wave
of its concurrency limit). Each item of a batch is admitted as a single `POST /v1/job`
would be (`JobService.submit_many`: the checkers check the items side by side, and the
accepted ones share one durable commit).

The documents request can be held (`wait`) until every listed job is final: it watches
them through `JobEvents.subscribe_many` (a final document comes rendered with its event,
so a finished job is not read again) and counts as one of the user's subscriptions, so
the per-user cap bounds held requests as it bounds websockets, and it ends at once when
the session does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from quantinuum_emulator import DONE_STATUSES

from ._errors import INTERNAL, TOO_MANY, ApiError, error_body
from ._events import ManyQueue
from ._subscriptions import TooManySubscriptions

if TYPE_CHECKING:
    from ._app import Context, Service

__all__ = ["job_documents", "submit_jobs"]

logger = logging.getLogger(__name__)


async def submit_jobs(service: Service, ctx: Context) -> Response:
    """Admit every item in order; one entry (job or error) per item."""
    items: list[Mapping[str, Any]] = ctx.body["jobs"]
    entries = await run_in_threadpool(_submit_all, service, ctx.user_id, items)
    return JSONResponse({"jobs": entries})


def _submit_all(
    service: Service, user_id: int, items: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    outcomes = service.jobs.submit_many(
        user_id, [(item["request"], item["idempotency-key"]) for item in items]
    )
    entries: list[dict[str, Any]] = []
    for outcome in outcomes:
        if isinstance(outcome, ApiError):
            entries.append({**outcome.body(), "http-status": outcome.status})
        elif isinstance(outcome, Exception):
            logger.error("internal error admitting a batch item", exc_info=outcome)
            entries.append({**error_body(INTERNAL, "Internal error"), "http-status": 500})
        else:
            entries.append({"job": outcome[0], "status": outcome[1]})
    return entries


async def job_documents(service: Service, ctx: Context) -> Response:
    """The listed jobs' documents, held until all are final when `wait` > 0."""
    ids: list[str] = list(ctx.body["jobs"])
    wait = float(ctx.body.get("wait", 0))
    states = service.store.job_states(ids)
    owned = [i for i in ids if i in states and states[i][0] == ctx.user_id]
    missing = [i for i in ids if i not in set(owned)]
    finals: dict[str, str] = {}  # job id -> its final document (JSON text)
    pending = [i for i in owned if states[i][1] not in DONE_STATUSES]
    if wait > 0 and pending:
        session = ctx.user["session"] if ctx.user else None
        try:
            subscription = service.subscriptions.open(ctx.user_id, session)
        except TooManySubscriptions as exc:
            raise ApiError(429, TOO_MANY, str(exc), headers={"Retry-After": "1"}) from None
        try:
            await _hold(service, pending, finals, wait, subscription.ended)
        finally:
            service.subscriptions.close(subscription)
    rest = [i for i in owned if i not in finals]
    docs = await run_in_threadpool(_documents, service, rest)
    texts = [finals[i] if i in finals else json.dumps(docs[i]) for i in owned]
    body = '{"jobs":[' + ",".join(texts) + '],"missing":' + json.dumps(missing) + "}"
    return Response(body, media_type="application/json")


def _documents(service: Service, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {}
    for job_id in ids:
        row = service.store.job(job_id)
        if row is not None:
            documents[job_id] = service.jobs.document(row)
    return documents


async def _hold(
    service: Service,
    pending: list[str],
    finals: dict[str, str],
    wait: float,
    ended: asyncio.Event,
) -> None:
    """Wait until every job of `pending` is final (their final documents into `finals`),
    `wait` seconds pass, the session ends or the service stops."""
    queue: ManyQueue = service.events.subscribe_many(pending)
    try:
        # Jobs that ended between the first read and the subscription: read them again.
        states = service.store.job_states(pending)
        left = {i for i in pending if i in states and states[i][1] not in DONE_STATUSES}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while left and not ended.is_set():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            event = await _next(queue, ended, remaining)
            if event is None:
                return
            job_id, change = event
            if change.kind == "closed":
                return
            if change.final is not None:
                finals[job_id] = change.final
                left.discard(job_id)
            elif change.kind == "status" and _is_final(service, job_id, change.status):
                left.discard(job_id)  # (a cancel, say: its document is read at the end)
    finally:
        service.events.unsubscribe_many(pending, queue)


def _is_final(service: Service, job_id: str, status: str | None = None) -> bool:
    """Whether the job has ended (or is gone): its event's `status` if it has one, else
    its stored status."""
    if status is None:
        status = service.store.job_status(job_id)
    return status is None or status in DONE_STATUSES


async def _next(queue: ManyQueue, ended: asyncio.Event, within: float) -> Any:
    """The next (job id, event), or None on timeout or when `ended` is set."""
    getter = asyncio.ensure_future(queue.get())
    stop = asyncio.ensure_future(ended.wait())
    try:
        done, _ = await asyncio.wait({getter, stop}, timeout=within, return_when="FIRST_COMPLETED")
        return getter.result() if getter in done else None
    finally:
        for task in (getter, stop):
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
