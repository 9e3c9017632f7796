"""Websocket waiting details against the real service: keep-alive, settings, seed session."""

from __future__ import annotations

import dataclasses

import httpx

from quantinuum_api import AsyncClient, Client, HttpOptions, QuantinuumAPI
from quantinuum_api_server.testing import LocalServer
from tests.programs import BELL

from .conftest import EMAIL, FAST, PASSWORD
from .faults import FaultTransport, WebsocketProxy


async def test_quiet_websocket_pings_and_rechecks_over_rest(slow_server: LocalServer) -> None:
    # The service pushes only status changes; with a tiny ws_timeout the waiter sees quiet
    # periods while the job runs, pings, re-checks over REST, and keeps the same connection.
    transport = FaultTransport(lambda request, n: None)
    quiet = dataclasses.replace(FAST, ws_timeout=0.05)
    with WebsocketProxy(slow_server.ws_url) as proxy:
        async with AsyncClient(
            slow_server.base_url,
            email=EMAIL,
            password=PASSWORD,
            ws_url=proxy.url,
            wait_policy=quiet,
            httpx_client=httpx.AsyncClient(transport=transport),
        ) as client:
            job = await client.jobs.submit(BELL, "H1-1E", 150)
            done = await client.jobs.wait(job)
    assert done.succeeded
    assert len(done.shots()) == 150
    gets = [r for r in transport.seen if r.method == "GET" and job.id in r.url.path]
    assert len(gets) >= 3  # the ticket request plus at least two quiet-period re-checks
    assert proxy.connections == 1


def test_http_options_reach_the_websocket(slow_server: LocalServer) -> None:
    http = HttpOptions(headers={"X-Trace": "sdk-client-test"})
    with (
        WebsocketProxy(slow_server.ws_url) as proxy,
        Client(
            slow_server.base_url,
            email=EMAIL,
            password=PASSWORD,
            ws_url=proxy.url,
            http=http,
            wait_policy=FAST,
        ) as client,
    ):
        assert client.jobs.run(BELL, "H1-1E", 30).succeeded
    assert proxy.connections == 1
    headers = {k.lower(): v for k, v in proxy.request_headers[0].items()}
    assert headers["x-trace"] == "sdk-client-test"
    assert headers["user-agent"].startswith("quantinuum-api/")


def test_seed_session_carries_every_request(server: LocalServer) -> None:
    paths: list[str] = []
    session = httpx.Client(event_hooks={"request": [lambda r: paths.append(r.url.path)]})
    api = QuantinuumAPI(
        api_url=server.base_url,
        session=session,
        use_websocket=False,
        _QuantinuumAPI__user_name=EMAIL,
        _QuantinuumAPI__pwd=PASSWORD,
    )
    assert api.session is session
    res = api._submit_job(
        {"count": 2, "machine": "H1-1E", "language": "OPENQASM 2.0", "program": BELL}
    )
    job_id = res.json()["job"]
    jr = api.retrieve_job(job_id)
    assert jr is not None
    assert jr["status"] == "completed"
    assert paths[0] == "/v1/login"  # the token exchange uses the session too
    assert "/v1/job" in paths
    assert f"/v1/job/{job_id}" in paths
    api.close()
    assert not session.is_closed  # a session passed in stays the caller's to close
    session.close()


def test_rejected_ticket_and_garbled_messages_are_retried(slow_server: LocalServer) -> None:
    corrupt = ["bad-ticket", "this is not json", '{"job": 7}']
    with (
        WebsocketProxy(slow_server.ws_url, corrupt=corrupt) as proxy,
        Client(
            slow_server.base_url,
            email=EMAIL,
            password=PASSWORD,
            ws_url=proxy.url,
            wait_policy=dataclasses.replace(FAST, max_ws_failures=4),
        ) as client,
    ):
        done = client.jobs.run(BELL, "H1-1E", 100)
    assert done.succeeded
    assert proxy.connections == 4  # three bad sessions, then a good one
