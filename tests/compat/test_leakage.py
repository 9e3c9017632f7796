"""pytket's leakage detection on a noisy emulator: qubits leak, and pruning drops those shots.

On every flavour (`conftest.Flavour`), with the machine's own noise (pytket's default
`noisy_simulation=True`) and a seed, so the shots are the same on every run.

pytket-quantinuum's gadget on a measured qubit reads 1 when that qubit has leaked, and
otherwise only through a fault inside the gadget (its ancilla's gates and readout). Two
circuits that differ only in 300 extra two-qubit gates on the data qubits (an identity:
native ZZPhase(0.5) four times is one) have the same gadgets, so without leakage both flag
about as many shots (10 and 6 with this seed); with leakage (a tenth of p2 per two-qubit
gate) the deep one flags about 300 * 1.28e-4 = 3.8 % more on H2-1E (24 and 3). QASM only:
the per-shot engine runs these shots (seconds per job); QIR runs on the same engine
(tests/quantinuum_emulator/test_leakage.py).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

pytest.importorskip("pytket.extensions.quantinuum")

from pytket import Bit, Circuit
from pytket.backends.backendresult import BackendResult
from pytket.extensions.quantinuum.backends.leakage_gadget import prune_shots_detected_as_leaky
from pytket.extensions.quantinuum.backends.quantinuum import Language

from .conftest import Flavour

pytestmark = pytest.mark.filterwarnings("ignore:Submission of programs:DeprecationWarning")

SHOTS = 600
EXTRA_GATES = 300
DATA = [Bit("c", i) for i in range(2)]
FLAGS = [Bit("leakage_detection_bit", i) for i in range(2)]


def bell(extra_gates: int) -> Circuit:
    circuit = Circuit(2, name="bell").H(0).CX(0, 1)
    for _ in range(extra_gates):
        circuit.ZZPhase(0.5, 0, 1)
    return circuit.measure_all()


def noisy_run(backend: Any, circuit: Circuit, language: Language) -> BackendResult:
    compiled = backend.get_compiled_circuit(circuit, optimisation_level=0)
    [handle] = backend.process_circuits(
        [compiled], n_shots=SHOTS, language=language, leakage_detection=True, options={"seed": 3}
    )
    result: BackendResult = backend.get_result(handle, timeout=120)
    return result


def flagged(result: BackendResult) -> int:
    return sum(1 for shot in result.get_shots(cbits=FLAGS).tolist() if any(shot))


def test_qubits_leak_and_pruning_drops_exactly_the_flagged_shots(tk: Flavour) -> None:
    backend = tk.make("H2-1E")
    deep = noisy_run(backend, bell(EXTRA_GATES), Language.QASM)
    shallow = noisy_run(backend, bell(0), Language.QASM)
    # Only leakage depends on the gates before the gadgets (see the module docstring).
    assert flagged(deep) > 2 * flagged(shallow) + 8

    rows = [tuple(r) for r in deep.get_shots(cbits=DATA + FLAGS).tolist()]
    kept = Counter(row[:2] for row in rows if not any(row[2:]))
    pruned = prune_shots_detected_as_leaky(deep)
    assert pruned.get_counts(cbits=DATA) == kept
    assert sum(pruned.get_counts().values()) == SHOTS - flagged(deep)
