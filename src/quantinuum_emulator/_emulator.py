"""`Emulator`: the one entry point that runs jobs, for the service's workers and offline mode.

`prepare(body)` checks a job request (the JSON body of `POST /v1/job`) against its machine,
parses and prices it, or raises `JobRejected`. `run(job)` yields its results in chunks,
register name -> one bitstring per shot, until `job.count` shots are done; a failure while
running also raises `JobRejected` (code 40 for a program the engine cannot run, 41 for
one beyond its limits). Stop iterating to cancel the rest.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ._errors import INVALID_PROGRAM, LIMIT_EXCEEDED, JobRejected
from ._execution import (
    DEFAULT_MAX_PROGRAM_BYTES,
    PreparedJob,
    prepare_job,
    simulation_options,
)
from ._machines import MachineCatalog

__all__ = ["Emulator"]

#: Results of some shots: register name -> one bitstring per shot (MSB first).
Chunk = dict[str, list[str]]


class Emulator:
    """Checks, prices and runs jobs on a set of machines; thread-safe and reusable."""

    def __init__(
        self,
        machines: MachineCatalog | Iterable[Mapping[str, Any]] | None = None,
        *,
        max_program_bytes: int = DEFAULT_MAX_PROGRAM_BYTES,
    ) -> None:
        """`machines`: a catalogue, or machine documents for one (default: the built-in)."""
        self.catalog = (
            machines if isinstance(machines, MachineCatalog) else MachineCatalog(machines)
        )
        self.max_program_bytes = max_program_bytes
        self._simulator: Any = None
        self._lock = threading.Lock()

    def prepare(self, body: Mapping[str, Any]) -> PreparedJob:
        """Check and price a job request; `JobRejected` if it cannot run as asked."""
        return prepare_job(body, self.catalog, max_program_bytes=self.max_program_bytes)

    def run(
        self,
        job: PreparedJob,
        *,
        chunk_shots: int | None = None,
        chunk_growth: float = 1.0,
    ) -> Iterator[Chunk]:
        """Yield the job's results in chunks (all at once when `chunk_shots` is None).

        The first chunk has `chunk_shots` shots and each next one `chunk_growth` times as
        many. Syntax checkers yield nothing: they only price a job.
        """
        if job.placement.is_syntax_checker:
            return
        from ._qasm import ProgramError
        from ._simulator import SimulationError

        chunks = self.simulator().iter_chunks(
            job.program,
            job.count,
            chunk_shots or job.count,
            growth=chunk_growth,
            **simulation_options(job.placement, job.options),
        )
        try:
            yield from chunks
        except ProgramError as exc:  # e.g. a non-Clifford gate with `simulator: stabilizer`
            raise JobRejected(INVALID_PROGRAM, str(exc)) from None
        except SimulationError as exc:  # e.g. too many qubits for the state vector
            raise JobRejected(LIMIT_EXCEEDED, str(exc)) from None

    def simulator(self) -> Any:
        """The warm simulator runs share (created on first use)."""
        with self._lock:
            if self._simulator is None:
                from ._simulator import Simulator

                self._simulator = Simulator()
            return self._simulator
