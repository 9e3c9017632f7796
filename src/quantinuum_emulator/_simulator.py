"""Run parsed programs on qiskit-aer: one warm simulator, cached compilation and noise models.

Importing this module does not import qiskit (the service and the SDK's offline mode import
it at start-up); the first `Simulator` call does.

Compilation (once per program and method, cached on the `ParsedProgram`) unrolls every gate
that is not an Aer gate of the target gate set through its definition, keeps one- and
two-qubit standard gates as they are (so the noise model sees one gate per gate written),
turns the native `Rxxyyzz` into a 4x4 unitary labelled `rxxyyzz` (one two-qubit error),
drops barriers, and keeps classical `if` as Aer control flow. For the stabilizer method each
non-Clifford-named gate is replaced by its Clifford circuit, or refused if it is not Clifford.

The "statevector" method runs on Aer's automatic method (exact: it uses the state-vector
engine, or the faster stabilizer engine for Clifford circuits, as a bare `AerSimulator()`
does), with shot branching on. Readout errors are applied to each shot's bits after the
run, except in circuits with control flow, which run without branching (see `_Noise`).
Noise models only carry errors for the gates a circuit uses.
"""

from __future__ import annotations

import json
import random
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ._noise import NOISY_1Q_GATES, NOISY_2Q_GATES, noise_model_from_specs
from ._qasm import ParsedProgram, ProgramError

if TYPE_CHECKING:
    from qiskit.circuit import QuantumCircuit

__all__ = ["SIMULATOR_METHODS", "SimulationError", "Simulator", "simulator_method"]

SIMULATOR_METHODS = {
    "statevector": "statevector",
    "state-vector": "statevector",
    "stabilizer": "stabilizer",
}
"""Accepted method names (including the job option spellings) -> Aer method."""

_STATEVECTOR_GATES = frozenset(NOISY_1Q_GATES) | (frozenset(NOISY_2Q_GATES) - {"rxxyyzz"})
_STABILIZER_GATES = frozenset(
    {"id", "x", "y", "z", "h", "s", "sdg", "sx", "sxdg", "cx", "cy", "cz", "swap"}
)
_NON_GATES = frozenset({"measure", "reset"})
_MAX_SEED = 2**31 - 1
_NOISE_CACHE_SIZE = 64


class SimulationError(RuntimeError):
    """The simulator failed to run a valid program (for example, not enough memory)."""


def simulator_method(name: str | None) -> str:
    """Map a method or job-option name (`state-vector`, `stabilizer`...) to Aer's name."""
    if name is None:
        return "statevector"
    try:
        return SIMULATOR_METHODS[name.lower()]
    except (KeyError, AttributeError):
        allowed = ", ".join(sorted(SIMULATOR_METHODS))
        raise ValueError(f"unknown simulator {name!r}; expected one of: {allowed}") from None


class Simulator:
    """A thread-safe, reusable qiskit-aer runner for `ParsedProgram`s.

    Runs are serialized (Aer already uses every core for one run); compilation results and
    noise models are cached.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards the caches and backend creation
        self._run_lock = threading.Lock()  # one Aer run at a time
        self._backends: dict[str, Any] = {}
        self._noise_models: OrderedDict[str, Any] = OrderedDict()

    # --- public API -----------------------------------------------------------------------

    def warm_up(self) -> None:
        """Import qiskit-aer and run a one-qubit circuit, so the first job starts fast."""
        from qiskit import QuantumCircuit

        circuit = QuantumCircuit(1, 1)
        circuit.measure(0, 0)
        backend = self._backend("statevector")
        with self._run_lock:
            backend.run(circuit, shots=1, memory=True).result()

    def run(
        self,
        program: ParsedProgram,
        shots: int,
        *,
        noise_specs: Mapping[str, Any] | None = None,
        seed: int | None = None,
        method: str = "statevector",
    ) -> dict[str, list[str]]:
        """Run `shots` shots; return register name -> one bitstring per shot (MSB first)."""
        _check_count("shots", shots, minimum=0)
        _check_seed(seed)
        method = simulator_method(method)
        circuit = self._compiled(program, method)
        noise = self._noise_model(noise_specs, program, method)
        return self._execute(program, circuit, shots, noise, _aer_seed(seed), method)

    def iter_chunks(
        self,
        program: ParsedProgram,
        shots: int,
        chunk_shots: int,
        *,
        noise_specs: Mapping[str, Any] | None = None,
        seed: int | None = None,
        method: str = "statevector",
        growth: float = 1.0,
        sliced: bool = True,
    ) -> Iterator[dict[str, list[str]]]:
        """Run `shots` shots in chunks, yielding each chunk's result.

        The first chunk has `chunk_shots` shots and each next one `growth` times as many
        (1.0: all the same size), so early partial results come fast while a long job
        pays the per-run cost only O(log shots) times. Each chunk gets its own seed
        (derived from `seed`, or random if `seed` is None), so chunks differ; stop
        iterating to cancel the rest. A noiseless run samples every shot at once: it
        comes as slices of that one run, or whole unless `sliced`.
        """
        if growth < 1.0:
            raise ValueError(f"growth must be >= 1, got {growth!r}")
        _check_count("shots", shots, minimum=0)
        _check_count("chunk_shots", chunk_shots, minimum=1)
        _check_seed(seed)
        method = simulator_method(method)
        circuit = self._compiled(program, method)
        noise = self._noise_model(noise_specs, program, method)
        seeds = random.Random(seed) if seed is not None else None  # noqa: S311 - not crypto
        sizes = _chunk_sizes(shots, chunk_shots, growth)
        if noise is None and len(sizes) > 1:
            # Noiseless: one run computes the state once and samples every shot (a run per
            # chunk recomputed it: 14 qubits, 1,000 shots took 24.6 ms against 10.4 ms);
            # the chunks are then slices of it. Noisy runs cost per shot anyway.
            chunk_seed = seeds.randint(0, _MAX_SEED) if seeds is not None else None
            every = self._execute(program, circuit, shots, noise, chunk_seed, method)
            if not sliced:
                yield every
                return
            done = 0
            for size in sizes:
                yield {name: bits[done : done + size] for name, bits in every.items()}
                done += size
            return
        for size in sizes:
            chunk_seed = seeds.randint(0, _MAX_SEED) if seeds is not None else None
            yield self._execute(program, circuit, size, noise, chunk_seed, method)

    # --- internals ------------------------------------------------------------------------

    def _backend(self, method: str, *, branching: bool = True) -> Any:
        key = f"{method}:{'branching' if branching else 'per-shot'}"
        with self._lock:
            backend = self._backends.get(key)
            if backend is None:
                from qiskit_aer import AerSimulator

                # "statevector" runs on Aer's automatic method: it simulates exactly as the
                # statevector method does but picks a faster exact engine where one applies
                # (stabilizer for Clifford circuits), as a bare AerSimulator() does.
                # Shot branching simulates shots together until a mid-circuit measurement
                # makes them differ: 20x faster for programs with `if` or noise. `_execute`
                # turns it off where it would correlate shots (see `_Noise`).
                backend = AerSimulator(
                    method="automatic" if method == "statevector" else method,
                    shot_branching_enable=branching,
                )
                self._backends[key] = backend
            return backend

    def _noise_model(
        self, noise_specs: Mapping[str, Any] | None, program: ParsedProgram, method: str
    ) -> Any:
        if noise_specs is None:
            return None
        gates = program.compiled.get(f"{method}:gates")
        if gates is None:
            gates = frozenset(_gate_names(program.compiled[method]))
            program.compiled[f"{method}:gates"] = gates
        readout = None
        if not _has_control_flow(program.compiled[method]):
            readout = _readout_error(noise_specs)
            if readout is not None:
                noise_specs = {k: v for k, v in noise_specs.items() if k != "spam_error"}
        try:
            key = json.dumps([noise_specs, sorted(gates)], sort_keys=True, default=repr)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"noise_specs is not a JSON-like mapping: {exc}") from None
        with self._lock:
            model = self._noise_models.get(key)
            if model is not None:
                self._noise_models.move_to_end(key)
                return _Noise(model, readout)
        model = noise_model_from_specs(noise_specs, gates)
        with self._lock:
            self._noise_models[key] = model
            while len(self._noise_models) > _NOISE_CACHE_SIZE:
                self._noise_models.popitem(last=False)
        return _Noise(model, readout)

    def _compiled(self, program: ParsedProgram, method: str) -> QuantumCircuit:
        cached = program.compiled.get(method)
        if cached is None:
            cached = _compile(program.circuit, method)
            with self._lock:
                program.compiled.setdefault(method, cached)
        return cached

    def _execute(
        self,
        program: ParsedProgram,
        circuit: QuantumCircuit,
        shots: int,
        noise: Any,
        seed: int | None,
        method: str,
    ) -> dict[str, list[str]]:
        registers = program.info.registers
        if shots == 0 or not registers:
            return {name: [] for name in registers}
        # Shot branching is exact without noise and with gate errors alone; combined with
        # readout errors qiskit-aer 0.18 correlates shots (see `_Noise`), so readout errors
        # are then applied here, or branching is turned off where a condition reads a bit.
        branching = noise is None or noise.readout is not None
        backend = self._backend(method, branching=branching)
        options: dict[str, Any] = {"shots": shots, "memory": True}
        if seed is not None:
            options["seed_simulator"] = seed
        if noise is not None:
            options["noise_model"] = noise.model
        try:
            with self._run_lock:
                memory = _run_aer(backend, circuit, options)
        except SimulationError:
            raise
        except Exception as exc:  # Aer reports failures as assorted exception types
            raise SimulationError(f"simulation failed: {exc}") from exc
        if memory is None:  # no measurement at all: every register reads all zeros
            return {name: ["0" * width] * shots for name, width in registers.items()}
        if noise is not None and noise.readout is not None:
            memory = _flip_readout(memory, _measured_clbits(circuit), noise.readout, seed)
        return _split_memory(memory, _register_layout(circuit, registers))


def _run_aer(backend: Any, circuit: QuantumCircuit, options: dict[str, Any]) -> list[str] | None:
    """Run one circuit on an Aer backend; its per-shot memory (hex strings), or None when
    nothing was measured.

    `backend.run(...).result()` hands the run to Aer's job thread and builds a qiskit
    `Result` of the output: for a 10-shot Bell circuit that took 1.7 ms of which Aer's own
    work (compile, assemble, execute) was 0.6 ms. Where the installed qiskit-aer has it,
    the job function `run` itself calls is called directly, without the thread and the
    `Result` (measured: qiskit-aer 0.18.2); otherwise the public path is taken.
    """
    direct = _direct_runner(backend)
    if direct is None:
        result = backend.run(circuit, **options).result()
        if not result.success:
            raise SimulationError(f"simulation failed: {result.status}")
        memory = getattr(result.results[0].data, "memory", None)
        return None if memory is None else list(memory)
    output = direct([circuit], None, dict(options), "", format_result=False)
    results = output.get("results") or [{}]
    if not output.get("success", False) or not results[0].get("success", False):
        raise SimulationError(
            f"simulation failed: {results[0].get('status') or output.get('status')}"
        )
    memory = results[0].get("data", {}).get("memory")
    return None if memory is None else list(memory)


_DIRECT: dict[type, bool] = {}


def _direct_runner(backend: Any) -> Any:
    """The backend's job function (`_execute_circuits_job`) if it takes `format_result`."""
    kind = type(backend)
    usable = _DIRECT.get(kind)
    if usable is None:
        import inspect

        function = getattr(kind, "_execute_circuits_job", None)
        try:
            names = tuple(inspect.signature(function).parameters) if function else ()
        except (TypeError, ValueError):
            names = ()
        wanted = ("self", "circuits", "parameter_binds", "run_options", "job_id")
        usable = _DIRECT[kind] = names[:5] == wanted and "format_result" in names
    return backend._execute_circuits_job if usable else None


class _Noise:
    """A noise model, and the readout error (P(1|0), P(0|1)) applied after the run if any.

    Measured with qiskit-aer 0.18.2 (12-qubit GHZ, 3000 shots, readout error 1 % and
    dephasing 1 %): with shot branching one outcome, a single flipped bit, took 621
    shots (21 %) against 20 without branching; with readout and gate errors branching
    lost a third of the errors (489 non-ideal shots against 751). Readout errors only
    change the recorded bit, so applying them to each shot's bits afterwards is exact
    when nothing reads a measured bit during the run (no control flow).
    """

    def __init__(self, model: Any, readout: tuple[float, float] | None) -> None:
        self.model = model
        self.readout = readout


def _readout_error(noise_specs: Mapping[str, Any]) -> tuple[float, float] | None:
    block = noise_specs.get("spam_error")
    if not isinstance(block, Mapping):
        return None
    values = []
    for key in ("p_meas_0", "p_meas_1"):
        value = block.get(key) or 0.0
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValueError(f"noise_specs.spam_error.{key} must be a probability: {value!r}")
        values.append(float(value))
    return (values[0], values[1]) if any(values) else None


def _has_control_flow(circuit: QuantumCircuit) -> bool:
    return any(getattr(inst.operation, "blocks", None) is not None for inst in circuit.data)


def _measured_clbits(circuit: QuantumCircuit) -> list[int]:
    return sorted(
        {
            circuit.find_bit(clbit).index
            for inst in circuit.data
            if inst.operation.name == "measure"
            for clbit in inst.clbits
        }
    )


def _flip_readout(
    memory: list[str], measured: list[int], readout: tuple[float, float], seed: int | None
) -> list[str]:
    """Flip each measured bit of each shot with P(1|0) or P(0|1), independently."""
    import numpy as np

    if not measured:
        return memory
    rng = np.random.default_rng(None if seed is None else [seed, 0x5EAD])
    values = [int(v, 16) for v in memory]
    bits = np.array([[(v >> c) & 1 for c in measured] for v in values], dtype=bool)
    flips = rng.random(bits.shape) < np.where(bits, readout[1], readout[0])
    out = list(memory)
    for shot in np.flatnonzero(flips.any(axis=1)):
        value = values[shot]
        for column in np.flatnonzero(flips[shot]):
            value ^= 1 << measured[column]
        out[shot] = hex(value)
    return out


def _register_layout(
    circuit: QuantumCircuit, registers: Mapping[str, int]
) -> list[tuple[str, int, int]]:
    """(name, lowest clbit index, width) per register, in declaration order."""
    by_name = {reg.name: reg for reg in circuit.cregs}
    layout = []
    for name, width in registers.items():
        offset = circuit.find_bit(by_name[name][0]).index if width else 0
        layout.append((name, offset, width))
    return layout


def _split_memory(memory: list[str], layout: list[tuple[str, int, int]]) -> dict[str, list[str]]:
    """Turn Aer's per-shot hex values into one MSB-first bitstring per register and shot.

    Bit i of a shot's value is clbit i; each distinct value is decoded once per register.
    """
    distinct = set(memory)
    split: dict[str, list[str]] = {}
    for name, offset, width in layout:
        if width == 0:
            split[name] = [""] * len(memory)
            continue
        mask, spec = (1 << width) - 1, f"0{width}b"
        table = {value: format((int(value, 16) >> offset) & mask, spec) for value in distinct}
        split[name] = list(map(table.__getitem__, memory))
    return split


def _chunk_sizes(shots: int, first: int, growth: float) -> list[int]:
    """Shots per chunk: `first`, then each `growth` times the last, up to `shots` in all."""
    sizes: list[int] = []
    done, chunk = 0, float(first)
    while done < shots:
        size = min(int(chunk), shots - done)
        sizes.append(size)
        done += size
        chunk *= growth
    return sizes


def _check_count(name: str, value: int, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, not {value!r}")


def _check_seed(seed: int | None) -> None:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"seed must be an integer or None, not {seed!r}")


def _aer_seed(seed: int | None) -> int | None:
    """A job's seed as Aer's, in [0, 2**31), through a hash.

    Aer seeds shot i with seed + i, so passing seeds straight through would make the job
    seeded s + 1 replay all but one shot of the job seeded s.
    """
    if seed is None:
        return None
    return random.Random(f"aer:{seed}").randint(0, _MAX_SEED)  # noqa: S311 - not crypto


# --- compilation ----------------------------------------------------------------------------


def _compile(circuit: QuantumCircuit, method: str) -> QuantumCircuit:
    out = circuit.copy_empty_like()
    out.global_phase = 0
    _unroll_into(out, circuit, None, method)
    return out


def _unroll_into(
    out: QuantumCircuit, source: QuantumCircuit, qubit_map: dict[Any, Any] | None, method: str
) -> None:
    """Append `source`'s operations to `out`, unrolled to the method's gate set."""
    keep = _STATEVECTOR_GATES if method == "statevector" else _STABILIZER_GATES
    for inst in source.data:
        op = inst.operation
        qubits = inst.qubits if qubit_map is None else [qubit_map[q] for q in inst.qubits]
        name = op.name
        if name == "barrier":
            continue
        if name in keep or name in _NON_GATES:
            out._append(inst.replace(qubits=qubits))
            continue
        blocks = getattr(op, "blocks", None)
        if blocks is not None:  # classical control flow: unroll inside each block
            new_blocks = []
            for block in blocks:
                new_block = block.copy_empty_like()
                new_block.global_phase = 0
                _unroll_into(new_block, block, None, method)
                new_blocks.append(new_block)
            out.append(op.replace_blocks(new_blocks), qubits, inst.clbits, copy=False)
            continue
        if method == "statevector" and name == "rxxyyzz":
            from qiskit.circuit.library import UnitaryGate

            matrix = op.to_matrix()
            out.append(UnitaryGate(matrix, label="rxxyyzz", check_input=False), qubits, copy=False)
            continue
        if method == "stabilizer":
            replacement = _clifford_circuit(op)
            if replacement is not None:
                _unroll_into(
                    out, replacement, dict(zip(replacement.qubits, qubits, strict=True)), method
                )
                continue
            if op.num_qubits <= 2 or op.definition is None:
                raise ProgramError(
                    f"gate '{_display_name(op)}' is not a Clifford operation, which the "
                    "stabilizer simulator cannot run; use the state-vector simulator"
                )
        definition = op.definition
        if definition is None:
            raise ProgramError(f"gate '{_display_name(op)}' has no definition to simulate")
        _unroll_into(out, definition, dict(zip(definition.qubits, qubits, strict=True)), method)


def _gate_names(circuit: QuantumCircuit) -> Iterator[str]:
    """Names of the operations in a compiled circuit (labels for labelled unitaries)."""
    for inst in circuit.data:
        op = inst.operation
        blocks = getattr(op, "blocks", None)
        if blocks is not None:
            for block in blocks:
                if block is not None:
                    yield from _gate_names(block)
        else:
            yield op.label if op.name == "unitary" and op.label else op.name


def _clifford_circuit(op: Any) -> QuantumCircuit | None:
    from qiskit.exceptions import QiskitError
    from qiskit.quantum_info import Clifford

    try:
        return Clifford(op).to_circuit()
    except (QiskitError, TypeError, ValueError):
        return None


def _display_name(op: Any) -> str:
    params = ", ".join(f"{float(p):.6g}" for p in op.params if isinstance(p, int | float))
    return f"{op.name}({params})" if params else str(op.name)
