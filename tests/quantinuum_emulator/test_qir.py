"""QIR 1.0 as pytket-quantinuum submits it (pytket-qir's PYTKET and ADAPTIVE profiles)."""

from __future__ import annotations

import base64
from collections import Counter
from typing import Any

import pytest
from pytket import Circuit
from pytket.qir.conversion.api import QIRProfile

from quantinuum_emulator._emulator import Emulator
from quantinuum_emulator._errors import JobRejected

from .pytket_programs import (
    OUTPUT_RECORDING_QIR,
    OUTPUT_RECORDING_RESULTS,
    cfl,
    classical_circuit,
    qir,
    qir_bitcode,
    rng_circuit,
    wasm_circuit,
)

PROFILES = [QIRProfile.PYTKET, QIRProfile.ADAPTIVE]


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    return Emulator()


def run(
    emulator: Emulator, program: str, count: int = 50, machine: str = "H1-1E", **extra: Any
) -> dict[str, list[str]]:
    body: dict[str, Any] = {
        "machine": machine,
        "count": count,
        "language": "QIR 1.0",
        "program": program,
        "options": {"seed": 5},
    }
    body.update(extra)
    job = emulator.prepare(body)
    results: dict[str, list[str]] = {}
    for chunk in emulator.run(job, chunk_shots=9, chunk_growth=2.0):
        for name, shots in chunk.items():
            results.setdefault(name, []).extend(shots)
    assert all(len(shots) == count for shots in results.values())
    return results


def ints(shots: list[str]) -> list[int]:
    return [int(s, 2) for s in shots]


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_bell_pair_reports_its_registers_by_name(emulator: Emulator, profile: QIRProfile) -> None:
    circuit = Circuit(2, name="bell")
    c = circuit.add_c_register("c", 2)
    d = circuit.add_c_register("d", 1)
    circuit.H(0).CX(0, 1).Measure(0, c[0]).Measure(1, c[1]).X(0).Measure(0, d[0])
    out = run(emulator, qir(circuit, profile), count=200)
    assert {"c", "d"} <= set(out)
    pairs = Counter(ints(out["c"]))
    assert set(pairs) == {0, 3}
    assert 50 < pairs[3] < 150
    # d = NOT c[0]
    assert all(dv == 1 - (cv & 1) for cv, dv in zip(ints(out["c"]), ints(out["d"]), strict=True))
    if profile == QIRProfile.PYTKET:  # the register's width comes from create_creg
        assert {len(s) for s in out["c"]} == {2}


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_arithmetic_and_branches(emulator: Emulator, profile: QIRProfile) -> None:
    out = run(emulator, qir(classical_circuit(), profile), count=200)
    seen = Counter(zip(ints(out["a"]), ints(out["r"]), ints(out["s"]), strict=True))
    assert set(seen) == {(3, 7, 0), (0, 5, 0)}
    assert set(ints(out["b"])) == {5}


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_rng_and_shot_number(emulator: Emulator, profile: QIRProfile) -> None:
    out = run(emulator, qir(rng_circuit(with_index=True), profile), count=30)
    assert ints(out["shot"]) == list(range(1, 31))  # 1..n, as the cloud counts
    assert all(0 <= v <= 9 for v in ints(out["first"]))
    assert len(set(out["first"])) > 3
    fixed = run(emulator, qir(rng_circuit(with_index=False), profile), count=10)
    assert len(set(fixed["first"])) == 1


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
def test_wasm_calls_from_qir(emulator: Emulator, profile: QIRProfile) -> None:
    out = run(emulator, qir(wasm_circuit(), profile), count=4, cfl=cfl())
    assert ints(out["a"]) == [0b10000101] * 4
    assert ints(out["n"]) == [2] * 4


def _bitcode(text: str) -> str:
    import pyqir

    module = pyqir.Module.from_ir(pyqir.Context(), text)
    return base64.b64encode(module.bitcode).decode()


_CUSTOM = """
@label = internal constant [4 x i8] c"out\\00"

define void @my_program() #0 {
entry:
  call void @__quantum__qis__x__body(ptr null)
  call void @__quantum__qis__mz__body(ptr null, ptr null)
  call void @__quantum__qis__mz__body(ptr inttoptr (i64 1 to ptr), ptr inttoptr (i64 1 to ptr))
  call void @__quantum__rt__result_record_output(ptr null, ptr @label)
  ret void
}

declare void @__quantum__qis__x__body(ptr)
declare void @__quantum__qis__mz__body(ptr, ptr writeonly)
declare void @__quantum__rt__result_record_output(ptr, ptr)

attributes #0 = { "entry_point" "qir_profiles"="base_profile" ATTRS }
""".replace("ATTRS", '"required_num_qubits"="QUBITS" "required_num_results"="2"')


def test_a_custom_entry_point_and_result_recording(emulator: Emulator) -> None:
    out = run(emulator, _bitcode(_CUSTOM.replace("QUBITS", "2")), count=3)
    assert out == {"out": ["1"] * 3}


@pytest.mark.parametrize("machine", ["H1-1E", "H2-1E", "H1-1SC", "H2-2SC", "Helios-1SC"])
def test_every_output_recording_call_runs_on_every_machine(
    emulator: Emulator, machine: str
) -> None:
    out = run(emulator, qir_bitcode(OUTPUT_RECORDING_QIR), count=4, machine=machine)
    if machine.endswith("SC"):
        expected = {name: "0" * len(bits) for name, bits in OUTPUT_RECORDING_RESULTS.items()}
    else:
        expected = OUTPUT_RECORDING_RESULTS
    assert out == {name: [bits] * 4 for name, bits in expected.items()}


def test_qir_beyond_the_machine_or_malformed_is_refused(emulator: Emulator) -> None:
    with pytest.raises(JobRejected) as too_many:
        run(emulator, _bitcode(_CUSTOM.replace("QUBITS", "2147483647")))
    assert too_many.value.code == 41
    for program in ("not base64!", base64.b64encode(b"BC\xc0\xde garbage").decode()):
        with pytest.raises(JobRejected) as bad:
            run(emulator, program)
        assert bad.value.code == 40
    unknown = _CUSTOM.replace("QUBITS", "2").replace("__quantum__qis__x__body", "mystery")
    with pytest.raises(JobRejected) as exc:
        run(emulator, _bitcode(unknown))
    assert exc.value.code == 40
    assert "mystery" in exc.value.text


def test_a_qir_loop_that_never_ends_is_stopped(emulator: Emulator) -> None:
    looping = """
define void @main() #0 {
entry:
  br label %loop
loop:
  %i = phi i64 [ 0, %entry ], [ %next, %loop ]
  %next = add i64 %i, 1
  br label %loop
}
declare void @__quantum__qis__x__body(ptr)
attributes #0 = { "entry_point" "required_num_qubits"="1" "required_num_results"="0" }
"""
    with pytest.raises(JobRejected) as exc:
        run(emulator, _bitcode(looping), count=1)
    assert exc.value.code == 41
