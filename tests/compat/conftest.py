"""pytket on our service, in whichever pytket-quantinuum this venv has.

With today's pytket-quantinuum (0.59+, the `pytket` extra: `make test`'s main venv) the
tests drive our `quantinuum_api.pytket.QuantinuumBackend` over a `Client` ("sdk"). With
0.55 (the `compat` extra: `make test`'s second venv, `.venv-compat`) they drive
pytket-quantinuum's own `QuantinuumBackend` with our `QuantinuumAPI` ("api") and our
`QuantinuumAPIOffline(simulate=True)` ("offline") as its `api_handler`. Tests written once
against a `Flavour` run on every flavour the venv has.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from quantinuum_api import (
    Client,
    MemoryCredentialStorage,
    QuantinuumAPI,
    QuantinuumAPIError,
    QuantinuumAPIOffline,
    WaitPolicy,
)
from quantinuum_api_server.testing import LocalServer, fast_settings

EMAIL = "pytket-user@example.com"
PASSWORD = "correct horse battery staple"


def _pytket_quantinuum() -> tuple[int, ...] | None:
    try:
        version = importlib.metadata.version("pytket-quantinuum")
    except importlib.metadata.PackageNotFoundError:
        return None
    return tuple(int(p) for p in version.split(".")[:2])


#: pytket-quantinuum's (major, minor), None when it is not installed.
PYTKET_QUANTINUUM = _pytket_quantinuum()
#: 0.55: submits through its `api_handler` (ours); 0.56+: cannot submit (ours does).
LEGACY = PYTKET_QUANTINUUM is not None and PYTKET_QUANTINUUM < (0, 56)
FLAVOURS = [] if PYTKET_QUANTINUUM is None else (["api", "offline"] if LEGACY else ["sdk"])

#: Short delays so waits return promptly; the algorithm is the same as with the defaults.
FAST = WaitPolicy(poll_initial=0.02, poll_max=0.2, retry_timeout=0.05, timeout=120)


@dataclass
class Flavour:
    """One way of running pytket on our service."""

    name: str
    #: `make(machine, **backend_kwargs)`: a `QuantinuumBackend` for that machine
    make: Callable[..., Any]
    #: the job document of a job id, as the service (or offline simulation) has it
    job: Callable[[str], dict[str, Any]]
    #: what a submission the service refuses (400) raises from `process_circuits`
    refused: type[Exception]
    #: the SDK client (flavour "sdk" only)
    client: Client | None = None


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(settings=fast_settings()) as srv:
        srv.add_user(EMAIL, PASSWORD)
        yield srv


@pytest.fixture
def api(server: LocalServer) -> Iterator[QuantinuumAPI]:
    """Our `QuantinuumAPI` (the seed's class) logged in to the local service."""
    handler = QuantinuumAPI(
        token_store=MemoryCredentialStorage(),
        api_url=server.base_url,
        _QuantinuumAPI__user_name=EMAIL,
        _QuantinuumAPI__pwd=PASSWORD,
    )
    yield handler
    handler.close()


def sdk_client(server: LocalServer) -> Client:
    return Client(
        server.base_url,
        email=EMAIL,
        password=PASSWORD,
        token_store=MemoryCredentialStorage(),
        wait_policy=FAST,
    )


def _legacy(handler: Any, name: str) -> Flavour:
    from pytket.extensions.quantinuum.backends.api_wrappers import (
        QuantinuumAPIError as PytketAPIError,
    )
    from pytket.extensions.quantinuum.backends.quantinuum import QuantinuumBackend

    def job(job_id: str) -> dict[str, Any]:
        doc = handler.retrieve_job_status(job_id)
        assert isinstance(doc, dict)
        return doc

    def make(machine: str, **kw: Any) -> Any:
        return QuantinuumBackend(machine, api_handler=handler, **kw)

    return Flavour(name, make, job, PytketAPIError)


@pytest.fixture(params=FLAVOURS)
def tk(request: pytest.FixtureRequest, server: LocalServer) -> Iterator[Flavour]:
    """Each flavour of pytket this venv can run (see the module docstring)."""
    if request.param == "sdk":
        from quantinuum_api.pytket import QuantinuumBackend

        with sdk_client(server) as client:

            def make(machine: str, **kw: Any) -> Any:
                return QuantinuumBackend(machine, client=client, **kw)

            yield Flavour(
                "sdk",
                make,
                lambda job_id: client.jobs.get(job_id).to_dict(),
                QuantinuumAPIError,
                client,
            )
    elif request.param == "api":
        handler = QuantinuumAPI(
            token_store=MemoryCredentialStorage(),
            api_url=server.base_url,
            _QuantinuumAPI__user_name=EMAIL,
            _QuantinuumAPI__pwd=PASSWORD,
        )
        yield _legacy(handler, "api")
        handler.close()
    else:
        yield _legacy(QuantinuumAPIOffline(simulate=True), "offline")
