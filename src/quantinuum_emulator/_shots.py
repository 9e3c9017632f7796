"""Per-shot quantum state for programs whose classical logic runs shot by shot.

`ShotEngine` makes one fresh state per shot: a numpy state vector ("statevector") or a
stim tableau ("stabilizer", Clifford only, any qubit count a machine has). Gates arrive as
unitary matrices with a cache key (qubit order: first qubit is the most significant, as in
pytket and QIR); the stabilizer engine turns each distinct matrix into a stim tableau
once and refuses a non-Clifford one. Noise follows `_noise` (the same channels the
qiskit-aer path uses): a Pauli error after every one-qubit gate with probability p1, the
two-qubit depolarizing + dephasing channel after every two-qubit gate, and readout flips;
and leakage, which qiskit-aer cannot model: after a two-qubit gate, with the machine's
`leakage_probability`, one of its qubits leaks (it is projected out of the state and
marked). A leaked qubit takes no part in gates (nor their faults), every measurement of it
reads 1, and a reset brings it back to |0>. Every random choice comes from the engine's
generator, so a seeded job repeats exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._noise import leakage_probability, two_qubit_pauli_channel
from ._qasm import ProgramError

__all__ = ["ShotEngine", "ShotState"]

_PAULI_1Q = ("X", "Y", "Z")


class ShotEngine:
    """Makes per-shot states for one job (method, qubit count, noise, seed)."""

    def __init__(
        self,
        n_qubits: int,
        *,
        method: str,
        noise_specs: Mapping[str, Any] | None,
        rng: np.random.Generator,
    ) -> None:
        self.n_qubits = n_qubits
        self.method = method
        self.rng = rng
        self._tableaus: dict[Any, Any] = {}
        specs = noise_specs or {}
        self.p1 = _prob(specs, "1q_gate_error", "p1")
        p2 = _prob(specs, "2q_gate_error", "p2")
        memory = _prob(specs, "memory_error", "memory_error")
        terms = two_qubit_pauli_channel(p2, memory) if (p2 or memory) else []
        errors = [(p, w) for p, w in terms if p != "II"]
        self.p2_total = float(sum(w for _, w in errors))
        self.p2_paulis = [p for p, _ in errors]
        self.p2_weights = np.array([w for _, w in errors]) / (self.p2_total or 1.0)
        self.flip0 = _prob(specs, "spam_error", "p_meas_0")
        self.flip1 = _prob(specs, "spam_error", "p_meas_1")
        #: After a two-qubit gate, the probability that one of its qubits leaks.
        self.p_leak = leakage_probability(specs) if noise_specs else 0.0

    def new_state(self) -> ShotState:
        if self.method == "stabilizer":
            return _StabilizerState(self)
        return _VectorState(self)

    def tableau(self, key: Any, matrix: np.ndarray) -> Any:
        """The stim tableau of a Clifford gate's matrix (cached by `key`)."""
        tab = self._tableaus.get(key)
        if tab is None:
            import stim  # type: ignore[import-untyped]

            try:
                tab = stim.Tableau.from_unitary_matrix(matrix, endian="big")
            except ValueError:
                raise ProgramError(
                    f"gate '{key[0] if isinstance(key, tuple) else key}' is not a Clifford"
                    " operation, which the stabilizer simulator cannot run; use the"
                    " state-vector simulator"
                ) from None
            self._tableaus[key] = tab
        return tab


class ShotState:
    """One shot's quantum state: gates, measurements, resets (with the engine's noise)."""

    def __init__(self, engine: ShotEngine) -> None:
        self.engine = engine
        self.rng = engine.rng
        #: Qubits outside the qubit space (see the module docstring).
        self.leaked: set[int] = set()

    def gate(self, key: Any, matrix: np.ndarray, qubits: tuple[int, ...]) -> None:
        if self.leaked and not self.leaked.isdisjoint(qubits):
            return  # a leaked ion takes no part in the gate
        self._apply(key, matrix, qubits)
        engine = self.engine
        if len(qubits) == 1:
            if engine.p1 and self.rng.random() < engine.p1:
                self._pauli(_PAULI_1Q[int(self.rng.integers(3))], qubits[0])
        elif len(qubits) == 2 and engine.p2_total and self.rng.random() < engine.p2_total:
            pauli = engine.p2_paulis[
                int(self.rng.choice(len(engine.p2_paulis), p=engine.p2_weights))
            ]
            for letter, qubit in zip(pauli, qubits, strict=True):
                if letter != "I":
                    self._pauli(letter, qubit)
        if len(qubits) == 2 and engine.p_leak and self.rng.random() < engine.p_leak:
            self._leak(qubits[int(self.rng.integers(2))])

    def measure(self, qubit: int) -> int:
        if qubit in self.leaked:
            return 1  # bright: a leaked ion reads 1 and stays leaked
        outcome = self._measure(qubit)
        flip = self.engine.flip1 if outcome else self.engine.flip0
        if flip and self.rng.random() < flip:
            return 1 - outcome
        return outcome

    def reset(self, qubit: int) -> None:
        self.leaked.discard(qubit)  # a leaked qubit's state is already |0> (see `_leak`)
        if self._measure(qubit):
            self._pauli("X", qubit)

    def _leak(self, qubit: int) -> None:
        """Take the qubit out of the state (projected, left at |0>) and mark it leaked."""
        self.reset(qubit)
        self.leaked.add(qubit)

    def _apply(self, key: Any, matrix: np.ndarray, qubits: tuple[int, ...]) -> None:
        raise NotImplementedError

    def _pauli(self, letter: str, qubit: int) -> None:
        raise NotImplementedError

    def _measure(self, qubit: int) -> int:
        raise NotImplementedError


_PAULI_MATRICES = {
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]], dtype=complex),
    "Z": np.array([[1, 0], [0, -1]], dtype=complex),
}


class _VectorState(ShotState):
    """A flat state vector; bit i of an index is qubit i."""

    def __init__(self, engine: ShotEngine) -> None:
        super().__init__(engine)
        self.n = max(engine.n_qubits, 1)
        state = np.zeros(1 << self.n, dtype=complex)
        state[0] = 1.0
        self.state = state

    def _apply(self, key: Any, matrix: np.ndarray, qubits: tuple[int, ...]) -> None:
        if len(qubits) == 1:
            view = self.state.reshape(-1, 2, 1 << qubits[0])
            a = view[:, 0, :].copy()
            b = view[:, 1, :].copy()
            view[:, 0, :] = matrix[0, 0] * a + matrix[0, 1] * b
            view[:, 1, :] = matrix[1, 0] * a + matrix[1, 1] * b
            return
        if len(qubits) == 2:
            self._apply2(matrix, qubits[0], qubits[1])
            return
        n, k = self.n, len(qubits)
        tensor = self.state.reshape((2,) * n)  # axis j is qubit n - 1 - j
        axes = [n - 1 - q for q in qubits]
        gate = matrix.reshape((2,) * (2 * k))
        moved = np.tensordot(gate, tensor, axes=(list(range(k, 2 * k)), axes))
        self.state = np.ascontiguousarray(np.moveaxis(moved, list(range(k)), axes)).reshape(-1)

    def _apply2(self, matrix: np.ndarray, first: int, second: int) -> None:
        """A two-qubit gate on strided views (row index = 2 * bit(first) + bit(second))."""
        hi, lo = max(first, second), min(first, second)
        view = self.state.reshape(-1, 2, 1 << (hi - lo - 1), 2, 1 << lo)
        old = []
        for index in range(4):
            b_first, b_second = index >> 1, index & 1
            b_hi, b_lo = (b_first, b_second) if first == hi else (b_second, b_first)
            old.append((b_hi, b_lo, view[:, b_hi, :, b_lo, :].copy()))
        for row in range(4):
            b_hi, b_lo, _ = old[row]
            total = None
            for col in range(4):
                coeff = matrix[row, col]
                if coeff != 0:
                    term = coeff * old[col][2]
                    total = term if total is None else total + term
            view[:, b_hi, :, b_lo, :] = 0.0 if total is None else total

    def _pauli(self, letter: str, qubit: int) -> None:
        self._apply(letter, _PAULI_MATRICES[letter], (qubit,))

    def _measure(self, qubit: int) -> int:
        view = self.state.reshape(-1, 2, 1 << qubit)
        one = view[:, 1, :]
        p1 = float(np.vdot(one, one).real)
        total = float(np.vdot(self.state, self.state).real)
        outcome = int(self.rng.random() * total < p1)
        view[:, 1 - outcome, :] = 0.0
        kept = p1 if outcome else total - p1
        self.state *= 1.0 / np.sqrt(kept)
        return outcome


class _StabilizerState(ShotState):
    """A stim tableau simulator seeded from the engine's generator."""

    def __init__(self, engine: ShotEngine) -> None:
        super().__init__(engine)
        import stim

        self.sim = stim.TableauSimulator(seed=int(engine.rng.integers(0, 2**63)))
        self.sim.set_num_qubits(max(engine.n_qubits, 1))

    def _apply(self, key: Any, matrix: np.ndarray, qubits: tuple[int, ...]) -> None:
        self.sim.do_tableau(self.engine.tableau(key, matrix), list(qubits))

    def _pauli(self, letter: str, qubit: int) -> None:
        getattr(self.sim, letter.lower())(qubit)

    def _measure(self, qubit: int) -> int:
        return int(self.sim.measure(qubit))


def _prob(specs: Mapping[str, Any], section: str, key: str) -> float:
    block = specs.get(section)
    if not isinstance(block, Mapping):
        return 0.0
    value = block.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
