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
# A keyword's word boundary before it is checked apart (`_at_word`): a pattern starting
# with `\b` is scanned position by position, ~5x slower (0.2 ms a 4.5 KB program).
_DECL = re.compile(r"(qreg|creg)\s+([A-Za-z_]\w*)\s*\[\s*(\d+)\s*\]")
_GATE = re.compile(r"(?:gate|opaque)\s+([A-Za-z_]\w*)[^{;]*(?:\{([^}]*)\}|;)")
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
    for decl in _at_word(_DECL, code):
        kind, name, digits = decl.groups()
        size = int(digits) if len(digits) <= 12 else _HUGE
        (qregs if kind == "qreg" else cregs)[name] = size
    sizes: dict[str, int] = {}
    gates = _at_word(_GATE, code)
    for gate in gates:
        name, body = gate.groups()
        total = 0
        for statement in (body or "").split(";"):
            match = _CALLEE.match(statement)
            if match:
                total = min(total + sizes.get(match.group(1), 1), max_operations + 1)
        sizes[name] = max(total, 1)
    top = _without(code, gates)
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


def _at_word(pattern: re.Pattern[str], code: str) -> list[re.Match[str]]:
    """What `findall` of `pattern` with `\\b` before it finds in `code`: a match that does
    not start a word is skipped, and the search goes on from its next character."""
    found = []
    pos = 0
    while (match := pattern.search(code, pos)) is not None:
        start = match.start()
        if start == 0 or not (code[start - 1].isalnum() or code[start - 1] == "_"):
            found.append(match)
            pos = max(match.end(), start + 1)
        else:
            pos = start + 1
    return found


def _without(code: str, matches: list[re.Match[str]]) -> str:
    """`code` with each of `matches` replaced by a space."""
    parts, end = [], 0
    for match in matches:
        parts.append(code[end : match.start()])
        end = match.end()
    parts.append(code[end:])
    return " ".join(parts)
