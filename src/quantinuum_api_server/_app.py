"""`create_app`: the Starlette application serving openapi.yaml.

Every operation goes through `_operation`, which (in this order) authenticates the
`Authorization` header (401 code 20), validates path/query/header parameters (400 code
10), checks the body's `Content-Type` (415 for a non-JSON one; none is read as JSON),
reads the body while counting bytes (413 code 11 as soon as `max_body_bytes` is passed,
whatever `Content-Length` claims), parses JSON and validates it against the operation's
schema (400 code 10). Errors are always the
`{"error": {"code", "text"}}` body; an unexpected exception is logged and answered with
500 code 99 and no details. The websocket route `/v1/` sits beside the HTTP routes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from quantinuum_emulator import FIRST_DAY, LAST_DAY, MachineCatalog

from ._auth import Authenticator
from ._batch import job_documents, submit_jobs
from ._errors import (
    BAD_TOKEN,
    BODY_TOO_LARGE,
    INTERNAL,
    INVALID_REQUEST,
    JOB_NOT_FOUND,
    MACHINE_NOT_FOUND,
    TOO_MANY,
    ApiError,
    error_body,
)
from ._events import JobEvent, JobEvents
from ._jobs import DEFAULT_PAGE_SIZE, DONE_STATUSES, JobService
from ._settings import ServerSettings, default_db_path
from ._spec import Operation, Spec, load_spec
from ._store import Store
from ._subscriptions import (
    SESSION_ENDED,
    TOO_MANY_SUBSCRIPTIONS,
    Subscriptions,
    TooManySubscriptions,
)
from ._tickets import TicketError, Tickets

__all__ = ["Service", "create_app"]

logger = logging.getLogger(__name__)


@dataclass
class Context:
    """What an operation handler gets: the request, its user and validated input."""

    request: Request
    user: dict[str, Any] | None
    params: dict[str, Any]
    body: Any = None
    path: dict[str, str] = field(default_factory=dict)

    @property
    def user_id(self) -> int:
        assert self.user is not None
        return int(self.user["id"])


class Service:
    """The parts of a running service, built on one database."""

    def __init__(self, settings: ServerSettings, db_path: Path) -> None:
        self.settings = settings
        self.spec: Spec = load_spec(settings.spec_path)
        self.store = Store(db_path)
        self.auth = Authenticator(self.store, settings)
        self.catalog = MachineCatalog()
        self.events = JobEvents()
        self.jobs = JobService(self.store, self.catalog, settings, self.events)
        self.tickets = Tickets(
            lambda: self.auth.keys.all_derived("ws-ticket"),
            settings.ticket_ttl,
            session_live=lambda sid: self.store.session_user(sid, time.time()) is not None,
        )
        self.subscriptions = Subscriptions(
            settings.max_user_subscriptions,
            settings.websocket_session_check,
            self.store.live_sessions,
        )
        self.auth.on_revoke = self.subscriptions.poke

    def close(self) -> None:
        self.events.close_all()
        self.jobs.stop()
        self.store.close()


def _error(exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


def _internal() -> JSONResponse:
    return JSONResponse(error_body(INTERNAL, "Internal error"), status_code=500)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def _read_json(request: Request, limit: int) -> Any:
    # No Content-Type is read as JSON, as the cloud service does (clients such as
    # pytket-quantinuum post JSON without one); an explicit other type is refused.
    content_type = request.headers.get("content-type", "application/json")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, INVALID_REQUEST, "Content-Type must be application/json")
    too_large = ApiError(413, BODY_TOO_LARGE, f"Request body too large (limit {limit} bytes)")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return _client_json(b"".join(chunks), "body")


#: A JSON escape of a UTF-16 surrogate (`\\uD800`-`\\uDFFF`, either case).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _plain_text(data: bytes | str) -> str | None:
    """`data` as text when it cannot hold a lone surrogate (strict UTF-8, no BOM, no
    surrogate escape), else None. Checked in ~0.2 ms for 250 KB, where encoding the parsed
    document again to find one took ~1.2 ms on the event loop for every upload."""
    if not isinstance(data, bytes) or data.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:  # UTF-16/32 JSON, or surrogates encoded as bytes
        return None
    return None if _SURROGATE_ESCAPE.search(data) else text


def _client_json(data: bytes | str, what: str) -> Any:
    """JSON from a client: no NaN/Infinity, no lone surrogate (they would fail later, in
    hashing or storage), bounded nesting; ApiError 400 code 10 otherwise."""
    try:
        text = _plain_text(data)
        value = json.loads(data if text is None else text, parse_constant=_reject_constant)
        if text is None:
            json.dumps(value, ensure_ascii=False).encode()  # lone surrogates cannot be encoded
    except UnicodeEncodeError:
        raise ApiError(
            400, INVALID_REQUEST, f"Invalid request: {what} has an unpaired surrogate"
        ) from None
    except (ValueError, RecursionError):
        raise ApiError(400, INVALID_REQUEST, f"Invalid request: {what} is not valid JSON") from None
    return value


Handler = Callable[[Service, Context], Awaitable[Response]]


def _operation(
    service: Service, operation_id: str, handler: Handler, *, secured: bool = True
) -> Callable[[Request], Awaitable[Response]]:
    operation: Operation = service.spec.operations[operation_id]

    async def endpoint(request: Request) -> Response:
        try:
            user = None
            if secured:
                user = service.auth.authenticate(request.headers.get("authorization"))
            params = service.spec.validate_parameters(
                operation, request.path_params, request.query_params, request.headers
            )
            ctx = Context(request, user, params, path=dict(request.path_params))
            if operation.body_validator is not None:
                body = await _read_json(request, service.settings.max_body_bytes)
                ctx.body = service.spec.validate_body(operation, body)
            return await handler(service, ctx)
        except ApiError as exc:
            return _error(exc)
        except Exception:
            logger.exception("internal error in %s", operation_id)
            return _internal()

    return endpoint


# -- handlers -------------------------------------------------------------------------
async def _login(service: Service, ctx: Context) -> Response:
    body = ctx.body
    client = ctx.request.client.host if ctx.request.client else ""
    if "refresh-token" in body:
        pair = await run_in_threadpool(service.auth.login_refresh, body["refresh-token"], client)
    elif "provider-token" in body:
        pair = await run_in_threadpool(service.auth.login_provider, body["provider-token"])
    else:
        async with service.auth.gate.slot():  # bounded argon2 memory and threads
            pair = await run_in_threadpool(
                service.auth.login_password,
                body["email"],
                body["password"],
                body.get("code"),
                client,
            )
    return JSONResponse(pair)


async def _logout(service: Service, ctx: Context) -> Response:
    assert ctx.user is not None
    await run_in_threadpool(service.auth.logout, ctx.user)
    return JSONResponse({"revoked": 1})


async def _submit_job(service: Service, ctx: Context) -> Response:
    key = ctx.params.get("Idempotency-Key")
    job_id, status = await run_in_threadpool(service.jobs.submit, ctx.user_id, ctx.body, key)
    return JSONResponse({"job": job_id, "status": status})


async def _list_jobs(service: Service, ctx: Context) -> Response:
    jobs, following = await run_in_threadpool(
        service.jobs.list_jobs,
        ctx.user_id,
        ctx.params,
        ctx.params.get("cursor"),
        int(ctx.params.get("limit", DEFAULT_PAGE_SIZE)),
    )
    return JSONResponse({"jobs": jobs, "next-cursor": following})


#: Results up to this many bits (shots x classical bits) are unpacked on the event loop
#: (~0.1 ms); larger ones in a worker thread, so the loop never stalls on a big document.
INLINE_RESULT_BITS = 16_384


async def _document(service: Service, row: dict[str, Any]) -> dict[str, Any]:
    """A job row's document; a thread hop (0.1-0.5 ms, more under load) only for big
    results."""
    if service.jobs.result_bits(row) <= INLINE_RESULT_BITS:
        return service.jobs.document(row)
    return await run_in_threadpool(service.jobs.document, row)


async def _get_job(service: Service, ctx: Context) -> Response:
    row = service.jobs.owned_job(ctx.user_id, ctx.params["job_id"])
    doc = await _document(service, row)
    if ctx.params.get("websocket") and doc["status"] not in DONE_STATUSES:
        session = ctx.user["session"] if ctx.user else None
        doc["websocket"] = service.tickets.issue(doc["job"], ctx.user_id, session)
    return JSONResponse(doc)


async def _cancel_job(service: Service, ctx: Context) -> Response:
    doc = await run_in_threadpool(service.jobs.cancel, ctx.user_id, ctx.params["job_id"])
    return JSONResponse(doc)


async def _list_machines(service: Service, ctx: Context) -> Response:
    return JSONResponse(service.catalog.documents(bool(ctx.params.get("config"))))


async def _machine_state(service: Service, ctx: Context) -> Response:
    name = ctx.params["name"]
    state = service.catalog.state(name)
    if state is None:
        raise ApiError(404, MACHINE_NOT_FOUND, "Machine not found")
    queued = await run_in_threadpool(service.store.queue_length, name)
    return JSONResponse({"state": state, "queue-length": queued})


async def _reservations(service: Service, ctx: Context) -> Response:
    start = dt.date.fromisoformat(ctx.params["start"])
    end = dt.date.fromisoformat(ctx.params["end"])
    if start > end:
        raise ApiError(400, INVALID_REQUEST, "Invalid request: start is after end")
    if start < FIRST_DAY or end > LAST_DAY:
        raise ApiError(
            400, INVALID_REQUEST, f"Invalid request: dates must be in {FIRST_DAY}..{LAST_DAY}"
        )
    days = (end - start).days + 1
    if days > service.settings.calendar_max_days:
        raise ApiError(
            400,
            INVALID_REQUEST,
            f"Invalid request: at most {service.settings.calendar_max_days} days at a time",
        )
    return JSONResponse(service.catalog.calendar(start, end))


# -- websocket ------------------------------------------------------------------------
#: Put in a subscription's queue when its client left or its session ended.
_STOPPED = JobEvent("stopped")


async def _websocket(websocket: WebSocket) -> None:
    """Push job documents for a ticket; see openapi.yaml's description."""
    service: Service = websocket.app.state.service
    await websocket.accept()
    close: tuple[int, str] = (1000, "")
    try:
        close = await _push_job(service, websocket) or close
    except WebSocketDisconnect:
        return
    except Exception:
        logger.exception("internal error in the websocket handler")
        with contextlib.suppress(Exception):
            await websocket.send_json(error_body(INTERNAL, "Internal error"))
    with contextlib.suppress(Exception):
        await websocket.close(*close)


async def _reject(websocket: WebSocket, code: int, text: str) -> None:
    await websocket.send_json(error_body(code, text))


async def _push_job(service: Service, websocket: WebSocket) -> tuple[int, str] | None:
    """Serve one subscription; the close code and reason when not a normal close."""
    try:
        async with asyncio.timeout(service.settings.websocket_open_timeout):
            raw = await websocket.receive_text()
        message = _client_json(raw, "OpenConnection request")
    except TimeoutError:
        await _reject(websocket, INVALID_REQUEST, "No OpenConnection request received")
        return None
    except ApiError as exc:
        await _reject(websocket, exc.code, exc.text)
        return None
    except (ValueError, KeyError):
        await _reject(websocket, INVALID_REQUEST, "Invalid OpenConnection request")
        return None
    problem = service.spec.validate("OpenConnectionRequest", message)
    if problem is not None:
        await _reject(websocket, INVALID_REQUEST, f"Invalid OpenConnection: {problem}")
        return None
    try:
        ticket = service.tickets.use(message["task_token"], message["executionArn"])
    except TicketError as exc:
        await _reject(websocket, BAD_TOKEN, str(exc))
        return None
    except (ValueError, KeyError, TypeError):
        await _reject(websocket, BAD_TOKEN, "Invalid task_token")
        return None
    row = service.store.job(ticket.job)
    if row is None or int(row["user_id"]) != ticket.user:
        await _reject(websocket, JOB_NOT_FOUND, "Job not found")
        return None
    try:
        subscription = service.subscriptions.open(ticket.user, ticket.session)
    except TooManySubscriptions as exc:
        await _reject(websocket, TOO_MANY, str(exc))
        return TOO_MANY_SUBSCRIPTIONS, str(exc)
    try:
        if await _stream(service, websocket, ticket.job, subscription.ended, message):
            return None
    finally:
        service.subscriptions.close(subscription)
    text = "The session of this websocket has ended"
    with contextlib.suppress(Exception):  # the client may have left at the same time
        await _reject(websocket, BAD_TOKEN, text)
    return SESSION_ENDED, text


async def _stream(
    service: Service,
    websocket: WebSocket,
    job_id: str,
    ended: asyncio.Event,
    message: dict[str, Any],
) -> bool:
    """Send `job_id`'s documents until it is done or the client leaves (True), or until
    `ended` is set (False: the session ended)."""
    partial = bool(message.get("partial", False))
    queue = service.events.subscribe(job_id)
    receiver = asyncio.ensure_future(_until_disconnect(websocket))
    session_end = asyncio.ensure_future(ended.wait())
    for stop in (receiver, session_end):  # the client left / the session ended
        stop.add_done_callback(lambda _: queue.put_nowait(_STOPPED))
    try:
        last: dict[str, Any] | None = None
        while not ended.is_set():
            row = service.store.job(job_id)
            if row is None:
                break
            doc = await _document(service, row)
            if doc != last:
                await websocket.send_json(doc)
                last = doc
            if doc["status"] in DONE_STATUSES:
                break
            event = await _next_event(queue, partial)
            if event is None:
                break
            if event.final is not None:  # rendered once by the thread that finished it
                await websocket.send_text(event.final)
                break
    finally:
        service.events.unsubscribe(job_id, queue)
        for task in (receiver, session_end):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    return not ended.is_set()


async def _until_disconnect(websocket: WebSocket) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return


async def _next_event(queue: asyncio.Queue[JobEvent], partial: bool) -> JobEvent | None:
    """The next relevant change (a final document if one came), or None when the client
    left, the session ended (`_STOPPED`) or the service stops.

    One queue carries all of them, so a change wakes this handler in one step of the
    event loop (waiting on the queue and the stops together took three more)."""
    while True:
        events = [await queue.get()]
        while not queue.empty():
            events.append(queue.get_nowait())
        if any(event.kind in ("closed", _STOPPED.kind) for event in events):
            return None
        for event in events:
            if event.final is not None:
                return event
        if partial or any(event.kind == "status" for event in events):
            return events[-1]


# -- application ----------------------------------------------------------------------
async def _openapi(request: Request) -> Response:
    service: Service = request.app.state.service
    return Response(service.spec.json_bytes, media_type="application/json")


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    text = "Not found" if exc.status_code == 404 else str(exc.detail)
    return JSONResponse(
        error_body(INVALID_REQUEST, text), status_code=exc.status_code, headers=exc.headers
    )


def _by_method(
    **endpoints: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """One endpoint for a path with several operations (one `Route`, so that a 405's
    `Allow` lists them all); HEAD is served as GET, as Starlette does for one route."""

    async def endpoint(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await endpoints[method](request)

    return endpoint


def create_app(settings: ServerSettings | None = None, db_path: Path | None = None) -> Starlette:
    """The ASGI app on the database at `db_path` (default: `default_db_path()`).

    Job workers start with the app's lifespan and stop with it.
    """
    settings = settings or ServerSettings()
    service = Service(settings, Path(db_path) if db_path is not None else default_db_path())

    def op(operation_id: str, handler: Handler, *, secured: bool = True) -> Any:
        return _operation(service, operation_id, handler, secured=secured)

    routes = [
        Route("/openapi.json", _openapi, methods=["GET"]),
        Route("/v1/login", op("login", _login, secured=False), methods=["POST"]),
        Route(
            "/v1/job",
            _by_method(POST=op("submit_job", _submit_job), GET=op("list_jobs", _list_jobs)),
            methods=["GET", "POST"],
        ),
        Route("/v1/job/{job_id}", op("get_job", _get_job), methods=["GET"]),
        Route("/v1/job/{job_id}/cancel", op("cancel_job", _cancel_job), methods=["POST"]),
        Route("/v1/machine/", op("list_machines", _list_machines), methods=["GET"]),
        Route("/v1/machine/{name}", op("get_machine_state", _machine_state), methods=["GET"]),
        Route("/beta/reservation", op("get_reservations", _reservations), methods=["GET"]),
        Route("/v1/logout", op("logout", _logout), methods=["POST"]),
        WebSocketRoute("/v1/", _websocket),
    ]
    if settings.batch_requests:
        routes[-1:-1] = [
            Route("/v1/job-batch", op("submit_jobs", submit_jobs), methods=["POST"]),
            Route("/v1/job-batch/documents", op("get_jobs", job_documents), methods=["POST"]),
        ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Only the lifespan that started the workers stops them and closes the database:
        # a harness that runs a lifespan per request (schemathesis) starts them itself.
        started_here = service.jobs.start()
        try:
            yield
        finally:
            service.subscriptions.stop()
            if started_here:
                await run_in_threadpool(service.close)

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_exception},
    )
    app.state.service = service
    return app
