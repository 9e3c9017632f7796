"""Programs as pytket really writes them (QASM with hqslib1, QIR from pytket-qir), and WASM."""

from __future__ import annotations

import base64

from pytket import Circuit
from pytket.circuit.logic_exp import reg_eq, reg_leq
from pytket.qasm.qasm import circuit_to_qasm_str
from pytket.qir.conversion.api import QIRFormat, QIRProfile, pytket_to_qir

#: A module in WAT: add_one(x) = x + 1, and count() = how often add_one ran in this shot.
WAT = """(module
  (global $n (mut i32) (i32.const 0))
  (func (export "init"))
  (func (export "add_one") (param i32) (result i32)
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (i32.add (local.get 0) (i32.const 1)))
  (func (export "count") (result i32) (global.get $n))
  (func (export "spin") (param i32) (result i32)
    (loop $l (br $l)) (i32.const 0)))
"""


def wasm_bytes() -> bytes:
    import wasmtime

    return bytes(wasmtime.wat2wasm(WAT))


def cfl() -> str:
    """The job's `cfl` field for the module above."""
    return base64.b64encode(wasm_bytes()).decode()


def classical_circuit() -> Circuit:
    """Bell pair into `a`, `r = a + b`, `r = a*b ^ r`, conditions on a register and a bit."""
    c = Circuit(2, name="classical")
    a = c.add_c_register("a", 8)
    b = c.add_c_register("b", 8)
    r = c.add_c_register("r", 8)
    s = c.add_c_register("s", 1)
    c.H(0).CX(0, 1).Measure(0, a[0]).Measure(1, a[1])
    c.add_c_setreg(5, b)
    c.add_clexpr_from_logicexp(a + b, r.to_list())
    c.add_clexpr_from_logicexp(a * b ^ r, r.to_list())
    c.X(0, condition=reg_eq(a, 3))
    c.X(1, condition_bits=[a[0]], condition_value=1)
    c.Measure(0, s[0])
    return c


def rng_circuit(*, with_index: bool) -> Circuit:
    c = Circuit(1, name="rng")
    seed = c.add_c_register("seed", 64)
    bound = c.add_c_register("bound", 32)
    index = c.add_c_register("index", 32)
    first = c.add_c_register("first", 32)
    second = c.add_c_register("second", 32)
    shot = c.add_c_register("shot", 32)
    c.add_c_setreg(123456789, seed)
    c.set_rng_seed(seed)
    c.add_c_setreg(9, bound)
    c.set_rng_bound(bound)
    c.get_job_shot_num(shot)
    if with_index:
        c.add_c_copyreg(shot, index)
        c.set_rng_index(index)
    c.get_rng_num(first)
    c.get_rng_num(second)
    return c


def wasm_circuit() -> Circuit:
    from pytket.wasm.wasm import WasmModuleHandler

    handler = WasmModuleHandler(wasm_bytes())
    c = Circuit(1, name="wasm")
    a = c.add_c_register("a", 8)
    n = c.add_c_register("n", 8)
    c.add_c_setreg(3, a)
    c.add_wasm_to_reg("add_one", handler, [a], [a])
    c.add_wasm_to_reg("add_one", handler, [a], [a])
    c.add_wasm_to_reg("count", handler, [], [n])
    c.X(0).Measure(0, a[7])
    return c


def qasm(circuit: Circuit) -> str:
    """What QuantinuumBackend submits for Language.QASM."""
    return circuit_to_qasm_str(circuit, header="hqslib1", maxwidth=64)


def qir(circuit: Circuit, profile: QIRProfile) -> str:
    """What QuantinuumBackend submits for Language.QIR (PYTKET) / Language.PQIR (ADAPTIVE)."""
    data = pytket_to_qir(circuit, circuit.name or "circuit", QIRFormat.BINARY, profile=profile)
    assert isinstance(data, bytes)
    return base64.b64encode(data).decode()


def rng_bound_circuit() -> Circuit:
    """Bound register 5, a draw, bit 2 of the bound cleared (bound 1), a second draw.

    `RNGbound` is not called again: the second draw must follow the register's new value.
    The conditions (always true) order the commands, which pytket's DAG otherwise leaves free.
    """
    c = Circuit(1, name="rng_bound")
    bound = c.add_c_register("bound", 32)
    first = c.add_c_register("first", 32)
    second = c.add_c_register("second", 32)
    c.add_c_setreg(5, bound)
    c.set_rng_bound(bound)
    c.get_rng_num(first)
    c.add_c_setbits([False], [bound[2]], condition=reg_leq(first, 5))
    c.get_rng_num(second, condition=reg_eq(bound, 1))
    return c


#: A QIR program with every output-recording call of the base and adaptive profiles:
#: tuple/array markers and headers, results, a bool, an int and a double (0.5).
OUTPUT_RECORDING_QIR = """
@t = internal constant [2 x i8] c"t\\00"
@a = internal constant [2 x i8] c"a\\00"
@r0 = internal constant [3 x i8] c"r0\\00"
@r1 = internal constant [3 x i8] c"r1\\00"
@b = internal constant [2 x i8] c"b\\00"
@i = internal constant [2 x i8] c"i\\00"
@d = internal constant [2 x i8] c"d\\00"

define void @main() #0 {
entry:
  call void @__quantum__rt__initialize(ptr null)
  call void @__quantum__qis__x__body(ptr null)
  call void @__quantum__qis__mz__body(ptr null, ptr null)
  call void @__quantum__qis__mz__body(ptr inttoptr (i64 1 to ptr), ptr inttoptr (i64 1 to ptr))
  call void @__quantum__rt__tuple_start_record_output()
  call void @__quantum__rt__tuple_record_output(i64 2, ptr @t)
  call void @__quantum__rt__result_record_output(ptr null, ptr @r0)
  call void @__quantum__rt__result_record_output(ptr inttoptr (i64 1 to ptr), ptr @r1)
  call void @__quantum__rt__tuple_end_record_output()
  call void @__quantum__rt__array_start_record_output()
  call void @__quantum__rt__array_record_output(i64 1, ptr @a)
  %bit = call i1 @__quantum__qis__read_result__body(ptr null)
  call void @__quantum__rt__bool_record_output(i1 %bit, ptr @b)
  call void @__quantum__rt__array_end_record_output()
  call void @__quantum__rt__int_record_output(i64 42, ptr @i)
  call void @__quantum__rt__double_record_output(double 5.000000e-01, ptr @d)
  ret void
}

declare void @__quantum__rt__initialize(ptr)
declare void @__quantum__qis__x__body(ptr)
declare void @__quantum__qis__mz__body(ptr, ptr writeonly)
declare i1 @__quantum__qis__read_result__body(ptr)
declare void @__quantum__rt__tuple_start_record_output()
declare void @__quantum__rt__tuple_end_record_output()
declare void @__quantum__rt__array_start_record_output()
declare void @__quantum__rt__array_end_record_output()
declare void @__quantum__rt__tuple_record_output(i64, ptr)
declare void @__quantum__rt__array_record_output(i64, ptr)
declare void @__quantum__rt__result_record_output(ptr, ptr)
declare void @__quantum__rt__bool_record_output(i1, ptr)
declare void @__quantum__rt__int_record_output(i64, ptr)
declare void @__quantum__rt__double_record_output(double, ptr)

attributes #0 = { "entry_point" "qir_profiles"="adaptive_profile" "required_num_qubits"="2" \
"required_num_results"="2" "output_labeling_schema"="labeled" }
"""

#: What `OUTPUT_RECORDING_QIR` reports every shot (noiseless): the double as its 64 bits.
OUTPUT_RECORDING_RESULTS = {
    "r0": "1",
    "r1": "0",
    "b": "1",
    "i": format(42, "064b"),
    "d": format(0x3FE0000000000000, "064b"),
}


def qir_bitcode(text: str) -> str:
    """LLVM text as a QIR 1.0 job's `program` (base64 bitcode)."""
    import pyqir

    module = pyqir.Module.from_ir(pyqir.Context(), text)
    return base64.b64encode(module.bitcode).decode()
