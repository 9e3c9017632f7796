"""HQC cost: hand-computed values of 5 + C·(N1q + 10·N2q + 5·Nm)/5000."""

from __future__ import annotations

import pytest

from quantinuum_emulator._cost import hqc_cost
from quantinuum_emulator._qasm import ProgramInfo, parse_program


def _info(n_1q: int, n_2q: int, n_meas: int) -> ProgramInfo:
    return ProgramInfo(
        n_qubits=2, n_clbits=2, registers={"c": 2}, n_1q=n_1q, n_2q=n_2q, n_meas=n_meas
    )


@pytest.mark.parametrize(
    ("n_1q", "n_2q", "n_meas", "shots", "expected"),
    [
        (1, 1, 4, 100, 5.62),  # 5 + 100·(1 + 10 + 20)/5000 = 5 + 0.62
        (1, 1, 4, 1000, 11.2),  # 5 + 1000·31/5000 = 11.2
        (0, 0, 0, 10000, 5.0),  # the fixed 5 HQC
        (10, 3, 6, 0, 5.0),  # no shots, only the fixed part
        (7, 0, 2, 1, 5.0),  # 5 + 17/5000 = 5.0034 -> 5.00
        (3, 0, 0, 25, 5.02),  # 5 + 75/5000 = 5.015 -> half up -> 5.02
        (2, 0, 0, 25, 5.01),  # 5 + 50/5000 = 5.01 exactly
        (100, 50, 20, 10000, 1405.0),  # 5 + 10000·(100 + 500 + 100)/5000 = 5 + 1400
    ],
)
def test_hand_computed_costs(
    n_1q: int, n_2q: int, n_meas: int, shots: int, expected: float
) -> None:
    assert hqc_cost(_info(n_1q, n_2q, n_meas), shots) == expected


def test_cost_of_a_parsed_bell_program() -> None:
    program = parse_program(
        'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[2];\ncreg c[2];\n'
        "h q[0];\ncx q[0], q[1];\nmeasure q -> c;\n"
    )
    # N1q = 1, N2q = 1, Nm = 2 measurements + 2 preparations = 4
    assert hqc_cost(program.info, 100) == 5.62


@pytest.mark.parametrize("shots", [-1, 1.5, True, "10"])
def test_bad_shots(shots: object) -> None:
    with pytest.raises(ValueError, match="shots must be a non-negative integer"):
        hqc_cost(_info(1, 1, 1), shots)  # type: ignore[arg-type]
