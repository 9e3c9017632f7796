"""The cloud's statuses the emulator never produces, read by pytket's `QuantinuumBackend`.

The cloud also reports `retrying`, `cancelling`, `depleted` and `terminated`. The local
service has no way to reach them, so a transport under the real client rewrites the status
of one real job's document (a state a real server cannot produce here). Today's backend
(ours) reads each one; pytket-quantinuum 0.55 maps `depleted` and `terminated` to ERROR
and has no entry for `retrying` and `cancelling` (its `_parse_status` raises KeyError, as
it does against the cloud), so our `QuantinuumAPI` must pass the status through unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("pytket.extensions.quantinuum")

from pytket import Circuit
from pytket.backends.status import StatusEnum
from pytket.extensions.quantinuum.backends.quantinuum import Language

from quantinuum_api import Client, HttpOptions, MemoryCredentialStorage, QuantinuumAPI
from quantinuum_api_server.testing import LocalServer

from .conftest import EMAIL, FAST, LEGACY, PASSWORD, PYTKET_QUANTINUUM

pytestmark = pytest.mark.filterwarnings("ignore:Submission of programs:DeprecationWarning")

#: The cloud's status -> what pytket's CircuitStatus says (today's pytket-quantinuum).
STATUSES = {
    "retrying": StatusEnum.RETRYING,
    "cancelling": StatusEnum.CANCELLING,
    "depleted": StatusEnum.ERROR,
    "terminated": StatusEnum.ERROR,
}
#: Not in pytket-quantinuum 0.55's status map.
UNKNOWN_TO_0_55 = {"retrying", "cancelling"}


class RewriteStatus(httpx.BaseTransport):
    """The real network transport; GET /job/{id} of `job_id` answers with `status`."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.job_id: str | None = None
        self.status = ""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        match = re.search(r"/job/([^/?]+)$", request.url.path)
        if request.method != "GET" or match is None or match.group(1) != self.job_id:
            return response
        response.read()
        doc = json.loads(response.content)
        doc["status"] = self.status
        response.close()
        return httpx.Response(response.status_code, json=doc, request=request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture
def rewrite() -> Iterator[RewriteStatus]:
    transport = RewriteStatus()
    yield transport
    transport.close()


def make_backend(server: LocalServer, transport: RewriteStatus) -> tuple[Any, Any]:
    """A backend on H1-1E over `transport`, and what to close afterwards."""
    http = HttpOptions(transport=transport)
    if LEGACY:
        from pytket.extensions.quantinuum.backends.quantinuum import QuantinuumBackend

        handler: Any = QuantinuumAPI(  # pytket 0.55 types its own api_handler
            token_store=MemoryCredentialStorage(),
            api_url=server.base_url,
            _QuantinuumAPI__user_name=EMAIL,
            _QuantinuumAPI__pwd=PASSWORD,
            http=http,
        )
        return QuantinuumBackend("H1-1E", api_handler=handler), handler
    from quantinuum_api.pytket import QuantinuumBackend as OurBackend

    client = Client(
        server.base_url,
        email=EMAIL,
        password=PASSWORD,
        token_store=MemoryCredentialStorage(),
        wait_policy=FAST,
        http=http,
    )
    return OurBackend("H1-1E", client=client), client


@pytest.mark.skipif(PYTKET_QUANTINUUM is None, reason="needs pytket-quantinuum")
@pytest.mark.parametrize("status", list(STATUSES))
def test_the_clouds_other_statuses(
    server: LocalServer, rewrite: RewriteStatus, status: str
) -> None:
    backend, closing = make_backend(server, rewrite)
    try:
        circuit = backend.get_compiled_circuit(Circuit(1, 1, name="x").X(0).Measure(0, 0))
        [handle] = backend.process_circuits([circuit], n_shots=2, language=Language.QASM)
        assert backend.get_result(handle, timeout=60).get_counts() == {(1,): 2}
        rewrite.job_id, rewrite.status = backend.get_jobid(handle), status
        if LEGACY and status in UNKNOWN_TO_0_55:
            with pytest.raises(KeyError, match=status):
                backend.circuit_status(handle)  # pytket 0.55's own limit, as on the cloud
            return
        assert backend.circuit_status(handle).status is STATUSES[status]
    finally:
        closing.close()
