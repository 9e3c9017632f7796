"""pytket-quantinuum's local emulator for scenario (9); runs in `.bench/pecos-venv`.

pytket-quantinuum's local emulators (`...LE` devices) run circuits on
`pytket_pecos.Emulator`; this worker calls it the way pytket-quantinuum does (a pytket
`Circuit`, `Emulator(circuit, qsim=..., seed=...).run(n_shots)`), with an error model of
the machine's noise figures: PECOS's `DepolarizingErrorModel` given p1, p2 and the mean
readout error (it reads p1 and p2 as average errors and scales them by 3/2 and 5/4 to
totals, so they are passed scaled down, giving the same total error as our model).

Self-contained (stdlib + that venv's packages): one task as JSON on stdin (the same as
`noisy.py`'s, plus each circuit's `noise_specs`), one JSON line on stdout. Each circuit:
one untimed warm-up of 10 shots, then `reps` timed runs of conversion (`Emulator(...)`, which turns
the circuit into PHIR) and simulation, stopping early once the next would pass
`budget_s`.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def _error_model(noise_specs: dict[str, Any]) -> Any:
    from pecos.noise.depolarizing_error_model import DepolarizingErrorModel  # type: ignore[import-not-found]

    def figure(section: str, key: str) -> float:
        block = noise_specs.get(section) or {}
        return float(block.get(key) or 0.0)

    p_meas = (figure("spam_error", "p_meas_0") + figure("spam_error", "p_meas_1")) / 2
    return DepolarizingErrorModel(
        {
            "p1": figure("1q_gate_error", "p1") * 2 / 3,
            "p2": figure("2q_gate_error", "p2") * 4 / 5,
            "p_meas": p_meas,
            "p_prep": 0.0,
        }
    )


def _run_one(spec: dict[str, Any], noise_specs: dict[str, Any], shots: int) -> None:
    from pytket.qasm.qasm import circuit_from_qasm_str
    from pytket_pecos import Emulator  # type: ignore[import-not-found]

    # pytket's reader refuses registers wider than 32 bits unless told (56 here)
    circuit = circuit_from_qasm_str(spec["program"], maxwidth=1024)
    qsim = "stabilizer" if spec["simulator"] == "stabilizer" else "state-vector"
    emulator = Emulator(circuit, error_model=_error_model(noise_specs), qsim=qsim, seed=1)
    outcomes = emulator.run(n_shots=shots)
    if len(outcomes) != shots:
        raise RuntimeError(f"pecos_worker: {len(outcomes)} shots, not {shots}")


def main() -> int:
    task = json.loads(sys.stdin.read())
    reps, budget = int(task["reps"]), float(task.get("budget_s", 120.0))
    times: dict[str, list[float]] = {}
    for name, spec in task["circuits"].items():
        noise_specs = task["noise_specs"][name]
        shots = int(spec["shots"])
        _run_one(spec, noise_specs, min(shots, 10))  # warm up (as noisy.py: 10 shots)
        runs: list[float] = []
        started = time.perf_counter()
        for _ in range(reps):
            t0 = time.perf_counter()
            _run_one(spec, noise_specs, shots)
            runs.append(time.perf_counter() - t0)
            if time.perf_counter() - started + runs[-1] > budget:
                break
        times[name] = runs
    print(json.dumps({"times": times}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
