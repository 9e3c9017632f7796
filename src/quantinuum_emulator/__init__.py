"""Job semantics shared by the local service and the SDK's offline mode.

Machines and their calendar (`_machines`, stdlib only), the OpenQASM 2.0 + hqslib1 front
end for plain circuits (`_qasm`, qiskit's reader) run on qiskit-aer (`_simulator`), the
front ends for programs that run shot by shot — hqslib1 classical extensions, RNG and WASM
calls (`_hqs`, pytket's reader) and QIR 1.0 (`_qir`, pyqir) — with their per-shot state
(`_shots`: numpy state vector or stim tableau), RNG (`_rng`) and WASM sandbox (`_wasm`,
wasmtime), limits read from the text before parsing (`_bounds`), cost (`_cost`), noise
from each machine's figures (`_noise`), and the rules a job request must pass
(`_execution`, raising `JobRejected`). `Emulator` (`_emulator`) is the entry point. The
engine's dependencies come with the `emulator` extra and are imported on first use, so
importing this package or its machine data stays light.
"""

from __future__ import annotations
