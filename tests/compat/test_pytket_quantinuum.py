"""pytket-quantinuum 0.55.8's `QuantinuumBackend` running on our `QuantinuumAPI`.

The backend is driven as a pytket user would drive it, with our class as its
`api_handler`, against the real local service (`LocalServer`). Install with the `compat`
extra (`pip install 'quantinuum-api[compat]'`); `make test` runs it in `.venv-compat`.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from .conftest import LEGACY

if not LEGACY:
    pytest.skip("needs pytket-quantinuum 0.55 (the compat extra)", allow_module_level=True)

from pytket import Circuit
from pytket.backends.status import StatusEnum
from pytket.extensions.quantinuum.backends.quantinuum import Language
from pytket.extensions.quantinuum.backends.quantinuum import QuantinuumBackend as _Backend

from quantinuum_api import QuantinuumAPI, QuantinuumAPIError
from quantinuum_api_server.testing import LocalServer

#: 0.55's class (typed as Any: mypy sees the venv's version, whose methods differ)
QuantinuumBackend: Any = _Backend

pytestmark = pytest.mark.filterwarnings("ignore:Submission of programs:DeprecationWarning")


def handler(api: QuantinuumAPI) -> Any:
    """Our class where pytket annotates its own (the backend duck-types its handler)."""
    return api


def bell() -> Circuit:
    return Circuit(2, 2).H(0).CX(0, 1).Measure(0, 0).Measure(1, 1)


def test_compile_submit_and_get_result(api: QuantinuumAPI) -> None:
    backend = QuantinuumBackend("H1-1E", api_handler=handler(api))
    circuit = backend.get_compiled_circuit(bell())
    [handle] = backend.process_circuits(
        [circuit], n_shots=20, language=Language.QASM, noisy_simulation=False
    )
    result = backend.get_result(handle, timeout=60)
    counts = result.get_counts()
    assert sum(counts.values()) == 20
    assert set(counts) <= {(0, 0), (1, 1)}  # an entangled pair (no error model)
    assert backend.circuit_status(handle).status is StatusEnum.COMPLETED


def test_circuit_status_of_a_running_job(api: QuantinuumAPI) -> None:
    backend = QuantinuumBackend("H1-1E", api_handler=handler(api))
    circuit = backend.get_compiled_circuit(bell())
    [handle] = backend.process_circuits([circuit], n_shots=5, language=Language.QASM)
    status = backend.circuit_status(handle)
    assert status.status in {
        StatusEnum.QUEUED,
        StatusEnum.SUBMITTED,
        StatusEnum.RUNNING,
        StatusEnum.COMPLETED,
    }
    backend.get_result(handle, timeout=60)


def test_cancel(api: QuantinuumAPI) -> None:
    backend = QuantinuumBackend("H1-1E", api_handler=handler(api))
    circuit = backend.get_compiled_circuit(bell())
    [handle] = backend.process_circuits([circuit], n_shots=100, language=Language.QASM)
    refused = ""
    try:
        backend.cancel(handle)
    except QuantinuumAPIError as exc:  # it finished first: refused, as the cloud does
        refused = str(exc)
    assert not refused or "job has completed already" in refused
    status = backend.circuit_status(handle).status
    assert status in {StatusEnum.CANCELLED, StatusEnum.CANCELLING, StatusEnum.COMPLETED}


def test_cost_on_the_syntax_checker(api: QuantinuumAPI) -> None:
    backend = QuantinuumBackend("H1-1E", api_handler=handler(api))
    circuit = backend.get_compiled_circuit(bell())
    cost = backend.cost(circuit, n_shots=100, syntax_checker="H1-1SC", language=Language.QASM)
    assert isinstance(cost, float)
    assert cost > 0


def test_available_devices_and_device_state(api: QuantinuumAPI) -> None:
    devices = QuantinuumBackend.available_devices(api_handler=handler(api))
    names = {d.device_name for d in devices}
    assert "H1-1E" in names
    assert QuantinuumBackend.device_state("H1-1E", api_handler=handler(api)) == "online"


def test_raw_results_are_requested_with_results_format_raw(
    api: QuantinuumAPI, server: LocalServer
) -> None:
    seen: list[dict[str, Any]] = []
    api.session.event_hooks["request"].append(lambda r: seen.append(dict(r.url.params)))
    backend = QuantinuumBackend("H1-1E", api_handler=handler(api))
    [handle] = backend.process_circuits(
        [backend.get_compiled_circuit(bell())], n_shots=4, language=Language.QASM
    )
    job_id = backend.get_jobid(handle)
    doc = api.retrieve_job_status(job_id, use_websocket=False, request_raw_results=True)
    assert doc is not None
    assert doc["job"] == job_id
    assert seen[-1].get("results_format") == "raw"
    assert "websocket" not in seen[-1]


def test_login_and_logout_through_the_backend(api: QuantinuumAPI) -> None:
    backend = QuantinuumBackend("H1-1E", api_handler=handler(api))
    backend.login()  # full_login
    token = api._cred_store.id_token
    assert token is not None
    assert api.login() == token  # the stored token, no new exchange
    backend.logout()  # delete_authentication
    assert api._cred_store.id_token is None
    assert api.online
    assert api.url.endswith("/v1/")


def test_get_calendar(api: QuantinuumAPI) -> None:
    backend = QuantinuumBackend("H1-1", api_handler=handler(api))
    start = datetime.datetime.now(datetime.UTC)
    events = backend.get_calendar(start, start + datetime.timedelta(days=14))
    assert events  # the local service schedules every hardware day
    for event in events:
        assert event["machine"] == "H1-1"
        assert event["start-date"] < event["end-date"]


def test_our_pytket_backend_asks_for_todays_pytket_quantinuum() -> None:
    with pytest.raises(ImportError, match=r"needs pytket-quantinuum >= 0\.59, found 0\.55"):
        import quantinuum_api.pytket  # noqa: F401
