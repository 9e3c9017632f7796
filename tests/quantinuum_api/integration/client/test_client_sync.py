"""`Client` against the real local service: every public method, websocket and polling."""

from __future__ import annotations

import datetime

import httpx
import pyotp
import pytest

from quantinuum_api import (
    AuthenticationError,
    BadRequestError,
    Client,
    Job,
    JobFailedError,
    MemoryCredentialStorage,
    NotFoundError,
    QuantinuumAPI,
)
from quantinuum_api._results import MachineState
from quantinuum_api_client import models
from quantinuum_api_client.types import Unset
from quantinuum_api_server.testing import LocalServer
from tests.programs import BELL

from .conftest import EMAIL, FAST, PASSWORD, TWO_REGISTERS


def test_submit_wait_websocket_counts(client: Client) -> None:
    job = client.jobs.submit(BELL, "H1-1E", 30, name="bell", options={"seed": 1})
    assert isinstance(job, Job)
    assert job.status == "queued"
    assert job.name == "bell"
    updates: list[str] = []
    done = client.jobs.wait(job, on_update=lambda j: updates.append(j.status))
    assert done.status == "completed"
    assert done.id == job.id
    assert updates[-1] == "completed"
    counts = done.counts()
    assert sum(counts.values()) == 30
    assert set(counts) <= {"00", "11"}
    assert done.cost is not None
    assert done.cost > 5


def test_submit_wait_polling_and_registers(client: Client) -> None:
    job = client.jobs.submit(TWO_REGISTERS, "H1-1E", 8)
    done = client.jobs.wait(job.id, use_websocket=False)
    assert done.registers == ["a", "b"]
    assert done.shots("a") == ["01"] * 8  # a[0] = 1, MSB first
    assert done.counts("b") == {"1": 8}
    assert done.counts() == {"01 1": 8}


def test_get_offers_a_websocket_ticket_only_when_asked_and_not_done(
    slow_server: LocalServer,
) -> None:
    with Client(slow_server.base_url, email=EMAIL, password=PASSWORD, wait_policy=FAST) as c:
        job = c.jobs.submit(BELL, "H1-1E", 1000)
        assert isinstance(c.jobs.get(job, websocket=True).model.websocket, models.WebsocketTicket)
        assert isinstance(c.jobs.get(job).model.websocket, Unset)
        c.jobs.cancel(job)
        done = c.jobs.wait(job)
        assert isinstance(c.jobs.get(done, websocket=True).model.websocket, Unset)


def test_wait_many_fifty_jobs(client: Client) -> None:
    jobs = [client.jobs.submit(BELL, "H1-1E", 2, name=f"many-{i}") for i in range(50)]
    finished: set[str] = set()
    results = client.jobs.wait_many(
        jobs, on_update=lambda j: finished.add(j.id) if j.done else None
    )
    assert [r.id for r in results] == [j.id for j in jobs]
    assert all(r.status == "completed" and len(r.shots("c")) == 2 for r in results)
    assert finished == {j.id for j in jobs}


def test_machines(client: Client) -> None:
    machines = client.machines.list()
    assert all(isinstance(m, models.Machine) for m in machines)
    names = {m.name for m in machines}
    assert {"H1-1", "H1-1E", "H1-1SC", "H2-1"} <= names
    assert client.machines.get("H2-1").n_qubits == 56
    assert client.machines.state("H1-1E") == "online"
    assert client.machines.state("H1-1") in {"online", "reserved", "in maintenance"}
    assert client.machines.syntax_checker("H1-1") == "H1-1SC"
    with pytest.raises(NotFoundError) as info:
        client.machines.state("Z-9")
    assert info.value.status_code == 404
    assert info.value.operation == "get machine state"
    with pytest.raises(NotFoundError):
        client.machines.get("Z-9")


def test_machine_state_carries_the_queue(client: Client) -> None:
    state = client.machines.state("H1-1E")
    assert state.state == "online"
    assert str(state) == "online"
    assert f"{state}" == "online"
    assert isinstance(state.queue_length, int)
    assert state.queue_length >= 0
    assert state == MachineState("online", state.queue_length)
    assert state != MachineState("online", state.queue_length + 1)
    assert hash(state) == hash("online")


def test_calendar(client: Client) -> None:
    events = client.calendar("2026-11-25", datetime.date(2026, 11, 26))
    assert events
    assert all(isinstance(e, models.CalendarEvent) for e in events)
    assert {e.machine for e in events} <= {"H1-1", "H2-1", "H2-2", "Helios-1"}  # hardware only
    assert all(e.start_date.startswith("2026-11-2") for e in events)
    with pytest.raises(ValueError, match="start must be a date"):
        client.calendar("25/11/2026", "2026-11-26")


def test_cost_uses_the_syntax_checker(client: Client) -> None:
    # H: 1 one-qubit gate, CX: 1 two-qubit gate, 2 measurements + 2 preparations
    assert client.cost(BELL, "H1-1", 100) == pytest.approx(5 + 100 * (1 + 10 + 5 * 4) / 5000)
    assert client.cost(BELL, "H1-1E", 100) == client.cost(BELL, "H1-1SC", 100)


def test_cancel(slow_server: LocalServer) -> None:
    with Client(slow_server.base_url, email=EMAIL, password=PASSWORD, wait_policy=FAST) as c:
        job = c.jobs.submit(BELL, "H1-1E", 2000)
        canceled = c.jobs.cancel(job)
        assert canceled.status in {"canceling", "canceled"}
        final = c.jobs.wait(job)
        assert final.status == "canceled"
        with pytest.raises(JobFailedError, match="ended canceled") as info:
            c.jobs.wait(job, raise_on_failure=True)
        assert info.value.job["job"] == job.id


def test_invalid_program_is_a_bad_request(client: Client) -> None:
    with pytest.raises(BadRequestError) as info:
        client.jobs.submit("OPENQASM 2.0;\nqreg q[1];\nbogus q[0];\n", "H1-1E", 1)
    assert info.value.error_code == 40
    with pytest.raises(NotFoundError):
        client.jobs.get("no-such-job")


def test_wrong_password_is_an_authentication_error(server: LocalServer) -> None:
    with (
        Client(
            server.base_url,
            email=EMAIL,
            password="wrong",
            token_store=MemoryCredentialStorage(),
            credentials_prompt=None,
        ) as c,
        pytest.raises(AuthenticationError),
    ):
        c.machines.list()


def test_login_logout(client: Client) -> None:
    client.login()
    assert client.token_manager.store.id_token is not None
    client.logout()
    assert client.token_manager.store.id_token is None


async def test_sync_client_inside_a_running_event_loop(server: LocalServer) -> None:
    with Client(server.base_url, email=EMAIL, password=PASSWORD, wait_policy=FAST) as c:
        done = c.jobs.run(BELL, "H1-1E", 4)
        assert done.status == "completed"
        assert len(done.shots()) == 4


def test_mfa_code_callback_and_provider_token_logins(server: LocalServer) -> None:
    secret = server.add_user("mfa-client@example.com", "pw-mfa", mfa=True)
    assert secret is not None
    codes: list[str] = []

    def code() -> str:
        codes.append(pyotp.TOTP(secret).now())
        return codes[-1]

    with Client(
        server.base_url, email="mfa-client@example.com", password="pw-mfa", mfa_code=code
    ) as c:
        assert c.machines.state("H1-1E") == "online"
    assert len(codes) == 1

    with Client(
        server.base_url,
        provider_token=lambda: server.mint_provider_token("federated-client@example.com"),
    ) as c:
        assert c.jobs.run(BELL, "H1-1E", 2).succeeded

    api = QuantinuumAPI(
        api_url=server.base_url,
        provider=lambda: server.mint_provider_token("federated-seed@example.com"),
    )
    assert api.status("H2-1E") == "online"
    api.close()


def test_configuration_from_environment(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUANTINUUM_API_URL", server.base_url)
    monkeypatch.setenv("QUANTINUUM_EMAIL", EMAIL)
    monkeypatch.setenv("QUANTINUUM_PASSWORD", PASSWORD)
    with Client(credentials_prompt=None) as c:
        assert c.urls.rest == f"{server.base_url}v1/"
        assert c.machines.state("H1-1SC") == "online"


def test_refresh_token_login_without_password(server: LocalServer) -> None:
    store = MemoryCredentialStorage()
    with Client(server.base_url, email=EMAIL, password=PASSWORD, token_store=store) as first:
        first.login()
    refresh = store.refresh_token
    assert refresh is not None
    with Client(
        server.base_url, email=EMAIL, refresh_token=refresh, credentials_prompt=None
    ) as second:
        assert second.machines.state("H1-1E") == "online"
        assert second.token_manager.refresh_count == 1


def test_raw_request_escape_hatch(client: Client) -> None:
    response = client.request("GET", "machine/H1-1E")
    assert response.status_code == 200
    assert response.json() == {"state": "online", "queue-length": 0}
    with pytest.raises(NotFoundError) as info:
        client.request("GET", "job/missing", operation="peek at job")
    assert info.value.operation == "peek at job"


def test_client_api_runs_any_generated_operation(client: Client) -> None:
    """`client.api` is the SDK's authenticated, retrying generated client."""
    from quantinuum_api_client.api.jobs import get_job
    from quantinuum_api_client.models import Job as JobModel

    job = client.jobs.run(BELL, "H1-1E", 4)
    model = get_job.sync(job.id, client=client.api)
    assert isinstance(model, JobModel)
    assert model.job == job.id
    assert model.status.value == "completed"
    detailed = get_job.sync_detailed("no-such-job", client=client.api)
    assert detailed.status_code == 404


def test_a_given_httpx_client_carries_the_calls_and_stays_open(server: LocalServer) -> None:
    paths: list[str] = []
    session = httpx.Client(event_hooks={"request": [lambda r: paths.append(r.url.path)]})
    with Client(
        server.base_url,
        email=EMAIL,
        password=PASSWORD,
        httpx_client=session,
        token_store=MemoryCredentialStorage(),
        wait_policy=FAST,
    ) as c:
        job = c.jobs.submit(BELL, "H1-1E", 5)
        assert c.jobs.wait(job).succeeded  # waits use the SDK's own async client
        assert c.jobs.get(job).succeeded
    assert paths.count(f"/v1/job/{job.id}") == 1
    assert "/v1/job" in paths
    assert not session.is_closed  # the caller's to close
    session.close()
