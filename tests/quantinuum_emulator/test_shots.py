"""The per-shot engines apply gates as pytket defines them, on any qubits, in any order."""

from __future__ import annotations

import numpy as np
import pytest
from pytket import Circuit
from pytket.circuit import Op, OpType

from quantinuum_emulator._qasm import ProgramError
from quantinuum_emulator._shots import ShotEngine

GATES = [
    ("H", [], (2,)),
    ("CX", [], (0, 3)),
    ("CX", [], (4, 1)),
    ("TK2", [0.1, 0.2, 0.3], (2, 0)),
    ("ZZPhase", [0.37], (3, 4)),
    ("Rx", [0.3], (1,)),
    ("CRy", [0.7], (4, 2)),
    ("CCX", [], (1, 4, 0)),
    ("PhasedX", [0.4, 0.9], (3,)),
]


def test_the_state_vector_matches_pytket() -> None:
    n = 5
    engine = ShotEngine(n, method="statevector", noise_specs=None, rng=np.random.default_rng(1))
    state = engine.new_state()
    circuit = Circuit(n)
    for name, params, qubits in GATES:
        op = Op.create(getattr(OpType, name), params)
        state.gate(name, np.asarray(op.get_unitary()), qubits)
        circuit.add_gate(op, list(qubits))
    expected = circuit.get_statevector()  # qubit 0 is the most significant bit
    vector = state.state  # type: ignore[attr-defined]
    ours = np.array([vector[int(format(i, f"0{n}b")[::-1], 2)] for i in range(1 << n)])
    np.testing.assert_allclose(ours, expected, atol=1e-12)


def test_the_stabilizer_engine_refuses_a_non_clifford_gate() -> None:
    engine = ShotEngine(2, method="stabilizer", noise_specs=None, rng=np.random.default_rng(1))
    state = engine.new_state()
    state.gate("CX", np.asarray(Op.create(OpType.CX).get_unitary()), (1, 0))
    with pytest.raises(ProgramError, match="Clifford"):
        state.gate("T", np.asarray(Op.create(OpType.T).get_unitary()), (0,))


def test_measurement_collapses_and_reset_returns_to_zero() -> None:
    engine = ShotEngine(3, method="statevector", noise_specs=None, rng=np.random.default_rng(2))
    h = np.asarray(Op.create(OpType.H).get_unitary())
    cx = np.asarray(Op.create(OpType.CX).get_unitary())
    for _ in range(20):
        state = engine.new_state()
        state.gate("H", h, (2,))
        state.gate("CX", cx, (2, 0))
        first = state.measure(2)
        assert state.measure(0) == first
        state.reset(2)
        assert state.measure(2) == 0
