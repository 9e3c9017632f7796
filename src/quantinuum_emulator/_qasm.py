"""OpenQASM 2.0 programs: parsing (qiskit's `qasm2`), Quantinuum native gates, gate counts.

`parse_program` turns a program into a qiskit circuit plus the `ProgramInfo` that the cost
formula and the service's limits need. Every failure is a `ProgramError` naming the line.

qiskit's parser rejects identifiers that start with a capital letter, so the native gate
names (`U1q`, `Rz`, `ZZ`, `RZZ`, `Rxxyyzz`) are renamed to reserved `hqs_*` identifiers
before parsing (on the same line, so line numbers stay true), and `include "hqslib1.inc";`
is replaced in place by the package's `hqslib1.inc`. qiskit is imported lazily.
"""

from __future__ import annotations

import functools
import importlib.resources
import math
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qiskit.circuit import Instruction, QuantumCircuit

__all__ = [
    "DEFAULT_MAX_PROGRAM_BYTES",
    "MAX_EXPANDED_OPERATIONS",
    "ParsedProgram",
    "ProgramError",
    "ProgramInfo",
    "ProgramTooLarge",
    "hqslib1_source",
    "parse_program",
]

DEFAULT_MAX_PROGRAM_BYTES = 1_000_000
"""Largest accepted program (UTF-8 bytes) unless the caller passes another limit."""

MAX_EXPANDED_OPERATIONS = 2_000_000
"""Most operations a program may unroll to (nested gate definitions can grow exponentially)."""

# Native gate name -> the reserved identifier qiskit's parser sees.
_NATIVE_NAMES = {
    "U1q": "hqs_u1q",
    "Rz": "hqs_rz",
    "ZZ": "hqs_zz",
    "RZZ": "hqs_rzz",
    "Rxxyyzz": "hqs_rxxyyzz",
}
_NATIVE_TOKEN = re.compile(r"\b(" + "|".join(sorted(_NATIVE_NAMES, key=len, reverse=True)) + r")\b")
_RESERVED_TOKEN = re.compile(r"\bhqs_(u1q|rz|zz|rzz|rxxyyzz)\b")
_RESERVED_BACK = {v: k for k, v in _NATIVE_NAMES.items()}
# qiskit 2.x mis-numbers later gate definitions when a custom instruction replaces an
# `opaque` declaration, so native declarations are rewritten as empty-bodied gates.
_NATIVE_OPAQUE = re.compile(r"\bopaque(\s+hqs_(?:u1q|rz|zz|rzz|rxxyyzz)\b[^;]*);")
_INCLUDE = re.compile(r'include\s*"([^"]*)"\s*;')
_QISKIT_LOCATION = re.compile(r"^(?P<file>[^:]*):(?P<line>\d+),(?P<col>\d+):\s*(?P<msg>.*)$", re.S)
_QIR_MARKERS = ("BC\xc0\xde", "QkPA3", "; ModuleID", "define void @", "%Qubit", "%Result")

# Gates of hqslib1.inc that are simulated as their qiskit standard-library twin.
_STANDARD_GATES = (
    *("u3", "u2", "u1", "cx", "id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg"),
    *("p", "rx", "ry", "rz", "rxx", "rzz", "cz", "cy", "ch", "swap", "crz", "crx", "cry"),
    *("cu1", "cp", "cu3", "ccx", "cswap"),
)


class ProgramError(ValueError):
    """The program cannot be run: bad syntax, unknown gate, unsupported language, too big..."""


class ProgramTooLarge(ProgramError):
    """The program is valid but beyond a limit (qubits, register width, operations)."""


@dataclass(frozen=True)
class ProgramInfo:
    """What the cost formula and the service's limits need to know about a program.

    `n_1q`/`n_2q` count gate applications as written (a user-defined gate on one or two
    qubits counts once; gates on three or more qubits, such as `ccx`, count as the one- and
    two-qubit gates of their definition; barriers never count; gates under `if` count).
    `n_meas` is the "state preparations and measurements" term of the HQC formula:
    measurements + resets + one initial state preparation per qubit the program uses.
    """

    n_qubits: int
    n_clbits: int
    registers: dict[str, int]
    n_1q: int
    n_2q: int
    n_meas: int


@dataclass(frozen=True)
class ParsedProgram:
    """A parsed program: the qiskit circuit and its `ProgramInfo`."""

    circuit: QuantumCircuit
    info: ProgramInfo
    # Per-simulation-method compiled circuits, filled by the Simulator (not part of equality).
    compiled: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled without its `compiled` cache, and a circuit of standard gates,
        measurements, resets and barriers as QPY (`_qpy_bytes`); others as qiskit
        pickles them."""
        data = _qpy_bytes(self.circuit)
        if data is None:
            return (ParsedProgram, (self.circuit, self.info))
        return (_from_qpy, (data, self.info))


#: What a circuit may hold, beside standard gates, to be pickled as QPY.
_QPY_NON_GATES = frozenset({"measure", "reset", "barrier"})


def _qpy_bytes(circuit: QuantumCircuit) -> bytes | None:
    """`circuit` in QPY, qiskit's own binary format, if it holds only standard gates and
    `_QPY_NON_GATES` (else None).

    Measured on a 14-qubit, 8-layer circuit (290 operations, qiskit 2.6): QPY writes it in
    0.77 ms and reads it in 0.20 ms, where pickle takes 1.6 ms and 1.1 ms, so a job checked
    in one process reaches the process that runs it 1.7 ms sooner. Anything else (control
    flow, custom gates) keeps pickle's exact round trip.
    """
    for inst in circuit.data:
        standard = getattr(inst, "is_standard_gate", None)  # qiskit >= 1.3
        if standard is None:
            return None
        if not standard() and inst.name not in _QPY_NON_GATES:
            return None
    import io

    from qiskit import qpy

    buffer = io.BytesIO()
    qpy.dump(circuit, buffer)
    return buffer.getvalue()


def _from_qpy(data: bytes, info: ProgramInfo) -> ParsedProgram:
    """The `ParsedProgram` of `_qpy_bytes`'s output (unpickling)."""
    import io

    from qiskit import qpy

    (circuit,) = qpy.load(io.BytesIO(data))
    return ParsedProgram(circuit, info)


def hqslib1_source() -> str:
    """The text of the package's `hqslib1.inc`."""
    return _hqslib1_text()


@functools.cache
def _hqslib1_text() -> str:
    return (
        importlib.resources.files("quantinuum_emulator")
        .joinpath("hqslib1.inc")
        .read_text(encoding="utf-8")
    )


#: qiskit 2.6's OpenQASM 2 parser (Rust, via pyo3) can crash the process (SIGSEGV) when its
#: objects are first built in a thread that has since exited, and a worker thread of the
#: service or a caller's short-lived thread may be the first to parse. Every parse therefore
#: runs on this one long-lived thread, whichever thread asks.
_PARSER: ThreadPoolExecutor | None = None
_PARSER_LOCK = threading.Lock()


def _parser() -> ThreadPoolExecutor:
    global _PARSER
    with _PARSER_LOCK:
        if _PARSER is None:
            _PARSER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qasm-parser")
        return _PARSER


def parse_program(
    source: str | bytes, *, max_bytes: int | None = DEFAULT_MAX_PROGRAM_BYTES
) -> ParsedProgram:
    """Parse an OpenQASM 2.0 program; raise `ProgramError` saying what and where on failure."""
    text = _check_text(source, max_bytes)
    return _parser().submit(_parse_text, text).result()


def _parse_text(text: str) -> ParsedProgram:
    try:
        circuit = _load(text, override_standard=True)
        info = _program_info(circuit)
    except RecursionError:
        raise ProgramError("program nests gate definitions too deeply") from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        if isinstance(exc, ProgramError):
            raise
        raise ProgramError(f"invalid program: {type(exc).__name__}") from None
    return ParsedProgram(circuit=circuit, info=info)


def _check_text(source: str | bytes, max_bytes: int | None) -> str:
    if isinstance(source, bytes | bytearray):
        try:
            text = bytes(source).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProgramError(
                f"program is not valid UTF-8 (bad byte at offset {exc.start})"
            ) from None
        size = len(source)
    elif isinstance(source, str):
        text = source
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise ProgramError(
                f"program is not valid UTF-8 (unencodable character at offset {exc.start})"
            ) from None
    else:
        raise ProgramError(f"program must be text, not {type(source).__name__}")
    if max_bytes is not None and size > max_bytes:
        raise ProgramError(f"program is too large: {size} bytes (limit {max_bytes})")
    stripped = text.lstrip("\ufeff \t\r\n")
    if not _strip_comments(stripped).strip():
        raise ProgramError("program is empty")
    if stripped.startswith(_QIR_MARKERS):
        raise ProgramError("program looks like QIR (LLVM); only OpenQASM 2.0 is supported here")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ProgramError(f"line {line}: program contains a NUL character")
    return text


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", "", text)


def _rename_natives(code: str) -> str:
    """Rename native gate identifiers outside comments and strings (one line at a time)."""
    if not any(name in code for name in _NATIVE_NAMES):  # (a qelib1 circuit: 0.7 ms less)
        return code
    out = []
    for line in code.split("\n"):
        code_part, sep, comment = line.partition("//")
        pieces = code_part.split('"')
        # Even pieces are outside string literals.
        pieces = [
            _NATIVE_TOKEN.sub(_rename_token, p) if i % 2 == 0 else p for i, p in enumerate(pieces)
        ]
        out.append('"'.join(pieces) + sep + comment)
    return "\n".join(out)


def _rename_token(match: re.Match[str]) -> str:
    return _NATIVE_NAMES[match.group(1)]


def _restore_names(message: str) -> str:
    return _RESERVED_TOKEN.sub(lambda m: _RESERVED_BACK[m.group(0)], message)


def _inline_hqslib1(code: str, *, natives_only: bool) -> str:
    """Replace `include "hqslib1.inc";` by the library text, joined onto that one line."""
    library = _strip_comments(_hqslib1_text())
    if natives_only:
        library = "\n".join(line for line in library.splitlines() if line.startswith("opaque"))
    one_line = " ".join(part.strip() for part in library.splitlines() if part.strip())

    def replace(match: re.Match[str]) -> str:
        return one_line if match.group(1) == "hqslib1.inc" else match.group(0)

    return _INCLUDE.sub(replace, code)


def _load(text: str, *, override_standard: bool) -> QuantumCircuit:
    """Run qiskit's parser on `text` with the native gates (and, optionally, qiskit twins)."""
    from qiskit import qasm2

    code = _strip_comments(text)
    includes = [m.group(1) for m in _INCLUDE.finditer(code)]
    has_hqslib = "hqslib1.inc" in includes
    has_qelib = "qelib1.inc" in includes
    code = _inline_hqslib1(code, natives_only=has_qelib) if has_hqslib else code
    code = _rename_natives(code)
    if "opaque" in code:
        code = _NATIVE_OPAQUE.sub(r"gate\1 { }", code)
    custom = list(_native_instructions())
    if has_hqslib and not has_qelib and override_standard:
        custom.extend(_standard_instructions())
    try:
        # include_path=() : the only includes are qelib1.inc (built into qiskit) and
        # hqslib1.inc (inlined above); nothing is read from the server's disk.
        circuit = qasm2.loads(code, include_path=(), custom_instructions=custom)
    except qasm2.QASM2ParseError as exc:
        raise ProgramError(_describe(str(exc), text)) from None
    except TypeError as exc:
        raise ProgramError(_describe_missing_parameters(str(exc), text)) from None
    except (ValueError, ArithmeticError) as exc:
        raise ProgramError(f"invalid program: {_restore_names(str(exc))}") from None
    _check_definitions(circuit, text)
    if circuit.num_qubits == 0:
        raise ProgramError("program declares no qubits (no qreg)")
    return circuit


def _describe(raw: str, text: str) -> str:
    """Turn qiskit's `<input>:LINE,COL: message` into `line LINE: message: "source line"`."""
    raw = raw.strip().strip("\"'")
    match = _QISKIT_LOCATION.match(raw)
    if match is None:
        return f"invalid program: {_restore_names(raw)}"
    message = _restore_names(match.group("msg").strip())
    early = re.match(
        r"cannot use non-builtin custom instruction '(\w+)' before definition", message
    )
    if early and early.group(1) in _NATIVE_NAMES:
        message = f"'{early.group(1)}' is not defined (native gates need include \"hqslib1.inc\";)"
    line_no = int(match.group("line"))
    if match.group("file") != "<input>":
        return f"{match.group('file')} line {line_no}: {message}"
    lines = text.splitlines()
    snippet = lines[line_no - 1].strip() if 0 < line_no <= len(lines) else ""
    if len(snippet) > 80:
        snippet = snippet[:77] + "..."
    return f"line {line_no}: {message}" + (f': "{snippet}"' if snippet else "")


def _describe_missing_parameters(raw: str, text: str) -> str:
    """qiskit calls a gate's constructor without checking a parameter-less call's arity."""
    match = re.match(r"(?:[\w<>]+\.)*?(\w+)(?:\.__init__)?\(\) missing", raw)
    if match is None:
        return f"invalid program: {_restore_names(raw)}"
    names = _gate_names_for_class(match.group(1))
    for line_no, line in enumerate(_strip_comments(text).splitlines(), start=1):
        for name in names:
            if re.search(rf"(^|;|\)|\}}|{{)\s*{re.escape(name)}\s+[A-Za-z_]", line):
                return f"line {line_no}: '{name}' needs parameters: \"{line.strip()[:80]}\""
    return f"a gate was called without its parameters ({raw})"


def _gate_names_for_class(class_name: str) -> list[str]:
    from qiskit import qasm2

    names = [
        ci.name
        for ci in qasm2.LEGACY_CUSTOM_INSTRUCTIONS
        if getattr(ci.constructor, "__name__", "") == class_name
    ]
    natives = {"RZGate": "Rz", "RZZGate": "RZZ", "u1q": "U1q", "RXXYYZZGate": "Rxxyyzz"}
    if class_name in natives:
        names.append(natives[class_name])
    return names


def _check_definitions(circuit: QuantumCircuit, text: str) -> None:
    """Refuse opaque gates (no body to run) and programs that unroll to too many operations."""
    sizes: dict[str, int] = {}
    total = 0
    for op, _ in _walk(circuit):
        total += _expanded_size(op, sizes, text)
        if total > MAX_EXPANDED_OPERATIONS:
            raise ProgramError(
                f"program expands to more than {MAX_EXPANDED_OPERATIONS} operations "
                "once its gate definitions are unrolled"
            )


def _expanded_size(op: Instruction, sizes: dict[str, int], text: str) -> int:
    """How many operations `op` becomes once user-defined gates are unrolled (memoized by name).

    Standard and native gates count 1 (user gates of one name share one body).
    """
    name = op.name
    if name in _NON_GATE_OPS or name in _NATIVE_OPS:
        return 1
    if getattr(op, "_standard_gate", None) is not None and op.num_qubits <= 2:
        return 1
    known = sizes.get(name)
    if known is not None:
        return known
    definition = op.definition
    if definition is None:
        shown = _restore_names(name)
        declared = re.search(rf"^.*\bopaque\s+{re.escape(shown)}\b", text, re.M)
        where = f"line {text.count(chr(10), 0, declared.start()) + 1}: " if declared else ""
        raise ProgramError(
            f"{where}gate '{shown}' is opaque (declared without a body) and cannot be run"
        )
    size = 0
    for inner in definition.data:
        size = min(size + _expanded_size(inner.operation, sizes, text), MAX_EXPANDED_OPERATIONS + 1)
    sizes[name] = size
    return size


_NON_GATE_OPS = frozenset({"measure", "reset", "barrier"})
_NATIVE_OPS = {"rxxyyzz"}


def _walk(circuit: QuantumCircuit) -> Iterator[tuple[Instruction, tuple[Any, ...]]]:
    """Yield every operation with its qubits, descending into control-flow blocks."""
    for inst in circuit.data:
        op = inst.operation
        blocks = getattr(op, "blocks", None)  # only control-flow operations have blocks
        if blocks is not None:
            for block in blocks:
                if block is not None:
                    yield from _walk(block)
            continue
        yield op, tuple(inst.qubits)


def _program_info(circuit: QuantumCircuit) -> ProgramInfo:
    counts = {"1q": 0, "2q": 0, "meas": 0}
    memo: dict[str, tuple[int, int]] = {}  # gates on 3+ qubits -> (1q, 2q) of their body

    def wide_counts(op: Instruction) -> tuple[int, int]:
        known = memo.get(op.name)
        if known is None:
            n1 = n2 = 0
            for inner in op.definition.data:
                sub = inner.operation
                if sub.name in _NON_GATE_OPS:
                    continue
                if sub.num_qubits == 1:
                    n1 += 1
                elif sub.num_qubits == 2:
                    n2 += 1
                elif sub.num_qubits > 2:
                    d1, d2 = wide_counts(sub)
                    n1, n2 = n1 + d1, n2 + d2
            known = memo[op.name] = (n1, n2)
        return known

    for op, _ in _walk(circuit):
        if op.name == "barrier":
            continue
        if op.name in {"measure", "reset"}:
            counts["meas"] += 1
        elif op.num_qubits == 1:
            counts["1q"] += 1
        elif op.num_qubits == 2:
            counts["2q"] += 1
        elif op.num_qubits > 2:
            n1, n2 = wide_counts(op)
            counts["1q"] += n1
            counts["2q"] += n2
    used: set[Any] = set()
    for inst in circuit.data:
        if inst.operation.name != "barrier":
            used.update(inst.qubits)
    registers = {reg.name: reg.size for reg in circuit.cregs}
    return ProgramInfo(
        n_qubits=circuit.num_qubits,
        n_clbits=circuit.num_clbits,
        registers=registers,
        n_1q=counts["1q"],
        n_2q=counts["2q"],
        n_meas=counts["meas"] + len(used),
    )


# --- native and standard gate constructors -------------------------------------------------


@functools.cache
def _native_instructions() -> tuple[Any, ...]:
    from qiskit import qasm2
    from qiskit.circuit.library import RZGate, RZZGate, UGate

    rxxyyzz = rxxyyzz_gate_class()

    def u1q(theta: Any, phi: Any) -> Any:
        return UGate(theta, phi - math.pi / 2, math.pi / 2 - phi)

    def zz() -> Any:
        return RZZGate(math.pi / 2)

    def make(name: str, n_params: int, n_qubits: int, ctor: Callable[..., Any]) -> Any:
        return qasm2.CustomInstruction(_NATIVE_NAMES[name], n_params, n_qubits, ctor)

    return (
        make("U1q", 2, 1, u1q),
        make("Rz", 1, 1, RZGate),
        make("ZZ", 0, 2, zz),
        make("RZZ", 1, 2, RZZGate),
        make("Rxxyyzz", 3, 2, rxxyyzz),
    )


@functools.cache
def _standard_instructions() -> tuple[Any, ...]:
    from qiskit import qasm2

    legacy = {ci.name: ci for ci in qasm2.LEGACY_CUSTOM_INSTRUCTIONS}
    return tuple(
        qasm2.CustomInstruction(
            name, legacy[name].num_params, legacy[name].num_qubits, legacy[name].constructor
        )
        for name in _STANDARD_GATES
    )


@functools.cache
def rxxyyzz_gate_class() -> type[Any]:
    """The qiskit gate class for `Rxxyyzz(a, b, g)` = exp(-i/2 (a XX + b YY + g ZZ))."""
    import numpy as np
    from qiskit.circuit import Gate, QuantumCircuit

    class RXXYYZZGate(Gate):  # type: ignore[misc]
        """Quantinuum's Rxxyyzz: RXX(a)·RYY(b)·RZZ(g) (the three factors commute)."""

        def __init__(self, alpha: Any, beta: Any, gamma: Any, label: str | None = None):
            super().__init__("rxxyyzz", 2, [alpha, beta, gamma], label=label)

        def _define(self) -> None:
            alpha, beta, gamma = self.params
            qc = QuantumCircuit(2, name=self.name)
            qc.rxx(alpha, 0, 1)
            qc.ryy(beta, 0, 1)
            qc.rzz(gamma, 0, 1)
            self.definition = qc

        def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
            a, b, g = (float(p) for p in self.params)
            # exp(-i/2 (a XX + b YY + g ZZ)) in the basis |q1 q0> (symmetric in the qubits).
            c_m, s_m = math.cos((a - b) / 2), math.sin((a - b) / 2)
            c_p, s_p = math.cos((a + b) / 2), math.sin((a + b) / 2)
            e_m, e_p = np.exp(-0.5j * g), np.exp(0.5j * g)
            return np.array(
                [
                    [e_m * c_m, 0, 0, -1j * e_m * s_m],
                    [0, e_p * c_p, -1j * e_p * s_p, 0],
                    [0, -1j * e_p * s_p, e_p * c_p, 0],
                    [-1j * e_m * s_m, 0, 0, e_m * c_m],
                ],
                dtype=dtype or complex,
            )

    return RXXYYZZGate
