"""`Checker`: job programs are parsed in limited processes of their own, never in the API
process.

A job's program is untrusted bytes that native code reads: QIR bitcode through LLVM
(pyqir), WASM modules through wasmtime, OpenQASM through qiskit's reader. Malformed input
can crash that code: a few hundred random byte changes to a 2.3 KB Bell bitcode find
inputs that kill LLVM with SIGSEGV or SIGABRT ("LLVM ERROR: out of memory"), and a crash
in the API process takes the whole service down. So the API process makes only the cheap,
pure-Python checks (`Emulator.check_request`: machine, shots, language, size, options)
and hands the body to a checker process, forked by the workers' fork server, which runs
`Emulator.prepare` (every rule of the job's content, up to the size of its results) and
answers with what admission needs (cost, qubits, registers) and,
for a plain circuit, the prepared job pickled for its worker (so the worker does not
parse it again).

Each checker runs at the workers' lower CPU priority, with limits:
- memory: its address space may grow `check_memory_limit` bytes beyond what it had when
  it started (RLIMIT_AS), so an allocation past that fails in the checker (a MemoryError,
  or native code aborting);
- CPU time: `check_time_limit` seconds per program (RLIMIT_CPU, raised before each);
- wall clock: the API process waits `check_time_limit` seconds for the answer, then
  kills the checker.

A checker that dies, runs out of a limit or answers garbage is killed and replaced, the
submission is refused with 400 (code 40 when the parser crashed, 41 at a limit), and the
API process goes on answering. At most `processes` programs are checked at once; other
submissions wait for a free checker.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import pickle
import signal
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from quantinuum_emulator import (
    DEFAULT_MAX_RESULT_BITS,
    INVALID_PROGRAM,
    LIMIT_EXCEEDED,
    JobRejected,
    MachineCatalog,
)

from ._workers import CHECKER, _Child, _zygote

__all__ = ["HANDOFF_BYTES", "Admission", "Checker", "checker_main"]

logger = logging.getLogger(__name__)

#: Programs up to this size whose prepared job pickles (plain circuits without WASM) are
#: handed to their worker as the checker prepared them: a 14-qubit, 8-layer program takes
#: 3.5 ms to pickle and unpickle against 9-10 ms to prepare again.
HANDOFF_BYTES = 256 * 1024


@dataclass(frozen=True)
class Admission:
    """What a checker found in a job's program."""

    cost: float
    qubits: int
    #: Classical registers: name -> width in bits.
    registers: dict[str, int]
    #: The prepared job, pickled for its worker (None: the worker prepares the body).
    prepared: bytes | None


class _Process:
    """One checker process and the API process's end of its socket."""

    def __init__(self, settings: tuple[Any, ...]) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.child = _Child(_zygote.fork(theirs, CHECKER))
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self.conn.send(settings)

    def discard(self) -> None:
        self.child.kill()
        self.child.join(2.0)
        self.child.close()
        self.conn.close()


class Checker:
    """Checks job requests in checker processes (see the module docstring); thread-safe."""

    def __init__(
        self,
        catalog: MachineCatalog,
        *,
        max_program_bytes: int,
        processes: int = 2,
        time_limit: float = 20.0,
        memory_limit: int | None = 2 * 2**30,
        max_result_bits: int = DEFAULT_MAX_RESULT_BITS,
    ) -> None:
        self._settings = (catalog, max_program_bytes, max_result_bits, memory_limit, time_limit)
        self._time_limit = time_limit
        self._slots = threading.BoundedSemaphore(max(1, processes))
        self._idle: list[_Process] = []
        self._lock = threading.Lock()
        self._closed = False

    def check(self, body: Mapping[str, Any]) -> Admission:
        """Parse, check and price a job request in a checker; `JobRejected` if refused."""
        with self._slots:
            process = self._take()
            try:
                reply, healthy = self._ask(process, body)
            except BaseException:
                process.discard()
                raise
            if healthy:
                self._give(process)
            else:
                process.discard()
        if isinstance(reply, JobRejected):
            raise reply
        return reply

    def warm(self) -> None:
        """Start one checker now (the first submission then does not wait for it)."""
        with self._slots:
            self._give(self._take())

    def reopen(self) -> None:
        """Allow checkers to run again after `close`."""
        with self._lock:
            self._closed = False

    def close(self) -> None:
        """Kill the idle checkers; busy ones end when their program is checked."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for process in idle:
            process.discard()

    def pids(self) -> list[int]:
        """The process ids of the idle checkers (tests)."""
        with self._lock:
            return [process.child.pid for process in self._idle if process.child.is_alive()]

    def _take(self) -> _Process:
        with self._lock:
            while self._idle:
                process = self._idle.pop()
                if process.child.is_alive():
                    return process
                process.discard()
        return _Process(self._settings)

    def _give(self, process: _Process) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(process)
                return
        process.discard()

    def _ask(
        self, process: _Process, body: Mapping[str, Any]
    ) -> tuple[Admission | JobRejected, bool]:
        """(an `Admission` or a `JobRejected`, whether the checker may be used again)."""
        try:
            process.conn.send(dict(body))
            if not process.conn.poll(self._time_limit):
                return _limit(f"it was not checked within {self._time_limit:g} s"), False
            message = process.conn.recv()
        except (EOFError, OSError):
            logger.warning("a program stopped its checker process (pid %d)", process.child.pid)
            return JobRejected(
                INVALID_PROGRAM,
                "Invalid program: its parser failed on it (the program is malformed, or it"
                " needs more memory or time than a check may take)",
            ), False
        kind = message[0] if isinstance(message, tuple) and message else None
        if kind == "ok":
            _, cost, qubits, registers, prepared = message
            return Admission(float(cost), int(qubits), dict(registers), prepared), True
        if kind == "rejected":
            return JobRejected(int(message[1]), str(message[2])), bool(message[3])
        logger.error("a checker could not check a program: %s", message)
        return JobRejected(INVALID_PROGRAM, "Invalid program: it could not be checked"), False


def _limit(why: str) -> JobRejected:
    return JobRejected(LIMIT_EXCEEDED, f"Program too large to check: {why}")


# -- the checker process --------------------------------------------------------------
def checker_main(conn: Connection) -> None:
    """A checker process: answer each job body received on `conn` (see the docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    catalog, max_program_bytes, max_result_bits, memory_limit, time_limit = conn.recv()
    from quantinuum_emulator import Emulator

    emulator = Emulator(
        catalog, max_program_bytes=max_program_bytes, max_result_bits=max_result_bits
    )
    _limit_resources(memory_limit)
    while True:
        try:
            body = conn.recv()
        except EOFError:
            return
        _limit_cpu(time_limit)
        reply, healthy = _check(emulator, body)
        conn.send(reply)
        if not healthy:
            return  # after a MemoryError, a fresh process is safer than this one


def _check(emulator: Any, body: Mapping[str, Any]) -> tuple[tuple[Any, ...], bool]:
    try:
        job = emulator.prepare(body)
    except JobRejected as exc:
        return ("rejected", exc.code, exc.text, True), True
    except MemoryError:
        text = "Program too large to check: it needs more memory than a check may take"
        return ("rejected", LIMIT_EXCEEDED, text, False), False
    except RecursionError:
        text = "Invalid program: it is nested too deeply"
        return ("rejected", INVALID_PROGRAM, text, False), False
    except Exception as exc:  # a parser's own error: the program is bad, the checker fine
        text = f"Invalid program: {type(exc).__name__}: {str(exc)[:300]}"
        return ("rejected", INVALID_PROGRAM, text, True), True
    info = job.program.info
    return ("ok", job.cost, int(info.n_qubits), dict(info.registers), _handoff(job, body)), True


def _handoff(job: Any, body: Mapping[str, Any]) -> bytes | None:
    """The prepared job pickled for its worker, for plain circuits (a program run shot by
    shot, or with WASM, holds objects that do not pickle: its worker prepares it)."""
    if not job.picklable:
        return None
    if len(str(body.get("program", ""))) > HANDOFF_BYTES:
        return None
    try:
        return pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return None


def _limit_resources(memory_limit: int | None) -> None:
    import resource

    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash leaves no core file
    if memory_limit is None:
        return
    size = _address_space()
    if size is None:
        return
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (size + memory_limit, size + memory_limit))


def _limit_cpu(seconds: float) -> None:
    """Let the next program use `seconds` of CPU time from now (SIGXCPU ends it then)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    soft = math.ceil(used + seconds)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))


def _address_space() -> int | None:
    """This process's virtual memory size in bytes (Linux `/proc`), or None."""
    try:
        with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None
