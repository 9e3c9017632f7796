"""Noisy emulation speed, scenario (9): our emulator against bare qiskit-aer given the same
noise model.

Run as `python -m bench.noisy` (with `scripts/` on `PYTHONPATH`), one task as JSON on
stdin, one JSON line on stdout, like `ours.py`. The task names circuits
`{name: {"program": QASM, "shots": n, "simulator": "state-vector" | "stabilizer"}}`, a
`machine` and `reps`; for each circuit, after one untimed warm-up run:

- `ours`: what a job on the emulator costs: `Emulator.prepare` of the job request with
  `options["error-model"]` on (checks, parsing, pricing) and every chunk of
  `Emulator.run` (the simulation with the machine's noise);
- `aer`: the same program parsed by `qiskit.qasm2.loads` and run on a bare
  `AerSimulator` (default options; `method="stabilizer"` for the stabilizer circuit)
  with `noise_model_from_specs(the machine's noise_specs, the circuit's gates)`, the
  model the emulator builds (built once, outside the timing), and
  `memory=True` (per-shot results, as a job returns them).

The warm-up run has `WARM_UP_SHOTS` shots (a noisy 20-qubit circuit costs minutes at
1,000). Each prints per circuit the seconds of each timed run, and the noise figures used (so the
pytket-pecos worker can be given the same ones). A run stops early once its next rep
would pass `budget_s` (a slow engine at the full size must not take the bench hostage);
the reps done are kept.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

Task = dict[str, Any]
WARM_UP_SHOTS = 10  # the untimed first run: enough to import and cache, cheap when slow


def _timed(run: Callable[[int], object], shots: int, reps: int, budget_s: float) -> list[float]:
    run(min(shots, WARM_UP_SHOTS))  # warm up: imports, caches of this shape
    times: list[float] = []
    started = time.perf_counter()
    for _ in range(reps):
        t0 = time.perf_counter()
        run(shots)
        times.append(time.perf_counter() - t0)
        if time.perf_counter() - started + times[-1] > budget_s:
            break
    return times


def _body(spec: dict[str, Any], machine: str) -> dict[str, Any]:
    return {
        "name": "bench-noisy",
        "count": int(spec["shots"]),
        "machine": machine,
        "language": "OPENQASM 2.0",
        "program": spec["program"],
        "options": {"simulator": spec["simulator"], "error-model": True},
    }


def _ours(emulator: Any, body: dict[str, Any]) -> Callable[[int], object]:
    def run(shots: int) -> object:
        job = emulator.prepare({**body, "count": shots})
        return list(emulator.run(job))

    return run


def _aer(spec: dict[str, Any], noise_specs: dict[str, Any]) -> Callable[[int], object]:
    from qiskit import qasm2
    from qiskit_aer import AerSimulator

    from quantinuum_emulator import noise_model_from_specs

    circuit = qasm2.loads(spec["program"])
    gates = {instruction.operation.name for instruction in circuit.data}
    model = noise_model_from_specs(noise_specs, gates)
    method = "stabilizer" if spec["simulator"] == "stabilizer" else "automatic"
    backend = AerSimulator(method=method)

    def run(shots: int) -> object:
        parsed = qasm2.loads(spec["program"])
        return backend.run(parsed, shots=shots, noise_model=model, memory=True).result()

    return run


def run_task(task: Task) -> dict[str, Any]:
    from quantinuum_emulator import Emulator, job_simulation_options

    emulator = Emulator()
    reps, budget = int(task["reps"]), float(task.get("budget_s", 120.0))
    out: dict[str, Any] = {"times": {}, "noise_specs": {}}
    for name, spec in task["circuits"].items():
        body = _body(spec, task["machine"])
        noise_specs = job_simulation_options(emulator.prepare(body))["noise_specs"]
        if not noise_specs:
            raise RuntimeError(f"bench: {task['machine']} has no noise model for {name}")
        out["noise_specs"][name] = noise_specs
        run = _ours(emulator, body) if task["engine"] == "ours" else _aer(spec, noise_specs)
        out["times"][name] = _timed(run, int(spec["shots"]), reps, budget)
    return out


def main() -> int:
    task = json.loads(sys.stdin.read())
    print(json.dumps(run_task(task), default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
