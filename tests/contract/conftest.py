"""The app under contract test: in-process, on a temporary database, with one seeded user.

Built at import time because schemathesis' `@schema.parametrize()` needs the schema when
the test module is collected (`schemathesis.pytest.from_fixture` does not work with
pytest 9); the `_close_app` fixture stops it at the end of the session.
"""

from __future__ import annotations

import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quantinuum_api_server import create_app
from quantinuum_api_server.testing import fast_settings

#: schemathesis.toml, shared with CLI runs; its login parameters name the seeded user.
CONFIG: dict[str, Any] = tomllib.loads(
    Path(__file__).with_name("schemathesis.toml").read_text(encoding="utf-8")
)
_LOGIN = next(op for op in CONFIG["operations"] if op["include-operation-id"] == "login")
SEEDED_EMAIL = str(_LOGIN["parameters"]["body.email"])
SEEDED_PASSWORD = str(_LOGIN["parameters"]["body.password"])

_FOLDER = tempfile.TemporaryDirectory(prefix="qapi-contract-")
# Jobs run one shot per 0.2 s chunk, so a job the stateful phase submits is still running
# when its links cancel it (a done job's cancel is refused, as in the cloud). The fuzzing
# phases send hundreds of wrong passwords for the seeded account from one address: the
# login throttle (tests/security) would then lock the stateful phase's logins out.
APP = create_app(
    fast_settings(
        chunk_shots=1,
        chunk_growth=1.0,
        chunk_delay=0.2,
        login_max_failures=1_000_000,
        login_client_max_failures=1_000_000,
    ),
    Path(_FOLDER.name) / "server.sqlite3",
)
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
