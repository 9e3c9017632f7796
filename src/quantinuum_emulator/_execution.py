"""What a job request means, apart from HTTP and storage: the checks a submission must pass,
its cost, and how it is simulated.

One place for these rules, used by the service (`JobService`) and by the SDK's offline
simulation (`quantinuum_api._offline`), so a job behaves the same in both:

Refusals raise `JobRejected` (a 400 reply in the service): unknown machine → code 31; a
language other than OpenQASM 2.0 or a program that does not parse → code 40; program
size, shots, qubits and classical registers beyond the machine's limits → code 41; bad
`options.simulator` / `options.seed` → code 10;
- a job whose HQC cost exceeds `max-cost` is accepted and fails at once with code 42;
- syntax checkers price and complete without running; emulators run noiseless unless
  `options["error-model"]` is true; hardware names always run with their noise model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._errors import (
    INVALID_PROGRAM,
    INVALID_REQUEST,
    LIMIT_EXCEEDED,
    MACHINE_NOT_FOUND,
    MAX_COST_EXCEEDED,
    JobRejected,
)
from ._machines import MachineCatalog, Placement

if TYPE_CHECKING:
    from ._qasm import ParsedProgram, ProgramInfo

__all__ = [
    "DEFAULT_MAX_PROGRAM_BYTES",
    "METHODS",
    "PreparedJob",
    "max_cost_error",
    "prepare_job",
    "simulation_options",
]

#: The largest program accepted unless the caller sets another limit (256 KiB).
DEFAULT_MAX_PROGRAM_BYTES = 262_144

#: `options.simulator` values → the simulator's method.
METHODS = {"state-vector": "statevector", "statevector": "statevector", "stabilizer": "stabilizer"}


@dataclass(frozen=True)
class PreparedJob:
    """A checked job request: where it runs, what it runs, and what it costs."""

    machine: str
    placement: Placement
    count: int
    program: ParsedProgram
    options: dict[str, Any]
    cost: float


def _limit(text: str) -> JobRejected:
    return JobRejected(LIMIT_EXCEEDED, text)


def prepare_job(
    body: Mapping[str, Any],
    catalog: MachineCatalog,
    *,
    max_program_bytes: int = DEFAULT_MAX_PROGRAM_BYTES,
) -> PreparedJob:
    """Check a job request against the machine and parse its program; `JobRejected` if refused."""
    machine, count, program_text = body.get("machine"), body.get("count"), body.get("program")
    if not isinstance(machine, str) or not isinstance(program_text, str):
        raise JobRejected(INVALID_REQUEST, "Invalid request: 'machine' and 'program' needed")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise JobRejected(INVALID_REQUEST, "Invalid request: 'count' must be an integer >= 1")
    placement = catalog.get(machine)
    if placement is None:
        raise JobRejected(MACHINE_NOT_FOUND, f"Unknown machine '{machine}'")
    language = body.get("language", "OPENQASM 2.0")
    if language != "OPENQASM 2.0":
        raise JobRejected(INVALID_PROGRAM, f"The local service cannot run {language} programs")
    options = dict(body.get("options") or {})
    size = len(program_text.encode())
    if size > max_program_bytes:
        raise _limit(f"Program is {size} bytes; the limit is {max_program_bytes}")
    doc = placement.doc
    max_shots = int(doc.get("max_n_shots", 10000))
    if count > max_shots:
        raise _limit(f"count {count} exceeds {machine}'s max_n_shots ({max_shots})")
    if options.get("simulator", "state-vector") not in METHODS:
        raise JobRejected(
            INVALID_REQUEST, f"Unknown options.simulator '{options.get('simulator')}'"
        )
    seed = options.get("seed")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31
    ):
        raise JobRejected(INVALID_REQUEST, "options.seed must be an integer in [0, 2**31)")
    from ._cost import hqc_cost
    from ._qasm import ProgramError, parse_program

    try:
        program = parse_program(program_text, max_bytes=None)
    except ProgramError as exc:
        raise JobRejected(INVALID_PROGRAM, f"Invalid program: {exc}") from None
    _check_limits(machine, doc, program.info)
    cost = round(float(hqc_cost(program.info, count)), 6)
    return PreparedJob(machine, placement, count, program, options, cost)


def _check_limits(machine: str, doc: Mapping[str, Any], info: ProgramInfo) -> None:
    n_qubits = int(doc.get("n_qubits", 0))
    if info.n_qubits > n_qubits:
        raise _limit(f"Program uses {info.n_qubits} qubits; {machine} has {n_qubits}")
    max_regs = doc.get("n_classical_registers")
    if max_regs is not None and len(info.registers) > int(max_regs):
        raise _limit(
            f"Program declares {len(info.registers)} classical registers;"
            f" {machine} allows {max_regs}"
        )
    max_width = doc.get("max_classical_register_width")
    if max_width is not None:
        for name, width in info.registers.items():
            if width > int(max_width):
                raise _limit(
                    f"Classical register '{name}' has width {width}; {machine} allows {max_width}"
                )


def max_cost_error(cost: float, max_cost: object) -> dict[str, Any] | None:
    """The job's error when its cost exceeds `max-cost` (code 42), else None."""
    if isinstance(max_cost, bool) or not isinstance(max_cost, int | float) or cost <= max_cost:
        return None
    return {"code": MAX_COST_EXCEEDED, "text": f"Job cost {cost} HQC exceeds max-cost {max_cost}"}


def simulation_options(placement: Placement, options: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of `Simulator.run`/`iter_chunks` for a job's machine and options."""
    noisy = placement.is_hardware or options.get("error-model") is True
    seed = options.get("seed")
    return {
        "noise_specs": placement.hardware.get("noise_specs") if noisy else None,
        "seed": seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        "method": METHODS[str(options.get("simulator", "state-vector"))],
    }
