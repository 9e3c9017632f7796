"""Leakage: a noisy machine's qubits can leave the qubit space, and pytket's gadget sees it.

pytket-quantinuum's `get_detection_circuit` appends to each measured qubit a gadget on an
ancilla (reset, X, H, ZZMax twice with the qubit, H, measure): the ancilla reads 0 for
any qubit state and 1 when the qubit has leaked; `prune_shots_detected_as_leaky` drops the
shots with a 1 there. Machines derived here from H1-1 set `noise_specs.leakage_error.p_leak`
to make leaks frequent, with no other noise (a Pauli fault on an ancilla flags a shot too),
so a flagged shot is a leak and every outcome below is certain or seeded.
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest

pytest.importorskip("pytket.extensions.quantinuum")

from pytket import Bit, Circuit
from pytket.backends.backendresult import BackendResult
from pytket.qir.conversion.api import QIRProfile

from quantinuum_emulator._emulator import Emulator
from quantinuum_emulator._machines import DEFAULT_MACHINES
from quantinuum_emulator._noise import LEAKAGE_PER_2Q_FAULT, leakage_probability

from .pytket_programs import qasm, qir

LANGUAGES = [("OPENQASM 2.0", None), ("QIR 1.0", QIRProfile.PYTKET)]
language = pytest.mark.parametrize(("lang", "profile"), LANGUAGES, ids=["qasm", "qir"])


def leaky_machine(name: str, p_leak: float, *, other_noise: bool = True) -> dict[str, Any]:
    """H1-1 (its noise, or none besides leakage) with leakage probability `p_leak`."""
    doc = copy.deepcopy(DEFAULT_MACHINES[0])
    specs = doc["noise_specs"] if other_noise else {}
    specs["leakage_error"] = {"p_leak": p_leak}
    doc.update(name=name, emulator=f"{name}E", syntax_checker=f"{name}SC", noise_specs=specs)
    return doc


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    return Emulator(
        [
            *copy.deepcopy(DEFAULT_MACHINES),
            leaky_machine("Leaky-1", 0.05, other_noise=False),
            leaky_machine("Always-1", 1.0, other_noise=False),
        ]
    )


def run(emulator: Emulator, machine: str, program: str, count: int, **kw: Any) -> Any:
    body = {"machine": machine, "count": count, "program": program, **kw}
    job = emulator.prepare(body)
    results: dict[str, list[str]] = {}
    for chunk in emulator.run(job):
        for name, shots in chunk.items():
            results.setdefault(name, []).extend(shots)
    return results


def test_the_default_rate_is_a_tenth_of_the_two_qubit_fault_probability() -> None:
    for doc in DEFAULT_MACHINES:
        p2 = doc["noise_specs"]["2q_gate_error"]["p2"]
        assert leakage_probability(doc["noise_specs"]) == pytest.approx(p2 * 0.1)
    assert LEAKAGE_PER_2Q_FAULT == 0.1
    off = {"2q_gate_error": {"p2": 0.01}, "leakage_error": {"p_leak": 0}}
    assert leakage_probability(off) == 0
    with pytest.raises(ValueError, match=r"leakage_error\.p_leak"):
        leakage_probability({"leakage_error": {"p_leak": 2}})


@language
def test_a_leaked_qubit_skips_gates_reads_1_and_a_reset_brings_it_back(
    emulator: Emulator, lang: str, profile: Any
) -> None:
    # Every two-qubit gate leaks one of its qubits: after CX on |00> exactly one reads 1.
    circuit = Circuit(3, name="leak")
    c = circuit.add_c_register("c", 2)
    d = circuit.add_c_register("d", 2)
    circuit.Reset(2).CX(0, 1).Measure(0, c[0]).Measure(1, c[1])
    circuit.X(0).X(1)  # skipped on the leaked qubit, applied on the other
    circuit.Reset(0).Reset(1).Measure(0, d[0]).Measure(1, d[1])  # back to |0>
    program = qasm(circuit) if profile is None else qir(circuit, profile)
    options = {"error-model": True, "seed": 11}
    results = run(emulator, "Always-1E", program, 40, language=lang, options=options)
    assert set(results["c"]) == {"01", "10"}
    assert set(results["d"]) == {"00"}
    noiseless = run(emulator, "Always-1E", program, 5, language=lang)
    assert set(noiseless["c"]) == {"00"}


def detection_circuit() -> Circuit:
    """A 3-qubit GHZ with pytket's leakage gadget on every measured qubit."""
    from pytket.extensions.quantinuum.backends.leakage_gadget import get_detection_circuit
    from pytket.passes import FlattenRelabelRegistersPass

    ghz = Circuit(3, name="ghz").H(0).CX(0, 1).CX(1, 2).measure_all()
    circuit = get_detection_circuit(ghz, 20)
    FlattenRelabelRegistersPass().apply(circuit)  # one qubit register, as QIR needs
    return circuit


def as_pytket(circuit: Circuit, results: dict[str, list[str]]) -> BackendResult:
    """The results read as pytket-quantinuum reads them (`_convert_result`)."""
    from pytket.extensions.quantinuum.backends.quantinuum import _convert_result

    selection = [(b.reg_name, b.index[0]) for b in circuit.bits]
    return _convert_result(results, None, len(selection), selection)


@language
def test_prune_shots_detected_as_leaky_removes_exactly_the_flagged_shots(
    emulator: Emulator, lang: str, profile: Any
) -> None:
    from pytket.extensions.quantinuum.backends.leakage_gadget import (
        prune_shots_detected_as_leaky,
    )

    circuit = detection_circuit()
    program = qasm(circuit) if profile is None else qir(circuit, profile)
    shots = 400
    options = {"error-model": True, "seed": 5}
    results = run(emulator, "Leaky-1E", program, shots, language=lang, options=options)
    result = as_pytket(circuit, results)
    data = [Bit("c", i) for i in range(3)]
    flags = [Bit("leakage_detection_bit", i) for i in range(3)]
    rows = [tuple(row) for row in result.get_shots(cbits=data + flags).tolist()]
    flagged = [row for row in rows if any(row[3:])]
    assert 0 < len(flagged) < shots
    pruned = prune_shots_detected_as_leaky(result)
    kept = Counter(row[:3] for row in rows if not any(row[3:]))
    assert pruned.get_counts(cbits=data) == kept
    assert sum(pruned.get_counts().values()) == shots - len(flagged)

    # Noiseless, nothing leaks: no shot is flagged and pruning keeps every shot.
    clean = as_pytket(circuit, run(emulator, "Leaky-1E", program, 50, language=lang))
    assert not clean.get_shots(cbits=flags).any()
    assert sum(prune_shots_detected_as_leaky(clean).get_counts().values()) == 50


def test_a_circuit_too_long_to_run_shot_by_shot_runs_on_aer_without_leakage(
    emulator: Emulator,
) -> None:
    # With a reset it would run shot by shot for leakage; 10,000 shots of 2,100 gates are
    # more than that engine's work limit, so qiskit-aer runs it (as before leakage) rather
    # than the job being refused.
    from quantinuum_emulator._qasm import ParsedProgram

    header = 'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[2];\ncreg c[2];\nreset q[1];\n'
    program = header + "cx q[0],q[1];\n" * 2100 + "measure q -> c;\n"
    body = {"machine": "H1-1E", "count": 10_000, "program": program}
    job = emulator.prepare({**body, "options": {"error-model": True}})
    assert isinstance(job.program, ParsedProgram)
    short = emulator.prepare({**body, "count": 100, "options": {"error-model": True}})
    assert not isinstance(short.program, ParsedProgram)  # the per-shot engine, with leakage
