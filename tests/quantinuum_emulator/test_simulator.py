"""Running programs on the simulator: outcomes, registers, noise, chunks, methods."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from quantinuum_emulator._machines import default_machines
from quantinuum_emulator._qasm import ProgramError, parse_program
from quantinuum_emulator._simulator import Simulator, simulator_method

HEADER = 'OPENQASM 2.0;\ninclude "hqslib1.inc";\n'
BELL = HEADER + "qreg q[2];\ncreg c[2];\nh q[0];\ncx q[0], q[1];\nmeasure q -> c;\n"


def _scaled_h1_specs(factor: float) -> dict[str, Any]:
    specs: dict[str, Any] = default_machines()[0]["noise_specs"]
    for section, key in [
        ("1q_gate_error", "p1"),
        ("2q_gate_error", "p2"),
        ("memory_error", "memory_error"),
        ("spam_error", "p_meas_0"),
        ("spam_error", "p_meas_1"),
    ]:
        specs[section][key] = min(1.0, specs[section][key] * factor)
    return specs


def test_importing_the_simulator_does_not_import_qiskit() -> None:
    code = (
        "import sys, quantinuum_emulator._simulator, quantinuum_emulator._cost;"
        "assert not any(m.split('.')[0] in {'qiskit', 'qiskit_aer'} for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_bell_without_noise(simulator: Simulator) -> None:
    result = simulator.run(parse_program(BELL), 1000, seed=7)
    counts = Counter(result["c"])
    assert set(counts) == {"00", "11"}
    assert sum(counts.values()) == 1000
    assert min(counts.values()) > 350  # both outcomes really occur


def test_bell_from_native_gates(simulator: Simulator) -> None:
    # h then cx, spelled in Quantinuum's native gates (hqslib1.inc's decompositions).
    program = parse_program(
        HEADER + "qreg q[2];\ncreg c[2];\n"
        "U1q(0.5*pi, -0.5*pi) q[0];\nRz(pi) q[0];\n"
        "U1q(-0.5*pi, 0.5*pi) q[1];\nZZ q[0], q[1];\nRz(-0.5*pi) q[0];\n"
        "U1q(0.5*pi, pi) q[1];\nRz(-0.5*pi) q[1];\n"
        "measure q -> c;\n"
    )
    counts = Counter(simulator.run(program, 400, seed=3)["c"])
    assert set(counts) == {"00", "11"}
    assert sum(counts.values()) == 400


def test_ghz(simulator: Simulator) -> None:
    program = parse_program(
        HEADER
        + "qreg q[5];\ncreg c[5];\nh q[0];\n"
        + "".join(f"cx q[{i}], q[{i + 1}];\n" for i in range(4))
        + "measure q -> c;\n"
    )
    counts = Counter(simulator.run(program, 300, seed=11)["c"])
    assert set(counts) == {"00000", "11111"}


def test_msb_first_and_exact_width(simulator: Simulator) -> None:
    program = parse_program(HEADER + "qreg q[2];\ncreg c[2];\nx q[0];\nmeasure q[0] -> c[0];\n")
    assert simulator.run(program, 5, seed=1) == {"c": ["01"] * 5}
    wide = parse_program(HEADER + "qreg q[3];\ncreg c[7];\nx q[2];\nmeasure q[2] -> c[5];\n")
    assert simulator.run(wide, 3, seed=1) == {"c": ["0100000"] * 3}


def test_multiple_registers_in_declaration_order(simulator: Simulator) -> None:
    program = parse_program(
        HEADER + "qreg q[3];\ncreg first[2];\ncreg second[3];\ncreg third[1];\n"
        "x q[0];\nx q[2];\n"
        "measure q[0] -> first[1];\nmeasure q[2] -> second[0];\nmeasure q[1] -> third[0];\n"
    )
    result = simulator.run(program, 4, seed=2)
    assert list(result) == ["first", "second", "third"]
    assert result == {"first": ["10"] * 4, "second": ["001"] * 4, "third": ["0"] * 4}


def test_classical_if(simulator: Simulator) -> None:
    # Measure a |+> qubit, then flip the second qubit only when the first read 1.
    program = parse_program(
        HEADER + "qreg q[2];\ncreg a[1];\ncreg b[1];\nh q[0];\nmeasure q[0] -> a[0];\n"
        "if(a==1) x q[1];\nmeasure q[1] -> b[0];\n"
    )
    result = simulator.run(program, 200, seed=5)
    pairs = Counter(zip(result["a"], result["b"], strict=True))
    assert set(pairs) == {("0", "0"), ("1", "1")}


def test_reset_and_barrier(simulator: Simulator) -> None:
    program = parse_program(
        HEADER + "qreg q[2];\ncreg c[2];\nx q[0];\nx q[1];\nbarrier q;\nreset q[0];\n"
        "measure q -> c;\n"
    )
    assert set(simulator.run(program, 50, seed=9)["c"]) == {"10"}


def test_rxxyyzz_runs(simulator: Simulator) -> None:
    # Rxxyyzz(pi, 0, 0) = -i X⊗X: |00> -> |11>.
    program = parse_program(
        HEADER + "qreg q[2];\ncreg c[2];\nRxxyyzz(pi, 0, 0) q[0], q[1];\nmeasure q -> c;\n"
    )
    assert set(simulator.run(program, 20, seed=1)["c"]) == {"11"}


def test_no_measurement_reads_zeros_and_no_register_gives_nothing(simulator: Simulator) -> None:
    program = parse_program(HEADER + "qreg q[1];\ncreg c[3];\nx q[0];\n")
    assert simulator.run(program, 2) == {"c": ["000", "000"]}
    assert simulator.run(parse_program(HEADER + "qreg q[1];\nx q[0];\n"), 2) == {}
    assert simulator.run(parse_program(BELL), 0) == {"c": []}


def test_noise_changes_statistics(simulator: Simulator) -> None:
    program = parse_program(BELL)
    noisy = Counter(simulator.run(program, 2000, seed=13, noise_specs=_scaled_h1_specs(50))["c"])
    assert noisy["01"] + noisy["10"] > 0
    assert sum(noisy.values()) == 2000
    clean = Counter(simulator.run(program, 2000, seed=13, noise_specs=None)["c"])
    assert set(clean) == {"00", "11"}


def test_readout_error_alone_flips_some_zeros(simulator: Simulator) -> None:
    program = parse_program(HEADER + "qreg q[1];\ncreg c[1];\nmeasure q[0] -> c[0];\n")
    specs = {"spam_error": {"p_meas_0": 0.2, "p_meas_1": 0.0}}
    counts = Counter(simulator.run(program, 1000, seed=4, noise_specs=specs)["c"])
    assert 100 < counts["1"] < 300
    assert set(simulator.run(program, 200, seed=4)["c"]) == {"0"}


def test_memory_error_dephases_qubits_of_two_qubit_gates(simulator: Simulator) -> None:
    # H·CZ·CZ·H is the identity, so ideally always "00"; Z flips between the H's show up.
    program = parse_program(
        HEADER + "qreg q[2];\ncreg c[2];\nh q[0];\nh q[1];\ncz q[0], q[1];\ncz q[0], q[1];\n"
        "h q[0];\nh q[1];\nmeasure q -> c;\n"
    )
    specs = {"memory_error": {"memory_error": 0.2}}
    noisy = Counter(simulator.run(program, 500, seed=6, noise_specs=specs)["c"])
    assert noisy["00"] < 450
    assert {"01", "10", "11"} <= set(noisy)
    assert set(simulator.run(program, 200, seed=6)["c"]) == {"00"}


def test_concurrent_runs_from_threads(simulator: Simulator) -> None:
    programs = [parse_program(BELL) for _ in range(3)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda i: simulator.run(programs[i % 3], 200, seed=i), range(8)))
    for result in results:
        assert set(result["c"]) == {"00", "11"}
        assert len(result["c"]) == 200


def test_same_seed_same_shots(simulator: Simulator) -> None:
    program = parse_program(BELL)
    assert simulator.run(program, 100, seed=21) == simulator.run(program, 100, seed=21)


def test_iter_chunks_add_up_and_differ(simulator: Simulator) -> None:
    program = parse_program(BELL)
    chunks = list(simulator.iter_chunks(program, 250, 100, seed=3))
    assert [len(chunk["c"]) for chunk in chunks] == [100, 100, 50]
    assert chunks[0]["c"] != chunks[1]["c"]
    assert set().union(*(set(chunk["c"]) for chunk in chunks)) == {"00", "11"}
    again = list(simulator.iter_chunks(program, 250, 100, seed=3))
    assert again == chunks
    unseeded = list(simulator.iter_chunks(program, 10, 3))
    assert sum(len(chunk["c"]) for chunk in unseeded) == 10


def test_noiseless_chunks_come_from_one_run_noisy_ones_from_one_run_each(
    simulator: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A noiseless run computes the state once and samples all its shots; a run per chunk
    # recomputed it (2.4x slower for 14 qubits, 1,000 shots in chunks of 100, x2).
    program = parse_program(BELL)
    runs: list[int] = []
    execute = simulator._execute

    def counted(*args: Any) -> dict[str, list[str]]:
        runs.append(args[2])  # the shots of this run
        return execute(*args)

    monkeypatch.setattr(simulator, "_execute", counted)
    chunks = list(simulator.iter_chunks(program, 1000, 100, growth=2.0, seed=5))
    assert [len(chunk["c"]) for chunk in chunks] == [100, 200, 400, 300]
    assert runs == [1000]
    assert set().union(*(set(chunk["c"]) for chunk in chunks)) == {"00", "11"}
    runs.clear()
    whole = list(simulator.iter_chunks(program, 1000, 100, growth=2.0, seed=5, sliced=False))
    assert [len(chunk["c"]) for chunk in whole] == [1000]  # unsliced: one chunk, one run
    assert runs == [1000]
    runs.clear()
    specs: dict[str, Any] = default_machines()[0]["noise_specs"]
    noisy = list(simulator.iter_chunks(program, 300, 100, noise_specs=specs, seed=5))
    assert runs == [100, 100, 100]
    assert sum(len(chunk["c"]) for chunk in noisy) == 300
    runs.clear()
    noisy = list(simulator.iter_chunks(program, 300, 100, noise_specs=specs, sliced=False))
    assert runs == [100, 100, 100]  # noisy shots are done chunk by chunk: still chunks


def test_stabilizer_method(simulator: Simulator) -> None:
    program = parse_program(
        HEADER + "qreg q[3];\ncreg c[3];\nU1q(pi/2, -pi/2) q[0];\nRz(pi) q[0];\n"
        "ZZ q[0], q[1];\ncx q[0], q[2];\nmeasure q -> c;\n"
    )
    result = simulator.run(program, 200, seed=1, method="stabilizer")
    reference = simulator.run(program, 200, seed=1, method="state-vector")
    assert set(result["c"]) == set(reference["c"]) == {"000", "101"}
    noisy = simulator.run(
        parse_program(BELL), 500, seed=2, method="stabilizer", noise_specs=_scaled_h1_specs(50)
    )
    assert {"00", "11"} <= set(noisy["c"])


def test_stabilizer_refuses_non_clifford(simulator: Simulator) -> None:
    program = parse_program(HEADER + "qreg q[1];\ncreg c[1];\nt q[0];\nmeasure q[0] -> c[0];\n")
    with pytest.raises(ProgramError, match="'t' is not a Clifford operation"):
        simulator.run(program, 10, method="stabilizer")


def test_bad_arguments(simulator: Simulator) -> None:
    program = parse_program(BELL)
    with pytest.raises(ValueError, match="shots must be an integer >= 0"):
        simulator.run(program, -1)
    with pytest.raises(ValueError, match="chunk_shots must be an integer >= 1"):
        next(simulator.iter_chunks(program, 10, 0))
    with pytest.raises(ValueError, match="unknown simulator 'mps'"):
        simulator.run(program, 1, method="mps")
    with pytest.raises(ValueError, match="seed must be an integer or None"):
        simulator.run(program, 1, seed="5")  # type: ignore[arg-type]
    # Any integer seeds deterministically, even outside Aer's own seed range.
    for seed in (-5, 2**70):
        assert simulator.run(program, 50, seed=seed) == simulator.run(program, 50, seed=seed)
        assert len(list(simulator.iter_chunks(program, 5, 2, seed=seed))) == 3
    assert simulator_method("State-Vector") == "statevector"
    assert simulator_method(None) == "statevector"


def test_chunks_grow_geometrically_and_add_up() -> None:
    program = parse_program(BELL)
    sizes = [
        len(part["c"]) for part in Simulator().iter_chunks(program, 1000, 100, growth=2.0, seed=1)
    ]
    assert sizes == [100, 200, 400, 300]
    with pytest.raises(ValueError, match="growth"):
        next(Simulator().iter_chunks(program, 10, 5, growth=0.5))
