"""Fixtures: local servers (real uvicorn on a free port) and an HTTP helper."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from quantinuum_api_server.testing import LocalServer, fast_settings
from tests.programs import BELL

DONE = {"completed", "failed", "canceled"}


class Api:
    """A logged-in user of a LocalServer, speaking plain HTTP."""

    def __init__(self, server: LocalServer, email: str, password: str = "pw-1") -> None:
        self.server = server
        self.email = email
        self.http = httpx.Client(base_url=server.base_url, timeout=30)
        self.token = self.http.post("v1/login", json={"email": email, "password": password}).json()[
            "id-token"
        ]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.token}

    def submit(
        self,
        program: str = BELL,
        *,
        count: int = 100,
        machine: str = "H1-1E",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> httpx.Response:
        body = {
            "name": "test",
            "machine": machine,
            "language": "OPENQASM 2.0",
            "program": program,
            "count": count,
            **extra,
        }
        return self.http.post("v1/job", json=body, headers={**self.headers, **(headers or {})})

    def job(self, job_id: str, **params: Any) -> dict[str, Any]:
        reply = self.http.get(f"v1/job/{job_id}", headers=self.headers, params=params)
        assert reply.status_code == 200, reply.text
        doc: dict[str, Any] = reply.json()
        return doc

    def wait(
        self,
        job_id: str,
        until: Callable[[dict[str, Any]], bool] | None = None,
        *,
        timeout: float = 60,
    ) -> dict[str, Any]:
        """Poll until `until(doc)` (default: the job is done); fails after `timeout` s."""
        check = until or (lambda doc: doc["status"] in DONE)
        deadline = time.monotonic() + timeout
        while True:
            doc = self.job(job_id)
            if check(doc):
                return doc
            assert time.monotonic() < deadline, f"timed out waiting; last document: {doc}"
            time.sleep(0.02)


def new_user(server: LocalServer, *, mfa: bool = False) -> tuple[str, str | None]:
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    return email, server.add_user(email, "pw-1", mfa=mfa)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    """A server with fast jobs."""
    with LocalServer(settings=fast_settings(workers=2)) as running:
        yield running


@pytest.fixture(scope="module")
def slow_server() -> Iterator[LocalServer]:
    """One worker, 10-shot chunks with a pause between them: jobs stay running a while."""
    with LocalServer(
        settings=fast_settings(workers=1, chunk_shots=10, chunk_growth=1.0, chunk_delay=0.05)
    ) as running:
        yield running


@pytest.fixture
def api(server: LocalServer) -> Api:
    email, _ = new_user(server)
    return Api(server, email)


@pytest.fixture
def slow_api(slow_server: LocalServer) -> Api:
    email, _ = new_user(slow_server)
    return Api(slow_server, email)
