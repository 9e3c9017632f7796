"""OpenQASM parsing: native gate meanings, hqslib1.inc, gate counts and error reporting."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from qiskit.circuit import library as lib
from qiskit.quantum_info import Operator

from quantinuum_emulator._qasm import (
    ProgramError,
    _load,
    hqslib1_source,
    parse_program,
)

X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.array([[1, 0], [0, -1]], dtype=complex)
CNOT_Q0_CONTROL = np.array(  # basis |q1 q0>, control q0, target q1
    [[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]], dtype=complex
)
HADAMARD = np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2)


def expm(generator: np.ndarray) -> np.ndarray:
    """exp(generator) for an anti-Hermitian generator (-i·t·H), via H's eigenbasis."""
    values, vectors = np.linalg.eigh(1j * generator)
    result: np.ndarray = vectors @ np.diag(np.exp(-1j * values)) @ vectors.conj().T
    return result


def _operator(body: str, n_qubits: int, *, include: str = "hqslib1.inc") -> Operator:
    source = f'OPENQASM 2.0;\ninclude "{include}";\nqreg q[{n_qubits}];\n{body}\n'
    return Operator(parse_program(source).circuit)


def _equal_up_to_phase(actual: Operator, expected: np.ndarray) -> bool:
    return bool(actual.equiv(Operator(expected)))


# --- native gates against their matrices -----------------------------------------------------


@pytest.mark.parametrize(("theta", "phi"), [(0.3, 0.0), (math.pi / 2, -1.1), (2.5, 0.7)])
def test_u1q_is_an_xy_plane_rotation(theta: float, phi: float) -> None:
    axis = math.cos(phi) * X + math.sin(phi) * Y
    expected = expm(-0.5j * theta * axis)
    assert _equal_up_to_phase(_operator(f"U1q({theta}, {phi}) q[0];", 1), expected)


def test_u1q_is_not_some_other_rotation() -> None:
    """The matrix check can fail: U1q(θ, φ) differs from U1q(θ, -φ)."""
    expected = expm(-0.5j * 0.9 * (math.cos(0.4) * X + math.sin(0.4) * Y))
    assert not _equal_up_to_phase(_operator("U1q(0.9, -0.4) q[0];", 1), expected)


@pytest.mark.parametrize("lam", [0.0, 0.4, -2.0])
def test_rz_matrix(lam: float) -> None:
    expected = np.diag([np.exp(-0.5j * lam), np.exp(0.5j * lam)])
    assert _operator(f"Rz({lam}) q[0];", 1).equiv(Operator(expected))


def test_zz_is_diag_1_i_i_1() -> None:
    assert _equal_up_to_phase(_operator("ZZ q[0], q[1];", 2), np.diag([1, 1j, 1j, 1]))
    assert _equal_up_to_phase(_operator("ZZ() q[0], q[1];", 2), np.diag([1, 1j, 1j, 1]))


@pytest.mark.parametrize("theta", [0.25, math.pi / 2, -1.3])
def test_rzz_matrix(theta: float) -> None:
    expected = expm(-0.5j * theta * np.kron(Z, Z))
    assert _equal_up_to_phase(_operator(f"RZZ({theta}) q[0], q[1];", 2), expected)


@pytest.mark.parametrize(
    ("alpha", "beta", "gamma"), [(0.3, 0.0, 0.0), (0.1, 0.7, -0.4), (1.2, -0.5, 2.2)]
)
def test_rxxyyzz_matrix(alpha: float, beta: float, gamma: float) -> None:
    generator = alpha * np.kron(X, X) + beta * np.kron(Y, Y) + gamma * np.kron(Z, Z)
    expected = expm(-0.5j * generator)
    operator = _operator(f"Rxxyyzz({alpha}, {beta}, {gamma}) q[0], q[1];", 2)
    assert _equal_up_to_phase(operator, expected)
    # The gate's own matrix (used for simulation) and its rxx·ryy·rzz definition agree exactly.
    call = f"Rxxyyzz({alpha}, {beta}, {gamma}) q[0], q[1];"
    source = f'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[2];\n{call}\n'
    gate = parse_program(source).circuit.data[0].operation
    assert np.allclose(gate.to_matrix(), Operator(gate.definition).data)
    assert np.allclose(gate.to_matrix(), expected)


def test_native_gates_inside_a_user_gate_take_its_parameters() -> None:
    body = "gate g(a, b) x, y { U1q(a, b) x; RZZ(a) x, y; Rz(b) y; }\ng(0.6, 0.2) q[0], q[1];"
    expected = _operator("U1q(0.6, 0.2) q[0];\nRZZ(0.6) q[0], q[1];\nRz(0.2) q[1];", 2)
    assert _operator(body, 2).equiv(expected)


# --- hqslib1.inc's own definitions --------------------------------------------------------------


def _library_operator(body: str, n_qubits: int) -> Operator:
    """The operator of `body` using hqslib1.inc's definitions (not qiskit's twins)."""
    source = f'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[{n_qubits}];\n{body}\n'
    return Operator(_load(source, override_standard=False))


def test_hqslib1_cx_and_h_reproduce_the_textbook_gates() -> None:
    assert _library_operator("cx q[0], q[1];", 2).equiv(Operator(CNOT_Q0_CONTROL))
    assert _library_operator("h q[0];", 1).equiv(Operator(HADAMARD))
    # ... and are really built from the natives, not from qiskit's gates.
    circuit = _load(
        'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[2];\ncx q[0], q[1];\n',
        override_standard=False,
    )
    inner = {inst.operation.name for inst in circuit.data[0].operation.definition.data}
    assert inner == {"u", "rz", "rzz"}


STANDARD_TWINS = [
    ("u3(0.3, 0.5, 0.7) q[0];", lib.U3Gate(0.3, 0.5, 0.7), 1),
    ("u2(0.5, 0.7) q[0];", lib.U2Gate(0.5, 0.7), 1),
    ("u1(0.7) q[0];", lib.U1Gate(0.7), 1),
    ("id q[0];", lib.IGate(), 1),
    ("x q[0];", lib.XGate(), 1),
    ("y q[0];", lib.YGate(), 1),
    ("z q[0];", lib.ZGate(), 1),
    ("s q[0];", lib.SGate(), 1),
    ("sdg q[0];", lib.SdgGate(), 1),
    ("t q[0];", lib.TGate(), 1),
    ("tdg q[0];", lib.TdgGate(), 1),
    ("sx q[0];", lib.SXGate(), 1),
    ("sxdg q[0];", lib.SXdgGate(), 1),
    ("p(0.4) q[0];", lib.PhaseGate(0.4), 1),
    ("rx(0.4) q[0];", lib.RXGate(0.4), 1),
    ("ry(0.4) q[0];", lib.RYGate(0.4), 1),
    ("rz(0.4) q[0];", lib.RZGate(0.4), 1),
    ("rxx(0.4) q[0], q[1];", lib.RXXGate(0.4), 2),
    ("rzz(0.4) q[0], q[1];", lib.RZZGate(0.4), 2),
    ("cz q[0], q[1];", lib.CZGate(), 2),
    ("cy q[0], q[1];", lib.CYGate(), 2),
    ("ch q[0], q[1];", lib.CHGate(), 2),
    ("swap q[0], q[1];", lib.SwapGate(), 2),
    ("crz(0.4) q[0], q[1];", lib.CRZGate(0.4), 2),
    ("crx(0.4) q[0], q[1];", lib.CRXGate(0.4), 2),
    ("cry(0.4) q[0], q[1];", lib.CRYGate(0.4), 2),
    ("cu1(0.4) q[0], q[1];", lib.CU1Gate(0.4), 2),
    ("cp(0.4) q[0], q[1];", lib.CPhaseGate(0.4), 2),
    ("cu3(0.3, 0.5, 0.7) q[0], q[1];", lib.CU3Gate(0.3, 0.5, 0.7), 2),
    ("ccx q[0], q[1], q[2];", lib.CCXGate(), 3),
    ("cswap q[0], q[1], q[2];", lib.CSwapGate(), 3),
]


@pytest.mark.parametrize(("body", "gate", "n_qubits"), STANDARD_TWINS, ids=lambda v: str(v)[:12])
def test_every_hqslib1_gate_matches_its_qiskit_twin(
    body: str, gate: lib.Gate, n_qubits: int
) -> None:
    """The simulator swaps each hqslib1.inc gate for its qiskit twin; both must agree."""
    assert _library_operator(body, n_qubits).equiv(Operator(gate))
    assert _operator(body, n_qubits).equiv(Operator(gate))


def test_every_gate_hqslib1_defines_is_pinned() -> None:
    defined = set(re.findall(r"^gate (\w+)", hqslib1_source(), re.M))
    pinned = {body.split("(")[0].split(" ")[0] for body, _, _ in STANDARD_TWINS} | {"cx", "h"}
    assert defined == pinned


def test_qelib1_and_hqslib1_together() -> None:
    source = (
        'OPENQASM 2.0;\ninclude "qelib1.inc";\ninclude "hqslib1.inc";\n'
        "qreg q[2];\nh q[0];\nZZ q[0], q[1];\nc3x q[0], q[1], q[0], q[1];\n"
    )
    with pytest.raises(ProgramError, match="line 7"):
        parse_program(source)  # c3x is qelib1 (qiskit's) and needs 4 distinct qubits
    program = parse_program(source.replace("c3x q[0], q[1], q[0], q[1];\n", ""))
    assert [i.operation.name for i in program.circuit.data] == ["h", "rzz"]


# --- counts --------------------------------------------------------------------------------------


def test_counts_of_a_bell_program() -> None:
    info = parse_program(
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\n'
        "h q[0];\ncx q[0], q[1];\nbarrier q;\nmeasure q -> c;\n"
    ).info
    assert (info.n_qubits, info.n_clbits, info.registers) == (2, 2, {"c": 2})
    assert (info.n_1q, info.n_2q, info.n_meas) == (1, 1, 2 + 2)


def test_counts_decompose_three_qubit_gates_and_include_if_and_reset() -> None:
    info = parse_program(
        'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[4];\ncreg a[1];\ncreg b[3];\n'
        "gate pair x, y { cx x, y; h x; }\n"
        "ccx q[0], q[1], q[2];\n"  # 6 cx + 9 one-qubit gates
        "pair q[0], q[1];\n"  # one two-qubit gate as written
        "U1q(0.1, 0.2) q[0];\nRxxyyzz(0.1, 0.2, 0.3) q[0], q[1];\n"
        "measure q[0] -> a[0];\nif(a==1) x q[1];\nreset q[0];\nbarrier q;\n"
    ).info
    assert info.registers == {"a": 1, "b": 3}
    assert info.n_1q == 9 + 1 + 1
    assert info.n_2q == 6 + 1 + 1
    assert info.n_meas == 1 + 1 + 3  # measure, reset, three qubits used (q[3] never is)


# --- errors -------------------------------------------------------------------------------------


BELL = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0], q[1];\n'


@pytest.mark.parametrize(
    ("source", "pattern"),
    [
        ("OPENQASM 2.0;\nqreg q[1]\nx q[0];\n", r"^line 3: .*';'"),
        (
            'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nfoo q[0];\n',
            r"^line 4: 'foo' is not defined.*\"foo q\[0\];\"",
        ),
        (BELL + "cx q[0];\n", r"^line 7: 'cx' takes 2 quantum arguments, but got 1"),
        (BELL + "rx(0.1, 0.2) q[0];\n", r"^line 7: 'rx' takes 1 parameter, but got 2"),
        (BELL + "ZZ q[0], q[1];\n", r"^line 7: 'ZZ' is not defined"),  # natives need hqslib1
        (
            'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[2];\nRZZ q[0], q[1];\n',
            r"^line 4: 'RZZ' needs parameters",
        ),
        (
            'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[2];\nU1q q[0];\n',
            r"^line 4: 'U1q' needs parameters",
        ),
        (BELL + "rx q[0];\n", r"^line 7: 'rx' needs parameters: \"rx q\[0\];\""),
        (BELL + "measure q[0] -> d[0];\n", r"^line 7: 'd' is not defined"),
        (BELL + "h q[5];\n", r"^line 7: index 5 is out-of-range"),
        ('OPENQASM 2.0;\ninclude "other.inc";\n', r"^line 2: unable to find 'other.inc'"),
        ("OPENQASM 3.0;\nqubit q;\n", r"^line 1: .*"),
        (
            "OPENQASM 2.0;\nopaque magic a;\nqreg q[1];\nmagic q[0];\n",
            r"^line 2: gate 'magic' is opaque",
        ),
        ("OPENQASM 2.0;\ncreg c[1];\n", r"declares no qubits"),
        ("", r"^program is empty$"),
        ("  \n// only a comment\n", r"^program is empty$"),
        ("; ModuleID = 'bell'\ndefine void @main() #0 {\n", r"QIR"),
        ("QkPA3jUUAAAFAAAAYgwwJEpZvmbt", r"QIR"),
        ("OPENQASM 2.0;\nqreg q[1];\x00\n", r"^line 2: .*NUL"),
        ("OPENQASM 2.0;\nqreg q[1];\nU1q(0.1, 0.2) q[0];\n", r"^line 3: 'U1q' is not defined"),
    ],
)
def test_bad_programs_raise_program_error(source: str, pattern: str) -> None:
    with pytest.raises(ProgramError, match=pattern) as info:
        parse_program(source)
    assert "hqs_" not in str(info.value)  # internal names never leak


def test_opaque_gate_inside_a_gate_body_is_refused() -> None:
    source = "OPENQASM 2.0;\nqreg q[1];\nopaque magic a;\ngate g a { magic a; }\ng q[0];\n"
    with pytest.raises(ProgramError, match=r"^line 3: gate 'magic' is opaque"):
        parse_program(source)


def test_exponentially_nested_definitions_are_refused_quickly() -> None:
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', "gate g0 a, b, c { ccx a, b, c; }"]
    lines += [f"gate g{i} a, b, c {{ g{i - 1} a, b, c; g{i - 1} c, b, a; }}" for i in range(1, 60)]
    lines += ["qreg q[3];", "g59 q[0], q[1], q[2];"]
    with pytest.raises(ProgramError, match="expands to more than 2000000 operations"):
        parse_program("\n".join(lines))
    # Counting stays memoized: a moderately nested program parses and counts exactly.
    small = "\n".join([*lines[:13], "qreg q[3];", "g10 q[0], q[1], q[2];"])
    info = parse_program(small).info
    assert (info.n_1q, info.n_2q) == (9 * 2**10, 6 * 2**10)


def test_non_utf8_bytes() -> None:
    with pytest.raises(ProgramError, match=r"not valid UTF-8 \(bad byte at offset 14\)"):
        parse_program(b"OPENQASM 2.0;\n\xff\xfe")
    assert parse_program(BELL.encode()).info.n_2q == 1


def test_lone_surrogate_text() -> None:
    with pytest.raises(ProgramError, match="not valid UTF-8"):
        parse_program(BELL + "// \udcff\n")


def test_oversized_program() -> None:
    big = BELL + "// " + "x" * 2000 + "\n"
    with pytest.raises(ProgramError, match=r"too large: \d+ bytes \(limit 1000\)"):
        parse_program(big, max_bytes=1000)
    assert parse_program(big, max_bytes=None).info.n_1q == 1


def test_not_text() -> None:
    with pytest.raises(ProgramError, match="must be text"):
        parse_program(42)  # type: ignore[arg-type]


def test_comments_and_strings_do_not_confuse_renaming() -> None:
    source = (
        'OPENQASM 2.0;\ninclude "hqslib1.inc"; // U1q ZZ in a comment\n'
        "qreg q[2];\ncreg c[2];\nZZ q[0], q[1]; // ZZ again\nmeasure q -> c;\n"
    )
    assert parse_program(source).info.n_2q == 1


def test_capitalised_identifiers_still_refused_with_a_clear_message() -> None:
    with pytest.raises(
        ProgramError, match=r"^line 3: identifiers cannot start with capital letters"
    ):
        parse_program("OPENQASM 2.0;\nqreg q[1];\ncreg Result[1];\n")


def test_parsing_from_short_lived_threads_does_not_crash_the_process() -> None:
    # qiskit's parser crashed (SIGSEGV) when first used in a thread that then exited and
    # later used from another thread; parse_program runs every parse on one long-lived
    # thread. A fresh process, because the crash needs the parser's first use.
    import subprocess
    import sys

    code = (
        "import threading\n"
        "from quantinuum_emulator._qasm import parse_program\n"
        'src = \'OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; creg c[2]; '
        "h q[0]; cx q[0],q[1]; measure q -> c;'\n"
        "for _ in range(4):\n"
        "    t = threading.Thread(target=parse_program, args=(src,))\n"
        "    t.start(); t.join()\n"
        "print('ok')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (run.returncode, run.stdout.strip()) == (0, "ok"), run.stderr[-2000:]
