"""`Emulator`: the one entry point that runs jobs, for the service's workers and offline mode.

`prepare(body)` checks a job request (the JSON body of `POST /v1/job`, including `cfl` for
WASM) against its machine, parses and prices it, or raises `JobRejected`;
`check_request(body)` makes only its checks that parse nothing. Parsing runs native code
(LLVM, wasmtime, qiskit's reader) on untrusted bytes: the service calls `prepare` only in
a limited process of its own (`quantinuum_api_server._admission`). `run(job)`
yields its results in chunks, register name -> one bitstring per shot, until `job.count`
shots are done; a failure while running also raises `JobRejected` (code 40 for a program
the engine cannot run, 41 for one beyond its limits). Stop iterating to cancel the rest.
Syntax checkers yield all-zero bitstrings per register, as the cloud returns.

`run` yields unsigned bitstrings (MSB first); the results codec (`_results`) signs
64-bit values as the cloud returns them (`signed_results`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ._errors import INVALID_PROGRAM, LIMIT_EXCEEDED, JobRejected
from ._execution import (
    DEFAULT_MAX_PROGRAM_BYTES,
    DEFAULT_MEMORY_BUDGET_BYTES,
    JobRequest,
    PreparedJob,
    check_request,
    job_simulation_options,
    prepare_job,
)
from ._machines import MachineCatalog
from ._rules import DEFAULT_MAX_RESULT_BITS

__all__ = ["Chunk", "Emulator"]

#: Results of some shots: register name -> one bitstring per shot (MSB first).
Chunk = dict[str, list[str]]


class Emulator:
    """Checks, prices and runs jobs on a set of machines; thread-safe and reusable."""

    def __init__(
        self,
        machines: MachineCatalog | Iterable[Mapping[str, Any]] | None = None,
        *,
        max_program_bytes: int = DEFAULT_MAX_PROGRAM_BYTES,
        memory_budget_bytes: int = DEFAULT_MEMORY_BUDGET_BYTES,
        max_result_bits: int = DEFAULT_MAX_RESULT_BITS,
    ) -> None:
        """`machines`: a catalogue, or machine documents for one (default: the built-in).

        `memory_budget_bytes`: the most memory one job's simulation state may take; a job
        whose state vector would not fit is refused in `prepare` (code 41), as is one whose
        results would hold more than `max_result_bits` bits (shots x classical bits).
        """
        self.catalog = (
            machines if isinstance(machines, MachineCatalog) else MachineCatalog(machines)
        )
        self.max_program_bytes = max_program_bytes
        self.memory_budget_bytes = memory_budget_bytes
        self.max_result_bits = max_result_bits
        self._simulator: Any = None
        self._lock = threading.Lock()

    def check_request(self, body: Mapping[str, Any]) -> JobRequest:
        """The checks of `prepare` that parse nothing (pure Python, cheap)."""
        return check_request(body, self.catalog, max_program_bytes=self.max_program_bytes)

    def prepare(self, body: Mapping[str, Any]) -> PreparedJob:
        """Check and price a job request; `JobRejected` if it cannot run as asked."""
        return prepare_job(
            body,
            self.catalog,
            max_program_bytes=self.max_program_bytes,
            memory_budget_bytes=self.memory_budget_bytes,
            max_result_bits=self.max_result_bits,
        )

    def run(
        self,
        job: PreparedJob,
        *,
        chunk_shots: int | None = None,
        chunk_growth: float = 1.0,
        progress_only: bool = False,
    ) -> Iterator[Chunk]:
        """Yield the job's results in chunks (all at once when `chunk_shots` is None).

        The first chunk has `chunk_shots` shots and each next one `chunk_growth` times as
        many. With `progress_only`, shots done at the same moment come as one chunk: a
        noiseless circuit's shots are all sampled from one run, so its results come
        whole. Syntax checkers yield all-zero bitstrings for every register.
        """
        first = chunk_shots or job.count
        if job.placement.is_syntax_checker:
            yield from _zeros(job, first, chunk_growth)
            return
        from ._qasm import ParsedProgram, ProgramError
        from ._shotprogram import ShotLimitError, iter_shot_chunks
        from ._simulator import SimulationError
        from ._wasm import WasmError, WasmLimitError

        options = job_simulation_options(job)
        if isinstance(job.program, ParsedProgram):
            chunks = self.simulator().iter_chunks(
                job.program,
                job.count,
                first,
                growth=chunk_growth,
                sliced=not progress_only,
                **options,
            )
        else:
            chunks = iter_shot_chunks(
                job.program, job.count, first, growth=chunk_growth, wasm=job.wasm, **options
            )
        try:
            yield from chunks
        except WasmLimitError as exc:
            raise JobRejected(LIMIT_EXCEEDED, str(exc)) from None
        except (ProgramError, WasmError) as exc:  # e.g. a non-Clifford gate, a WASM trap
            raise JobRejected(INVALID_PROGRAM, str(exc)) from None
        except (SimulationError, ShotLimitError, MemoryError) as exc:
            raise JobRejected(LIMIT_EXCEEDED, str(exc) or "out of memory") from None

    def simulator(self) -> Any:
        """The warm simulator runs share (created on first use)."""
        with self._lock:
            if self._simulator is None:
                from ._simulator import Simulator

                self._simulator = Simulator()
            return self._simulator


def _zeros(job: PreparedJob, first: int, growth: float) -> Iterator[Chunk]:
    registers = job.program.info.registers
    done, chunk = 0, float(first)
    while done < job.count:
        size = min(int(chunk), job.count - done)
        yield {name: ["0" * width] * size for name, width in registers.items()}
        done += size
        chunk *= max(growth, 1.0)
