"""pytket's `QuantinuumBackend` submitting real programs in every language.

The same circuits go through `Language.QASM` (hqslib1 QASM), `Language.QIR` (pytket-qir's
PYTKET profile) and `Language.PQIR` (its ADAPTIVE profile), on every flavour this venv has
(`conftest.Flavour`): our `quantinuum_api.pytket.QuantinuumBackend` with today's
pytket-quantinuum, or pytket-quantinuum 0.55's backend on our `QuantinuumAPI` (the local
service) and on our `QuantinuumAPIOffline(simulate=True)`. Each result is checked against
what the circuit must give. Circuits run without the error model where the answer is exact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pytket.extensions.quantinuum")

import wasmtime
from pytket import Bit, Circuit, OpType
from pytket.backends.backendresult import BackendResult
from pytket.backends.status import StatusEnum
from pytket.circuit.logic_exp import if_not_bit, reg_eq, reg_geq, reg_gt, reg_lt
from pytket.extensions.quantinuum.backends.quantinuum import GetResultFailed, Language
from pytket.wasm.wasm import WasmFileHandler, WasmModuleHandler

from quantinuum_api import QuantinuumAPIError

from ..quantinuum_emulator.pytket_programs import (
    OUTPUT_RECORDING_QIR,
    OUTPUT_RECORDING_RESULTS,
    qir_bitcode,
    rng_bound_circuit,
)
from .conftest import Flavour

pytestmark = pytest.mark.filterwarnings("ignore:Submission of programs:DeprecationWarning")

LANGUAGES = [Language.QASM, Language.QIR, Language.PQIR]
lang = pytest.mark.parametrize("language", LANGUAGES, ids=lambda x: x.name)

#: add(x, y) = x + y; bump(x) = x + n + 1 where n counts this shot's earlier bump() calls.
WAT = """(module
  (global $n (mut i32) (i32.const 0))
  (func (export "init"))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "bump") (param i32) (result i32)
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (i32.add (local.get 0) (global.get $n))))
"""


def run(
    backend: Any,
    circuit: Circuit,
    language: Language,
    n_shots: int = 10,
    **kwargs: Any,
) -> BackendResult:
    compiled = backend.get_compiled_circuit(circuit, optimisation_level=0)
    [handle] = backend.process_circuits(
        [compiled], n_shots=n_shots, language=language, noisy_simulation=False, **kwargs
    )
    result: BackendResult = backend.get_result(handle, timeout=60)
    assert backend.circuit_status(handle).status is StatusEnum.COMPLETED
    return result


def register_values(result: BackendResult, name: str, width: int) -> list[int]:
    """The register's value in every shot (bit i is 2**i)."""
    bits = [Bit(name, i) for i in range(width)]
    return [sum(int(b) << i for i, b in enumerate(shot)) for shot in result.get_shots(cbits=bits)]


def multi_register() -> Circuit:
    """Three qubits read into two registers: a = 0b01 and b = 0b101, every shot."""
    c = Circuit(3, name="multi")
    a = c.add_c_register("a", 2)
    b = c.add_c_register("b", 3)
    c.X(0).X(2)
    c.Measure(0, a[0]).Measure(1, a[1])
    c.Measure(2, b[0]).Measure(1, b[1]).Measure(0, b[2])
    return c


@lang
@pytest.mark.parametrize("machine", ["H1-1E", "H2-1E"])
def test_bell_pair(tk: Flavour, language: Language, machine: str) -> None:
    circuit = Circuit(2, name="bell")
    c = circuit.add_c_register("c", 2)
    circuit.H(0).CX(0, 1).Measure(0, c[0]).Measure(1, c[1])
    result = run(tk.make(machine), circuit, language, n_shots=20)
    counts = result.get_counts()
    assert sum(counts.values()) == 20
    assert set(counts) <= {(0, 0), (1, 1)}


@pytest.mark.parametrize("machine", ["H2-2E", "H2-2SC", "Helios-1E", "Helios-1SC"])
def test_todays_machines(tk: Flavour, machine: str) -> None:
    backend = tk.make(machine)
    info = backend.backend_info
    assert info is not None
    assert info.n_nodes == (98 if machine.startswith("Helios") else 56)
    result = run(backend, multi_register(), Language.QIR, n_shots=3)
    expected = 0 if machine.endswith("SC") else 0b101
    assert register_values(result, "b", 3) == [expected] * 3


@lang
@pytest.mark.parametrize("machine", ["H1-1E", "H2-1E"])
def test_multiple_registers(tk: Flavour, language: Language, machine: str) -> None:
    result = run(tk.make(machine), multi_register(), language, n_shots=5)
    assert register_values(result, "a", 2) == [0b01] * 5
    assert register_values(result, "b", 3) == [0b101] * 5


@lang
@pytest.mark.parametrize("checker", ["H1-1SC", "H2-1SC"])
def test_syntax_checker_gives_zeros_per_register(
    tk: Flavour, language: Language, checker: str
) -> None:
    result = run(tk.make(checker), multi_register(), language, n_shots=4)
    assert register_values(result, "a", 2) == [0] * 4
    assert register_values(result, "b", 3) == [0] * 4


@lang
def test_cost_from_the_syntax_checker(tk: Flavour, language: Language) -> None:
    backend = tk.make("H1-1E")
    circuit = backend.get_compiled_circuit(undone(), optimisation_level=0)
    n_2q = circuit.n_2qb_gates()
    n_meas = circuit.n_gates_of_type(OpType.Measure)
    n_1q = circuit.n_gates - n_2q - n_meas
    # HQC = 5 + C(N1q + 10 N2q + 5 Nm)/5000; Nm counts each qubit's preparation too.
    weighted = n_1q + 10 * n_2q + 5 * (n_meas + circuit.n_qubits)
    for shots in (10, 1000):
        cost = backend.cost(circuit, n_shots=shots, language=language)
        assert cost == pytest.approx(5 + shots * weighted / 5000, abs=0.005)


def undone(n_qubits: int = 4) -> Circuit:
    """Non-Clifford layers then their inverse, then X on qubit 0: reads 1000 in every shot."""
    c = Circuit(n_qubits, name="undone")
    for layer in range(4):
        for q in range(n_qubits):
            c.Rx(0.1 + 0.37 * (q + layer), q).Rz(0.23 * (layer + 1) + 0.11 * q, q)
        a, b = layer % n_qubits, (layer + 1) % n_qubits
        c.CX(a, b).ZZPhase(0.3 + 0.1 * layer, a, b).CRy(0.7, b, a)
    c.append(c.dagger())
    c.X(0)
    return c.measure_all()


@lang
@pytest.mark.parametrize("machine", ["H1-1E", "H2-1E"])
@pytest.mark.parametrize(
    ("level", "gate"),
    [(0, None), (1, OpType.ZZPhase), (1, OpType.ZZMax), (1, OpType.TK2)],
    ids=["level0", "ZZPhase", "ZZMax", "TK2"],  # level 2 would cancel the circuit away
)
def test_native_gates_undo_each_other(
    tk: Flavour, language: Language, machine: str, level: int, gate: OpType | None
) -> None:
    # Compiled to PhasedX, Rz and the chosen two-qubit gate: any wrong angle or phase
    # convention in a language's gate set leaves other outcomes.
    backend = tk.make(machine)
    if gate is not None:
        backend.set_compilation_config_target_2qb_gate(gate)
    compiled = backend.get_compiled_circuit(undone(), optimisation_level=level)
    assert gate is None or compiled.n_gates_of_type(gate) > 0
    [handle] = backend.process_circuits(
        [compiled], n_shots=5, language=language, noisy_simulation=False
    )
    assert backend.get_result(handle, timeout=60).get_counts() == {(1, 0, 0, 0): 5}


@lang
def test_leakage_detection_bits_come_back(tk: Flavour, language: Language) -> None:
    backend = tk.make("H1-1E")
    ghz = Circuit(3, name="ghz").H(0).CX(0, 1).CX(1, 2).measure_all()
    [handle] = backend.process_circuits(
        [backend.get_compiled_circuit(ghz)],
        n_shots=10,
        language=language,
        noisy_simulation=False,
        leakage_detection=True,
    )
    result = backend.get_result(handle, timeout=60)
    assert {b.reg_name for b in result.c_bits} == {"c", "leakage_detection_bit"}
    leaks = [Bit("leakage_detection_bit", i) for i in range(3)]
    assert all(not any(shot) for shot in result.get_shots(cbits=leaks))  # no noise: no leak
    assert set(result.get_counts(cbits=[Bit("c", i) for i in range(3)])) <= {
        (0, 0, 0),
        (1, 1, 1),
    }


def classical() -> Circuit:
    """Register arithmetic, bitwise operations and conditions, all with fixed answers."""
    c = Circuit(2, name="classical")
    a = c.add_c_register("a", 8)
    b = c.add_c_register("b", 8)
    r = c.add_c_register("r", 8)
    d = c.add_c_register("d", 8)
    s = c.add_c_register("s", 2)
    f = c.add_c_register("f", 1)
    c.X(0).Measure(0, a[0]).Measure(1, a[1])  # a = 1
    c.add_c_setreg(6, b)
    c.add_clexpr_from_logicexp(a + b, r.to_list())  # r = 7
    c.add_clexpr_from_logicexp(a * b ^ r, r.to_list())  # r = 6 ^ 7 = 1
    c.add_clexpr_from_logicexp((b - a) | (a << 3), d.to_list())  # d = 5 | 8 = 13
    c.X(0, condition=reg_eq(a, 1))  # q0 back to 0
    c.X(1, condition_bits=[a[0]], condition_value=1)  # q1 to 1
    c.X(1, condition=reg_gt(b, 10))  # not taken
    c.Measure(0, s[0]).Measure(1, s[1])  # s = 0b10
    c.add_c_setbits([True], [f[0]], condition=reg_eq(d, 13))
    c.add_c_setreg(9, b, condition=reg_lt(d, 13))  # not taken
    c.add_clexpr_from_logicexp(a + d, r.to_list(), condition=reg_geq(d, 13))  # r = 14
    return c


@lang
def test_classical_arithmetic_and_conditions(tk: Flavour, language: Language) -> None:
    result = run(tk.make("H1-1E"), classical(), language, n_shots=5)
    assert register_values(result, "a", 8) == [1] * 5
    assert register_values(result, "b", 8) == [6] * 5
    assert register_values(result, "r", 8) == [14] * 5
    assert register_values(result, "d", 8) == [13] * 5
    assert register_values(result, "s", 2) == [0b10] * 5
    assert register_values(result, "f", 1) == [1] * 5


def wide_registers() -> Circuit:
    """Values and conditions beyond 32 bits (below 2**63: pytket-qir's PQIR drops bit 63)."""
    c = Circuit(1, name="wide")
    w = c.add_c_register("w", 40)
    v = c.add_c_register("v", 63)
    hit = c.add_c_register("hit", 3)
    c.add_c_setreg(2**39 + 1, w)
    c.add_clexpr_from_logicexp(w * 2**20 + 3, v.to_list())
    c.add_c_setbits([True], [hit[0]], condition=reg_eq(w, 2**39 + 1))
    c.add_c_setbits([True], [hit[1]], condition=reg_eq(w, 1))
    c.X(0, condition=reg_eq(v, 2**59 + 2**20 + 3))
    c.Measure(0, hit[2])
    return c


@lang
def test_registers_wider_than_32_bits(tk: Flavour, language: Language) -> None:
    result = run(tk.make("H1-1E"), wide_registers(), language, n_shots=3)
    assert register_values(result, "w", 40) == [2**39 + 1] * 3
    assert register_values(result, "v", 63) == [2**59 + 2**20 + 3] * 3
    assert register_values(result, "hit", 3) == [0b101] * 3


@pytest.mark.parametrize("language", [Language.QASM, Language.QIR], ids=lambda x: x.name)
def test_a_64_bit_value_with_bit_63_set_is_refused_by_pytket_as_from_the_cloud(
    tk: Flavour, language: Language
) -> None:
    # The cloud reports 64-bit values signed; pytket's conversion refuses negative ones.
    # (PQIR is left out: pytket-qir's ADAPTIVE profile drops bit 63, see wide_registers.)
    circuit = Circuit(1, name="bit63")
    circuit.add_c_setreg(2**63 + 5, circuit.add_c_register("w", 64))
    backend = tk.make("H1-1E")
    compiled = backend.get_compiled_circuit(circuit, optimisation_level=0)
    [handle] = backend.process_circuits(
        [compiled], n_shots=2, language=language, noisy_simulation=False
    )
    with pytest.raises(ValueError, match="found negative value for creg: w"):
        backend.get_result(handle, timeout=60)
    assert tk.job(backend.get_jobid(handle))["results"]["w"] == [format(5 - 2**63, "064b")] * 2


def rng_and_shot_number(*, seed: int) -> Circuit:
    """Seed, bound 9 (inclusive), index = the shot's number, two draws; the shot number."""
    c = Circuit(1, name="rng")
    seed_reg = c.add_c_register("seed", 64)
    bound = c.add_c_register("bound", 32)
    index = c.add_c_register("index", 32)
    first = c.add_c_register("first", 32)
    second = c.add_c_register("second", 32)
    shot = c.add_c_register("shot", 32)
    c.add_c_setreg(seed, seed_reg)
    c.set_rng_seed(seed_reg)
    c.add_c_setreg(9, bound)
    c.set_rng_bound(bound)
    c.get_job_shot_num(shot)
    c.add_c_copyreg(shot, index)
    c.set_rng_index(index)
    c.get_rng_num(first)
    c.get_rng_num(second)
    return c


@lang
def test_rng_and_job_shot_number(tk: Flavour, language: Language) -> None:
    backend = tk.make("H1-1E")
    shots = 12
    result = run(backend, rng_and_shot_number(seed=123456789), language, n_shots=shots)
    assert register_values(result, "shot", 32) == list(range(1, shots + 1))  # as the cloud
    first = register_values(result, "first", 32)
    second = register_values(result, "second", 32)
    assert all(0 <= v <= 9 for v in first + second)  # pytket: "The bound is inclusive."
    # The same seed and index give the same numbers again, in another job.
    again = run(backend, rng_and_shot_number(seed=123456789), language, n_shots=shots)
    assert register_values(again, "first", 32) == first
    assert register_values(again, "second", 32) == second


def test_rng_bound_follows_its_register(tk: Flavour) -> None:
    # set_rng_bound(reg) with reg = 5, a draw, then bit 2 of reg cleared: the next draw is
    # bounded by 1, as on the cloud. (pytket-qir passes the bound read at set_rng_bound to
    # every later draw, so QIR programs carry their own bound; this is about hqslib1 QASM.)
    result = run(tk.make("H1-1E"), rng_bound_circuit(), Language.QASM, n_shots=60)
    first = register_values(result, "first", 32)
    second = register_values(result, "second", 32)
    assert all(v <= 5 for v in first)
    assert max(first) > 1
    assert all(v <= 1 for v in second)


@pytest.mark.parametrize("machine", ["H1-1E", "H2-2E", "H1-1SC", "Helios-1SC"])
def test_qir_output_recording_calls(tk: Flavour, machine: str) -> None:
    # tuple/array start and end markers, their headers, result/bool/int/double records
    program = qir_bitcode(OUTPUT_RECORDING_QIR)
    if tk.client is not None:  # today's backend has no submit_program: the SDK submits it
        job = tk.client.jobs.run(
            program, machine, 3, language="QIR 1.0", options={"error-model": False}, timeout=60
        )
        for name, bits in OUTPUT_RECORDING_RESULTS.items():
            value = 0 if machine.endswith("SC") else int(bits, 2)
            assert [int(v, 2) for v in job.results[name]] == [value] * 3, name
        return
    backend = tk.make(machine)
    handle = backend.submit_program(Language.QIR, program, n_shots=3, noisy_simulation=False)
    result = backend.get_result(handle, timeout=60)
    assert backend.circuit_status(handle).status is StatusEnum.COMPLETED
    for name, bits in OUTPUT_RECORDING_RESULTS.items():
        value = 0 if machine.endswith("SC") else int(bits, 2)
        assert register_values(result, name, len(bits)) == [value] * 3, name


def wasm_circuit(handler: WasmFileHandler | WasmModuleHandler) -> Circuit:
    c = Circuit(1, name="wasm")
    a = c.add_c_register("a", 8)
    b = c.add_c_register("b", 8)
    s = c.add_c_register("s", 8)
    n = c.add_c_register("n", 8)
    c.add_c_setreg(3, a)
    c.add_c_setreg(4, b)
    c.add_wasm_to_reg("add", handler, [a, b], [s])  # s = 7
    c.add_wasm_to_reg("bump", handler, [s], [n])  # n = 8
    c.add_wasm_to_reg("bump", handler, [n], [n])  # n = 10
    c.X(0).Measure(0, a[7])  # a = 0b10000011
    c.add_wasm_to_reg("add", handler, [s, s], [s], condition=a[7])  # s = 14
    c.add_wasm_to_reg("add", handler, [s, s], [s], condition=if_not_bit(a[7]))  # not taken
    return c


@pytest.fixture(scope="module")
def wasm_bytes() -> bytes:
    return bytes(wasmtime.wat2wasm(WAT))


@lang
@pytest.mark.parametrize("kind", ["file", "module"])
def test_wasm_module(
    tk: Flavour, language: Language, kind: str, wasm_bytes: bytes, tmp_path: Path
) -> None:
    handler: WasmFileHandler | WasmModuleHandler
    if kind == "file":
        path = tmp_path / "module.wasm"
        path.write_bytes(wasm_bytes)
        handler = WasmFileHandler(str(path))
    else:
        handler = WasmModuleHandler(wasm_bytes)
    result = run(tk.make("H1-1E"), wasm_circuit(handler), language, 4, wasm_file_handler=handler)
    assert register_values(result, "s", 8) == [14] * 4
    assert register_values(result, "n", 8) == [10] * 4  # module state starts afresh each shot
    assert register_values(result, "a", 8) == [0b10000011] * 4


@lang
def test_cancel_of_a_finished_job_is_refused(tk: Flavour, language: Language) -> None:
    backend = tk.make("H1-1E")
    circuit = backend.get_compiled_circuit(multi_register())
    [handle] = backend.process_circuits([circuit], n_shots=2, language=language)
    backend.get_result(handle, timeout=60)
    with pytest.raises(QuantinuumAPIError, match="job has completed already"):
        backend.cancel(handle)
    assert backend.circuit_status(handle).status is StatusEnum.COMPLETED


@lang
def test_batch(tk: Flavour, language: Language) -> None:
    backend = tk.make("H1-1E")
    circuits = [backend.get_compiled_circuit(multi_register(), optimisation_level=0)] * 3
    options: dict[str, Any] = {"language": language, "noisy_simulation": False}
    first = backend.start_batch(100, circuits[0], n_shots=3, use_websocket=False, **options)
    second = backend.add_to_batch(first, circuits[1], n_shots=3, **options)
    last = backend.add_to_batch(first, circuits[2], n_shots=3, batch_end=True, **options)
    for handle in (first, second, last):
        result = backend.get_result(handle, timeout=60)
        assert register_values(result, "b", 3) == [0b101] * 3
    # The batch is closed: pytket raises its own error on the service's 400.
    with pytest.raises(tk.refused, match="has ended"):
        backend.add_to_batch(first, circuits[0], n_shots=3, **options)


def test_batch_max_cost_is_enforced(tk: Flavour) -> None:
    backend = tk.make("H1-1E")
    circuit = backend.get_compiled_circuit(multi_register(), optimisation_level=0)
    cost = backend.cost(circuit, n_shots=50, language=Language.QIR)
    assert cost is not None
    assert cost >= 2  # so that int(2.5 * cost) lies between two jobs' and three jobs' cost
    options: dict[str, Any] = {"language": Language.QIR, "noisy_simulation": False}
    limit = int(2.5 * cost)
    first = backend.start_batch(limit, circuit, n_shots=50, use_websocket=False, **options)
    second = backend.add_to_batch(first, circuit, n_shots=50, **options)
    third = backend.add_to_batch(first, circuit, n_shots=50, batch_end=True, **options)
    for handle in (first, second):
        assert register_values(backend.get_result(handle, timeout=60), "a", 2) == [1] * 50
    with pytest.raises(GetResultFailed):
        backend.get_result(third, timeout=60)
    status = backend.circuit_status(third)
    assert status.status is StatusEnum.ERROR
    assert "max cost" in status.message


@lang
def test_several_circuits_in_one_call(tk: Flavour, language: Language) -> None:
    backend = tk.make("H1-1E")
    flip = Circuit(1, 1, name="flip").X(0).Measure(0, 0)
    keep = Circuit(1, 1, name="keep").Measure(0, 0)
    compiled = backend.get_compiled_circuits([flip, keep], optimisation_level=0)
    handles = backend.process_circuits(
        compiled, n_shots=[3, 2], language=language, noisy_simulation=False
    )
    flipped, kept = backend.get_results(handles, timeout=60)
    assert flipped.get_counts() == {(1,): 3}
    assert kept.get_counts() == {(0,): 2}


@lang
def test_noisy_shots_repeat_with_a_seed(tk: Flavour, language: Language) -> None:
    backend = tk.make("H1-1E")
    ghz = backend.get_compiled_circuit(Circuit(3, name="ghz").H(0).CX(0, 1).CX(1, 2).measure_all())
    shots = []
    for _ in range(2):  # with the error model (pytket's default)
        [handle] = backend.process_circuits(
            [ghz], n_shots=30, language=language, options={"seed": 7}
        )
        shots.append(backend.get_result(handle, timeout=60).get_shots().tolist())
    assert shots[0] == shots[1]
    assert len(shots[0]) == 30


@lang
def test_max_cost_and_group(tk: Flavour, language: Language) -> None:
    backend = tk.make("H1-1E")
    circuit = backend.get_compiled_circuit(multi_register())
    [handle] = backend.process_circuits(
        [circuit], n_shots=500, language=language, max_cost=0.5, group="team-a"
    )
    with pytest.raises(GetResultFailed):
        backend.get_result(handle, timeout=60)
    status = backend.circuit_status(handle)
    assert status.status is StatusEnum.ERROR
    assert "max-cost 0.5" in status.message
    assert tk.job(backend.get_jobid(handle))["group"] == "team-a"


@lang
@pytest.mark.parametrize("program", ["classical", "rng", "wasm"])
def test_syntax_checker_accepts_classical_programs(
    tk: Flavour, language: Language, program: str, wasm_bytes: bytes
) -> None:
    handler = WasmModuleHandler(wasm_bytes)
    if program == "classical":
        circuit = classical()
    elif program == "rng":
        circuit = rng_and_shot_number(seed=5)
    else:
        circuit = wasm_circuit(handler)
    result = run(tk.make("H2-1SC"), circuit, language, 2, wasm_file_handler=handler)
    registers = {b.reg_name for b in circuit.bits if not b.reg_name.startswith("tk_SCRATCH")}
    assert registers <= {b.reg_name for b in result.c_bits}  # pytket leaves scratch to QASM
    assert not result.get_shots().any()


@lang
def test_a_wasm_trap_fails_the_job_with_its_reason(tk: Flavour, language: Language) -> None:
    wat = """(module (func (export "init"))
      (func (export "boom") (param i32) (result i32) unreachable))"""
    handler = WasmModuleHandler(bytes(wasmtime.wat2wasm(wat)))
    circuit = Circuit(1, name="trap")
    a = circuit.add_c_register("a", 8)
    circuit.add_c_setreg(3, a)
    circuit.add_wasm_to_reg("boom", handler, [a], [a])
    circuit.Measure(0, a[7])
    backend = tk.make("H1-1E")
    [handle] = backend.process_circuits(
        [backend.get_compiled_circuit(circuit)],
        n_shots=2,
        language=language,
        wasm_file_handler=handler,
    )
    with pytest.raises(GetResultFailed):
        backend.get_result(handle, timeout=60)
    status = backend.circuit_status(handle)
    assert status.status is StatusEnum.ERROR
    assert "'boom' failed" in status.message
    assert "unreachable" in status.message


REGISTER_NAMES = ["c0", "x_1", "measure", "if", "creg", "gate", "reset", "cx", "rz", "pi", "main"]


@lang
def test_registers_named_like_keywords_and_gates(tk: Flavour, language: Language) -> None:
    circuit = Circuit(len(REGISTER_NAMES), name="names")
    for i, name in enumerate(REGISTER_NAMES):
        reg = circuit.add_c_register(name, 2)
        if i % 2:
            circuit.X(i)
        circuit.Measure(i, reg[i % 2])
    result = run(tk.make("H2-1E"), circuit, language, n_shots=2)
    for i, name in enumerate(REGISTER_NAMES):
        assert register_values(result, name, 2) == [2 * (i % 2)] * 2, name


@lang
def test_a_56_qubit_clifford_circuit_on_the_stabilizer(tk: Flavour, language: Language) -> None:
    n = 56  # all of H2-1E
    ghz = Circuit(n, name="ghz56").H(0)
    for i in range(n - 1):
        ghz.CX(i, i + 1)
    backend = tk.make("H2-1E")
    result = run(
        backend, ghz.measure_all(), language, n_shots=4, options={"simulator": "stabilizer"}
    )
    assert set(result.get_counts()) <= {(0,) * n, (1,) * n}
    assert sum(result.get_counts().values()) == 4
