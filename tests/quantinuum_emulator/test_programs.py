"""QASM with hqslib1's classical extensions, RNG, JOB_shotnum and WASM, as pytket writes it."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from quantinuum_emulator._emulator import Emulator
from quantinuum_emulator._errors import JobRejected

from .pytket_programs import (
    cfl,
    classical_circuit,
    qasm,
    rng_bound_circuit,
    rng_circuit,
    wasm_circuit,
)


@pytest.fixture(scope="module")
def emulator() -> Emulator:
    return Emulator()


def run(emulator: Emulator, program: str, count: int = 50, **extra: Any) -> dict[str, list[str]]:
    body: dict[str, Any] = {
        "machine": "H2-1E",
        "count": count,
        "language": "OPENQASM 2.0",
        "program": program,
        "options": {"seed": 11},
    }
    body.update(extra)
    job = emulator.prepare(body)
    results: dict[str, list[str]] = {}
    for chunk in emulator.run(job, chunk_shots=7, chunk_growth=2.0):
        for name, shots in chunk.items():
            results.setdefault(name, []).extend(shots)
    assert all(len(shots) == count for shots in results.values())
    return results


def test_arithmetic_and_conditions_run_per_shot(emulator: Emulator) -> None:
    out = run(emulator, qasm(classical_circuit()), count=200)
    assert set(out) == {"a", "b", "r", "s"}
    seen = Counter(zip(out["a"], out["r"], out["s"], strict=True))
    # a = 3: r = (3 + 5) then (3*5) ^ 8 = 7; both conditions flip, so q0 reads 0 again.
    # a = 0: r = 5 then 0 ^ 5 = 5; no condition holds, q0 reads 0.
    assert set(seen) == {("00000011", "00000111", "0"), ("00000000", "00000101", "0")}
    assert 50 < seen["00000011", "00000111", "0"] < 150
    assert set(out["b"]) == {"00000101"}


def test_a_bit_condition_and_registers_named_like_gates(emulator: Emulator) -> None:
    program = """OPENQASM 2.0;
include "hqslib1.inc";
qreg q[2];
creg s[1];
creg h[2];
x q[0];
measure q[0] -> s[0];
if(s[0]==1) x q[1];
measure q[1] -> h[1];
h[0] = s[0] ^ h[1];
"""
    out = run(emulator, program, count=5)
    assert out == {"s": ["1"] * 5, "h": ["10"] * 5}


def test_64_bit_registers_wrap_and_compare_unsigned(emulator: Emulator) -> None:
    program = """OPENQASM 2.0;
include "hqslib1.inc";
qreg q[1];
creg big[64];
creg small[4];
creg flag[1];
big = 18446744073709551615;
big = big + 2;
small = 17;
if(big==1) flag[0] = 1;
"""
    out = run(emulator, program, count=3)
    assert out["big"] == [format(1, "064b")] * 3
    assert out["small"] == ["0001"] * 3  # 17 does not fit in 4 bits
    assert out["flag"] == ["1"] * 3


def test_register_conditions_compare_all_64_bits(emulator: Emulator) -> None:
    # pytket writes `if(w==V)` for reg_eq; its reader keeps V in 32 bits (V mod 2**32).
    program = """OPENQASM 2.0;
include "hqslib1.inc";
qreg q[1];
creg w[40];
creg one[1];
creg hit[3];
w = 549755813889;
one = 1;
if(w==549755813889) hit[0] = 1;
if(one==4294967297) hit[1] = 1;
if (w == 549755813888) hit[2] = 1; // if(w==549755813889) hit[2] = 1;
"""
    out = run(emulator, program, count=3)
    assert out["hit"] == ["001"] * 3
    assert set(out) == {"w", "one", "hit"}


def test_rng_repeats_per_seed_and_varies_with_index(emulator: Emulator) -> None:
    fixed = run(emulator, qasm(rng_circuit(with_index=False)), count=20)
    assert len(set(fixed["first"])) == 1  # same seed, same stream, every shot
    assert fixed["first"] != fixed["second"] or fixed["first"][0] == fixed["second"][0]
    values = [int(v, 2) for v in fixed["first"] + fixed["second"]]
    assert all(0 <= v <= 9 for v in values)  # the bound is inclusive
    again = run(emulator, qasm(rng_circuit(with_index=False)), count=20, options={"seed": 99})
    assert again["first"] == fixed["first"]  # RNGseed, not the job's seed, decides
    indexed = run(emulator, qasm(rng_circuit(with_index=True)), count=40)
    assert len(set(indexed["first"])) > 3  # a stream per shot
    assert [int(v, 2) for v in indexed["shot"]] == list(range(1, 41))  # 1..n, as the cloud
    assert all(0 <= int(v, 2) <= 9 for v in indexed["first"])


def test_rng_bound_is_the_register_read_at_each_draw(emulator: Emulator) -> None:
    # RNGbound(bound) with bound = 5, a draw, then bit 2 of `bound` cleared: the next
    # draw's bound is 1 (inclusive), without RNGbound being called again.
    out = run(emulator, qasm(rng_bound_circuit()), count=60)
    assert {int(v, 2) for v in out["bound"]} == {1}
    first = [int(v, 2) for v in out["first"]]
    second = [int(v, 2) for v in out["second"]]
    assert all(0 <= v <= 5 for v in first)
    assert max(first) > 1  # the first draw had the wider range
    assert all(0 <= v <= 1 for v in second)
    assert set(second) == {0, 1}


def test_wasm_calls_get_a_fresh_module_state_every_shot(emulator: Emulator) -> None:
    out = run(emulator, qasm(wasm_circuit()), count=6, cfl=cfl())
    # a = 3 + 1 + 1, then bit 7 measured as 1; count() saw two calls in this shot only.
    assert out == {"a": ["10000101"] * 6, "n": ["00000010"] * 6}


def test_wasm_without_cfl_or_with_a_missing_function_is_refused(emulator: Emulator) -> None:
    program = qasm(wasm_circuit())
    with pytest.raises(JobRejected) as missing:
        run(emulator, program)
    assert missing.value.code == 40
    assert "cfl" in missing.value.text
    with pytest.raises(JobRejected) as unknown:
        run(emulator, program.replace("add_one", "add_two"), cfl=cfl())
    assert unknown.value.code == 40
    assert "add_two" in unknown.value.text
    with pytest.raises(JobRejected) as bad:
        run(emulator, program, cfl="bm90IHdhc20=")
    assert bad.value.code == 40


def test_wasm_that_never_returns_runs_out_of_fuel(emulator: Emulator) -> None:
    program = """OPENQASM 2.0;
include "hqslib1.inc";
qreg q[1];
creg a[8];
a = spin(a);
"""
    job = emulator.prepare(
        {
            "machine": "H2-1E",
            "count": 2,
            "language": "OPENQASM 2.0",
            "program": program,
            "cfl": cfl(),
        }
    )
    with pytest.raises(JobRejected) as exc:
        list(emulator.run(job))
    assert exc.value.code == 41
    assert "fuel" in exc.value.text


def test_plain_circuits_keep_the_qiskit_aer_path(emulator: Emulator) -> None:
    from quantinuum_emulator._qasm import ParsedProgram

    program = 'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\n'
    program += "cx q[0],q[1];\nmeasure q -> c;\n"
    job = emulator.prepare(
        {"machine": "H2-1E", "count": 10, "language": "OPENQASM 2.0", "program": program}
    )
    assert isinstance(job.program, ParsedProgram)


def test_classical_program_errors_are_code_40(emulator: Emulator) -> None:
    with pytest.raises(JobRejected) as exc:
        run(emulator, 'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[1];\ncreg a[2];\na = b + 1;\n')
    assert exc.value.code == 40
