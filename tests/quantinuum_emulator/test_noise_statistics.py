"""Noisy shots are independent and unbiased: statistical tests at fixed seeds.

A 12-qubit GHZ state, 3,000 shots: the two ideal outcomes split evenly, no single error
pattern takes a share of the shots that independent errors could not produce, the error
rate is the model's (qiskit-aer's shot branching with readout and gate errors together
put 21 % of the shots in one pattern), and a job never replays another job's shots (jobs
seeded s and s+1 used to share all but one shot: qiskit-aer seeds shot i with seed + i).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from quantinuum_emulator._emulator import Emulator
from quantinuum_emulator._machines import default_machines
from quantinuum_emulator._qasm import parse_program
from quantinuum_emulator._simulator import Simulator

N_QUBITS = 12
SHOTS = 3000
GHZ = (
    'OPENQASM 2.0;\ninclude "hqslib1.inc";\n'
    f"qreg q[{N_QUBITS}];\ncreg c[{N_QUBITS}];\nh q[0];\n"
    + "".join(f"cx q[0],q[{i}];\n" for i in range(1, N_QUBITS))
    + "measure q -> c;\n"
)
# The same circuit with a classical assignment, so it runs on the per-shot engine.
GHZ_PER_SHOT = GHZ.replace("creg c[12];", "creg c[12];\ncreg k[1];\nk[0] = 1;")


def _noise_specs() -> dict[str, Any]:
    machine = next(m for m in default_machines() if m["name"] == "H1-1")
    return dict(machine["noise_specs"])


def _z(successes: int, trials: int, p: float) -> float:
    return (successes - trials * p) / math.sqrt(trials * p * (1 - p))


def _shots(program: str, seed: int) -> list[str]:
    emulator = Emulator()
    job = emulator.prepare(
        {
            "machine": "H1-1E",
            "count": SHOTS,
            "language": "OPENQASM 2.0",
            "program": program,
            "options": {"error-model": True, "seed": seed},
        }
    )
    out: list[str] = []
    for chunk in emulator.run(job, chunk_shots=100, chunk_growth=2.0):
        out.extend(chunk["c"])
    return out


@pytest.mark.parametrize("program", [GHZ, GHZ_PER_SHOT], ids=["aer", "per-shot"])
def test_noisy_ghz_shots_are_unbiased_and_errors_spread(program: str) -> None:
    shots = _shots(program, seed=20261130)
    assert len(shots) == SHOTS
    counts = Counter(shots)
    zeros, ones = counts["0" * N_QUBITS], counts["1" * N_QUBITS]
    # Unbiased: the first qubit reads 1 in half the shots (readout error aside).
    first_one = sum(1 for s in shots if s[-1] == "1")
    assert abs(_z(first_one, SHOTS, 0.5)) < 4
    # Almost every shot is one of the two ideal outcomes, split evenly between them.
    assert zeros + ones > 0.9 * SHOTS
    assert abs(_z(zeros, zeros + ones, 0.5)) < 4
    # Independent: a single error pattern stays rare. With the H1-1 figures each of the
    # 24 one-bit-flip patterns has probability well below 1 %; correlated shots (one
    # pattern shared by a block of shots) show up as one pattern far above that.
    errors = {k: v for k, v in counts.items() if k not in ("0" * N_QUBITS, "1" * N_QUBITS)}
    assert max(errors.values(), default=0) < 0.02 * SHOTS, Counter(errors).most_common(3)


def test_jobs_with_adjacent_seeds_do_not_replay_each_others_shots() -> None:
    simulator = Simulator()
    program = parse_program(GHZ)
    specs = {"1q_gate_error": {"p1": 0.05}, "2q_gate_error": {"p2": 0.05}}
    first = simulator.run(program, SHOTS, noise_specs=specs, seed=1)["c"]
    second = simulator.run(program, SHOTS, noise_specs=specs, seed=2)["c"]
    # Shot i of one job against shot i+1 of the other: equal only by chance (the two
    # ideal outcomes make chance about 45 %), never for nearly every shot.
    shifted = sum(a == b for a, b in zip(first[1:], second, strict=False)) / (SHOTS - 1)
    aligned = sum(a == b for a, b in zip(first, second, strict=True)) / SHOTS
    assert shifted < 0.6
    assert aligned < 0.6


def test_a_seed_repeats_a_noisy_job_exactly() -> None:
    assert _shots(GHZ, seed=7) == _shots(GHZ, seed=7)
    assert _shots(GHZ_PER_SHOT, seed=7) == _shots(GHZ_PER_SHOT, seed=7)


def test_readout_and_gate_errors_together_stay_independent_and_at_their_rate() -> None:
    # T then T-dagger keeps the circuit off Aer's stabilizer engine. With shot branching
    # and both error kinds, qiskit-aer 0.18.2 gave one single-flip outcome in 621 of the
    # 3000 shots (expected: about 20) and twice the model's error rate.
    program = parse_program(GHZ.replace("h q[0];", "t q[0];\ntdg q[0];\nh q[0];"))
    specs = {
        "spam_error": {"p_meas_0": 0.01, "p_meas_1": 0.01},
        "memory_error": {"memory_error": 0.01},
    }
    shots = Simulator().run(program, SHOTS, noise_specs=specs, seed=5)["c"]
    counts = Counter(shots)
    errors = {k: v for k, v in counts.items() if k not in ("0" * N_QUBITS, "1" * N_QUBITS)}
    # Dephasing does not flip a GHZ state's bits; readout flips a bit with 1 %:
    # P(some bit flipped) = 1 - 0.99^12 = 11.4 %, i.e. 341 of 3000 (sd about 17).
    assert abs(sum(errors.values()) - 341) < 5 * 17
    assert max(errors.values()) < 60, Counter(errors).most_common(3)
