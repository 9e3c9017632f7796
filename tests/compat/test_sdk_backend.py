"""What only our `quantinuum_api.pytket.QuantinuumBackend` does (today's pytket-quantinuum).

Against the real local service: a queued job's status and cancel, a handle used from a
second process, 100 circuits in one `process_circuits` call, which errors reach the user,
and that the SDK itself never imports pytket.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from quantinuum_api import BadRequestError, Client, NotFoundError
from quantinuum_api_server.testing import LocalServer, fast_settings

from .conftest import EMAIL, LEGACY, PASSWORD, PYTKET_QUANTINUUM, sdk_client

if PYTKET_QUANTINUUM is None or LEGACY:
    pytest.skip("needs pytket-quantinuum 0.59+ (the pytket extra)", allow_module_level=True)

from pytket.backends.backend_exceptions import CircuitNotValidError
from pytket.backends.resulthandle import ResultHandle
from pytket.backends.status import StatusEnum
from pytket.circuit import Circuit

from quantinuum_api.pytket import (
    DeviceNotAvailable,
    GetResultFailed,
    Language,
    QuantinuumBackend,
)

pytestmark = pytest.mark.filterwarnings("ignore:Circuit with index:UserWarning")


@pytest.fixture
def client(server: LocalServer) -> Iterator[Client]:
    with sdk_client(server) as c:
        yield c


def bell() -> Circuit:
    return Circuit(2, name="bell").H(0).CX(0, 1).measure_all()


def until(check: Callable[[], bool], what: str) -> None:
    """Wait for a state of the service (bounded: the state must come, this is no timing)."""
    deadline = time.monotonic() + 60
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never reached: {what}")
        time.sleep(0.02)


def test_a_queued_job_has_a_queue_position_and_is_cancelled() -> None:
    # One worker, busy with a long job (10 shots per chunk, 50 ms apart): later jobs queue.
    settings = fast_settings(workers=1, chunk_shots=10, chunk_growth=1.0, chunk_delay=0.05)
    with LocalServer(settings=settings) as srv:
        srv.add_user(EMAIL, PASSWORD)
        with sdk_client(srv) as client:
            backend = QuantinuumBackend("H1-1E", client=client)
            circuit = backend.get_compiled_circuit(bell())
            long = backend.process_circuit(circuit, n_shots=10_000, language=Language.QASM)

            def shots_done() -> Any:
                return json.loads(backend.circuit_status(long).message)["last-shot"]

            until(lambda: shots_done() is not None, "the long job ran a chunk")
            running = backend.circuit_status(long)
            assert running.status is StatusEnum.RUNNING
            assert running.queue_position is None
            first, second = backend.process_circuits([circuit] * 2, n_shots=10)
            statuses = [backend.circuit_status(h) for h in (first, second)]
            assert [s.status for s in statuses] == [StatusEnum.QUEUED] * 2
            positions = [s.queue_position for s in statuses]
            assert all(isinstance(p, int) for p in positions)
            assert len(set(positions)) == 2  # one call's jobs queue in arrival order (any)
            assert json.loads(statuses[0].message)["queue-position"] == positions[0]
            backend.cancel(second)
            until(
                lambda: backend.circuit_status(second).status is StatusEnum.CANCELLED,
                "the queued job cancelled",
            )
            assert backend.circuit_status(long).status is StatusEnum.RUNNING  # untouched
            backend.cancel(long)
            assert backend.get_result(first, timeout=60).get_counts().total() == 10
            with pytest.raises(GetResultFailed, match="Results missing"):
                backend.get_result(second, timeout=60)  # cancelled before any shot


SECOND_PROCESS = """
import sys
from pytket.backends.resulthandle import ResultHandle
from quantinuum_api import Client, MemoryCredentialStorage
from quantinuum_api.pytket import QuantinuumBackend

url, email, password, handle = sys.argv[1:]
with Client(url, email=email, password=password, token_store=MemoryCredentialStorage()) as c:
    backend = QuantinuumBackend("H2-1E", client=c)
    result = backend.get_result(ResultHandle.from_str(handle), timeout=60)
    print(sorted(result.get_counts().items()))
"""


def test_a_handle_is_usable_from_another_process(server: LocalServer, client: Client) -> None:
    backend = QuantinuumBackend("H2-1E", client=client)
    c = Circuit(3, name="two-regs")
    a = c.add_c_register("a", 2)
    b = c.add_c_register("b", 1)
    c.X(0).X(2).Measure(0, a[0]).Measure(1, a[1]).Measure(2, b[0])
    handle = backend.process_circuit(
        backend.get_compiled_circuit(c), n_shots=6, language=Language.QIR, postprocess=True
    )
    run = subprocess.run(
        [sys.executable, "-c", SECOND_PROCESS, server.base_url, EMAIL, PASSWORD, str(handle)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    # bits in the handle's selection order: a[0], a[1], b[0]
    assert run.stdout.strip() == "[((1, 0, 1), 6)]"
    assert backend.get_result(handle).get_counts() == {(1, 0, 1): 6}


def test_a_hundred_circuits_in_one_call(client: Client) -> None:
    posts: list[str] = []  # the Idempotency-Key of every job submitted
    batches: list[int] = []  # the items of every job-batch request

    async def count(request: httpx.Request) -> None:
        if request.method == "POST" and request.url.path.endswith("/job"):
            posts.append(request.headers["Idempotency-Key"])
        elif request.method == "POST" and request.url.path.endswith("/job-batch"):
            items = json.loads(request.content)["jobs"]
            posts.extend(item["idempotency-key"] for item in items)
            batches.append(len(items))

    client.api.get_async_httpx_client().event_hooks["request"].append(count)
    backend = QuantinuumBackend("H1-1E", client=client)
    circuits = []
    for i in range(100):
        c = Circuit(2, name=f"c{i}")
        if i & 1:
            c.X(0)
        if i & 2:
            c.X(1)
        circuits.append(backend.get_compiled_circuit(c.measure_all(), optimisation_level=0))
    shots = [1 + i % 3 for i in range(100)]
    handles = backend.process_circuits(circuits, n_shots=shots, noisy_simulation=False)
    assert len(posts) == len(set(posts)) == 100  # one key each
    assert batches == [100]  # all in one request (the service has the job-batch extension)
    results = backend.get_results(handles, timeout=120)
    for i, result in enumerate(results):
        assert result.get_counts() == {((i & 1), (i >> 1) & 1): 1 + i % 3}, i
    assert len(posts) == 100


def test_errors_are_pytkets_where_pytket_raises_them_else_ours(client: Client) -> None:
    with pytest.raises(DeviceNotAvailable):
        QuantinuumBackend("Z-9", client=client).backend_info  # noqa: B018
    backend = QuantinuumBackend("H1-1E", client=client)
    with pytest.raises(CircuitNotValidError):
        backend.process_circuit(bell(), n_shots=3)  # not compiled: H and CX
    ghost = ResultHandle("no-such-job", "null", 2, json.dumps([["c", 0], ["c", 1]]))
    with pytest.raises(NotFoundError):
        backend.get_result(ghost)
    with pytest.raises(NotFoundError):
        backend.circuit_status(ghost)
    compiled = backend.get_compiled_circuit(bell())
    [failed] = backend.process_circuits([compiled], n_shots=100, max_cost=0.1)
    with pytest.raises(GetResultFailed):
        backend.get_results([failed], timeout=60)
    status = backend.circuit_status(failed)
    assert status.status is StatusEnum.ERROR
    assert status.error_detail is not None
    assert "max-cost 0.1" in status.error_detail
    with pytest.raises(TypeError, match=r"quantinuum_api\.Client"):
        QuantinuumBackend("H1-1E", client="not a client")  # type: ignore[arg-type]


def test_backend_info_and_device_state_from_the_service(client: Client) -> None:
    names = {d.device_name for d in QuantinuumBackend.available_devices(client=client)}
    assert {m.name for m in client.machines.list()} <= names
    assert {"H1-1", "H1-1E", "H1-1SC", "H2-1", "H2-1E", "H2-1SC"} <= names
    assert QuantinuumBackend.device_state("H1-1E", client=client) == "online"
    info = QuantinuumBackend("H2-1E", client=client).backend_info
    assert info is not None
    assert info.n_nodes == 56
    assert info.misc["system_type"] == "emulator"


def test_the_sdk_does_not_import_pytket() -> None:
    code = "import sys\nfrom quantinuum_api import Client, QuantinuumAPI\n" + (
        "print('pytket' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"


def ghz(backend: QuantinuumBackend) -> Circuit:
    return backend.get_compiled_circuit(Circuit(3, name="ghz").H(0).CX(0, 1).CX(1, 2).measure_all())


def test_seed_gives_each_circuit_its_own_repeatable_noise(client: Client) -> None:
    backend = QuantinuumBackend("H1-1E", client=client)  # with the error model (the default)
    circuit = ghz(backend)

    def shots(seed: int) -> list[list[list[int]]]:
        handles = backend.process_circuits([circuit] * 2, n_shots=200, seed=seed)
        return [r.get_shots().tolist() for r in backend.get_results(handles)]

    first = shots(11)
    assert shots(11) == first
    assert first[0] != first[1]  # seeds 11 and 12
    assert shots(12)[0] == first[1]


def test_many_circuits_start_join_and_end_a_batch(client: Client) -> None:
    backend = QuantinuumBackend("H1-1E", client=client)
    circuit = ghz(backend)
    handles = backend.process_circuits(
        [circuit] * 4, n_shots=3, noisy_simulation=False, max_batch_cost=1000, batch_end=True
    )
    assert all(len(r.get_shots()) == 3 for r in backend.get_results(handles))
    # the batch is closed: joining it again is refused by the service
    with pytest.raises(BadRequestError, match="has ended"):
        backend.process_circuits([circuit], n_shots=3, batch_id=handles[0])
    again = backend.process_circuits(
        [circuit], n_shots=2, noisy_simulation=False, max_batch_cost=100, batch_end=True
    )
    with pytest.raises(BadRequestError, match="has ended"):
        backend.add_to_batch(again[0], circuit, n_shots=2)
    assert backend.process_circuits([], n_shots=2, max_batch_cost=10) == []
    with pytest.raises(ValueError, match="batch_end needs batch_id"):
        backend.process_circuits([circuit], n_shots=2, batch_end=True)


def test_login_and_logout_through_the_backend(client: Client) -> None:
    backend = QuantinuumBackend("H1-1E", client=client)
    backend.login()
    assert client.token_manager.store.id_token is not None
    backend.logout()
    assert client.token_manager.store.id_token is None
