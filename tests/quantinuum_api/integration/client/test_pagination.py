"""`iter_jobs` / `aiter_jobs`: job history as lazy iterators over `GET /v1/job` pages,
through a generated `AuthenticatedClient` built by hand against a real LocalServer."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Generator, Iterator
from typing import Any

import httpx
import pytest

from quantinuum_api import AuthenticationError, BadRequestError, NotFoundError
from quantinuum_api._exceptions import APIStatusError
from quantinuum_api._pagination import aiter_jobs, iter_jobs
from quantinuum_api_client import AuthenticatedClient, Client
from quantinuum_api_client.models import Job, JobStatus
from quantinuum_api_server.testing import LocalServer
from tests.programs import BELL


class User:
    """A fresh account on the server, its token and the requests its client sends."""

    def __init__(self, server: LocalServer) -> None:
        self.server = server
        email = f"pager-{uuid.uuid4().hex[:10]}@example.com"
        server.add_user(email, "pw-1")
        self.http = httpx.Client(base_url=server.base_url, timeout=30)
        login = self.http.post("v1/login", json={"email": email, "password": "pw-1"})
        self.token = str(login.json()["id-token"])
        self.requests: list[httpx.Request] = []

    def client(self, base_url: str | None = None, **httpx_args: Any) -> AuthenticatedClient:
        hooks = {"request": [self.requests.append]}
        return AuthenticatedClient(
            base_url=base_url or self.server.base_url,
            token=self.token,
            prefix="",
            httpx_args={"event_hooks": hooks, **httpx_args},
        )

    def async_client(self) -> AuthenticatedClient:
        async def record(request: httpx.Request) -> None:
            self.requests.append(request)

        return AuthenticatedClient(
            base_url=self.server.base_url,
            token=self.token,
            prefix="",
            httpx_args={"event_hooks": {"request": [record]}},
        )

    def submit(self, name: str, **extra: Any) -> str:
        body = {
            "name": name,
            "machine": "H1-1E",
            "language": "OPENQASM 2.0",
            "program": BELL,
            "count": 5,
            **extra,
        }
        reply = self.http.post("v1/job", json=body, headers={"Authorization": self.token})
        assert reply.status_code == 200, reply.text
        return str(reply.json()["job"])


@pytest.fixture
def user(server: LocalServer) -> Iterator[User]:
    account = User(server)
    yield account
    account.http.close()


def test_iterates_every_job_newest_first_one_page_at_a_time(user: User) -> None:
    submitted = [user.submit(f"job-{i}") for i in range(7)]
    with user.client() as client:
        jobs = iter_jobs(client, page_size=3)
        assert user.requests == []  # lazy: nothing sent before the first item is asked for
        first = [next(jobs), next(jobs)]
        assert len(user.requests) == 1
        rest = list(jobs)
    assert all(isinstance(job, Job) for job in first + rest)
    assert [job.job for job in first + rest] == submitted[::-1]
    assert len(user.requests) == 3  # 3 + 3 + 1
    assert [r.url.params.get("limit") for r in user.requests] == ["3", "3", "3"]
    assert "cursor" not in user.requests[0].url.params
    assert user.requests[1].url.params["cursor"]


def test_filters_reach_the_service(user: User) -> None:
    plain = user.submit("plain")
    tagged = user.submit("tagged", group="exp-1")
    over = user.submit("dear", **{"max-cost": 0.001})
    with user.client() as client:
        assert [job.job for job in iter_jobs(client, group="exp-1")] == [tagged]
        assert [job.job for job in iter_jobs(client, name="plain")] == [plain]
        assert [job.job for job in iter_jobs(client, status="failed")] == [over]
        assert [job.job for job in iter_jobs(client, status=JobStatus.FAILED)] == [over]
        assert list(iter_jobs(client, machine="H2-1E")) == []
        # A naive datetime is UTC; an hour from now nothing has been submitted yet.
        later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=1)
        assert list(iter_jobs(client, submitted_after=later)) == []
        assert len(list(iter_jobs(client, submitted_before=later))) == 3


def test_async_iterates_the_same_pages(user: User) -> None:
    submitted = [user.submit(f"job-{i}") for i in range(5)]

    async def collect() -> list[str]:
        async with user.async_client() as client:
            return [job.job async for job in aiter_jobs(client, page_size=2)]

    assert asyncio.run(collect()) == submitted[::-1]
    assert len(user.requests) == 3


def test_a_service_without_job_history_is_a_clear_error(user: User) -> None:
    # A real 404: the service has no such path (as under another prefix).
    client = user.client(base_url=f"{user.server.base_url}no-such-api/")
    with client, pytest.raises(NotFoundError, match="not supported by this service") as caught:
        next(iter_jobs(client))
    assert caught.value.status_code == 404
    assert "HTTP 404" in str(caught.value)


def test_a_405_is_not_supported_either(user: User) -> None:
    # Our service has the route, so a service that only allows POST /v1/job is simulated.
    def only_post(request: httpx.Request) -> httpx.Response:
        return httpx.Response(405, headers={"Allow": "POST"}, json={"detail": "no"})

    client = user.client(transport=httpx.MockTransport(only_post))
    with client, pytest.raises(APIStatusError, match="not supported by this service") as caught:
        list(iter_jobs(client))
    assert caught.value.status_code == 405

    async def collect() -> None:
        async with AuthenticatedClient(
            base_url=user.server.base_url,
            token=user.token,
            prefix="",
            httpx_args={"transport": httpx.MockTransport(only_post)},
        ) as client:
            async for _ in aiter_jobs(client):
                pass

    with pytest.raises(APIStatusError, match="not supported by this service"):
        asyncio.run(collect())


def test_other_failures_are_the_usual_typed_errors(user: User, server: LocalServer) -> None:
    with user.client() as client:
        with pytest.raises(BadRequestError, match="limit") as caught:
            next(iter_jobs(client, page_size=101))
        assert caught.value.error_code == 10
    stranger = AuthenticatedClient(base_url=server.base_url, token="not-a-token", prefix="")
    with stranger, pytest.raises(AuthenticationError) as denied:
        next(iter_jobs(stranger))
    assert "not-a-token" not in str(denied.value)


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ({"status": "finished"}, "unknown job status 'finished'"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": True}, "page_size"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    user: User, bad: dict[str, Any], problem: str
) -> None:
    with user.client() as client, pytest.raises(ValueError, match=problem):
        next(iter_jobs(client, **bad))
    assert user.requests == []


class _Token(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.token
        yield request


def test_a_plain_client_with_an_httpx_auth_works_too(user: User) -> None:
    # The SDK's own wiring: a generated Client over an httpx client that authenticates.
    job = user.submit("via-auth")
    client = Client(base_url=user.server.base_url)
    client.set_httpx_client(httpx.Client(base_url=user.server.base_url, auth=_Token(user.token)))
    with client:
        assert [found.job for found in iter_jobs(client)] == [job]
