"""OpenQASM 2.0 with hqslib1's classical extensions, parsed by pytket and run shot by shot.

pytket's QASM reader understands what pytket writes with `header="hqslib1"`: register and
bit assignment, arithmetic, bitwise and comparison operators, conditions on bits and
registers, and extern (WASM) calls. hqslib1's built-ins `RNGseed(r)`, `RNGbound(r)`,
`RNGindex(r)`, `r = RNGnum();` and `r = JOB_shotnum;` (1 to n, as the cloud counts shots)
parse as extern calls (the last once
rewritten as a call) and run here as built-ins; other extern calls go to the job's WASM
module. Registers hold unsigned values of their width; arithmetic wraps at 64 bits and a
division by zero gives 0. The circuit is compiled once into a flat instruction list that
`run_shot` interprets with a per-shot quantum state. pytket's reader expands nested gate
definitions eagerly, so callers check `_bounds` first.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from ._qasm import ProgramError, ProgramInfo
from ._shotprogram import ShotContext, ShotProgram

__all__ = ["RNG_BUILTINS", "HqsProgram", "parse_hqs"]

RNG_BUILTINS = {
    "RNGseed": (1, 0),
    "RNGbound": (1, 0),
    "RNGindex": (1, 0),
    "RNGnum": (0, 1),
    "JOB_shotnum": (0, 1),
}
"""hqslib1 built-ins written as calls -> (inputs, outputs)."""

_MASK64 = (1 << 64) - 1
_SHOTNUM = re.compile(r"\bJOB_shotnum\b(?!\s*\()")
_REG_EQ = re.compile(r"\bif\s*\(\s*([A-Za-z_]\w*)\s*==\s*(\d+)\s*\)")
_LOCK = threading.Lock()  # pytket's reader keeps one global parser


class _ExternModules:
    """Stands in for a WASM module handler while pytket reads extern calls."""

    def __str__(self) -> str:
        return "job-wasm"


Instr = tuple[Any, ...]


class HqsProgram(ShotProgram):
    """A compiled hqslib1 program."""

    def __init__(
        self,
        instrs: list[Instr],
        n_bits: int,
        outputs: dict[str, list[int]],
        info: ProgramInfo,
        wasm_functions: dict[str, tuple[int, int]],
    ) -> None:
        self.instrs = instrs
        self.n_bits = n_bits
        self.outputs = outputs
        self.info = info
        self.widths = {name: len(bits) for name, bits in outputs.items()}
        self.wasm_functions = wasm_functions
        self.size = sum(1 for _ in _flatten(instrs))

    def gate_matrices(self) -> Iterator[tuple[Any, np.ndarray]]:
        yield from _gate_matrices(self.instrs)

    def run_shot(self, ctx: ShotContext) -> dict[str, int]:
        bits = [0] * (self.n_bits + 1)  # the last slot is a constant 0 for unused bits
        for instr in self.instrs:
            _execute(instr, bits, ctx)
        result = {}
        for name, slots in self.outputs.items():
            value = 0
            for i, slot in enumerate(slots):
                value |= bits[slot] << i
            result[name] = value
        return result


def _flatten(instrs: Iterable[Instr]) -> Iterator[Instr]:
    for instr in instrs:
        if instr[0] == "seq":
            yield from _flatten(instr[1])
        else:
            yield instr


def _gate_matrices(instrs: Iterable[Instr]) -> Iterator[tuple[Any, np.ndarray]]:
    for instr in instrs:
        if instr[0] == "g":
            yield instr[1], instr[2]
        elif instr[0] == "if":
            yield from _gate_matrices([instr[3]])
        elif instr[0] == "seq":
            yield from _gate_matrices(instr[1])


def _value(bits: list[int], slots: tuple[int, ...]) -> int:
    value = 0
    for i, slot in enumerate(slots):
        value |= bits[slot] << i
    return value


def _store(bits: list[int], slots: tuple[int, ...], value: int) -> None:
    for i, slot in enumerate(slots):
        bits[slot] = (value >> i) & 1


def _execute(instr: Instr, bits: list[int], ctx: ShotContext) -> None:
    kind = instr[0]
    if kind == "g":
        ctx.state.gate(instr[1], instr[2], instr[3])
    elif kind == "m":
        bits[instr[2]] = ctx.state.measure(instr[1])
    elif kind == "if":
        if _value(bits, instr[1]) == instr[2]:
            _execute(instr[3], bits, ctx)
    elif kind == "expr":
        _store(bits, instr[2], instr[1](bits))
    elif kind == "set":
        for slot, value in zip(instr[1], instr[2], strict=True):
            bits[slot] = value
    elif kind == "copy":
        for src, dst in zip(instr[1], instr[2], strict=True):
            bits[dst] = bits[src]
    elif kind == "range":
        value = _value(bits, instr[1])
        bits[instr[4]] = int(instr[2] <= value <= instr[3])
    elif kind == "r":
        ctx.state.reset(instr[1])
    elif kind == "call":
        _call(instr, bits, ctx)
    elif kind == "seq":
        for inner in instr[1]:
            _execute(inner, bits, ctx)
    else:  # pragma: no cover - compile() only emits the kinds above
        raise AssertionError(kind)


def _call(instr: Instr, bits: list[int], ctx: ShotContext) -> None:
    _, name, inputs, outputs = instr
    args = [_value(bits, slots) for slots in inputs]
    result: int | None
    if name == "RNGseed":
        ctx.rng.seed(args[0])
        return
    if name == "RNGbound":
        slots = inputs[0]
        ctx.rng.bound(lambda: _value(bits, slots))  # read at each RNGnum(), as the cloud does
        return
    if name == "RNGindex":
        ctx.rng.index(args[0])
        return
    if name == "RNGnum":
        result = ctx.rng.num()
    elif name == "JOB_shotnum":
        result = ctx.shot
    else:
        result = ctx.wasm().call(name, args)
    if outputs and result is not None:
        _store(bits, outputs[0], result)


def parse_hqs(text: str, declared: Mapping[str, int]) -> HqsProgram:
    """Parse and compile a program; `declared` is its creg name -> width (from `_bounds`)."""
    from pytket.qasm.qasm import circuit_from_qasm_str_wasmmh

    source = _wide_register_conditions(_SHOTNUM.sub("JOB_shotnum()", text))
    with _LOCK:
        try:
            circuit = circuit_from_qasm_str_wasmmh(source, _ExternModules(), maxwidth=64)  # type: ignore[arg-type]
        except RecursionError:
            raise ProgramError("program nests gate definitions too deeply") from None
        except Exception as exc:  # lark and pytket raise assorted types
            raise ProgramError(f"invalid program: {_first_line(exc)}") from None
    return _compile(circuit, declared)


def _wide_register_conditions(text: str) -> str:
    """Rewrite `if(r==V)` with V of 33 to 64 bits as `t = r ^ V; if(t==0)`.

    pytket's reader keeps a condition's value in 32 bits (`if(r==4294967297)` would test
    `r==1`), but compares `r ^ V` in full; `t` is a fresh 64-bit register, not an output.
    """
    fresh = (f"tk_WIDE_EQ_{i}" for i in itertools.count())

    def rewrite(match: re.Match[str]) -> str:
        value = int(match.group(2))
        if not (1 << 32) <= value <= _MASK64:
            return match.group(0)
        name = next(n for n in fresh if not re.search(rf"\b{n}\b", text))
        # one line, so that a match inside a `//` comment stays a comment
        return f"creg {name}[64]; {name} = {match.group(1)} ^ {value}; if({name}==0)"

    return _REG_EQ.sub(rewrite, text)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return " ".join(text.splitlines()[:2])[:300] if text else type(exc).__name__


def _compile(circuit: Any, declared: Mapping[str, int]) -> HqsProgram:
    from pytket.circuit import Bit
    from pytket.passes import DecomposeBoxes

    DecomposeBoxes().apply(circuit)
    qubits = {q: i for i, q in enumerate(circuit.qubits)}
    bit_slots = {b: i for i, b in enumerate(circuit.bits)}
    zero = len(bit_slots)
    compiler = _Compiler(qubits, bit_slots)
    instrs = [compiler.command(cmd.op, cmd.args) for cmd in circuit.get_commands()]
    outputs = {
        name: [bit_slots.get(Bit(name, i), zero) for i in range(width)]
        for name, width in declared.items()
    }
    used = compiler.used_qubits
    info = ProgramInfo(
        n_qubits=circuit.n_qubits,
        n_clbits=sum(declared.values()),
        registers=dict(declared),
        n_1q=compiler.n_1q,
        n_2q=compiler.n_2q,
        n_meas=compiler.n_meas + len(used),
    )
    return HqsProgram(
        [i for i in instrs if i is not None], zero, outputs, info, compiler.wasm_functions
    )


class _Compiler:
    def __init__(self, qubits: dict[Any, int], bits: dict[Any, int]) -> None:
        self.qubits = qubits
        self.bits = bits
        self.n_1q = self.n_2q = self.n_meas = 0
        self.used_qubits: set[int] = set()
        self.wasm_functions: dict[str, tuple[int, int]] = {}
        self._matrices: dict[Any, np.ndarray] = {}

    def command(self, op: Any, args: list[Any]) -> Instr | None:
        from pytket.circuit import OpType

        kind = op.type
        if kind in (OpType.Barrier, OpType.Phase):
            return None
        if kind == OpType.Conditional:
            width = op.width
            cond = tuple(self.bits[b] for b in args[:width])
            inner = self.command(op.op, args[width:])
            return None if inner is None else ("if", cond, op.value, inner)
        if kind == OpType.Measure:
            self.n_meas += 1
            self.used_qubits.add(self.qubits[args[0]])
            return ("m", self.qubits[args[0]], self.bits[args[1]])
        if kind == OpType.Reset:
            self.n_meas += 1
            self.used_qubits.add(self.qubits[args[0]])
            return ("r", self.qubits[args[0]])
        if kind == OpType.SetBits:
            return ("set", tuple(self.bits[b] for b in args), tuple(int(v) for v in op.values))
        if kind == OpType.CopyBits:
            half = len(args) // 2
            return (
                "copy",
                tuple(self.bits[b] for b in args[:half]),
                tuple(self.bits[b] for b in args[half:]),
            )
        if kind == OpType.RangePredicate:
            slots = tuple(self.bits[b] for b in args[:-1])
            return ("range", slots, int(op.lower), int(op.upper), self.bits[args[-1]])
        if kind == OpType.ClExpr:
            return self._expr(op.expr, args)
        if kind == OpType.WASM:
            return self._wasm(op, args)
        if op.is_gate() or kind == OpType.Unitary1qBox:
            return self._gate(op, args)
        raise ProgramError(f"operation '{op}' is not supported by the local emulator")

    def _gate(self, op: Any, args: list[Any]) -> Instr:
        qubits = tuple(self.qubits[q] for q in args)
        self.used_qubits.update(qubits)
        if len(qubits) > 2:
            return ("seq", self._decomposed(op, args))
        if len(qubits) == 1:
            self.n_1q += 1
        else:
            self.n_2q += 1
        key = (str(op.type.name), tuple(float(p) for p in op.params))
        matrix = self._matrices.get(key)
        if matrix is None:
            matrix = self._matrices[key] = np.asarray(op.get_unitary(), dtype=complex)
        return ("g", key, matrix, qubits)

    def _decomposed(self, op: Any, args: list[Any]) -> tuple[Instr, ...]:
        """A gate on 3+ qubits as the one- and two-qubit gates of its CX decomposition."""
        from pytket.circuit import Circuit
        from pytket.passes import DecomposeMultiQubitsCX

        sub = Circuit(len(args))
        sub.add_gate(op, list(range(len(args))))
        DecomposeMultiQubitsCX().apply(sub)
        mapping: dict[Any, Any] = dict(zip(sub.qubits, args, strict=True))
        out = []
        for cmd in sub.get_commands():
            instr = self.command(cmd.op, [mapping[q] for q in cmd.args])
            if instr is not None:
                out.append(instr)
        return tuple(out)

    def _wasm(self, op: Any, args: list[Any]) -> Instr:
        from pytket.circuit import Bit

        bits = [self.bits[b] for b in args if isinstance(b, Bit)]
        inputs, pos = [], 0
        for width in op.input_widths:
            inputs.append(tuple(bits[pos : pos + width]))
            pos += width
        outputs = []
        for width in op.output_widths:
            outputs.append(tuple(bits[pos : pos + width]))
            pos += width
        name = op.func_name
        builtin = RNG_BUILTINS.get(name)
        if builtin is not None:
            if builtin != (len(inputs), len(outputs)):
                raise ProgramError(f"'{name}' takes {builtin[0]} registers and sets {builtin[1]}")
        else:
            self.wasm_functions[name] = (len(inputs), len(outputs))
        return ("call", name, tuple(inputs), tuple(outputs))

    def _expr(self, wired: Any, args: list[Any]) -> Instr:
        slots = [self.bits[b] for b in args]
        bit_vars = {i: slots[p] for i, p in wired.bit_posn.items()}
        reg_vars = {i: tuple(slots[p] for p in ps) for i, ps in wired.reg_posn.items()}
        outputs = tuple(slots[p] for p in wired.output_posn)
        return ("expr", _expression(wired.expr, bit_vars, reg_vars), outputs)


_Eval = Callable[[list[int]], int]


def _expression(expr: Any, bit_vars: dict[int, int], reg_vars: dict[int, tuple[int, ...]]) -> _Eval:
    """Compile a pytket `ClExpr` into a function of the bit array (unsigned, 64-bit wrap)."""
    from pytket.circuit import ClBitVar, ClExpr, ClOp, ClRegVar

    if isinstance(expr, int):
        constant = expr & _MASK64
        return lambda bits: constant
    if isinstance(expr, ClBitVar):
        slot = bit_vars[expr.index]
        return lambda bits: bits[slot]
    if isinstance(expr, ClRegVar):
        reg = reg_vars[expr.index]
        return lambda bits: _value(bits, reg)
    if not isinstance(expr, ClExpr):
        raise ProgramError(f"unsupported classical expression '{expr}'")
    op = expr.op
    fs = [_expression(a, bit_vars, reg_vars) for a in expr.args]
    binary = _BINARY.get(op.name)
    if binary is not None:
        f, g = fs
        return lambda bits: binary(f(bits), g(bits)) & _MASK64
    if op in (ClOp.BitNot,):
        (f,) = fs
        return lambda bits: 1 - (f(bits) & 1)
    if op == ClOp.RegNot:
        (f,) = fs
        return lambda bits: ~f(bits) & _MASK64
    if op == ClOp.RegNeg:
        (f,) = fs
        return lambda bits: -f(bits) & _MASK64
    if op in (ClOp.BitZero, ClOp.RegZero):
        return lambda bits: 0
    if op == ClOp.BitOne:
        return lambda bits: 1
    if op == ClOp.RegOne:
        return lambda bits: _MASK64
    raise ProgramError(f"unsupported classical operation '{op.name}'")


def _div(a: int, b: int) -> int:
    return a // b if b else 0


_BINARY: dict[str, Callable[[int, int], int]] = {
    "BitAnd": lambda a, b: a & b,
    "BitOr": lambda a, b: a | b,
    "BitXor": lambda a, b: a ^ b,
    "BitEq": lambda a, b: int(a == b),
    "BitNeq": lambda a, b: int(a != b),
    "RegAnd": lambda a, b: a & b,
    "RegOr": lambda a, b: a | b,
    "RegXor": lambda a, b: a ^ b,
    "RegEq": lambda a, b: int(a == b),
    "RegNeq": lambda a, b: int(a != b),
    "RegLt": lambda a, b: int(a < b),
    "RegGt": lambda a, b: int(a > b),
    "RegLeq": lambda a, b: int(a <= b),
    "RegGeq": lambda a, b: int(a >= b),
    "RegAdd": lambda a, b: a + b,
    "RegSub": lambda a, b: a - b,
    "RegMul": lambda a, b: a * b,
    "RegDiv": _div,
    "RegPow": lambda a, b: pow(a, b, 1 << 64),
    "RegLsh": lambda a, b: (a << b) if b < 64 else 0,
    "RegRsh": lambda a, b: a >> b if b < 64 else 0,
}
