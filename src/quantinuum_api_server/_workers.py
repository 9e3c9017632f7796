"""`Worker`: one job-running process, driven by a supervisor thread of the API process.

Simulations never run in the API process: each `Worker` owns one child process started
from a `forkserver` (a clean single-threaded server that has imported the emulator and
its engine once, so a fresh worker is forked in milliseconds instead of spawning a new
interpreter; the API process itself is never forked). The child re-prepares the job from
its stored body with `Emulator.prepare` and streams `Emulator.run`'s chunks back over a
pipe, packed (`pack_chunk`). The supervisor enforces the job's limits from outside:

- memory: the child's resident set is read every `POLL_SECONDS`; over the limit the child
  is killed and the job fails (the kernel OOM killer would take the whole service);
- time: a job running past its limit is killed and fails;
- cancel and service stop: the child is killed at once (SIGKILL; no cooperation needed)
  and a fresh one is started for the next job;
- a child that dies by itself is reported as a crash (`Outcome.kind == "crashed"`) and
  the service decides whether to retry.

Children ignore SIGINT and SIGTERM (a Ctrl-C in the terminal reaches the whole process
group; the service stops them itself), end when the API process is gone, and run at a
lower CPU priority than the API process, so requests stay fast while a heavy job uses
every core.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from quantinuum_emulator._machines import MachineCatalog

__all__ = ["Outcome", "Worker", "pack_chunk", "unpack_results"]

logger = logging.getLogger(__name__)

#: How often the supervisor checks the child's memory, the clock and cancel requests.
POLL_SECONDS = 0.05

#: Register layout of packed results: (register name, width in bits), in order.
Layout = list[tuple[str, int]]

_PRELOAD = ["quantinuum_emulator._emulator", "qiskit_aer"]
_context_lock = threading.Lock()
_context: Any = None


def _mp_context() -> Any:
    """The `forkserver` context (with the emulator preloaded), or `spawn` where there is none."""
    global _context
    with _context_lock:
        if _context is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                _context = multiprocessing.get_context("forkserver")
                _context.set_forkserver_preload(_PRELOAD)
            else:
                _context = multiprocessing.get_context("spawn")
        return _context


# -- result packing -------------------------------------------------------------------
def pack_chunk(chunk: Mapping[str, list[str]]) -> tuple[Layout, int, bytes]:
    """(layout, shots, data): a chunk's bitstrings as one bit matrix (shots x all the
    registers' bits, row-major), bit-packed and zlib-compressed."""
    import numpy as np

    layout: Layout = []
    columns = []
    shots = max((len(values) for values in chunk.values()), default=0)
    for name, values in chunk.items():
        width = len(values[0]) if values else 0
        layout.append((name, width))
        if width and shots:
            raw = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8)
            columns.append((raw.reshape(shots, width) - ord("0")).astype(np.uint8))
    if columns:
        bits = np.concatenate(columns, axis=1)
        data = zlib.compress(np.packbits(bits, axis=None).tobytes(), 6)
    else:
        data = b""
    return layout, shots, data


def unpack_results(layout: Layout, chunks: list[tuple[int, bytes]]) -> dict[str, list[str]]:
    """The results document (register -> one bitstring per shot) of packed chunks."""
    import numpy as np

    results: dict[str, list[str]] = {name: [] for name, _ in layout}
    total = sum(width for _, width in layout)
    for shots, data in chunks:
        if not total:
            for name, _ in layout:
                results[name].extend([""] * shots)
            continue
        flat = np.unpackbits(np.frombuffer(zlib.decompress(data), dtype=np.uint8))
        bits = flat[: shots * total].reshape(shots, total) + ord("0")
        start = 0
        for name, width in layout:
            if not width:
                results[name].extend([""] * shots)
                continue
            text = bits[:, start : start + width].tobytes().decode("ascii")
            results[name].extend(text[i : i + width] for i in range(0, len(text), width))
            start += width
    return results


# -- the child ----------------------------------------------------------------------
def _exit_with(parent: int) -> None:
    """End this process soon after process `parent` is gone (a service killed hard must
    not leave a heavy job running: the worker is the forkserver's child, not its own)."""
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)
        except OSError:
            pass


def _child_main(
    conn: Connection, catalog: MachineCatalog, max_program_bytes: int, parent: int
) -> None:
    """The worker process: run job bodies received on `conn` until told to stop."""
    # Signals to the whole process group (Ctrl-C, a container stop) are for the service,
    # which kills its workers itself and knows that was no crash of the job.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    with contextlib.suppress(OSError):  # not permitted on some systems
        os.nice(10)
    from quantinuum_emulator._emulator import Emulator
    from quantinuum_emulator._errors import JobRejected

    emulator = Emulator(catalog, max_program_bytes=max_program_bytes)
    conn.send(("ready",))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        body, chunk_shots, chunk_growth, chunk_delay = message
        try:
            job = emulator.prepare(body)
            for chunk in emulator.run(job, chunk_shots=chunk_shots, chunk_growth=chunk_growth):
                conn.send(("chunk", *pack_chunk(chunk)))
                if chunk_delay > 0:  # tests: keep partial results visible for a while
                    time.sleep(chunk_delay)
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
    died by itself: `text` names the signal or exit code).
    """

    kind: str
    code: int | None = None
    text: str = ""


def _rss_bytes(pid: int) -> int | None:
    """The resident set size of process `pid` (Linux `/proc`), or None when unknown."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class Worker:
    """One worker process (started lazily, restarted after a kill) and its pipe.

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
    ) -> None:
        self._catalog = catalog
        self._max_program_bytes = max_program_bytes
        self._memory_limit = memory_limit
        self._time_limit = time_limit
        self._recycle_rss = recycle_rss
        self._process: Any = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._kill_reason: str | None = None

    @property
    def pid(self) -> int | None:
        process = self._process
        return None if process is None or not process.is_alive() else int(process.pid)

    def ensure_started(self) -> None:
        """Start the child process unless it is running (it signals `ready` once warm)."""
        with self._lock:
            if self._process is not None and self._process.is_alive():
                return
            self._discard_locked()
            context = _mp_context()
            parent, child = context.Pipe()
            process = context.Process(
                target=_child_main,
                args=(child, self._catalog, self._max_program_bytes, os.getpid()),
                name="qapi-job-worker",
                daemon=True,
            )
            process.start()
            child.close()
            self._process, self._conn = process, parent
            self._kill_reason = None

    def kill(self, reason: str = "stopped") -> None:
        """Kill the child at once (the running job's `run` returns `Outcome(reason)`)."""
        with self._lock:
            if self._process is not None and self._process.is_alive():
                self._kill_reason = reason
                self._process.kill()

    def close(self, timeout: float = 2.0) -> None:
        """Kill the child and wait for it to be gone."""
        self.kill()
        with self._lock:
            self._discard_locked(timeout)

    def _discard_locked(self, timeout: float = 2.0) -> None:
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join(timeout)
            if self._process.exitcode is not None:
                self._process.close()
        if self._conn is not None:
            self._conn.close()
        self._process, self._conn = None, None

    def run(
        self,
        body: Mapping[str, Any],
        *,
        chunk_shots: int,
        chunk_growth: float,
        chunk_delay: float = 0.0,
        on_chunk: Callable[[Layout, int, bytes], None],
    ) -> Outcome:
        """Run a job body in the child, passing each packed chunk to `on_chunk`."""
        self.ensure_started()
        conn, process = self._conn, self._process
        assert conn is not None
        assert process is not None
        started = time.monotonic()
        try:
            conn.send((dict(body), chunk_shots, chunk_growth, chunk_delay))
            while True:
                if conn.poll(POLL_SECONDS):
                    message = conn.recv()
                    kind = message[0]
                    if kind == "chunk":
                        on_chunk(message[1], message[2], message[3])
                    elif kind == "done":
                        self._maybe_recycle()
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

    def _reap(self, process: Any) -> None:
        process.join(5.0)
        with self._lock:
            if self._process is process:
                self._discard_locked()

    def _death(self, process: Any) -> Outcome:
        process.join(5.0)
        reason = self._kill_reason
        code = process.exitcode
        with self._lock:
            if self._process is process:
                self._discard_locked()
        if reason is not None:
            return Outcome(reason)
        if code is not None and code < 0:
            try:
                text = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                text = f"killed by signal {-code}"
        else:
            text = f"exited with code {code}"
        return Outcome("crashed", text=f"The job's worker process {text}")

    def _maybe_recycle(self) -> None:
        """Restart a worker whose memory grew past `recycle_rss` (a big job's heap is
        given back to the system only when its process ends)."""
        pid = self.pid
        if self._recycle_rss is None or pid is None:
            return
        rss = _rss_bytes(pid)
        if rss is not None and rss > self._recycle_rss:
            logger.info("restarting a job worker that holds %d MiB", rss // 2**20)
            self.close()
