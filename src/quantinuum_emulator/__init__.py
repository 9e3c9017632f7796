"""Job semantics shared by the local service and the SDK's offline mode.

The public API is `__all__`; the modules behind it are private (import-linter forbids
importing them from outside this package):

- `Emulator` checks, prices and runs jobs (`prepare` -> `PreparedJob`, `run` -> chunks
  of results), raising `JobRejected` with the API's error codes (`INVALID_REQUEST`,
  `MACHINE_NOT_FOUND`, `INVALID_PROGRAM`, `LIMIT_EXCEEDED`, `MAX_COST_EXCEEDED`);
- the machines and their calendar (`MachineCatalog`, `DEFAULT_MACHINES`, `day_events`);
- the job rules beyond the program: `max_cost_error`, `check_result_size`, and the
  batch rules (`batch_exec`, `batch_join_refusal`, `batch_cost_error`);
- the job document's shape (`job_document`, `utc_now`, `DONE_STATUSES`);
- the results codec (`pack_chunk`, `unpack_results`: results packed for storage);
- for benchmarks, the bare engine: `parse_program`, `Simulator`, `noise_model_from_specs`.

Inside: machines and their calendar (`_machines`, stdlib only), the OpenQASM 2.0 +
hqslib1 front end for plain circuits (`_qasm`, qiskit's reader) run on qiskit-aer
(`_simulator`), the front ends for programs that run shot by shot — hqslib1 classical
extensions, RNG and WASM calls (`_hqs`, pytket's reader) and QIR 1.0 (`_qir`, pyqir) —
with their per-shot state (`_shots`: numpy state vector or stim tableau), RNG (`_rng`)
and WASM sandbox (`_wasm`, wasmtime), limits read from the text before parsing
(`_bounds`), cost (`_cost`), noise from each machine's figures (`_noise`), and the rules
a job request must pass (`_execution`, `_rules`). The engine's dependencies come with the
`emulator` extra and are imported on first use, so importing this package stays light:
the engine names above are loaded when first used (`__getattr__`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._documents import DONE_STATUSES, job_document, utc_now
from ._emulator import Chunk, Emulator
from ._errors import (
    INVALID_PROGRAM,
    INVALID_REQUEST,
    LIMIT_EXCEEDED,
    MACHINE_NOT_FOUND,
    MAX_COST_EXCEEDED,
    JobRejected,
)
from ._execution import (
    DEFAULT_MAX_PROGRAM_BYTES,
    DEFAULT_MEMORY_BUDGET_BYTES,
    JobRequest,
    PreparedJob,
    job_simulation_options,
)
from ._machines import (
    DEFAULT_MACHINES,
    FIRST_DAY,
    LAST_DAY,
    MachineCatalog,
    Placement,
    day_events,
    default_machines,
)
from ._results import SIGNED_WIDTH, Layout, pack_chunk, signed_results, unpack_results
from ._rules import (
    DEFAULT_MAX_RESULT_BITS,
    BatchExec,
    batch_cost_error,
    batch_exec,
    batch_join_refusal,
    check_result_size,
    max_cost_error,
)

if TYPE_CHECKING:
    from ._noise import noise_model_from_specs
    from ._qasm import parse_program
    from ._simulator import Simulator

__all__ = [
    "DEFAULT_MACHINES",
    "DEFAULT_MAX_PROGRAM_BYTES",
    "DEFAULT_MAX_RESULT_BITS",
    "DEFAULT_MEMORY_BUDGET_BYTES",
    "DONE_STATUSES",
    "FIRST_DAY",
    "INVALID_PROGRAM",
    "INVALID_REQUEST",
    "LAST_DAY",
    "LIMIT_EXCEEDED",
    "MACHINE_NOT_FOUND",
    "MAX_COST_EXCEEDED",
    "SIGNED_WIDTH",
    "BatchExec",
    "Chunk",
    "Emulator",
    "JobRejected",
    "JobRequest",
    "Layout",
    "MachineCatalog",
    "Placement",
    "PreparedJob",
    "Simulator",
    "batch_cost_error",
    "batch_exec",
    "batch_join_refusal",
    "check_result_size",
    "day_events",
    "default_machines",
    "job_document",
    "job_simulation_options",
    "max_cost_error",
    "noise_model_from_specs",
    "pack_chunk",
    "parse_program",
    "signed_results",
    "unpack_results",
    "utc_now",
]

#: Names whose modules import the engine (qiskit, numpy): loaded on first use.
_ENGINE = {
    "Simulator": "._simulator",
    "parse_program": "._qasm",
    "noise_model_from_specs": "._noise",
}


def __getattr__(name: str) -> Any:
    module = _ENGINE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
