"""Limits checked before anything is allocated, engines at full size, the memory budget."""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

import pytest

from quantinuum_emulator._emulator import Emulator
from quantinuum_emulator._errors import JobRejected
from quantinuum_emulator._qasm import ProgramError, parse_program

HEADER = 'OPENQASM 2.0;\ninclude "hqslib1.inc";\n'


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    return Emulator()


def body(program: str, machine: str = "H2-1E", count: int = 10, **options: Any) -> dict[str, Any]:
    return {
        "machine": machine,
        "count": count,
        "language": "OPENQASM 2.0",
        "program": program,
        "options": options,
    }


def rejected(emulator: Emulator, request: dict[str, Any]) -> JobRejected:
    with pytest.raises(JobRejected) as exc:
        emulator.prepare(request)
    return exc.value


@pytest.mark.parametrize(
    "program",
    [
        "OPENQASM 2.0;\nqreg q[2147483647];\n",
        "OPENQASM 2.0;\nqreg q[10000000];\n",
        HEADER + "qreg q[99999999999999999999];\n",
        HEADER + "qreg q[1];\ncreg c[99999999999999999999];\n",
    ],
    ids=["2^31-1", "10^7", "beyond-u64", "creg-beyond-u64"],
)
def test_huge_declarations_are_refused_at_once_without_allocating(
    emulator: Emulator, program: str
) -> None:
    emulator.prepare(body(HEADER + "qreg q[1];\n"))  # warm imports outside the measurement
    tracemalloc.start()
    start = time.perf_counter()
    error = rejected(emulator, body(program))
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert error.code == 41
    assert elapsed < 0.1
    assert peak < 1_000_000


def test_registers_wider_than_64_bits_are_refused(emulator: Emulator) -> None:
    error = rejected(emulator, body(HEADER + "qreg q[1];\ncreg c[65];\nmeasure q[0] -> c[0];\n"))
    assert error.code == 41
    assert "64" in error.text
    ok = emulator.prepare(body(HEADER + "qreg q[1];\ncreg c[64];\nmeasure q[0] -> c[0];\n"))
    assert ok.program.info.registers == {"c": 64}


def test_a_parser_panic_is_a_program_error_not_a_base_exception() -> None:
    # qiskit's reader (Rust, pyo3) panics on an index beyond 64 bits; a PanicException
    # derives from BaseException and would escape `except Exception`.
    with pytest.raises(ProgramError):
        parse_program(HEADER + "qreg q[1];\ncreg c[2];\nmeasure q[0] -> c[99999999999999999999];\n")


def test_exponential_gate_definitions_are_refused_before_parsing(emulator: Emulator) -> None:
    program = HEADER + "qreg q[2];\ncreg c[1];\ngate g0 a,b { cx a,b; h a; }\n"
    for i in range(1, 40):
        program += f"gate g{i} a,b {{ g{i - 1} a,b; g{i - 1} b,a; }}\n"
    start = time.perf_counter()
    for text in (program + "g39 q[0],q[1];\n", program + "g39 q[0],q[1];\nc[0] = 1;\n"):
        error = rejected(emulator, body(text))
        assert error.code == 41
        assert "operations" in error.text
    assert time.perf_counter() - start < 1.0


def test_clifford_circuits_run_at_the_machines_full_size(emulator: Emulator) -> None:
    ghz = HEADER + "qreg q[56];\ncreg c[56];\nh q[0];\n"
    ghz += "".join(f"cx q[0],q[{i}];\n" for i in range(1, 56)) + "measure q -> c;\n"
    per_shot = ghz.replace("creg c[56];", "creg c[56];\ncreg k[1];\nk[0] = 1;")
    for program in (ghz, per_shot):
        for simulator in ("stabilizer", "state-vector"):
            job = emulator.prepare(body(program, count=20, simulator=simulator, seed=3))
            shots = [s for chunk in emulator.run(job) for s in chunk["c"]]
            assert set(shots) <= {"0" * 56, "1" * 56}
            assert len(set(shots)) == 2


def test_a_state_beyond_the_memory_budget_is_refused_with_the_reason() -> None:
    small = Emulator(memory_budget_bytes=16 * 2**10)  # a 10-qubit state vector
    program = HEADER + "qreg q[{n}];\ncreg c[{n}];\nrx(0.3) q[0];\nmeasure q -> c;\n"
    small.prepare(body(program.format(n=10)))
    error = rejected(small, body(program.format(n=11)))
    assert error.code == 41
    assert "memory" in error.text
    assert "stabilizer" in error.text
    default = Emulator()
    error = rejected(default, body(program.format(n=40)))
    assert error.code == 41
    assert "40-qubit" in error.text


def test_a_non_clifford_gate_with_the_stabilizer_engine_is_refused(emulator: Emulator) -> None:
    program = HEADER + "qreg q[40];\ncreg c[1];\nt q[0];\nmeasure q[0] -> c[0];\n"
    for text in (program, program.replace("creg c[1];", "creg c[1];\nc[0] = 1;")):
        error = rejected(emulator, body(text, simulator="stabilizer"))
        assert error.code == 40
        assert "Clifford" in error.text


@pytest.mark.parametrize("language", ["OPENQASM 2.0", "QIR 1.0"])
def test_syntax_checkers_return_all_zero_results_per_register(
    emulator: Emulator, language: str
) -> None:
    from pytket import Circuit

    from .pytket_programs import qasm, qir

    circuit = Circuit(2)
    c = circuit.add_c_register("c", 2)
    flags = circuit.add_c_register("flags", 3)
    circuit.X(0).X(1).Measure(0, c[0]).Measure(1, c[1]).add_c_setreg(7, flags)
    from pytket.qir.conversion.api import QIRProfile

    program = qasm(circuit) if language == "OPENQASM 2.0" else qir(circuit, QIRProfile.PYTKET)
    request = body(program, machine="H1-1SC", count=25)
    request["language"] = language
    job = emulator.prepare(request)
    assert job.cost > 0
    results: dict[str, list[str]] = {}
    for chunk in emulator.run(job, chunk_shots=10, chunk_growth=2.0):
        for name, shots in chunk.items():
            results.setdefault(name, []).extend(shots)
    assert results["c"] == ["00"] * 25
    assert results["flags"] == ["000"] * 25


def test_classical_work_of_a_whole_job_is_bounded_at_submission(emulator: Emulator) -> None:
    program = HEADER + "qreg q[1];\ncreg a[8];\n" + "a = a + 1;\n" * 2500
    emulator.prepare(body(program, count=100))
    error = rejected(emulator, body(program, count=10000))
    assert error.code == 41
    assert "operations" in error.text


def test_a_program_with_a_lone_surrogate_is_a_program_error(emulator: Emulator) -> None:
    error = rejected(emulator, body(HEADER + "qreg q[1];\n// \ud800\n"))
    assert error.code == 40
