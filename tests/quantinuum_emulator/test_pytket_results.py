"""Results read back the way pytket-quantinuum reads them (`_convert_result`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from pytket import Circuit
from pytket.qir.conversion.api import QIRProfile

from quantinuum_emulator._emulator import Emulator

from .pytket_programs import classical_circuit, qasm, qir


def _selection(circuit: Circuit) -> list[tuple[str, int]]:
    """What QuantinuumBackend.process_circuits records: every non-scratch bit."""
    names = Counter(bit.reg_name for bit in circuit.bits if "SCRATCH" not in bit.reg_name)
    return [(name, i) for name, count in names.items() for i in range(count)]


@pytest.mark.parametrize(
    ("language", "profile"),
    [("OPENQASM 2.0", None), ("QIR 1.0", QIRProfile.PYTKET), ("QIR 1.0", QIRProfile.ADAPTIVE)],
    ids=["qasm", "qir", "pqir"],
)
def test_pytket_reads_our_results_bit_by_bit(language: str, profile: Any) -> None:
    # pytket-quantinuum reads pytket's config file under HOME, which the test suite points
    # at an empty folder; pytket writes its default there only when first imported.
    from pytket.config.pytket_config import PytketConfig, get_config_file_path

    if not get_config_file_path().exists():
        get_config_file_path().parent.mkdir(parents=True, exist_ok=True)
        PytketConfig.default().write_file(get_config_file_path())
    from pytket.extensions.quantinuum.backends.quantinuum import _convert_result

    circuit = classical_circuit()
    program = qasm(circuit) if profile is None else qir(circuit, profile)
    emulator = Emulator()
    job = emulator.prepare(
        {"machine": "H1-1E", "count": 100, "language": language, "program": program}
    )
    results: dict[str, list[str]] = {}
    for chunk in emulator.run(job):
        for name, shots in chunk.items():
            results.setdefault(name, []).extend(shots)
    selection = _selection(circuit)
    backend_result = _convert_result(results, None, len(selection), selection)
    a = circuit.get_c_register("a")
    r = circuit.get_c_register("r")
    counts = backend_result.get_counts(cbits=[a[0], a[1], r[0], r[1], r[2]])
    # a = 3 -> r = 7 (bits 1,1,1); a = 0 -> r = 5 (bits 1,0,1): bit order as pytket's.
    assert set(counts) == {(1, 1, 1, 1, 1), (0, 0, 1, 0, 1)}
