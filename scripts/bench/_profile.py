"""Summaries of py-spy's folded stacks (`--format raw`): where the samples went.

A folded file has one line per distinct stack, `outer;...;leaf COUNT`, each frame
`function (path:line)`. It is also the input of flamegraph.pl and speedscope (drag the
file in), so the `.txt` next to each summary is the flame graph.

`summarise(path)` reports the share of samples per cost category (a stack counts towards
every category one of its frames matches: inclusive shares, which may overlap), the top
functions by self samples (the leaf) and by inclusive samples, all without the start-up
imports (stacks through `_find_and_load`), which are reported as one share of their own.
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
    ("websocket (server push / client wait)", ("websocket", "_events.py", "_push_job")),
    ("auth per request (tokens)", ("_auth.py", "jwt/")),
    ("HTTP server (uvicorn, h11)", ("uvicorn/", "h11/")),
    ("Starlette", ("starlette/",)),
    ("thread hop (anyio to_thread / loop thread)", ("anyio/", "_sync.py", "concurrent/futures")),
    ("asyncio event loop", ("asyncio/",)),
    ("logging", ("logging/",)),
    ("HTTP client (httpx, httpcore)", ("httpx/", "httpcore/")),
    ("generated client (attrs models)", ("quantinuum_api_client",)),
    ("SDK (quantinuum_api)", ("quantinuum_api/",)),
)
STARTUP = "_find_and_load"
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


def summarise(stacks: list[tuple[list[str], int]], top: int = 20) -> dict[str, Any]:
    """Category shares and top functions of the sampled stacks (see the module docs)."""
    total = sum(count for _, count in stacks)
    startup = sum(count for frames, count in stacks if any(STARTUP in f for f in frames))
    running = [(frames, count) for frames, count in stacks if not any(STARTUP in f for f in frames)]
    steady = total - startup
    categories: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for frames, count in running:
        for name, needles in CATEGORIES:
            if any(needle in frame for frame in frames for needle in needles):
                categories[name] += count
        self_time[_short(frames[-1])] += count
        for short in {_short(frame) for frame in frames}:
            inclusive[short] += count

    def share(count: int) -> float:
        return round(100.0 * count / steady, 1) if steady else 0.0

    return {
        "samples": total,
        "startup_samples": startup,
        "steady_samples": steady,
        "categories_pct": {name: share(categories[name]) for name, _ in CATEGORIES},
        "top_self_pct": [(name, share(count)) for name, count in self_time.most_common(top)],
        "top_inclusive_pct": [(name, share(count)) for name, count in inclusive.most_common(top)],
    }


def render_summary(title: str, summary: dict[str, Any]) -> str:
    """The summary as text (what `<profile>.top.txt` holds)."""
    lines = [
        title,
        f"samples: {summary['samples']} ({summary['startup_samples']} in start-up imports,"
        f" excluded below; shares are of the other {summary['steady_samples']})",
        "",
        "category (inclusive, overlapping)          % of samples",
    ]
    for name, pct in summary["categories_pct"].items():
        if pct:
            lines.append(f"  {name:<42} {pct:5.1f}")
    for key, label in (("top_self_pct", "self (leaf)"), ("top_inclusive_pct", "inclusive")):
        lines.extend(["", f"top functions, {label}:"])
        lines.extend(f"  {pct:5.1f}  {name}" for name, pct in summary[key])
    return "\n".join(lines) + "\n"


def summarise_file(path: Path, title: str) -> dict[str, Any]:
    """Summarise one folded-stacks file and write `<path>.top.txt` beside it."""
    summary = summarise(parse_folded(path.read_text().splitlines()))
    path.with_suffix(".top.txt").write_text(render_summary(title, summary))
    return summary
