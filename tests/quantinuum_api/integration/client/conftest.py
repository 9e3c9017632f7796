"""One real local service for this folder, a fast one and a slow one (jobs that take a while)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from quantinuum_api import Client, MemoryCredentialStorage, WaitPolicy
from quantinuum_api_server.testing import LocalServer, fast_settings

EMAIL = "sdk-client@example.com"
PASSWORD = "correct horse battery staple"


TWO_REGISTERS = """OPENQASM 2.0;
include "hqslib1.inc";
qreg q[3];
creg a[2];
creg b[1];
x q[0];
x q[2];
measure q[0] -> a[0];
measure q[1] -> a[1];
measure q[2] -> b[0];
"""

#: Short delays so tests finish fast; the algorithm is the same as with the defaults.
FAST = WaitPolicy(poll_initial=0.02, poll_max=0.2, retry_timeout=0.05, timeout=60)


@pytest.fixture(scope="package")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.add_user(EMAIL, PASSWORD)
        yield srv


@pytest.fixture(scope="package")
def slow_server() -> Iterator[LocalServer]:
    """Jobs run 10 shots per chunk with a pause between chunks (~0.05 s per chunk)."""
    with LocalServer(
        settings=fast_settings(chunk_shots=10, chunk_growth=1.0, chunk_delay=0.05)
    ) as srv:
        srv.add_user(EMAIL, PASSWORD)
        yield srv


@pytest.fixture(scope="package")
def unbatched_server() -> Iterator[LocalServer]:
    """A service without the job-batch extension, as the cloud is: one request per job."""
    with LocalServer(settings=fast_settings(batch_requests=False)) as srv:
        srv.add_user(EMAIL, PASSWORD)
        yield srv


@pytest.fixture(scope="package")
def unbatched_slow_server() -> Iterator[LocalServer]:
    """`slow_server` without the job-batch extension."""
    settings = fast_settings(chunk_shots=10, chunk_growth=1.0, chunk_delay=0.05)
    with LocalServer(settings=replace(settings, batch_requests=False)) as srv:
        srv.add_user(EMAIL, PASSWORD)
        yield srv


@pytest.fixture
def client(server: LocalServer) -> Iterator[Client]:
    with Client(
        server.base_url,
        email=EMAIL,
        password=PASSWORD,
        token_store=MemoryCredentialStorage(),
        wait_policy=FAST,
    ) as c:
        yield c
