"""Programs that run shot by shot (classical logic, RNG, WASM, QIR) and the loop that runs them.

A `ShotProgram` is what the QASM classical front end (`_hqs`) and the QIR front end
(`_qir`) produce: its `info` (for limits and cost), the registers it reports, and
`run_shot(ctx)`, which runs one shot against a `ShotContext` (a fresh quantum state from
`_shots`, the shot's RNG, its WASM instance and its number) and returns register name ->
value. `iter_shot_chunks` runs the shots in chunks, as `Simulator.iter_chunks` does for the
qiskit-aer path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ._rng import ShotRng
from ._shots import ShotEngine, ShotState

if TYPE_CHECKING:
    from ._qasm import ProgramInfo
    from ._wasm import WasmInstance, WasmModule

__all__ = [
    "MAX_JOB_STEPS",
    "MAX_SHOT_STEPS",
    "ShotContext",
    "ShotLimitError",
    "ShotProgram",
    "iter_shot_chunks",
]

MAX_SHOT_STEPS = 200_000
"""Most instructions one shot may execute (QIR may loop)."""

MAX_JOB_STEPS = 20_000_000
"""Most instructions all the shots of one job may execute together (checked in `prepare`
from the program's size for straight-line programs, and while running for loops)."""


class ShotLimitError(RuntimeError):
    """A shot exceeded a limit while running (steps, WASM fuel or time)."""


class ShotContext:
    """What one shot runs against."""

    def __init__(self, state: ShotState, rng: ShotRng, wasm: WasmModule | None, shot: int) -> None:
        self.state = state
        self.rng = rng
        #: The shot's number as the cloud counts it (`JOB_shotnum`): 1 to n.
        self.shot = shot
        #: Instructions this shot executed (counted by programs that can loop).
        self.steps = 0
        self._wasm_module = wasm
        self._wasm: WasmInstance | None = None

    def wasm(self) -> WasmInstance:
        """This shot's WASM instance (made on first use)."""
        if self._wasm is None:
            if self._wasm_module is None:
                from ._wasm import WasmError

                raise WasmError("the program calls WASM but the job has no 'cfl' module")
            self._wasm = self._wasm_module.instance()
        return self._wasm


class ShotProgram:
    """Base of per-shot programs; subclasses set `info`, `widths` and `run_shot`."""

    info: ProgramInfo
    #: Reported register name -> width in bits, in report order.
    widths: dict[str, int]
    #: WASM functions the program calls -> (inputs, outputs); they need a `cfl` module.
    wasm_functions: dict[str, tuple[int, int]]
    #: Instructions one shot executes at least (exactly, for a program without loops).
    size: int

    def run_shot(self, ctx: ShotContext) -> Mapping[str, int]:
        raise NotImplementedError

    def gate_matrices(self) -> Iterator[tuple[Any, Any]]:
        """(cache key, matrix) of every gate; `ProgramError` for one known only at run time."""
        raise NotImplementedError


def iter_shot_chunks(
    program: ShotProgram,
    shots: int,
    chunk_shots: int,
    *,
    noise_specs: Mapping[str, Any] | None = None,
    seed: int | None = None,
    method: str = "statevector",
    growth: float = 1.0,
    wasm: WasmModule | None = None,
) -> Iterator[dict[str, list[str]]]:
    """Run `shots` shots in chunks of growing size; register name -> bitstrings (MSB first)."""
    rng = np.random.default_rng(seed)
    engine = ShotEngine(program.info.n_qubits, method=method, noise_specs=noise_specs, rng=rng)
    job_seed = int(rng.integers(0, 2**63))
    formats = {name: f"0{width}b" for name, width in program.widths.items()}
    masks = {name: (1 << width) - 1 for name, width in program.widths.items()}
    done = steps = 0
    chunk = float(chunk_shots)
    while done < shots:
        size = min(int(chunk), shots - done)
        out: dict[str, list[str]] = {name: [] for name in program.widths}
        for shot in range(done, done + size):
            rng_state = ShotRng(_shot_seed(job_seed, shot))
            ctx = ShotContext(engine.new_state(), rng_state, wasm, shot + 1)
            values = program.run_shot(ctx)
            steps += max(ctx.steps, program.size)
            if steps > MAX_JOB_STEPS:
                raise ShotLimitError(
                    f"the job executed more than {MAX_JOB_STEPS} instructions (shot {shot})"
                )
            for name, spec in formats.items():
                out[name].append(format(values.get(name, 0) & masks[name], spec))
        yield out
        done += size
        chunk *= growth


def _shot_seed(job_seed: int, shot: int) -> int:
    digest = hashlib.blake2b(f"{job_seed}:{shot}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")
