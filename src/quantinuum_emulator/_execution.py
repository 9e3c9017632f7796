"""What a job request means, apart from HTTP and storage: the checks a submission must pass,
its cost, and how it is simulated.

One place for these rules, used by the service (`JobService`) and by the SDK's offline
simulation (`quantinuum_api._offline`), so a job behaves the same in both:

Refusals raise `JobRejected` (a 400 reply in the service): unknown machine → code 31; a
language other than OpenQASM 2.0 / QIR 1.0, a program that does not parse, a gate the
chosen engine cannot run or a bad WASM module (`cfl`) → code 40; program size, shots,
qubits, register widths, unrolled size, or a state that would not fit the memory budget →
code 41 (also results of more than `max_result_bits`, `_rules`); `options` beyond their
bounds → code 41, a known option of the wrong type or range → code 10 (`_options`);
- a job whose HQC cost exceeds `max-cost` is accepted and fails at once with code 42
  (`_rules.max_cost_error`, with the batch rules);
- syntax checkers price and return all-zero results; emulators run noiseless unless
  `options["error-model"]` is true; hardware names always run with their noise model.

Plain OpenQASM circuits run on qiskit-aer (`_simulator`, all shots at once); programs with
hqslib1 classical extensions (`_hqs`), WASM, or QIR (`_qir`) run shot by shot (`_shots`),
as do noisy circuits that reset a qubit on a machine whose noise leaks (only the per-shot
engine models leakage; pytket's leakage-detection gadget resets its ancillas), unless its
shots would exceed the per-shot engine's work limit: qiskit-aer then runs it, leak-free.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ._errors import (
    INVALID_PROGRAM,
    INVALID_REQUEST,
    LIMIT_EXCEEDED,
    MACHINE_NOT_FOUND,
    JobRejected,
)
from ._machines import MachineCatalog, Placement
from ._options import METHODS, check_options
from ._rules import DEFAULT_MAX_RESULT_BITS, check_result_size

if TYPE_CHECKING:
    from ._qasm import ParsedProgram, ProgramInfo
    from ._shotprogram import ShotProgram
    from ._wasm import WasmModule

__all__ = [
    "DEFAULT_MAX_PROGRAM_BYTES",
    "DEFAULT_MEMORY_BUDGET_BYTES",
    "METHODS",
    "JobRequest",
    "PreparedJob",
    "check_request",
    "job_simulation_options",
    "prepare_job",
    "simulation_options",
]

#: The largest program accepted unless the caller sets another limit (256 KiB).
DEFAULT_MAX_PROGRAM_BYTES = 262_144

#: The default memory a job's simulation state may take (a 28-qubit state vector).
DEFAULT_MEMORY_BUDGET_BYTES = 4 * 2**30

#: Bytes per amplitude of a state vector (complex128).
STATE_BYTES_PER_AMPLITUDE = 16

QIR = "QIR 1.0"
LANGUAGES = ("OPENQASM 2.0", QIR)

#: hqslib1 classical extensions that qiskit's OpenQASM 2 reader does not know: assignment,
#: RNG and shot-number built-ins, conditions on a bit or with another comparison than ==.
_CLASSICAL = re.compile(
    r"(?:^|[;{}])\s*[A-Za-z_]\w*\s*(?:\[\s*\d+\s*\])?\s*=(?!=)"
    r"|\bRNG(?:seed|bound|index|num)\b|\bJOB_shotnum\b"
    r"|\bif\s*\(\s*[A-Za-z_]\w*\s*\["
    r"|\bif\s*\([^)]*(?:!=|<|>)",
    re.M,
)
#: Each alternative of `_CLASSICAL` needs one of these: a program without any (a plain
#: circuit, usually) skips the regex, which takes ~1 ms on a 4.5 KB circuit.
_CLASSICAL_MARKS = ("=", "RNG", "JOB_shotnum", "if")


def _classical(text: str) -> bool:
    """Whether `text` uses hqslib1's classical extensions (`_CLASSICAL`)."""
    return any(mark in text for mark in _CLASSICAL_MARKS) and bool(_CLASSICAL.search(text))


@dataclass(frozen=True)
class PreparedJob:
    """A checked job request: where it runs, what it runs, and what it costs.

    Not picklable when the program runs shot by shot or carries a WASM module: a worker
    process re-creates it with `Emulator.prepare(body)` from the same request body.
    """

    machine: str
    placement: Placement
    count: int
    program: ParsedProgram | ShotProgram
    options: dict[str, Any]
    cost: float
    #: The simulation method (`statevector` or `stabilizer`) the job runs with.
    method: str = "statevector"
    #: The job's WASM module (from `cfl`), if any.
    wasm: WasmModule | None = None

    @property
    def picklable(self) -> bool:
        """Whether the job pickles (a plain circuit without WASM), so a process that
        prepared it can hand it to another one; else that one prepares its body again."""
        from ._qasm import ParsedProgram

        return self.wasm is None and isinstance(self.program, ParsedProgram)


def _limit(text: str) -> JobRejected:
    return JobRejected(LIMIT_EXCEEDED, text)


@dataclass(frozen=True)
class JobRequest:
    """A job request that passed the cheap checks: nothing of its program parsed yet."""

    machine: str
    placement: Placement
    count: int
    language: str
    program: str
    options: dict[str, Any]
    #: The simulation method asked for (`options.simulator`).
    method: str


def check_request(
    body: Mapping[str, Any],
    catalog: MachineCatalog,
    *,
    max_program_bytes: int = DEFAULT_MAX_PROGRAM_BYTES,
) -> JobRequest:
    """The checks that read no program: machine, shots, language, size, options.

    Pure Python and bounded by the body's size, so a service may run them in its API
    process before it hands the program to a parser (`prepare_job`) in another one."""
    machine, count, program_text = body.get("machine"), body.get("count"), body.get("program")
    if not isinstance(machine, str) or not isinstance(program_text, str):
        raise JobRejected(INVALID_REQUEST, "Invalid request: 'machine' and 'program' needed")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise JobRejected(INVALID_REQUEST, "Invalid request: 'count' must be an integer >= 1")
    placement = catalog.get(machine)
    if placement is None:
        raise JobRejected(MACHINE_NOT_FOUND, f"Unknown machine '{machine}'")
    language = body.get("language", "OPENQASM 2.0")
    if language not in LANGUAGES:
        raise JobRejected(INVALID_PROGRAM, f"The local service cannot run {language} programs")
    options = check_options(body.get("options"))  # bounded, known keys checked
    try:
        size = len(program_text.encode())
    except UnicodeEncodeError:
        raise JobRejected(INVALID_PROGRAM, "Invalid program: not valid UTF-8 text") from None
    if size > max_program_bytes:
        raise _limit(f"Program is {size} bytes; the limit is {max_program_bytes}")
    max_shots = int(placement.doc.get("max_n_shots", 10000))
    if count > max_shots:
        raise _limit(f"count {count} exceeds {machine}'s max_n_shots ({max_shots})")
    method = METHODS[str(options.get("simulator", "state-vector"))]
    return JobRequest(machine, placement, count, str(language), program_text, options, method)


def prepare_job(
    body: Mapping[str, Any],
    catalog: MachineCatalog,
    *,
    max_program_bytes: int = DEFAULT_MAX_PROGRAM_BYTES,
    memory_budget_bytes: int = DEFAULT_MEMORY_BUDGET_BYTES,
    max_result_bits: int = DEFAULT_MAX_RESULT_BITS,
) -> PreparedJob:
    """Check a job request against the machine and parse its program; `JobRejected` if refused.

    `check_request` first; then every limit that can be read from the text (declared
    qubits and register widths, unrolled operations) is checked before a parser runs, so
    nothing proportional to a declared size is allocated for a program that is refused.
    Parsing runs native code (LLVM for QIR, wasmtime for `cfl`, qiskit's reader): a
    service runs it in a process of its own with resource limits.
    """
    request = check_request(body, catalog, max_program_bytes=max_program_bytes)
    machine, doc = request.machine, request.placement.doc
    wasm = _wasm_module(body.get("cfl"))
    from ._cost import hqc_cost
    from ._qasm import ProgramError, ProgramTooLarge

    method = request.method
    try:
        if request.language == QIR:
            program = _parse_qir(request.program, machine, doc)
        else:
            leaks = wasm is None and _leaks_observably(request)
            per_shot = leaks or wasm is not None
            program = _parse_qasm(request.program, machine, doc, force_shots=per_shot)
            if leaks and _too_much_work(program, request.count):  # aer runs it, leak-free
                program = _parse_qasm(request.program, machine, doc, force_shots=False)
        method = _check_engine(program, method, machine, doc, memory_budget_bytes)
    except ProgramTooLarge as exc:
        raise _limit(str(exc)) from None
    except ProgramError as exc:
        raise JobRejected(INVALID_PROGRAM, f"Invalid program: {exc}") from None
    _check_wasm(program, wasm)
    _check_limits(machine, doc, program.info)
    _check_work(program, request.count)
    check_result_size(request.count, program.info.registers, max_result_bits)
    cost = round(float(hqc_cost(program.info, request.count)), 6)
    return PreparedJob(
        machine, request.placement, request.count, program, request.options, cost, method, wasm
    )


_RESET = re.compile(r"(?:^|;)\s*reset\b", re.M)


def _leaks_observably(request: JobRequest) -> bool:
    """Whether a QASM job needs the per-shot engine for leakage, which qiskit-aer cannot
    model: it runs with noise that leaks (`_noise.leakage_probability`) and resets a
    qubit, as pytket's leakage-detection gadget does with its ancillas."""
    from ._noise import leakage_probability

    specs = simulation_options(request.placement, request.options)["noise_specs"]
    if not isinstance(specs, Mapping) or _RESET.search(request.program) is None:
        return False
    try:
        return leakage_probability(specs) > 0
    except ValueError:  # a bad figure: the engine reports it as the aer path does
        return False


def _too_much_work(program: Any, count: int) -> bool:
    """Whether a per-shot job's shots would execute too many instructions together."""
    from ._shotprogram import MAX_JOB_STEPS

    size = getattr(program, "size", None)
    return size is not None and size * count > MAX_JOB_STEPS


def _check_work(program: Any, count: int) -> None:
    """Refuse a per-shot job whose shots would execute too many instructions together."""
    from ._shotprogram import MAX_JOB_STEPS

    if _too_much_work(program, count):
        size = program.size
        raise _limit(
            f"{count} shots of {size} operations each exceed the {MAX_JOB_STEPS} operations"
            " a job with classical logic may run; use fewer shots or a shorter program"
        )


def _wasm_module(cfl: object) -> WasmModule | None:
    if cfl is None:
        return None
    from ._wasm import WasmError, WasmModule, decode_cfl

    try:
        return WasmModule(decode_cfl(cfl))
    except WasmError as exc:
        raise JobRejected(INVALID_PROGRAM, f"Invalid WASM module: {exc}") from None


def _check_wasm(program: Any, wasm: WasmModule | None) -> None:
    functions = getattr(program, "wasm_functions", None)
    if not functions:
        return
    if wasm is None:
        names = ", ".join(sorted(functions))
        raise JobRejected(
            INVALID_PROGRAM, f"Invalid program: it calls WASM ({names}) but the job has no 'cfl'"
        )
    from ._wasm import WasmError

    for name, (n_in, n_out) in functions.items():
        try:
            wasm.check_function(name, n_in, n_out)
        except WasmError as exc:
            raise JobRejected(INVALID_PROGRAM, f"Invalid program: {exc}") from None


def _machine_qubits(doc: Mapping[str, Any]) -> int:
    return int(doc.get("n_qubits", 0))


def _parse_qir(text: str, machine: str, doc: Mapping[str, Any]) -> Any:
    from ._qasm import ProgramTooLarge
    from ._qir import decode_qir, parse_qir

    try:
        return parse_qir(decode_qir(text), max_qubits=_machine_qubits(doc))
    except ProgramTooLarge as exc:
        raise ProgramTooLarge(f"{exc}; {machine} has {_machine_qubits(doc)} qubits") from None


def _parse_qasm(text: str, machine: str, doc: Mapping[str, Any], *, force_shots: bool) -> Any:
    """The qiskit-aer path for plain circuits, the per-shot path for classical extensions."""
    from ._bounds import MAX_REGISTER_WIDTH, scan_qasm
    from ._qasm import MAX_EXPANDED_OPERATIONS, ProgramError, ProgramTooLarge, parse_program

    scan = scan_qasm(text, max_operations=MAX_EXPANDED_OPERATIONS)
    n_qubits = _machine_qubits(doc)
    if scan.n_qubits > n_qubits:
        raise ProgramTooLarge(f"Program uses {scan.n_qubits} qubits; {machine} has {n_qubits}")
    for name, width in scan.cregs.items():
        if width > MAX_REGISTER_WIDTH:
            raise ProgramTooLarge(
                f"Classical register '{name}' has width {width}; {machine} allows"
                f" {MAX_REGISTER_WIDTH}"
            )
    if scan.operations > MAX_EXPANDED_OPERATIONS:
        raise ProgramTooLarge(
            f"program expands to more than {MAX_EXPANDED_OPERATIONS} operations once its"
            " gate definitions are unrolled"
        )
    from ._hqs import parse_hqs

    if force_shots or _classical(text):
        return parse_hqs(text, scan.cregs)
    try:
        return parse_program(text, max_bytes=None)
    except ProgramError as first:
        try:  # e.g. a register named like a gate, which qiskit's reader refuses
            return parse_hqs(text, scan.cregs)
        except ProgramError:
            raise first from None


def _check_engine(
    program: Any, method: str, machine: str, doc: Mapping[str, Any], budget: int
) -> str:
    """The simulation method a job runs with; refuse one whose state would not fit.

    As qiskit-aer's automatic method does, a Clifford program asked for the state vector
    runs on the stabilizer engine (exact for it, and far faster per shot).
    """
    from ._qasm import ParsedProgram, ProgramTooLarge

    n = int(program.info.n_qubits)
    if method == "stabilizer":
        _check_clifford(program)
        return method
    per_shot = not isinstance(program, ParsedProgram)
    if per_shot and _is_clifford(program):
        return "stabilizer"
    need = STATE_BYTES_PER_AMPLITUDE * (3 if per_shot else 1) << n
    if need <= budget:
        return method
    if not per_shot and _is_clifford(program):
        return "stabilizer"  # as Aer's automatic method would, without the state vector
    raise ProgramTooLarge(
        f"a {n}-qubit state vector needs {_gib(need)} of memory; the emulator's budget is"
        f" {_gib(budget)}. Use options.simulator 'stabilizer' for Clifford circuits"
        f" (up to {machine}'s {int(doc.get('n_qubits', 0))} qubits) or fewer qubits"
    )


def _gib(n: int) -> str:
    return f"{n / 2**30:.3g} GiB"


def _is_clifford(program: Any) -> bool:
    from ._qasm import ProgramError

    try:
        _check_clifford(program)
    except ProgramError:
        return False
    return True


def _check_clifford(program: Any) -> None:
    """Refuse (`ProgramError`) a program with a gate the stabilizer engine cannot run."""
    from ._qasm import ParsedProgram

    if isinstance(program, ParsedProgram):
        from ._simulator import _compile

        if "stabilizer" not in program.compiled:
            program.compiled["stabilizer"] = _compile(program.circuit, "stabilizer")
        return
    import numpy as np

    from ._shots import ShotEngine

    engine = ShotEngine(1, method="stabilizer", noise_specs=None, rng=np.random.default_rng(0))
    for key, matrix in program.gate_matrices():
        engine.tableau(key, matrix)


def _check_limits(machine: str, doc: Mapping[str, Any], info: ProgramInfo) -> None:
    from ._bounds import MAX_REGISTER_WIDTH

    n_qubits = int(doc.get("n_qubits", 0))
    if info.n_qubits > n_qubits:
        raise _limit(f"Program uses {info.n_qubits} qubits; {machine} has {n_qubits}")
    max_regs = doc.get("n_classical_registers")
    if max_regs is not None and len(info.registers) > int(max_regs):
        raise _limit(
            f"Program declares {len(info.registers)} classical registers;"
            f" {machine} allows {max_regs}"
        )
    for name, width in info.registers.items():
        if width > MAX_REGISTER_WIDTH:
            raise _limit(
                f"Classical register '{name}' has width {width}; {machine} allows"
                f" {MAX_REGISTER_WIDTH}"
            )


def simulation_options(placement: Placement, options: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of `Simulator.run`/`iter_chunks` for a job's machine and options."""
    noisy = placement.is_hardware or options.get("error-model") is True
    seed = options.get("seed")
    return {
        "noise_specs": placement.hardware.get("noise_specs") if noisy else None,
        "seed": seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        "method": METHODS[str(options.get("simulator", "state-vector"))],
    }


def job_simulation_options(job: PreparedJob) -> dict[str, Any]:
    """`simulation_options` for a prepared job, with the method `prepare` settled on."""
    return {**simulation_options(job.placement, job.options), "method": job.method}
