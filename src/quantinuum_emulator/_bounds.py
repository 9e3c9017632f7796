"""Limits checked on a program's text before any parser allocates anything.

`scan_qasm` reads the register declarations and gate definitions with regular expressions
(no parser, no allocation proportional to declared sizes) and estimates how many
operations the program unrolls to, so `qreg q[2147483647];`, a 65-bit register or a
chain of gate definitions that doubles at every level is refused at once with code 41.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_REGISTER_WIDTH", "QasmScan", "scan_qasm"]

MAX_REGISTER_WIDTH = 64
"""Widest classical register any machine accepts (hqslib1 registers are 64-bit integers)."""

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_DECL = re.compile(r"\b(qreg|creg)\s+([A-Za-z_]\w*)\s*\[\s*(\d+)\s*\]")
_GATE = re.compile(r"\b(?:gate|opaque)\s+([A-Za-z_]\w*)[^{;]*(?:\{([^}]*)\}|;)")
_CALLEE = re.compile(r"^\s*(?:if\s*\([^)]*\)\s*)?([A-Za-z_]\w*)")
_WHOLE_REGISTER = re.compile(r"(?:^|[\s,)])([A-Za-z_]\w*)\s*(?=,|$)")
_HUGE = 10**12


@dataclass(frozen=True)
class QasmScan:
    """What the text declares: qreg and creg name -> size (in order), unrolled size."""

    qregs: dict[str, int]
    cregs: dict[str, int]
    operations: int

    @property
    def n_qubits(self) -> int:
        return sum(self.qregs.values())


def scan_qasm(text: str, *, max_operations: int) -> QasmScan:
    """Declarations and an upper estimate of the unrolled operation count (capped)."""
    code = _COMMENT.sub(" ", text)
    qregs: dict[str, int] = {}
    cregs: dict[str, int] = {}
    for kind, name, digits in _DECL.findall(code):
        size = int(digits) if len(digits) <= 12 else _HUGE
        (qregs if kind == "qreg" else cregs)[name] = size
    sizes: dict[str, int] = {}
    for name, body in _GATE.findall(code):
        total = 0
        for statement in (body or "").split(";"):
            match = _CALLEE.match(statement)
            if match:
                total = min(total + sizes.get(match.group(1), 1), max_operations + 1)
        sizes[name] = max(total, 1)
    top = _GATE.sub(" ", code)
    widest = max([*qregs.values(), *cregs.values(), 1])
    operations = 0
    for statement in top.split(";"):
        match = _CALLEE.match(statement)
        if match is None or match.group(1) in ("qreg", "creg", "include", "OPENQASM"):
            continue
        count = sizes.get(match.group(1), 1)
        rest = statement[match.end() :]
        args = rest.split(")", 1)[-1] if rest.lstrip().startswith("(") else rest
        if any(m in qregs or m in cregs for m in _WHOLE_REGISTER.findall(args)):
            count *= widest  # a whole-register argument broadcasts over the register
        operations = min(operations + count, max_operations + 1)
    return QasmScan(qregs, cregs, operations)
