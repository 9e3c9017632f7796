"""The generated client builds and parses the reference's real payloads.

Covers what the generator does with hyphenated keys, the three login body variants,
nullable dates, free-form options and additional properties, driving the generated
operation functions over an in-process httpx transport.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from quantinuum_api import default_machines
from quantinuum_api_client import AuthenticatedClient, Client
from quantinuum_api_client.api.auth import login
from quantinuum_api_client.api.calendar import get_reservations
from quantinuum_api_client.api.jobs import cancel_job, get_job, submit_job
from quantinuum_api_client.api.machines import get_machine_state, list_machines
from quantinuum_api_client.models import (
    CalendarEvent,
    ErrorResponse,
    GetReservationsMode,
    Job,
    JobOptions,
    JobRequest,
    JobResults,
    JobStatus,
    JobSubmitted,
    Language,
    LoginPasswordRequest,
    LoginProviderRequest,
    LoginRefreshRequest,
    Machine,
    MachineState,
    NoiseSpecs,
    NoiseSpecs2QGateError,
    OpenConnectionRequest,
    TokenPair,
    WebsocketTicket,
)
from quantinuum_api_client.types import UNSET

Handler = Callable[[httpx.Request], httpx.Response]


def recording(status: int, body: Any, seen: list[httpx.Request]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(status, json=body)

    return handler


def client(handler: Handler) -> Client:
    return Client(base_url="http://svc", httpx_args={"transport": httpx.MockTransport(handler)})


def authed(handler: Handler, token: str = "tok.en.jwt") -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url="http://svc",
        token=token,
        prefix="",
        httpx_args={"transport": httpx.MockTransport(handler)},
    )


@pytest.mark.parametrize(
    ("body", "wire"),
    [
        (
            LoginPasswordRequest(email="a@b.c", password="pw"),
            {"email": "a@b.c", "password": "pw"},
        ),
        (
            LoginPasswordRequest(email="a@b.c", password="pw", code="123456"),
            {"email": "a@b.c", "password": "pw", "code": "123456"},
        ),
        (LoginRefreshRequest(refresh_token="r1"), {"refresh-token": "r1"}),
        (LoginProviderRequest(provider_token="p1"), {"provider-token": "p1"}),
    ],
)
def test_login_variants_send_hyphenated_bodies_and_parse_the_pair(
    body: LoginPasswordRequest | LoginRefreshRequest | LoginProviderRequest,
    wire: dict[str, str],
) -> None:
    seen: list[httpx.Request] = []
    pair = {"id-token": "id1", "refresh-token": "ref1"}
    result = login.sync(client=client(recording(200, pair, seen)), body=body)
    assert seen[0].method == "POST"
    assert seen[0].url.path == "/v1/login"
    assert json.loads(seen[0].content) == wire
    assert "authorization" not in seen[0].headers
    assert isinstance(result, TokenPair)
    assert (result.id_token, result.refresh_token) == ("id1", "ref1")


def test_login_mfa_required_is_parsed_as_the_error_body() -> None:
    seen: list[httpx.Request] = []
    reply = {"error": {"code": 73, "text": "MFA verification code required"}}
    response = login.sync_detailed(
        client=client(recording(401, reply, seen)),
        body=LoginPasswordRequest(email="a@b.c", password="pw"),
    )
    assert response.status_code == 401
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.error.code == 73


def test_job_request_uses_hyphenated_keys_and_free_form_options() -> None:
    options = JobOptions(simulator="state-vector", error_model=True, no_opt=True)
    options["custom-flag"] = 7
    request = JobRequest(
        machine="H1-1E",
        language=Language.OPENQASM_2_0,
        program="OPENQASM 2.0;",
        count=10,
        name="job",
        options=options,
        max_cost=12.5,
        batch_exec=100.0,
        batch_end=True,
    )
    seen: list[httpx.Request] = []
    result = submit_job.sync(
        client=authed(recording(200, {"job": "j1", "status": "queued"}, seen)),
        body=request,
        idempotency_key="key-1",
    )
    sent = json.loads(seen[0].content)
    assert sent == {
        "machine": "H1-1E",
        "language": "OPENQASM 2.0",
        "program": "OPENQASM 2.0;",
        "count": 10,
        "name": "job",
        "options": {
            "simulator": "state-vector",
            "error-model": True,
            "no-opt": True,
            "custom-flag": 7,
        },
        "max-cost": 12.5,
        "batch-exec": 100.0,
        "batch-end": True,
    }
    assert seen[0].headers["authorization"] == "tok.en.jwt"
    assert seen[0].headers["idempotency-key"] == "key-1"
    assert isinstance(result, JobSubmitted)
    assert result.job == "j1"
    assert result.status is JobStatus.QUEUED


def test_job_document_parses_every_field_and_keeps_unknown_ones() -> None:
    document = {
        "job": "j1",
        "name": "bell",
        "status": "running",
        "machine": "H1-1E",
        "count": 4,
        "results": {"c": ["00", "11"], "d": ["1", "0"]},
        "submit-date": "2026-11-25T12:00:00Z",
        "start-date": "2026-11-25T12:00:01+00:00",
        "result-date": None,
        "queue-position": None,
        "cost": 5.02,
        "cost-confidence": 0.9,
        "error": {"code": 40, "text": "bad"},
        "last-shot": 1,
        "qubits": 2,
        "priority": "normal",
        "websocket": {"task_token": "t", "executionArn": "arn"},
        "future-field": {"x": 1},
    }
    seen: list[httpx.Request] = []
    job = get_job.sync(
        "j1", client=authed(recording(200, document, seen)), websocket=True, results_format=UNSET
    )
    assert seen[0].url.params["websocket"] == "true"
    assert isinstance(job, Job)
    assert job.status is JobStatus.RUNNING
    assert isinstance(job.results, JobResults)
    assert job.results["c"] == ["00", "11"]
    assert job.submit_date == datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.UTC)
    assert job.result_date is None
    assert job.queue_position is None
    assert isinstance(job.websocket, WebsocketTicket)
    assert job.websocket.execution_arn == "arn"
    assert job["future-field"] == {"x": 1}
    assert job.to_dict()["last-shot"] == 1
    assert job.to_dict()["future-field"] == {"x": 1}


def test_cancel_returns_the_job_document() -> None:
    seen: list[httpx.Request] = []
    job = cancel_job.sync(
        "j1", client=authed(recording(200, {"job": "j1", "status": "canceled"}, seen))
    )
    assert seen[0].url.path == "/v1/job/j1/cancel"
    assert isinstance(job, Job)
    assert job.status is JobStatus.CANCELED


def test_unknown_job_is_a_parsed_404() -> None:
    seen: list[httpx.Request] = []
    response = get_job.sync_detailed(
        "nope",
        client=authed(recording(404, {"error": {"code": 30, "text": "Job not found"}}, seen)),
    )
    assert response.status_code == 404
    assert isinstance(response.parsed, ErrorResponse)
    assert response.parsed.error.text == "Job not found"


def test_machine_documents_round_trip_including_noise_specs() -> None:
    seen: list[httpx.Request] = []
    docs = default_machines()
    machines = list_machines.sync(client=authed(recording(200, docs, seen)), config=True)
    assert seen[0].url.params["config"] == "true"
    assert isinstance(machines, list)
    assert [m.name for m in machines] == ["H1-1", "H2-1", "H2-2", "Helios-1"]
    h1 = machines[0]
    assert isinstance(h1, Machine)
    assert h1.n_gate_zones == "5"
    assert isinstance(h1.noise_specs, NoiseSpecs)
    assert isinstance(h1.noise_specs.field_2q_gate_error, NoiseSpecs2QGateError)
    assert h1.noise_specs.field_2q_gate_error.p2 == 0.000882
    assert [m.to_dict() for m in machines] == docs


def test_machine_state() -> None:
    seen: list[httpx.Request] = []
    state = get_machine_state.sync("H1-1", client=authed(recording(200, {"state": "online"}, seen)))
    assert isinstance(state, MachineState)
    assert state.state == "online"


def test_calendar_events_keep_their_hyphenated_fields() -> None:
    events = [
        {
            "start-date": "2026-11-25T00:00:00",
            "end-date": "2026-11-25T08:00:00",
            "machine": "H1-1",
            "event-type": "online",
            "reservation-type": "fairshare",
        },
        {
            "start-date": "2026-11-25T08:00:00",
            "end-date": "2026-11-25T12:00:00",
            "machine": "H1-1",
            "event-type": "reserved",
            "reservation-type": "dedicated",
            "organization": "Example University",
        },
    ]
    seen: list[httpx.Request] = []
    parsed = get_reservations.sync(
        client=authed(recording(200, events, seen)),
        mode=GetReservationsMode.USER,
        start=datetime.date(2026, 11, 25),
        end=datetime.date(2026, 11, 26),
    )
    assert dict(seen[0].url.params) == {"mode": "user", "start": "2026-11-25", "end": "2026-11-26"}
    assert isinstance(parsed, list)
    assert all(isinstance(e, CalendarEvent) for e in parsed)
    assert parsed[1].organization == "Example University"
    assert parsed[0].organization is UNSET
    assert [e.to_dict() for e in parsed] == events


def test_websocket_open_connection_message() -> None:
    message = OpenConnectionRequest(
        action="OpenConnection", task_token="t", execution_arn="arn", partial=False
    )
    assert message.to_dict() == {
        "action": "OpenConnection",
        "task_token": "t",
        "executionArn": "arn",
        "partial": False,
    }
