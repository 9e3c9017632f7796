"""QIR 1.0 programs (base64 LLVM bitcode, as pytket-quantinuum submits them), run shot by shot.

pyqir reads the module; the entry point (the function with the `entry_point` attribute,
whatever its name) is compiled once into Python tuples and interpreted per shot. What it
runs is what pytket-qir emits for its `PYTKET` profile (`Language.QIR`: the classical
register helpers `create_creg`, `set_creg_bit`, `get_creg_bit`, `set_creg_to_int`,
`get_int_from_creg`, `mz_to_creg_bit`) and its `ADAPTIVE` profile (`Language.PQIR`:
`mz` + `read_result`, integer arithmetic, branches): the `__quantum__qis__*` gates
(angles in radians), integer instructions, `icmp`, `zext`/`sext`/`trunc`, `select`,
`phi`, `br`, `switch`; RNG (`___random_seed`, `___random_int[_bounded]`,
`___set_random_index`), `___get_current_shot` (1 to n, as the cloud counts), and calls
to functions with the `wasm` attribute (the job's `cfl` module). Output recording:
`int_record_output(value, label)` reports register `label` (its width is the
`create_creg` size when the value is read straight from a register, else 64 bits);
`result_record_output` / `bool_record_output` report one bit; `double_record_output`
reports the double's 64 IEEE-754 bits (64-bit outputs are reported signed, see
`_results.signed_results`); the schemas' containers (`tuple_*`/`array_*`
`record_output`, their `start`/`end` markers) are accepted and report nothing, so
results are flat, by label. Anything else is refused
when the job is prepared (code 40). A shot may
execute at most `MAX_SHOT_STEPS` instructions (QIR may loop).
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ._bounds import MAX_REGISTER_WIDTH
from ._qasm import ProgramError, ProgramInfo, ProgramTooLarge
from ._shotprogram import MAX_SHOT_STEPS, ShotContext, ShotLimitError, ShotProgram

__all__ = ["QirProgram", "decode_qir", "parse_qir"]

_BITCODE_MAGIC = b"BC\xc0\xde"


def decode_qir(program: str) -> bytes:
    """The bitcode (or LLVM text) of a `QIR 1.0` job's `program` field (base64)."""
    try:
        data = base64.b64decode(program.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ProgramError("a QIR 1.0 program must be base64-encoded LLVM bitcode") from None
    if not data:
        raise ProgramError("program is empty")
    return data


# Gates: QIR name -> (pytket OpType name, number of angle arguments, number of qubits).
_GATES = {
    "h": ("H", 0, 1),
    "x": ("X", 0, 1),
    "y": ("Y", 0, 1),
    "z": ("Z", 0, 1),
    "s": ("S", 0, 1),
    "s__adj": ("Sdg", 0, 1),
    "t": ("T", 0, 1),
    "t__adj": ("Tdg", 0, 1),
    "rx": ("Rx", 1, 1),
    "ry": ("Ry", 1, 1),
    "rz": ("Rz", 1, 1),
    "u1q": ("PhasedX", 2, 1),
    "phasedx": ("PhasedX", 2, 1),
    "cnot": ("CX", 0, 2),
    "cx": ("CX", 0, 2),
    "cz": ("CZ", 0, 2),
    "swap": ("SWAP", 0, 2),
    "rzz": ("ZZPhase", 1, 2),
    "rxx": ("XXPhase", 1, 2),
    "ryy": ("YYPhase", 1, 2),
    "zz": ("ZZMax", 0, 2),
    "zzmax": ("ZZMax", 0, 2),
    "rxxyyzz": ("TK2", 3, 2),
}
_IGNORED = ("barrier", "group", "order", "sleep")
#: Runtime calls that report nothing by themselves: initialisation and the container
#: markers/headers of the output schemas (results are reported per label, flat).
_RT_IGNORED = {
    "__quantum__rt__initialize",
    "__quantum__rt__array_record_output",
    "__quantum__rt__tuple_record_output",
    "__quantum__rt__array_start_record_output",
    "__quantum__rt__array_end_record_output",
    "__quantum__rt__tuple_start_record_output",
    "__quantum__rt__tuple_end_record_output",
}

Instr = tuple[Any, ...]


class QirProgram(ShotProgram):
    """A compiled entry point: blocks of instructions, the first block is the entry."""

    def __init__(
        self,
        blocks: list[list[Instr]],
        n_slots: int,
        info: ProgramInfo,
        widths: dict[str, int],
        wasm_functions: dict[str, tuple[int, int]],
    ) -> None:
        self.blocks = blocks
        self.n_slots = n_slots
        self.info = info
        self.widths = widths
        self.wasm_functions = wasm_functions
        self.size = len(blocks[0]) if blocks else 0

    def gate_matrices(self) -> Iterator[tuple[Any, np.ndarray]]:
        for block in self.blocks:
            for ins in block:
                if ins[0] != "g":
                    continue
                _, key, build, angles, _ = ins
                if any(a[0] != "c" for a in angles):
                    raise ProgramError(f"gate '{key}' has an angle computed at run time")
                params = tuple(a[1] for a in angles)
                yield (key, params), build(params)

    def run_shot(self, ctx: ShotContext) -> dict[str, int]:
        slots: list[Any] = [0] * self.n_slots
        results: dict[int, int] = {}
        out: dict[str, int] = {}
        state = ctx.state
        block, previous, steps = 0, -1, 0
        while True:
            instrs = self.blocks[block]
            steps += len(instrs)
            if steps > MAX_SHOT_STEPS:
                raise ShotLimitError(f"a shot executed more than {MAX_SHOT_STEPS} QIR instructions")
            nxt = -1
            for ins in instrs:
                kind = ins[0]
                if kind == "bin":
                    _, dst, fn, a, b = ins
                    slots[dst] = fn(_get(slots, a), _get(slots, b))
                elif kind == "g":
                    _, key, build, angles, qubits = ins
                    params = tuple(_get(slots, a) for a in angles)
                    matrix = build(params)
                    state.gate((key, params), matrix, tuple(_get(slots, q) for q in qubits))
                elif kind == "mz":
                    results[_get(slots, ins[2])] = state.measure(_get(slots, ins[1]))
                elif kind == "read":
                    slots[ins[1]] = results.get(_get(slots, ins[2]), 0)
                elif kind == "creg":
                    slots[ins[1]] = [0] * _get(slots, ins[2])
                elif kind == "mzc":
                    creg = slots[ins[2][1]]
                    creg[_get(slots, ins[3])] = state.measure(_get(slots, ins[1]))
                elif kind == "getbit":
                    slots[ins[1]] = slots[ins[2][1]][_get(slots, ins[3])]
                elif kind == "setbit":
                    slots[ins[1][1]][_get(slots, ins[2])] = _get(slots, ins[3]) & 1
                elif kind == "getint":
                    creg = slots[ins[2][1]]
                    slots[ins[1]] = sum(bit << i for i, bit in enumerate(creg))
                elif kind == "setint":
                    creg = slots[ins[1][1]]
                    value = _get(slots, ins[2])
                    for i in range(len(creg)):
                        creg[i] = (value >> i) & 1
                elif kind == "reset":
                    state.reset(_get(slots, ins[1]))
                elif kind == "record":
                    out[ins[1]] = _get(slots, ins[2])
                elif kind == "record_result":
                    out[ins[1]] = results.get(_get(slots, ins[2]), 0)
                elif kind == "record_double":
                    out[ins[1]] = _double_bits(_get(slots, ins[2]))
                elif kind == "un":
                    _, dst, fn, a = ins
                    slots[dst] = fn(_get(slots, a))
                elif kind == "select":
                    _, dst, c, a, b = ins
                    slots[dst] = _get(slots, a) if _get(slots, c) else _get(slots, b)
                elif kind == "phi":
                    for pred, value in ins[2]:
                        if pred == previous:
                            slots[ins[1]] = _get(slots, value)
                            break
                elif kind == "call":
                    _, dst, name, args, width = ins
                    value = _call(ctx, name, [_get(slots, a) for a in args])
                    if dst >= 0:
                        slots[dst] = (value or 0) & ((1 << width) - 1)
                elif kind == "br":
                    nxt = ins[2] if _get(slots, ins[1]) else ins[3]
                elif kind == "jmp":
                    nxt = ins[1]
                elif kind == "switch":
                    value = _get(slots, ins[1])
                    nxt = ins[3].get(value, ins[2])
                elif kind == "ret":
                    ctx.steps = steps
                    return out
            previous, block = block, nxt


def _get(slots: list[Any], operand: tuple[str, Any]) -> Any:
    return operand[1] if operand[0] == "c" else slots[operand[1]]


def _call(ctx: ShotContext, name: str, args: list[int]) -> int | None:
    if name == "___random_seed":
        ctx.rng.seed(args[0])
        return None
    if name == "___set_random_index":
        ctx.rng.index(args[0])
        return None
    if name == "___random_int":
        return ctx.rng.num()
    if name == "___random_int_bounded":
        return ctx.rng.num(args[0])  # this call's bound only
    if name == "___get_current_shot":
        return ctx.shot
    return ctx.wasm().call(name, args)


_BUILTIN_CALLS = {
    "___random_seed",
    "___set_random_index",
    "___random_int",
    "___random_int_bounded",
    "___get_current_shot",
}


def parse_qir(data: bytes, *, max_qubits: int) -> QirProgram:
    """Read and compile a QIR module; `ProgramError` for anything it cannot run."""
    import pyqir

    context = pyqir.Context()
    try:
        if data.startswith(_BITCODE_MAGIC):
            module = pyqir.Module.from_bitcode(context, data)
        else:
            module = pyqir.Module.from_ir(context, data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProgramError(f"invalid QIR: {str(exc).strip().splitlines()[0][:300]}") from None
    problem = module.verify()
    if problem:
        raise ProgramError(f"invalid QIR: {problem.strip().splitlines()[0][:300]}")
    entries = [f for f in module.functions if pyqir.is_entry_point(f)]
    if len(entries) != 1:
        raise ProgramError(f"a QIR program needs exactly one entry point, found {len(entries)}")
    entry = entries[0]
    declared = pyqir.required_num_qubits(entry)
    if declared is not None and declared > max_qubits:
        raise ProgramTooLarge(f"Program uses {declared} qubits")
    return _QirCompiler(pyqir, entry, declared or 0, max_qubits).compile()


class _QirCompiler:
    def __init__(self, pyqir: Any, entry: Any, declared: int, max_qubits: int) -> None:
        self.pyqir = pyqir
        self.entry = entry
        self.declared = declared
        self.max_qubits = max_qubits
        self.slots: dict[Any, int] = {}
        self.block_index: dict[str, int] = {}
        self.widths: dict[str, int] = {}
        self.creg_sizes: dict[int, int] = {}
        self.getint_of: dict[int, int] = {}
        self.wasm_functions: dict[str, tuple[int, int]] = {}
        self.max_qubit = -1
        self.n_1q = self.n_2q = self.n_meas = 0
        self.used: set[int] = set()

    def compile(self) -> QirProgram:
        blocks = list(self.entry.basic_blocks)
        for i, block in enumerate(blocks):
            self.block_index[_block_key(block)] = i
        for block in blocks:
            for ins in block.instructions:
                self.slots[ins] = len(self.slots)
        compiled = [[self._instr(ins) for ins in block.instructions] for block in blocks]
        n_qubits = max(self.declared, self.max_qubit + 1)
        if n_qubits > self.max_qubits:
            raise ProgramTooLarge(f"Program uses {n_qubits} qubits")
        info = ProgramInfo(
            n_qubits=n_qubits,
            n_clbits=sum(self.widths.values()),
            registers=dict(self.widths),
            n_1q=self.n_1q,
            n_2q=self.n_2q,
            n_meas=self.n_meas + len(self.used),
        )
        blocks_out = [[i for i in b if i is not None] for b in compiled]
        return QirProgram(blocks_out, len(self.slots), info, self.widths, self.wasm_functions)

    # --- operands ---------------------------------------------------------------------

    def _operand(self, value: Any) -> tuple[str, Any]:
        pyqir = self.pyqir
        if isinstance(value, pyqir.Instruction):
            return ("v", self.slots[value])
        if isinstance(value, pyqir.IntConstant):
            return ("c", value.value & ((1 << value.type.width) - 1))
        if isinstance(value, pyqir.FloatConstant):
            return ("c", value.value)
        if isinstance(value, pyqir.Constant):
            pid = pyqir.ptr_id(value)
            if pid is not None:
                return ("c", pid)
            if value.is_null:
                return ("c", 0)
        raise ProgramError(f"unsupported QIR operand '{_short(value)}'")

    def _qubit(self, value: Any) -> tuple[str, Any]:
        operand = self._operand(value)
        if operand[0] != "c":
            raise ProgramError("QIR qubits must be constant (static qubit management)")
        qubit = int(operand[1])
        if qubit >= self.max_qubits:
            raise ProgramTooLarge(f"Program uses qubit {qubit}")
        self.max_qubit = max(self.max_qubit, qubit)
        self.used.add(qubit)
        return operand

    def _label(self, value: Any) -> str:
        raw: bytes | None = self.pyqir.extract_byte_string(value)
        if raw is None:
            raise ProgramError("QIR output labels must be constant strings")
        return raw.rstrip(b"\x00").decode("utf-8", "replace")

    # --- instructions -----------------------------------------------------------------

    def _instr(self, ins: Any) -> Instr | None:
        pyqir = self.pyqir
        op = ins.opcode
        O = pyqir.Opcode  # noqa: E741
        dst = self.slots[ins]
        if op == O.CALL:
            return self._call(ins, dst)
        if op in _BINARY_OPS:
            width = ins.type.width
            a, b = (self._operand(v) for v in ins.operands[:2])
            return ("bin", dst, _BINARY_OPS[op](width), a, b)
        if op == O.ICMP:
            width = ins.operands[0].type.width
            a, b = (self._operand(v) for v in ins.operands[:2])
            return ("bin", dst, _icmp(ins.predicate, width), a, b)
        if op in (O.ZEXT, O.TRUNC):
            mask = (1 << ins.type.width) - 1
            return ("un", dst, lambda v, m=mask: v & m, self._operand(ins.operands[0]))
        if op == O.SEXT:
            src = ins.operands[0].type.width
            mask = (1 << ins.type.width) - 1
            return (
                "un",
                dst,
                lambda v, s=src, m=mask: _signed(v, s) & m,
                self._operand(ins.operands[0]),
            )
        if op == O.SELECT:
            c, a, b = (self._operand(v) for v in ins.operands[:3])
            return ("select", dst, c, a, b)
        if op == O.PHI:
            incoming = tuple(
                (self.block_index[_block_key(block)], self._operand(value))
                for value, block in ins.incoming
            )
            return ("phi", dst, incoming)
        if op == O.BR:
            operands = ins.operands
            if len(operands) == 1:
                return ("jmp", self.block_index[_block_key(operands[0])])
            cond = self._operand(operands[0])
            return (
                "br",
                cond,
                self.block_index[_block_key(operands[2])],
                self.block_index[_block_key(operands[1])],
            )
        if op == O.SWITCH:
            cond = self._operand(ins.cond)
            default = self.block_index[_block_key(ins.default)]
            cases = {
                int(value.value) & ((1 << value.type.width) - 1): self.block_index[_block_key(b)]
                for value, b in ins.cases
            }
            return ("switch", cond, default, cases)
        if op == O.RET:
            return ("ret",)
        raise ProgramError(f"unsupported QIR instruction '{_short(ins)}'")

    def _qis(self, name: str, args: list[Any], dst: int) -> Instr | None:
        """A quantum instruction (`__quantum__qis__<gate>__body` or `__adj`)."""
        base = name[len("__quantum__qis__") :]
        gate, _, spec = base.rpartition("__")
        if spec == "adj" and gate in ("s", "t"):
            gate = f"{gate}__adj"
        elif spec != "body":
            raise ProgramError(f"unsupported QIR function '{name}'")
        if gate in ("mz", "m", "mresetz"):
            self.n_meas += 1
            instr: Instr = ("mz", self._qubit(args[0]), self._operand(args[1]))
            return instr
        if gate == "read_result":
            return ("read", dst, self._operand(args[0]))
        if gate == "reset":
            self.n_meas += 1
            return ("reset", self._qubit(args[0]))
        if gate.startswith(_IGNORED):
            return None
        spec_gate = _GATES.get(gate)
        if spec_gate is None:
            raise ProgramError(f"unsupported QIR gate '{name}'")
        optype, n_angles, n_qubits = spec_gate
        if len(args) != n_angles + n_qubits:
            raise ProgramError(f"QIR gate '{name}' takes {n_angles + n_qubits} arguments")
        if n_qubits == 1:
            self.n_1q += 1
        else:
            self.n_2q += 1
        angles = tuple(self._operand(a) for a in args[:n_angles])
        qubits = tuple(self._qubit(a) for a in args[n_angles:])
        return ("g", optype, _matrix_builder(optype), angles, qubits)

    def _call(self, ins: Any, dst: int) -> Instr | None:
        pyqir = self.pyqir
        callee = ins.callee
        name = callee.name
        args = list(ins.args)
        if name.startswith("__quantum__qis__"):
            return self._qis(name, args, dst)
        if name == "create_creg":
            size = self._operand(args[0])
            if size[0] != "c" or not 0 <= size[1] <= MAX_REGISTER_WIDTH:
                raise ProgramTooLarge(f"classical registers are at most {MAX_REGISTER_WIDTH} bits")
            self.creg_sizes[dst] = int(size[1])
            return ("creg", dst, size)
        if name == "mz_to_creg_bit":
            self.n_meas += 1
            return ("mzc", self._qubit(args[0]), self._operand(args[1]), self._operand(args[2]))
        if name == "get_creg_bit":
            return ("getbit", dst, self._operand(args[0]), self._operand(args[1]))
        if name == "set_creg_bit":
            return (
                "setbit",
                self._operand(args[0]),
                self._operand(args[1]),
                self._operand(args[2]),
            )
        if name == "get_int_from_creg":
            creg = self._operand(args[0])
            if creg[0] == "v" and creg[1] in self.creg_sizes:
                self.getint_of[dst] = self.creg_sizes[creg[1]]
            return ("getint", dst, creg)
        if name == "set_creg_to_int":
            return ("setint", self._operand(args[0]), self._operand(args[1]))
        if name == "__quantum__rt__int_record_output":
            label = self._label(args[1])
            value = self._operand(args[0])
            width = self.getint_of.get(value[1], 64) if value[0] == "v" else 64
            self.widths[label] = max(self.widths.get(label, 0), width)
            return ("record", label, value)
        if name in ("__quantum__rt__result_record_output",):
            label = self._label(args[1])
            self.widths.setdefault(label, 1)
            return ("record_result", label, self._operand(args[0]))
        if name == "__quantum__rt__bool_record_output":
            label = self._label(args[1])
            self.widths.setdefault(label, 1)
            return ("record", label, self._operand(args[0]))
        if name == "__quantum__rt__double_record_output":
            label = self._label(args[1])
            self.widths[label] = 64
            return ("record_double", label, self._operand(args[0]))
        if name in _RT_IGNORED:
            return None
        width = ins.type.width if isinstance(ins.type, pyqir.IntType) else 0
        if name not in _BUILTIN_CALLS:
            if not any(attr.string_kind == "wasm" for attr in callee.attributes.func):
                raise ProgramError(f"unsupported QIR function '{name}'")
            self.wasm_functions[name] = (len(args), 1 if width else 0)
        return ("call", dst if width else -1, name, tuple(self._operand(a) for a in args), width)


def _double_bits(value: float) -> int:
    """A double's IEEE-754 bit pattern, as an unsigned 64-bit integer."""
    return int.from_bytes(struct.pack("<d", float(value)), "little")


def _block_key(block: Any) -> str:
    return str(block.name)


def _short(value: Any) -> str:
    return str(value).strip().splitlines()[0][:120]


def _signed(value: int, width: int) -> int:
    value &= (1 << width) - 1
    return value - (1 << width) if value >> (width - 1) else value


def _masked(fn: Callable[[int, int], int]) -> Callable[[int], Callable[[int, int], int]]:
    def make(width: int) -> Callable[[int, int], int]:
        mask = (1 << width) - 1
        return lambda a, b: fn(a, b) & mask

    return make


def _signed_op(fn: Callable[[int, int], int]) -> Callable[[int], Callable[[int, int], int]]:
    def make(width: int) -> Callable[[int, int], int]:
        mask = (1 << width) - 1
        return lambda a, b: fn(_signed(a, width), _signed(b, width)) & mask

    return make


def _sdiv(a: int, b: int) -> int:
    return int(a / b) if b else 0


def _srem(a: int, b: int) -> int:
    return int(math.fmod(a, b)) if b else 0


def _binary_ops() -> dict[Any, Callable[[int], Callable[[int, int], int]]]:
    from pyqir import Opcode as O

    return {
        O.ADD: _masked(lambda a, b: a + b),
        O.SUB: _masked(lambda a, b: a - b),
        O.MUL: _masked(lambda a, b: a * b),
        O.UDIV: _masked(lambda a, b: a // b if b else 0),
        O.UREM: _masked(lambda a, b: a % b if b else 0),
        O.SDIV: _signed_op(_sdiv),
        O.SREM: _signed_op(_srem),
        O.AND: _masked(lambda a, b: a & b),
        O.OR: _masked(lambda a, b: a | b),
        O.XOR: _masked(lambda a, b: a ^ b),
        O.SHL: _masked(lambda a, b: a << b if b < 128 else 0),
        O.LSHR: _masked(lambda a, b: a >> b),
        O.ASHR: lambda w: lambda a, b: (_signed(a, w) >> min(b, w)) & ((1 << w) - 1),
    }


_BINARY_OPS = _binary_ops()


def _icmp(predicate: Any, width: int) -> Callable[[int, int], int]:
    name = str(predicate).rsplit(".", 1)[-1].lower()
    unsigned: dict[str, Callable[[int, int], bool]] = {
        "eq": lambda a, b: a == b,
        "ne": lambda a, b: a != b,
        "ugt": lambda a, b: a > b,
        "uge": lambda a, b: a >= b,
        "ult": lambda a, b: a < b,
        "ule": lambda a, b: a <= b,
    }
    if name in unsigned:
        fn = unsigned[name]
        return lambda a, b: int(fn(a, b))
    signed = {"sgt": "ugt", "sge": "uge", "slt": "ult", "sle": "ule"}
    if name in signed:
        fn = unsigned[signed[name]]
        return lambda a, b: int(fn(_signed(a, width), _signed(b, width)))
    raise ProgramError(f"unsupported QIR comparison '{name}'")


def _matrix_builder(optype: str) -> Callable[[tuple[float, ...]], np.ndarray]:
    """Angles in radians -> the gate's matrix (pytket's, first qubit most significant)."""
    from pytket.circuit import Op, OpType

    kind = getattr(OpType, optype)
    cache: dict[tuple[float, ...], np.ndarray] = {}

    def build(params: tuple[float, ...]) -> np.ndarray:
        matrix = cache.get(params)
        if matrix is None:
            if len(cache) > 4096:
                cache.clear()
            op = Op.create(kind, [p / math.pi for p in params])
            matrix = cache[params] = np.asarray(op.get_unitary(), dtype=complex)
        return matrix

    return build
