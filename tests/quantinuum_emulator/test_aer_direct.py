"""`_simulator._run_aer`: the direct call of qiskit-aer's job function, and its fallback."""

from __future__ import annotations

from typing import Any

from qiskit import QuantumCircuit
from qiskit_aer import AerSimulator

from quantinuum_emulator._simulator import _direct_runner, _run_aer


def _ghz(n: int) -> QuantumCircuit:
    circuit = QuantumCircuit(n, n)
    circuit.h(0)
    for i in range(1, n):
        circuit.cx(0, i)
    circuit.measure(range(n), range(n))
    return circuit


class _OlderAer(AerSimulator):  # type: ignore[misc]
    """An Aer whose job function has no `format_result` (as another release might)."""

    def _execute_circuits_job(
        self, circuits: Any, parameter_binds: Any, run_options: Any, job_id: str = ""
    ) -> Any:
        return super()._execute_circuits_job(circuits, parameter_binds, run_options, job_id)


def test_the_installed_aer_is_called_directly() -> None:
    assert _direct_runner(AerSimulator()) is not None


def test_direct_and_public_paths_give_the_same_shots() -> None:
    options = {"shots": 200, "memory": True, "seed_simulator": 1234}
    direct = _run_aer(AerSimulator(), _ghz(4), dict(options))
    older = _OlderAer()
    assert _direct_runner(older) is None
    public = _run_aer(older, _ghz(4), dict(options))
    assert direct == public
    assert direct is not None
    assert set(direct) == {"0x0", "0xf"}
    assert 50 < direct.count("0xf") < 150


def test_no_measurement_gives_no_memory() -> None:
    circuit = QuantumCircuit(2, 2)
    circuit.h(0)
    assert _run_aer(AerSimulator(), circuit, {"shots": 3, "memory": True}) is None
