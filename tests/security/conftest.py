"""Helpers of the security suite: real `LocalServer`s, clients bound to a chosen loopback
source address (so one test can be two different clients), and parallel requests that
start together."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from quantinuum_api_server.testing import LocalServer, fast_settings

PASSWORD = "correct horse battery staple"


def client(server: LocalServer, address: str = "127.0.0.1") -> httpx.Client:
    """An HTTP client whose requests come from `address` (any of 127.0.0.0/8)."""
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=server.base_url, transport=transport, timeout=60)


def new_user(server: LocalServer, *, mfa: bool = False) -> tuple[str, str | None]:
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    return email, server.add_user(email, PASSWORD, mfa=mfa)


def login(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post("v1/login", json=body)


def refresh(http: httpx.Client, token: str) -> httpx.Response:
    return http.post("v1/login", json={"refresh-token": token})


def authorized(http: httpx.Client, id_token: str) -> bool:
    """Whether `id_token` is accepted (200) or refused (401) by a secured route."""
    status = http.get("v1/machine/", headers={"Authorization": id_token}).status_code
    assert status in (200, 401), status
    return status == 200


def at_once(calls: Sequence[Callable[[], Any]]) -> list[Any]:
    """Run `calls` in parallel threads released together by a barrier; their results."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(settings=fast_settings()) as running:
        yield running
