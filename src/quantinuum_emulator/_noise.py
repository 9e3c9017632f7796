"""A qiskit-aer noise model built from a machine document's `noise_specs`.

Channels (each omitted when its key is missing or zero):

- `1q_gate_error.p1`: after every one-qubit gate, a uniformly random Pauli error with total
  probability p1 (a depolarizing channel with λ = 4/3·p1), as in Quantinuum's PECOS emulator.
- `2q_gate_error.p2`: after every two-qubit gate, one of the 15 non-identity two-qubit Paulis
  with total probability p2 (depolarizing, λ = 16/15·p2), composed with the memory error
  below into one 16-term Pauli channel.
- `memory_error.memory_error`: the machines quote it per qubit per two-qubit-gate layer (the
  time qubits spend idling and being transported). It is modelled as dephasing (a Z flip with
  that probability) on both qubits of every two-qubit gate. Aer's noise models attach errors
  to the qubits an instruction acts on, so qubits idle elsewhere are not charged; dephasing
  right before a measurement would be invisible, so it is not applied there.
- `spam_error.p_meas_0` / `p_meas_1`: a readout error on every measurement, P(read 1 | 0)
  and P(read 0 | 1). Preparation error is not modelled separately.
- `crosstalk_error` is not modelled.

Leakage (`leakage_probability`, the per-shot engine `_shots` only: qiskit-aer has no state
outside the qubit): after a two-qubit gate, with that probability one of its two qubits
(either, equally likely) leaves the qubit space. A leaked qubit takes no part in later
gates, reads 1 at every measurement (a leaked ion is bright) and returns to |0> only at a
reset, so pytket-quantinuum's leakage-detection gadget flags it. The probability is
`noise_specs.leakage_error.p_leak` when a machine document gives one; no machine publishes
one, so by default it is `LEAKAGE_PER_2Q_FAULT` (a tenth) of the two-qubit fault
probability p2: a share of two-qubit faults are spontaneous emission (Quantinuum's own
emulator has `p2_emission_ratio` for it), of which some leave the ion outside the qubit.
The tenth is this emulator's assumption, not a published figure.

qiskit-aer is imported lazily.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "LEAKAGE_PER_2Q_FAULT",
    "NOISY_1Q_GATES",
    "NOISY_2Q_GATES",
    "leakage_probability",
    "noise_model_from_specs",
    "two_qubit_pauli_channel",
]

#: The share of two-qubit faults that leak, where a machine publishes no leakage figure.
LEAKAGE_PER_2Q_FAULT = 0.1

# Gate names the compiled circuits use (see `_simulator`), which the errors attach to.
NOISY_1Q_GATES = (
    "u",
    "u1",
    "u2",
    "u3",
    "p",
    "rx",
    "ry",
    "rz",
    "id",
    "x",
    "y",
    "z",
    "h",
    "s",
    "sdg",
    "t",
    "tdg",
    "sx",
    "sxdg",
)
NOISY_2Q_GATES = (
    "cx",
    "cy",
    "cz",
    "ch",
    "swap",
    "crx",
    "cry",
    "crz",
    "cp",
    "cu1",
    "cu3",
    "rxx",
    "ryy",
    "rzz",
    "rxxyyzz",  # the native Rxxyyzz, simulated as a labelled 4x4 unitary
)


def _probability(specs: Mapping[str, Any], section: str, key: str) -> float | None:
    block = specs.get(section)
    if not isinstance(block, Mapping) or key not in block or block[key] is None:
        return None
    value = block[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"noise_specs.{section}.{key} must be a number, not {value!r}")
    if not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"noise_specs.{section}.{key} must be a probability in [0, 1]: {value}")
    return float(value) if value else None


def leakage_probability(noise_specs: Mapping[str, Any]) -> float:
    """The probability that a two-qubit gate leaves one of its qubits leaked (see above)."""
    given = _probability(noise_specs, "leakage_error", "p_leak")
    block = noise_specs.get("leakage_error")
    if isinstance(block, Mapping) and block.get("p_leak") is not None:
        return given or 0.0  # given (0 turns leakage off)
    p2 = _probability(noise_specs, "2q_gate_error", "p2")
    return (p2 or 0.0) * LEAKAGE_PER_2Q_FAULT


def noise_model_from_specs(
    noise_specs: Mapping[str, Any], gates: Iterable[str] | None = None
) -> Any:
    """Build a `qiskit_aer.noise.NoiseModel` from `noise_specs` (see the module docstring).

    `gates` limits the gate errors to those gate names (the ones a circuit uses): Aer
    serializes the whole model on every run, so a smaller model runs faster.
    """
    from qiskit_aer.noise import NoiseModel, ReadoutError, pauli_error

    if not isinstance(noise_specs, Mapping):
        raise ValueError("noise_specs must be a mapping")
    wanted = None if gates is None else set(gates)
    one_qubit = [g for g in NOISY_1Q_GATES if wanted is None or g in wanted]
    two_qubit = [g for g in NOISY_2Q_GATES if wanted is None or g in wanted]
    model = NoiseModel(basis_gates=[*NOISY_1Q_GATES, *NOISY_2Q_GATES, "unitary"])

    p1 = _probability(noise_specs, "1q_gate_error", "p1")
    if p1 is not None and one_qubit:
        terms = [("I", 1.0 - p1), ("X", p1 / 3), ("Y", p1 / 3), ("Z", p1 / 3)]
        model.add_all_qubit_quantum_error(pauli_error(terms), one_qubit)

    p2 = _probability(noise_specs, "2q_gate_error", "p2")
    memory = _probability(noise_specs, "memory_error", "memory_error")
    if (p2 is not None or memory is not None) and two_qubit:
        terms = two_qubit_pauli_channel(p2 or 0.0, memory or 0.0)
        model.add_all_qubit_quantum_error(pauli_error(terms), two_qubit)

    p0 = _probability(noise_specs, "spam_error", "p_meas_0")
    p1_meas = _probability(noise_specs, "spam_error", "p_meas_1")
    if p0 is not None or p1_meas is not None:
        flip0, flip1 = p0 or 0.0, p1_meas or 0.0
        model.add_all_qubit_readout_error(ReadoutError([[1 - flip0, flip0], [flip1, 1 - flip1]]))
    return model


_TIMES_Z = {"I": "Z", "Z": "I", "X": "Y", "Y": "X"}  # a Pauli times Z, up to phase


def two_qubit_pauli_channel(p2: float, memory: float) -> list[tuple[str, float]]:
    """Two-qubit depolarizing (p2) followed by a Z flip (memory) on each qubit, as Paulis."""
    paulis = [a + b for a in "IXYZ" for b in "IXYZ"]
    depolarized = {p: (1.0 - p2 if p == "II" else p2 / 15) for p in paulis}
    result = dict.fromkeys(paulis, 0.0)
    for pauli, prob in depolarized.items():
        for flip_a in (False, True):
            for flip_b in (False, True):
                weight = (
                    prob * (memory if flip_a else 1 - memory) * (memory if flip_b else 1 - memory)
                )
                a = _TIMES_Z[pauli[0]] if flip_a else pauli[0]
                b = _TIMES_Z[pauli[1]] if flip_b else pauli[1]
                result[a + b] += weight
    return [(p, prob) for p, prob in result.items() if prob > 0.0]
