"""Call patterns of code written for the seed's `QuantinuumAPI`, run unchanged against ours."""

from __future__ import annotations

import asyncio
from http import HTTPStatus

import httpx
import pytest

from quantinuum_api import (
    MemoryCredentialStorage,
    NotFoundError,
    QuantinuumAPI,
    QuantinuumAPIError,
)
from quantinuum_api_server.testing import LocalServer
from tests.programs import BELL

from .conftest import EMAIL, PASSWORD


def _body(count: int = 10, machine: str = "H1-1E") -> dict[str, object]:
    return {
        "name": "seed-job",
        "count": count,
        "machine": machine,
        "language": "OPENQASM 2.0",
        "program": BELL,
        "priority": "normal",
        "options": {"simulator": "state-vector", "error-model": False},
    }


@pytest.fixture
def api(server: LocalServer) -> QuantinuumAPI:
    return QuantinuumAPI(
        api_url=server.base_url,
        _QuantinuumAPI__user_name=EMAIL,
        _QuantinuumAPI__pwd=PASSWORD,
    )


def test_seed_attributes(api: QuantinuumAPI, server: LocalServer) -> None:
    assert api.url == f"{server.base_url}v1/"
    assert api.online is True
    assert api.provider is None
    assert api.use_websocket is True
    assert isinstance(api.session, httpx.Client)
    assert (api.ws_timeout, api.retry_timeout, api.timeout) == (180, 5, None)
    assert api.JOB_DONE == ["failed", "completed", "canceled"]
    assert QuantinuumAPI.DEFAULT_API_URL == "https://qapi.quantinuum.com/"
    with QuantinuumAPI() as cloud:
        assert cloud.url == "https://qapi.quantinuum.com/v1/"


def test_seed_submit_retrieve_pattern(api: QuantinuumAPI) -> None:
    # as in pytket-quantinuum: submit, check, read the id, then retrieve
    res = api._submit_job(_body())
    api._response_check(res, "submit job")
    assert res.status_code == HTTPStatus.OK
    job_id = res.json()["job"]
    status = api.retrieve_job_status(job_id)
    assert status is not None
    assert status["job"] == job_id
    jr = api.retrieve_job(job_id)
    assert jr is not None
    assert jr["status"] in api.JOB_DONE
    assert len(jr["results"]["c"]) == 10
    polled = api.retrieve_job(job_id, use_websocket=False)
    assert polled is not None
    assert polled["results"] == jr["results"]


def test_seed_machine_calendar_cancel_calls(api: QuantinuumAPI, slow_server: LocalServer) -> None:
    assert api.status("H1-1E") == "online"
    calendar = api.get_calendar("2026-11-25", "2026-11-26")
    assert calendar
    assert {"start-date", "end-date", "machine", "event-type"} <= set(calendar[0])
    machines = api.get_machine_list()
    assert {"H1-1", "H2-1"} <= {m["name"] for m in machines}
    # A job still running when it is cancelled: on the fast server a Bell job may be done
    # before the cancel arrives (400 "job has completed already", as the cloud answers).
    slow = QuantinuumAPI(
        api_url=slow_server.base_url, _QuantinuumAPI__user_name=EMAIL, _QuantinuumAPI__pwd=PASSWORD
    )
    job_id = slow._submit_job(_body(count=1000)).json()["job"]
    assert slow.cancel(job_id)["job"] == job_id


def test_seed_login_and_delete_authentication(server: LocalServer) -> None:
    store = MemoryCredentialStorage()
    api = QuantinuumAPI(
        token_store=store,
        api_url=server.base_url,
        _QuantinuumAPI__user_name=EMAIL,
        _QuantinuumAPI__pwd=PASSWORD,
    )
    token = api.login()
    assert token
    assert store.id_token == token
    assert store.user_name == EMAIL
    assert api.login() == token  # cached
    api.full_login()
    assert store.id_token is not None
    assert store.id_token != token
    api.delete_authentication()
    assert store.id_token is None
    assert store.refresh_token is None


def test_seed_errors_are_quantinuum_api_errors(api: QuantinuumAPI) -> None:
    with pytest.raises(QuantinuumAPIError, match="job status"):
        api.retrieve_job("no-such-job")
    with pytest.raises(NotFoundError):
        api.status("Z-9")
    bad = api._submit_job({**_body(), "count": 0})
    assert bad.status_code == 400
    with pytest.raises(QuantinuumAPIError, match="submit job"):
        api._response_check(bad, "submit job")


def test_override_timeouts_restores_values(api: QuantinuumAPI) -> None:
    with api.override_timeouts(timeout=30, retry_timeout=1):
        assert (api.timeout, api.retry_timeout) == (30, 1)
    assert (api.timeout, api.retry_timeout) == (None, 5)


def test_timeout_returns_last_document_like_the_seed(slow_server: LocalServer) -> None:
    api = QuantinuumAPI(
        api_url=slow_server.base_url,
        _QuantinuumAPI__user_name=EMAIL,
        _QuantinuumAPI__pwd=PASSWORD,
    )
    job_id = api._submit_job(_body(count=5000)).json()["job"]
    with api.override_timeouts(timeout=0.2):
        jr = api.retrieve_job(job_id)
    assert jr is not None
    assert jr["job"] == job_id
    assert jr["status"] in {"queued", "running"}
    api.cancel(job_id)


async def test_seed_sync_calls_inside_a_running_event_loop(api: QuantinuumAPI) -> None:
    assert asyncio.get_running_loop().is_running()
    job_id = api._submit_job(_body(count=4)).json()["job"]
    jr = api.retrieve_job(job_id)  # the seed needed nest_asyncio here
    assert jr is not None
    assert jr["status"] == "completed"
    polled = await api._wait_results(job_id)
    assert polled is not None
    assert polled["status"] == "completed"


def test_environment_configures_quantinuum_api_as_it_does_client(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QUANTINUUM_API_URL / _USER_NAME / _PASSWORD: once ignored by QuantinuumAPI()."""
    monkeypatch.setenv("QUANTINUUM_API_URL", server.base_url)
    monkeypatch.setenv("QUANTINUUM_USER_NAME", EMAIL)
    monkeypatch.setenv("QUANTINUUM_PASSWORD", PASSWORD)
    api = QuantinuumAPI(credentials_prompt=None, mfa_code=None)
    try:
        assert api.url == f"{server.base_url}v1/"
        assert any(m["name"] == "H1-1E" for m in api.get_machine_list())
        assert PASSWORD not in repr(api)
        assert PASSWORD not in repr(vars(api))
    finally:
        api.close()


def test_seed_api_exposes_the_generated_client(api: QuantinuumAPI) -> None:
    from quantinuum_api_client.api.machines import get_machine_state

    state = get_machine_state.sync("H1-1E", client=api.api)
    assert state is not None
    assert state.to_dict()["state"] == "online"
    api.close()


def test_raw_results_format_reaches_the_service(api: QuantinuumAPI) -> None:
    seen: list[httpx.QueryParams] = []
    api.session.event_hooks["request"].append(lambda r: seen.append(r.url.params))
    job_id = api._submit_job(_body(count=2)).json()["job"]
    doc = api.retrieve_job_status(job_id, use_websocket=True, request_raw_results=True)
    assert doc is not None
    assert seen[-1]["results_format"] == "raw"
    assert seen[-1]["websocket"] == "true"
    with api._override_timeouts(timeout=30, retry_timeout=1):
        assert api.timeout == 30
        done = api.retrieve_job(job_id)
    assert api.timeout is None
    assert done is not None
    assert done["status"] == "completed"
    api.close()
