"""The app under contract test: in-process, on a temporary database, with one seeded user.

Built at import time because schemathesis' `@schema.parametrize()` needs the schema when
the test module is collected (`schemathesis.pytest.from_fixture` does not work with
pytest 9); the `_close_app` fixture stops it at the end of the session.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from quantinuum_api_server import create_app
from quantinuum_api_server.testing import fast_settings

SEEDED_EMAIL = "contract@example.test"
SEEDED_PASSWORD = "contract-password"

_FOLDER = tempfile.TemporaryDirectory(prefix="qapi-contract-")
APP = create_app(fast_settings(), Path(_FOLDER.name) / "server.sqlite3")
SERVICE = APP.state.service
SERVICE.auth.add_user(SEEDED_EMAIL, SEEDED_PASSWORD)
# Started here, the workers are not the lifespan's: the schema loader's and schemathesis'
# lifespans then leave the service running.
SERVICE.jobs.start()


@pytest.fixture(scope="session", autouse=True)
def _close_app() -> Iterator[None]:
    yield
    SERVICE.close()
    _FOLDER.cleanup()
