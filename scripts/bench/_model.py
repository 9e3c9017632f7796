"""What the runner's scenarios share: their sizes, the rows of a table and one mode's results."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from bench._targets import BY_KEY, Verdict, verdict


@dataclass(frozen=True)
class Sizes:
    """How much each scenario does; the defaults are the issues' sizes."""

    batch_jobs: int = 100
    batch_shots: int = 10
    batch_reps: int = 5
    throughput_jobs: int = 1000  # (5): tiny jobs per batched run (submit_many)
    latency_ws_jobs: int = 20
    latency_poll_jobs: int = 5
    latency_shots: int = 100
    latency_qubits: int = 18
    status_calls: int = 300
    import_runs: int = 5
    medium_qubits: int = 14
    medium_shots: int = 1000
    medium_reps: int = 3
    bare_tiny_reps: int = 100
    heavy_qubits: int = 28
    heavy_shots: int = 10
    heavy_calls: int = 300
    memory_jobs: int = 10_000
    scale_jobs: int = 10_000
    rt_jobs: int = 100
    rt_reps: int = 3
    rt_one_way_ms: int = 25
    rt_concurrency: int = 16
    noisy_shots: int = 1000
    noisy_reps: int = 3
    ghz_qubits: int = 12
    random_qubits: int = 20
    random_depth: int = 20
    random_shots: int = 1000  # minutes per engine at this size (docs/benchmarks.md)
    clifford_qubits: int = 56
    upload_users: int = 4
    upload_kb: int = 250
    upload_calls: int = 300
    upload_window_s: int = 20


QUICK = Sizes(
    batch_jobs=3,
    batch_reps=1,
    throughput_jobs=5,
    latency_ws_jobs=2,
    latency_poll_jobs=1,
    latency_shots=20,
    latency_qubits=16,
    status_calls=30,
    import_runs=1,
    medium_qubits=6,
    medium_shots=200,
    medium_reps=1,
    bare_tiny_reps=5,
    heavy_qubits=20,
    heavy_calls=30,
    memory_jobs=20,
    scale_jobs=30,
    rt_jobs=3,
    rt_reps=1,
    noisy_shots=20,
    random_shots=20,
    noisy_reps=1,
    ghz_qubits=4,
    random_qubits=5,
    random_depth=4,
    clifford_qubits=10,
    upload_kb=20,
    upload_calls=30,
    upload_window_s=1,
)


@dataclass
class Row:
    """One line of a result table; its verdict comes from its target (a `_targets` key)."""

    scenario: str
    metric: str
    unit: str
    ours: float
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    higher_is_better: bool = False
    load: float = math.nan  # the 1-minute load average when the row was measured
    ideal: float | None = None  # the best any client could do here (scenario 8)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline or math.isnan(self.baseline):
            return None
        if math.isnan(self.ours):
            return None
        return self.ours / self.baseline

    @property
    def ideal_ratio(self) -> float | None:
        if self.ideal is None or not self.ideal or math.isnan(self.ideal):
            return None
        if math.isnan(self.ours):
            return None
        return self.ours / self.ideal


@dataclass
class ModeResults:
    """Everything measured against one service mode."""

    mode: str
    rows: list[Row] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    durations_s: dict[str, float] = field(default_factory=dict)
    profiles: dict[str, Any] = field(default_factory=dict)

    def row_verdict(self, row: Row) -> Verdict | None:
        return verdict(BY_KEY[row.target], self.metrics) if row.target else None


def _finite(value: float | None) -> float:
    return math.nan if value is None else value


def _ms(value: float | None) -> float | None:
    return None if value is None else value * 1e3
