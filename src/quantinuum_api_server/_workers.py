"""`Worker`: one job-running process, driven by a supervisor thread of the API process.

Simulations never run in the API process. Workers are forked by a fork server (`_Zygote`:
a fresh interpreter, started once per API process, that has imported the emulator and
its engine), so a fresh worker is ready in milliseconds and the threaded API process is
never forked. The worker re-prepares the job from its stored body with
`Emulator.prepare` and streams `Emulator.run`'s chunks back over a socket, packed
(`quantinuum_emulator.pack_chunk`). The supervisor enforces the job's limits from outside:

- memory: the worker's resident set is read every `POLL_SECONDS`; over the limit the
  worker is killed and the job fails (the kernel OOM killer would take the service);
- time: a job running past its limit is killed and fails;
- cancel and service stop: the worker is killed at once (SIGKILL; no cooperation
  needed) and a fresh one is forked for the next job;
- a worker that dies by itself is reported as a crash (`Outcome.kind == "crashed"`) and
  the service decides whether to retry.

Workers ignore SIGINT and SIGTERM (a Ctrl-C in the terminal reaches the whole process
group; the service stops them itself), end when the API process is gone, and run at a
lower CPU priority than the API process, so requests stay fast while a heavy job uses
every core.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from quantinuum_emulator import DEFAULT_MAX_RESULT_BITS, Layout, MachineCatalog, pack_chunk

__all__ = ["CHECKER", "WORKER", "Outcome", "Worker", "prestart"]

logger = logging.getLogger(__name__)

#: How often the supervisor checks the child's memory, the clock and cancel requests.
POLL_SECONDS = 0.05
#: A worker's size is read for `recycle_rss` after a job that ran this long, and after
#: every `RECYCLE_CHECK_JOBS`-th shorter one (a job of a few milliseconds can grow the
#: heap by little, and reading /proc took ~9% of a tiny job's supervisor time).
RECYCLE_CHECK_SECONDS = 0.01
RECYCLE_CHECK_JOBS = 32

#: Modules the fork server imports (only imports: running anything there could start
#: thread pools that its forked workers would not have).
_PRELOAD = (
    "quantinuum_emulator._emulator",
    "quantinuum_emulator._execution",
    "quantinuum_emulator._qasm",
    "quantinuum_emulator._simulator",
    "quantinuum_emulator._noise",
    "quantinuum_emulator._cost",
    "quantinuum_emulator._qir",
    "quantinuum_emulator._hqs",
    "quantinuum_emulator._wasm",
    "quantinuum_api_server._admission",
    "qiskit_aer",
    "numpy",
    "pyqir",
    "wasmtime",
)


#: The workers' environment, unless the user set these. qiskit-aer's OpenMP threads
#: (libgomp) otherwise spin after each parallel region, waiting for the next: measured
#: per tiny job 11.9-12.3 ms of a worker's CPU against 2.2-2.5 ms with passive waiting,
#: CPU the API process and its clients then lacked on a 2-core machine; 14- and 18-qubit
#: jobs took the same time either way. libgomp reads this when it is loaded, so it is set
#: before the fork server imports qiskit-aer.
_WORKER_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}


#: How much lower than the API process's the CPU priority of workers and checkers is.
NICENESS = 10

#: What a fork request's byte asks for: a job worker, or a program checker.
WORKER, CHECKER = b"f", b"c"


def _zygote_main(control_fd: int) -> None:
    """The fork server: import the engine once, then fork a worker per request.

    A request is one byte (`WORKER` or `CHECKER`: what the child runs) carrying
    (SCM_RIGHTS) the child's end of its socket; the reply is the new child's pid. Ends
    when the API process closes the control socket."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the workers
    # Workers and checkers inherit a lower CPU priority: requests stay fast while a heavy
    # job or a big program's check uses every core.
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    for module in _PRELOAD:
        try:
            __import__(module)
        except Exception:  # a module that moved: its worker imports what it needs
            logger.debug("fork server: cannot preload %s", module, exc_info=True)
    control = socket.socket(fileno=control_fd)
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 1, 1)
        except OSError:
            data, fds = b"", []
        if data not in (WORKER, CHECKER) or not fds:
            os._exit(0)
        server = os.getpid()
        pid = os.fork()
        if pid == 0:
            control.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _die_with_fork_server(server)
            code = 1
            try:
                _child_mains()[data](Connection(fds[0]))
                code = 0
            finally:
                os._exit(code)
        os.close(fds[0])
        try:
            control.sendall(struct.pack("!q", pid))
        except OSError:  # the API process is gone (or stopping): so are we
            os._exit(0)


def _child_mains() -> dict[bytes, Callable[[Connection], None]]:
    from ._admission import checker_main

    return {WORKER: _child_main, CHECKER: checker_main}


class _Zygote:
    """The API process's handle on its fork server (started once, on first use).

    Multiprocessing's own `forkserver` would do, but it runs the user's main module again
    in every worker (a script that starts a `LocalServer` without an
    `if __name__ == "__main__"` guard would start one per worker); this one imports
    only the engine. It is a fresh interpreter, never a fork of the threaded API process.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None

    def _start_locked(self) -> None:
        self._stop_locked()
        ours, theirs = socket.socketpair()
        code = (
            "import sys; sys.path[:] = sys.argv[2:];"
            " from quantinuum_api_server._workers import _zygote_main;"
            " _zygote_main(int(sys.argv[1]))"
        )
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", code, str(theirs.fileno()), *sys.path],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            env={**_WORKER_ENV, **os.environ},  # what the user set wins
        )
        theirs.close()
        self._control = ours

    def _stop_locked(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(1.0)
            self._proc = None

    def warm(self) -> None:
        """Start the fork server now (it takes a second or two to import the engine)."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start_locked()

    def fork(self, child: socket.socket, kind: bytes = WORKER) -> int:
        """A new process (a job worker, or a program checker) serving the other end of
        `child`; its pid."""
        with self._lock:
            for _ in range(2):
                if self._proc is None or self._proc.poll() is not None:
                    self._start_locked()
                assert self._control is not None
                try:
                    socket.send_fds(self._control, [kind], [child.fileno()])
                    reply = b""
                    while len(reply) < 8:
                        part = self._control.recv(8 - len(reply))
                        if not part:
                            raise EOFError("the fork server ended")
                        reply += part
                    return int(struct.unpack("!q", reply)[0])
                except (OSError, EOFError):
                    logger.warning("restarting the job workers' fork server")
                    self._stop_locked()
            raise RuntimeError("cannot start a job worker process")


_zygote = _Zygote()


def prestart() -> None:
    """Start the fork server in the background, so the first job does not wait for it."""
    threading.Thread(target=_zygote.warm, name="qapi-fork-server", daemon=True).start()


class _Child:
    """A worker process forked by the fork server (not our child: no wait status).

    It is watched and signalled through a pidfd where the system has them, so a pid
    reused after the worker ended can never be signalled by mistake."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._pidfd: int | None = None
        with contextlib.suppress(AttributeError, OSError):
            self._pidfd = os.pidfd_open(pid)

    def is_alive(self) -> bool:
        return not self.join(0)

    def join(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the process to end; whether it has."""
        if self._pidfd is not None:
            ready, _, _ = select.select([self._pidfd], [], [], timeout)
            return bool(ready)
        deadline = time.monotonic() + timeout
        while True:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            if self._pidfd is not None:
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGKILL)

    def close(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


# -- the child ----------------------------------------------------------------------
def _die_with_fork_server(server: int) -> None:
    """Linux: have the kernel SIGKILL this worker when the fork server ends (which it does
    when the API process is gone). A thread could not do it: the engine may hold the GIL
    for minutes."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != server:  # it ended before that took effect
        os._exit(1)


def _child_main(conn: Connection) -> None:
    """The worker process: run job bodies received on `conn` until told to stop."""
    # Signals to the whole process group (Ctrl-C, a container stop) are for the service,
    # which kills its workers itself and knows that was no crash of the job.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    catalog, max_program_bytes, max_result_bits = conn.recv()
    from quantinuum_emulator import Emulator, JobRejected

    emulator = Emulator(
        catalog, max_program_bytes=max_program_bytes, max_result_bits=max_result_bits
    )
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        body, prepared, chunk_shots, chunk_growth, chunk_delay = message
        try:
            job = pickle.loads(prepared) if prepared is not None else emulator.prepare(body)  # noqa: S301 - pickled by the API process
            done = 0
            # Results done at the same moment go as one chunk, unless tests slow the job
            # down chunk by chunk (`chunk_delay`) to see partial results.
            chunks = emulator.run(
                job,
                chunk_shots=chunk_shots,
                chunk_growth=chunk_growth,
                progress_only=chunk_delay <= 0,
            )
            for chunk in chunks:
                layout, shots, data = pack_chunk(chunk)
                done += shots
                if done == job.count and layout and chunk_delay <= 0:
                    conn.send(("final", layout, shots, data))  # the last: no "done" follows
                    break
                conn.send(("chunk", layout, shots, data))
                if chunk_delay > 0:  # tests: keep partial results visible for a while
                    time.sleep(chunk_delay)
            else:
                conn.send(("done",))
        except JobRejected as exc:
            conn.send(("rejected", exc.code, exc.text))
        except Exception as exc:  # the job failed, the worker lives on
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


# -- the supervisor side ------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """How a job's run ended.

    `kind`: `done`; `rejected` (the emulator refused it: `code`, `text`); `error` (an
    unexpected exception in the worker: `text`); `memory` or `time` (killed at a limit:
    `text`); `stopped` (killed on request: cancel or service stop); `crashed` (the worker
    died by itself, or was killed by someone else such as the kernel's OOM killer).
    """

    kind: str
    code: int | None = None
    text: str = ""
    #: `done` only: the last chunk went to `on_chunk` with `last` (the caller stored the
    #: job's completion with it).
    stored: bool = False


def _rss_bytes(pid: int) -> int | None:
    """The resident set size of process `pid` (Linux `/proc`), or None when unknown."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class Worker:
    """One worker process (started lazily, restarted after a kill) and its socket.

    `run` is called from one supervisor thread at a time; `kill` from any thread.
    """

    def __init__(
        self,
        catalog: MachineCatalog,
        *,
        max_program_bytes: int,
        memory_limit: int | None,
        time_limit: float | None,
        recycle_rss: int | None,
        max_result_bits: int = DEFAULT_MAX_RESULT_BITS,
    ) -> None:
        self._catalog = catalog
        self._max_program_bytes = max_program_bytes
        self._max_result_bits = max_result_bits
        self._memory_limit = memory_limit
        self._time_limit = time_limit
        self._recycle_rss = recycle_rss
        self._process: _Child | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._kill_reason: str | None = None
        self._closed = False
        self._unchecked = 0  # short jobs run since the worker's size was last read

    @property
    def pid(self) -> int | None:
        process = self._process
        return None if process is None or not process.is_alive() else process.pid

    def ensure_started(self) -> bool:
        """Start the worker process unless it is running; False once `close`d.

        The fork request (which may wait for the fork server to finish importing) is
        made without the lock, so `kill` and `close` never wait for it."""
        with self._lock:
            if self._closed:
                return False
            if self._process is not None and self._process.is_alive():
                return True
            self._discard_locked()
        ours, theirs = socket.socketpair()
        try:
            process = _Child(_zygote.fork(theirs))
        finally:
            theirs.close()
        conn = Connection(ours.detach())
        with self._lock:
            if self._closed:
                process.kill()
                process.close()
                conn.close()
                return False
            conn.send((self._catalog, self._max_program_bytes, self._max_result_bits))
            self._process, self._conn = process, conn
            self._kill_reason = None
        return True

    def reopen(self) -> None:
        """Allow starting the worker process again after `close`."""
        with self._lock:
            self._closed = False

    def kill(self, reason: str = "stopped") -> None:
        """Kill the worker at once (the running job's `run` returns `Outcome(reason)`)."""
        with self._lock:
            if self._process is not None and self._process.is_alive():
                self._kill_reason = reason
                self._process.kill()

    def close(self, timeout: float = 2.0) -> None:
        """Kill the worker, wait for it to be gone, and start no other until `reopen`."""
        self.kill()
        with self._lock:
            self._closed = True
            self._discard_locked(timeout)

    def _discard_locked(self, timeout: float = 2.0) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(timeout)
            self._process.close()
        if self._conn is not None:
            self._conn.close()
        self._process, self._conn = None, None

    def run(
        self,
        body: Mapping[str, Any],
        *,
        prepared: bytes | None = None,
        chunk_shots: int,
        chunk_growth: float,
        chunk_delay: float = 0.0,
        on_chunk: Callable[[Layout, int, bytes, bool], None],
        should_stop: Callable[[], bool] = lambda: False,
    ) -> Outcome:
        """Run a job body in the child, passing each packed chunk to `on_chunk`
        (`last` true for the chunk holding the job's last shot: the job is done, and its
        caller may store that chunk and the completion in one commit).

        `prepared`: the job as the API process prepared it, pickled (the child then
        skips `Emulator.prepare`); None: the child prepares `body`.

        `should_stop` is asked every `POLL_SECONDS` (and before the worker starts): when
        true the worker is killed and the outcome is `stopped`. (`kill` alone could miss
        a worker that was still being forked.)"""
        if should_stop() or not self.ensure_started():
            return Outcome("stopped")
        conn, process = self._conn, self._process
        assert conn is not None
        assert process is not None
        started = time.monotonic()
        try:
            conn.send((dict(body), prepared, chunk_shots, chunk_growth, chunk_delay))
            while True:
                if should_stop():
                    self.kill("stopped")
                    self._reap(process)
                    return Outcome("stopped")
                if conn.poll(POLL_SECONDS):
                    message = conn.recv()
                    kind = message[0]
                    if kind == "chunk":
                        on_chunk(message[1], message[2], message[3], False)
                    elif kind == "final":
                        on_chunk(message[1], message[2], message[3], True)
                        self._maybe_recycle(time.monotonic() - started)
                        return Outcome("done", stored=True)
                    elif kind == "done":
                        self._maybe_recycle(time.monotonic() - started)
                        return Outcome("done")
                    elif kind == "rejected":
                        return Outcome("rejected", int(message[1]), str(message[2]))
                    elif kind == "error":
                        return Outcome("error", text=str(message[1]))
                    continue
                limit = self._over_limit(process.pid, started)
                if limit is not None:
                    self.kill(limit[0])
                    self._reap(process)
                    return Outcome(limit[0], text=limit[1])
                if not process.is_alive():
                    return self._death(process)
        except (EOFError, OSError, BrokenPipeError):
            return self._death(process)

    def _over_limit(self, pid: int, started: float) -> tuple[str, str] | None:
        if self._time_limit is not None and time.monotonic() - started > self._time_limit:
            return "time", f"Job exceeded the time limit of {self._time_limit:g} s"
        if self._memory_limit is not None:
            rss = _rss_bytes(pid)
            if rss is not None and rss > self._memory_limit:
                mib = self._memory_limit // 2**20
                return "memory", f"Job exceeded the memory limit of {mib} MiB"
        return None

    def _reap(self, process: _Child) -> None:
        process.join(5.0)
        with self._lock:
            if self._process is process:
                self._discard_locked()

    def _death(self, process: _Child) -> Outcome:
        self._reap(process)
        if self._kill_reason is not None:
            return Outcome(self._kill_reason)
        return Outcome("crashed", text="The job's worker process died (killed or crashed)")

    def _maybe_recycle(self, ran: float) -> None:
        """Restart a worker whose memory grew past `recycle_rss` (a big job's heap is
        given back to the system only when its process ends), after a job that `ran`
        that many seconds (see `RECYCLE_CHECK_SECONDS`)."""
        if self._recycle_rss is None:
            return
        self._unchecked += 1
        if ran < RECYCLE_CHECK_SECONDS and self._unchecked < RECYCLE_CHECK_JOBS:
            return
        self._unchecked = 0
        pid = self.pid
        if pid is None:
            return
        rss = _rss_bytes(pid)
        if rss is not None and rss > self._recycle_rss:
            logger.info("restarting a job worker that holds %d MiB", rss // 2**20)
            with self._lock:
                self._discard_locked()
