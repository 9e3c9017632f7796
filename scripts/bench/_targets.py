"""The targets of issues 12, 19 and 22, each written once: (key, scenario, text, inputs, predicate).

The runner records named metrics (floats) per service mode; `verdict(target, metrics)`
applies a target's predicate to its inputs, and both the printed table and the JSON take
their target text and verdict from here. A target whose inputs were not measured (e.g. no
reference client with `--only-ours`) is `n/a`, never `met`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["BY_KEY", "NOISY_CIRCUITS", "TARGETS", "Target", "Verdict", "verdict", "verdicts"]

Verdict = Literal["met", "NOT met", "n/a"]

#: The circuits of scenario (9), noisy emulation speed (the runner builds them).
NOISY_CIRCUITS = {
    "ghz": "noisy 12-qubit GHZ, 1,000 shots",
    "random": "noisy 20-qubit random circuit, depth 20, 1,000 shots",
    "clifford": "noisy 56-qubit Clifford circuit (stabilizer), 1,000 shots",
}


@dataclass(frozen=True)
class Target:
    """One target: `predicate(*inputs)` over the named metrics decides it."""

    key: str
    scenario: int
    text: str
    inputs: tuple[str, ...]
    predicate: Callable[..., bool]


TARGETS: tuple[Target, ...] = (
    Target(
        "1.speedup",
        1,
        "submit+wait (AsyncClient) >= 5x faster than the reference",
        ("1.reference_s", "1.ours_s"),
        lambda reference, ours: reference >= 5.0 * ours,
    ),
    Target(
        "1.return",
        1,
        "wait returns <= 5 ms after the last job's completion",
        ("1.after_last_ms",),
        lambda after: after <= 5.0,
    ),
    Target(
        "2.ws_p50",
        2,
        "websocket p50 <= the reference's and < 1 ms",
        ("2.ws_p50_ms", "2.reference_ws_p50_ms"),
        lambda ours, reference: ours <= reference and ours < 1.0,
    ),
    Target(
        "3.retrieve_job_status",
        3,
        "QuantinuumAPI.retrieve_job_status <= 1.1x raw httpx",
        ("3.retrieve_job_status_ms", "3.raw_httpx_ms"),
        lambda ours, raw: ours <= 1.1 * raw,
    ),
    Target(
        "3.jobs_get",
        3,
        "Client.jobs.get <= 1.1x raw httpx",
        ("3.jobs_get_ms", "3.raw_httpx_ms"),
        lambda ours, raw: ours <= 1.1 * raw,
    ),
    Target(
        "4.import",
        4,
        "import quantinuum_api <= 150 ms (issue 7)",
        ("4.import_ms",),
        lambda ms: ms <= 150.0,
    ),
    Target(
        "5.throughput",
        5,
        "tiny jobs end to end >= 1,000 jobs/s",
        ("5.jobs_per_s",),
        lambda rate: rate >= 1000.0,
    ),
    Target(
        "5.tiny",
        5,
        "time per tiny job <= 2x the bare simulator",
        ("5.tiny_ms", "5.tiny_bare_ms"),
        lambda service, bare: service <= 2.0 * bare,
    ),
    Target(
        "5.medium",
        5,
        "14-qubit 1,000-shot job <= 1.3x the bare simulator",
        ("5.medium_ms", "5.medium_bare_ms"),
        lambda service, bare: service <= 1.3 * bare,
    ),
    Target(
        "5.busy_p99",
        5,
        "API p99 while a 28-qubit job runs <= 3x idle",
        ("5.busy_p99_ms", "5.idle_p99_ms"),
        lambda busy, idle: busy <= 3.0 * idle,
    ),
    Target(
        "6.peak_rss",
        6,
        "peak RSS waiting on 10,000 jobs <= 100 MB",
        ("6.peak_rss_mb",),
        lambda peak: peak <= 100.0,
    ),
    Target(
        "8.async",
        8,
        "AsyncClient >= 10x faster than the seed-era client and <= 1.5x the ideal",
        ("8.async_s", "8.seed_s", "8.ideal_s"),
        lambda ours, seed, ideal: seed >= 10.0 * ours and ours <= 1.5 * ideal,
    ),
    Target(
        "8.sync",
        8,
        "sync submit_many >= 10x faster than the seed-era client and <= 1.5x the ideal",
        ("8.sync_many_s", "8.seed_s", "8.ideal_s"),
        lambda ours, seed, ideal: seed >= 10.0 * ours and ours <= 1.5 * ideal,
    ),
    Target(
        "8.pytket",
        8,
        "pytket through our backend >= 10x faster than pytket-quantinuum 0.55's",
        ("8.pytket_s", "8.pytket_055_s"),
        lambda ours, theirs: theirs >= 10.0 * ours,
    ),
    *(
        target
        for name, text in NOISY_CIRCUITS.items()
        for target in (
            Target(
                f"9.{name}.aer",
                9,
                f"{text} <= 1.3x bare qiskit-aer",
                (f"9.{name}_s", f"9.{name}_aer_s"),
                lambda ours, aer: ours <= 1.3 * aer,
            ),
            Target(
                f"9.{name}.pecos",
                9,
                f"{text} faster than pytket-pecos",
                (f"9.{name}_s", f"9.{name}_pecos_s"),
                lambda ours, pecos: ours < pecos,
            ),
        )
    ),
    Target(
        "10.upload_p99",
        10,
        "API p99 while 4 users upload large programs <= 3x idle (issue 22)",
        ("10.busy_p99_ms", "10.idle_p99_ms"),
        lambda busy, idle: busy <= 3.0 * idle,
    ),
)

BY_KEY: dict[str, Target] = {target.key: target for target in TARGETS}


def verdict(target: Target, metrics: Mapping[str, float]) -> Verdict:
    """`met`/`NOT met` from the target's predicate; `n/a` if an input is missing or NaN."""
    values = [metrics.get(name) for name in target.inputs]
    finite = [value for value in values if value is not None and math.isfinite(value)]
    if len(finite) != len(values):
        return "n/a"
    return "met" if target.predicate(*finite) else "NOT met"


def verdicts(metrics: Mapping[str, float]) -> dict[str, Verdict]:
    """Every target's verdict on these metrics."""
    return {target.key: verdict(target, metrics) for target in TARGETS}
