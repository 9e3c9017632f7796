"""Shared by the runner, the server process and our scenarios: programs, statistics, RSS.

Every timestamp that crosses a process boundary is `time.monotonic()`: on Linux it reads
CLOCK_MONOTONIC, which is system-wide, so the server's "job finished" stamps and the
clients' "wait returned" stamps are on one clock.
"""

from __future__ import annotations

import math
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

EMAIL = "bench@example.com"
PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway user of a throwaway local service
MACHINE = "H1-1E"  # a noiseless emulator of the local service

#: The tiny job of scenarios (1), (5) and (6): a Bell pair.
BELL = (
    "OPENQASM 2.0;\n"
    'include "qelib1.inc";\n'
    "qreg q[2];\n"
    "creg c[2];\n"
    "h q[0];\n"
    "cx q[0],q[1];\n"
    "measure q -> c;\n"
)


def medium_program(n_qubits: int = 16, layers: int = 8) -> str:
    """A non-Clifford circuit (so Aer simulates a statevector) measured at the end."""
    lines = [
        "OPENQASM 2.0;",
        'include "qelib1.inc";',
        f"qreg q[{n_qubits}];",
        f"creg c[{n_qubits}];",
    ]
    for layer in range(layers):
        for q in range(n_qubits):
            lines.append(f"rx({0.1 + 0.07 * ((q + layer) % 11):.3f}) q[{q}];")
            lines.append(f"rz({0.3 + 0.05 * ((3 * q + layer) % 7):.3f}) q[{q}];")
        for q in range(layer % 2, n_qubits - 1, 2):
            lines.append(f"cx q[{q}],q[{q + 1}];")
    lines.append("measure q -> c;")
    return "\n".join(lines) + "\n"


def heavy_program(n_qubits: int = 28) -> str:
    """A wide, shallow non-Clifford circuit: one `rx`, then `h` on the other qubits and a
    full measurement, so the simulator must hold the whole 2^n state vector."""
    lines = [
        "OPENQASM 2.0;",
        'include "qelib1.inc";',
        f"qreg q[{n_qubits}];",
        f"creg c[{n_qubits}];",
        "rx(0.3) q[0];",
    ]
    lines.extend(f"h q[{q}];" for q in range(1, n_qubits))
    lines.append("measure q -> c;")
    return "\n".join(lines) + "\n"


def reference_body(program: str, shots: int, name: str) -> dict[str, Any]:
    """A job request as pytket-quantinuum's backend builds it (the fields it always sends)."""
    return {
        "name": name,
        "count": shots,
        "machine": MACHINE,
        "language": "OPENQASM 2.0",
        "program": program,
        "priority": "normal",
        "options": {"simulator": "state-vector", "error-model": False},
    }


def load_average() -> float:
    """The machine's 1-minute load average (NaN where the OS has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return math.nan


#: Iterations of `machine_speed`'s loop (~0.1-0.17 s on this project's machines).
SPEED_LOOP = 1_000_000


def machine_speed() -> float:
    """Seconds a fixed pure-Python loop takes here now (best of three; lower is faster).

    The machines this runs on change speed by up to 1.7x within an hour (the same loop
    took 0.29-0.50 s for 3e6 iterations in one session), which moves every absolute
    number (jobs/s) and, less, the ratios; a run records it at its start and end so that
    runs can be compared.
    """
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        total = 0
        for i in range(SPEED_LOOP):
            total += i * i
        best = min(best, time.perf_counter() - t0)
    return best


def median(values: Sequence[float]) -> float:
    """The median (NaN for no values)."""
    return statistics.median(values) if values else math.nan


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100), linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (ru_maxrss is KiB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    """This process's current resident set size in MB (from /proc; peak if unavailable)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return peak_rss_mb()
    return pages * resource.getpagesize() / (1024 * 1024)


def _header(n_qubits: int) -> list[str]:
    return [
        "OPENQASM 2.0;",
        'include "qelib1.inc";',
        f"qreg q[{n_qubits}];",
        f"creg c[{n_qubits}];",
    ]


def ghz_program(n_qubits: int) -> str:
    """A GHZ state on `n_qubits`, measured: `h`, then a chain of `cx`."""
    lines = [*_header(n_qubits), "h q[0];"]
    lines.extend(f"cx q[{q}],q[{q + 1}];" for q in range(n_qubits - 1))
    lines.append("measure q -> c;")
    return "\n".join(lines) + "\n"


def random_program(n_qubits: int, depth: int, *, clifford: bool = False, seed: int = 7) -> str:
    """`depth` layers of a random one-qubit gate on every qubit and `cx` on a random half
    of the qubits in pairs, measured at the end. With `clifford`, the one-qubit gates are
    `h`, `s`, `sdg`, `x`, `z` (a stabilizer circuit); else `h` or `rz` by a random angle.
    Every engine compared reads these gates as they are (PECOS's error models name no
    `rx`/`ry`, qiskit's qelib1.inc has no `sx`), so all run the same circuit."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible circuit, not crypto
    lines = _header(n_qubits)
    for _ in range(depth):
        for q in range(n_qubits):
            if clifford:
                lines.append(f"{rng.choice(('h', 's', 'sdg', 'x', 'z'))} q[{q}];")
            else:
                gate = rng.choice(("h", f"rz({rng.uniform(0.1, 3.0):.4f})"))
                lines.append(f"{gate} q[{q}];")
        order = list(range(n_qubits))
        rng.shuffle(order)
        for a, b in zip(order[0::2], order[1::2], strict=False):
            lines.append(f"cx q[{a}],q[{b}];")
    lines.append("measure q -> c;")
    return "\n".join(lines) + "\n"


def large_program(size_bytes: int, n_qubits: int = 10) -> str:
    """A valid OpenQASM 2.0 program of about `size_bytes` (never more): rotations and
    `cx` gates on `n_qubits`, measured at the end (an upload that is costly to parse)."""
    head = "\n".join(_header(n_qubits)) + "\n"
    tail = "measure q -> c;\n"
    parts, size, index = [head], len(head) + len(tail), 0
    while True:
        q = index % n_qubits
        line = (
            f"cx q[{q}],q[{(q + 1) % n_qubits}];\n"
            if index % 4 == 3
            else f"rz({0.001 * (index % 997) + 0.1:.3f}) q[{q}];\n"
        )
        if size + len(line) > size_bytes:
            break
        parts.append(line)
        size += len(line)
        index += 1
    parts.append(tail)
    return "".join(parts)
