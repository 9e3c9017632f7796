"""Shared fixtures: a real local service and our `QuantinuumAPI` as pytket's `api_handler`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from quantinuum_api import MemoryCredentialStorage, QuantinuumAPI
from quantinuum_api_server.testing import LocalServer, fast_settings

EMAIL = "pytket-user@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(settings=fast_settings()) as srv:
        srv.add_user(EMAIL, PASSWORD)
        yield srv


@pytest.fixture
def api(server: LocalServer) -> Iterator[QuantinuumAPI]:
    handler = QuantinuumAPI(
        token_store=MemoryCredentialStorage(),
        api_url=server.base_url,
        _QuantinuumAPI__user_name=EMAIL,
        _QuantinuumAPI__pwd=PASSWORD,
    )
    yield handler
    handler.close()
