"""Summaries of py-spy's folded stacks (`--format raw`): where the samples went.

A folded file has one line per distinct stack, `outer;...;leaf COUNT`, each frame
`function (path:line)`. It is also the input of flamegraph.pl and speedscope (drag the
file in), so the `.txt` next to each summary is the flame graph.

`summarise(stacks)` reports the share of samples per cost category (a stack counts towards
every category one of its frames matches: inclusive shares, which may overlap), the busy
samples per thread role (`ROLES`) and per package of the leaf (both partitions), the top
functions by self samples (the leaf) and by inclusive samples, all without the start-up
imports (stacks through `_find_and_load`) and the waiting threads (`WAITING` leaves: py-spy
samples idle threads here too), each reported as one share of its own.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["CATEGORIES", "parse_folded", "render_summary", "summarise", "summarise_file"]

#: (category, substrings of a frame that put a stack in it); in report order.
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("simulation (qiskit/Aer)", ("qiskit", "_simulator.py")),
    ("QASM parsing", ("_qasm.py",)),
    ("SQLite store", ("_store.py", "sqlite3")),
    ("schema validation (jsonschema)", ("jsonschema", "referencing/")),
    ("JSON encode/decode", ("json/encoder.py", "json/decoder.py", "json/__init__.py")),
    ("password hashing (argon2)", ("argon2",)),
    (
        "websocket (server push / client wait)",
        ("websocket", "quantinuum_api_server/_events.py", "_push_job"),
    ),
    ("auth per request (tokens)", ("_auth.py", "jwt/")),
    ("HTTP server (uvicorn, h11)", ("uvicorn/", "h11/")),
    ("Starlette", ("starlette/",)),
    ("thread hop (anyio to_thread / loop thread)", ("anyio/", "_sync.py", "concurrent/futures")),
    ("asyncio event loop", ("asyncio/",)),
    ("logging", ("logging/",)),
    ("HTTP client (httpx, httpcore)", ("httpx/", "httpcore/")),
    ("generated client (attrs models)", ("quantinuum_api_client",)),
    (
        "SDK (quantinuum_api)",
        tuple(
            f"quantinuum_api/_{name}.py"
            for name in ("client", "http", "waiter", "legacy", "results", "sync", "retry")
        ),
    ),
)
#: (thread role, a frame substring marking it); the first match names a busy stack's role.
ROLES: tuple[tuple[str, str], ...] = (
    ("simulator (Aer)", "qiskit_aer/"),
    ("job worker thread", "JobService._work"),
    ("thread pool (run_in_threadpool, to_thread)", "WorkerThread.run (anyio/"),
    ("thread pool (run_in_threadpool, to_thread)", "_worker (concurrent/futures/thread.py"),
    ("event loop thread", "run_forever ("),
)
STARTUP = "_find_and_load"
#: Leaf frames of a thread that waits (py-spy shows the Python frame that called the
#: blocking C function): a lock or condition, an idle pool worker, the selector, stdin,
#: the socket. They are reported as one share and left out of every other share.
WAITING = (
    "Condition.wait (",
    "Event.wait (",
    "_worker (concurrent/futures/thread.py)",
    "Selector.select (selectors.py)",
    "_wait_for_tstate_lock (",
    "_answer (bench/server_proc.py)",
    "_wait_listening (bench/server_proc.py)",
    "SyncStream.read (httpcore/",
    "Queue.get (queue.py)",
)
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>.*?)(?::\d+)?\)$")


def parse_folded(lines: Iterable[str]) -> list[tuple[list[str], int]]:
    """(frames outer->leaf, samples) per line of a folded-stacks file."""
    stacks = []
    for line in lines:
        head, _, count = line.rstrip("\n").rpartition(" ")
        if head and count.isdigit():
            stacks.append((head.split(";"), int(count)))
    return stacks


def _short(frame: str) -> str:
    """`func (…/pkg/mod.py)`: the frame without its line number and site-packages prefix."""
    match = _FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "/src/", "/generated/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match['func']} ({path})"


def _module(short: str) -> str:
    """The leaf's package (its module for this project's own packages)."""
    path = short.rpartition(" (")[2].rstrip(")")
    if path.startswith(("quantinuum_", "bench/")):
        return path
    return path.split("/", 1)[0]


def summarise(stacks: list[tuple[list[str], int]], top: int = 20) -> dict[str, Any]:
    """Category shares and top functions of the sampled stacks (see the module docs)."""
    total = sum(count for _, count in stacks)
    startup = waiting = 0
    waits: Counter[str] = Counter()
    busy: list[tuple[list[str], int]] = []
    for frames, count in stacks:
        leaf = _short(frames[-1])
        if any(STARTUP in frame for frame in frames):
            startup += count
        elif any(leaf.startswith(mark) or mark in leaf for mark in WAITING):
            waiting += count
            waits[leaf] += count
        else:
            busy.append((frames, count))
    steady = total - startup - waiting
    categories: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    modules: Counter[str] = Counter()
    roles: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in busy:
        shorts = [_short(frame) for frame in frames]
        role = next((r for r, mark in ROLES if any(mark in f for f in shorts)), "other (main)")
        roles[role] += count
        for name, needles in CATEGORIES:
            if any(needle in frame for frame in frames for needle in needles):
                categories[name] += count
        self_time[_short(frames[-1])] += count
        modules[_module(_short(frames[-1]))] += count
        for short in set(shorts):
            inclusive[short] += count

    def share(count: int) -> float:
        return round(100.0 * count / steady, 1) if steady else 0.0

    return {
        "samples": total,
        "startup_samples": startup,
        "waiting_samples": waiting,
        "busy_samples": steady,
        "waiting_top": waits.most_common(8),
        "roles_pct": [(name, share(count)) for name, count in roles.most_common()],
        "categories_pct": {name: share(categories[name]) for name, _ in CATEGORIES},
        "self_by_package_pct": [(name, share(count)) for name, count in modules.most_common(top)],
        "top_self_pct": [(name, share(count)) for name, count in self_time.most_common(top)],
        "top_inclusive_pct": [(name, share(count)) for name, count in inclusive.most_common(top)],
    }


def render_summary(title: str, summary: dict[str, Any]) -> str:
    """The summary as text (what `<profile>.top.txt` holds)."""
    lines = [
        title,
        f"samples: {summary['samples']} = {summary['startup_samples']} start-up imports"
        f" + {summary['waiting_samples']} waiting + {summary['busy_samples']} busy;"
        " shares below are of the busy samples",
        "",
        "waiting (samples by leaf):",
        *(f"  {count:7d}  {name}" for name, count in summary["waiting_top"]),
        "",
        "thread role (a partition)                  % of busy",
        *(f"  {name:<42} {pct:5.1f}" for name, pct in summary["roles_pct"]),
        "",
        "category (inclusive, overlapping)          % of busy",
    ]
    for name, pct in summary["categories_pct"].items():
        if pct:
            lines.append(f"  {name:<42} {pct:5.1f}")
    labels = (
        ("self_by_package_pct", "self by package (a partition)"),
        ("top_self_pct", "self (leaf)"),
        ("top_inclusive_pct", "inclusive"),
    )
    for key, label in labels:
        lines.extend(["", f"top {label}, % of busy:"])
        lines.extend(f"  {pct:5.1f}  {name}" for name, pct in summary[key])
    return "\n".join(lines) + "\n"


def summarise_file(path: Path, title: str) -> dict[str, Any]:
    """Summarise one folded-stacks file and write `<path>.top.txt` beside it."""
    summary = summarise(parse_folded(path.read_text().splitlines()))
    path.with_suffix(".top.txt").write_text(render_summary(title, summary))
    return summary
