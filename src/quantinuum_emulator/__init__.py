"""Job semantics shared by the local service and the SDK's offline mode.

Machines and their calendar (`_machines`, stdlib only), the OpenQASM 2.0 + hqslib1 front
end (`_qasm`), cost (`_cost`), noise from each machine's figures (`_noise`), the simulator
(`_simulator`) and the rules a job request must pass (`_execution`, raising `JobRejected`).
The engine's dependencies (qiskit, qiskit-aer) come with the `emulator` extra and are
imported on first use, so importing this package or its machine data stays light.
"""

from __future__ import annotations
