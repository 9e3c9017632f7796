"""The HQC (H-System Quantum Credit) cost of a job."""

from __future__ import annotations

from ._qasm import ProgramInfo

__all__ = ["hqc_cost"]


def hqc_cost(info: ProgramInfo, shots: int) -> float:
    """HQC = 5 + C·(N1q + 10·N2q + 5·Nm)/5000, with C = shots.

    Rounded to 2 decimal places (half up from the exact rational value), the precision the
    API reports costs with; the counts come from `ProgramInfo` (see its docstring for Nm).
    """
    if isinstance(shots, bool) or not isinstance(shots, int) or shots < 0:
        raise ValueError(f"shots must be a non-negative integer, not {shots!r}")
    weighted = info.n_1q + 10 * info.n_2q + 5 * info.n_meas
    # Exact integer arithmetic in hundredths of an HQC: 5 + shots*weighted/5000, half up.
    hundredths = 500 + (shots * weighted * 100 * 2 + 5000) // (5000 * 2)
    return hundredths / 100
