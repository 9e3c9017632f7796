"""Benchmark runner: this SDK and the local service against the reference client (issue 7).

    python scripts/bench/run.py            # what `make bench` runs (issue sizes, ~5 min)
    python scripts/bench/run.py --quick --only-ours --out /tmp/b   # seconds; the unit test

It makes `.bench/ref-venv` with the pinned reference client if missing (pip), starts the
local service once in its own process (`server_proc.py`), runs every scenario for both
clients against it (each task in a fresh worker process: `ours.py` with this venv's Python,
`reference_worker.py` with the reference venv's), prints a table of medians with the
ratio ours/baseline and the verdict per target, and writes the raw numbers as JSON (and
the table as Markdown) to `bench-results/`.

Scenarios (issue 7), each reported as medians over its runs:
(1) 100 Bell jobs (10 shots): ours = `AsyncClient`, 16 concurrent submissions then
    `wait_many` (also the sync `Client` with a submit loop); reference = what pytket's
    backend does, submit each then `retrieve_job` each. Also: how long after the server
    finished the last job the client returned (server-side completion stamps).
(2) Completion-to-return latency: submit one job (1,000 shots, so the client is already
    waiting when it finishes), wait over websocket (20 jobs) or by polling (5 jobs), and
    subtract the server's completion stamp from the time the wait returned.
(3) Per call: `QuantinuumAPI.retrieve_job_status` (and `Client.jobs.get`) against a raw
    `httpx.Client.get(...).json()` of the same URL with the same token, interleaved.
(4) Import time in fresh interpreters with bytecode caches: `import quantinuum_api` (the
    target) and `from quantinuum_api import Client`; reference: its `api_wrappers`.
(5) Service: tiny-job throughput from the runs of (1) (jobs / time to the last completion),
    and the service's time for one job (submit -> completion stamp) against parse + run on
    the same `Simulator` in-process, for the Bell job and a 14-qubit, 1,000-shot job.
(6) Peak RSS (ru_maxrss) of a fresh client process waiting on 1,000 jobs of the real local
    service, which the runner submitted just before (they are still queued or running when
    the wait starts): ours `Client.jobs.wait_many`, reference `retrieve_job` for each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import IO, Any

if not __package__:  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (
    BELL,
    median,
    medium_program,
    percentile,
    reference_body,
)

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
REFERENCE_PACKAGE = "pytket-quantinuum"
REFERENCE_VERSION = "0.55.8"
REFERENCE_IMPORT = "from pytket.extensions.quantinuum.backends.api_wrappers import QuantinuumAPI"
OUR_IMPORT = "import quantinuum_api"
OUR_CLIENT_IMPORT = "from quantinuum_api import Client"  # what using the SDK costs
ALL_SCENARIOS = (1, 2, 3, 4, 5, 6)


class BenchError(RuntimeError):
    """The harness could not run (a worker failed, the reference venv is broken, ...)."""


@dataclass(frozen=True)
class Sizes:
    """How much each scenario does; the defaults are the issue's sizes."""

    batch_jobs: int = 100
    batch_shots: int = 10
    batch_reps: int = 5
    latency_ws_jobs: int = 20
    latency_poll_jobs: int = 5
    latency_shots: int = 1000
    status_calls: int = 300
    import_runs: int = 5
    medium_qubits: int = 14
    medium_shots: int = 1000
    medium_reps: int = 3
    bare_tiny_reps: int = 100
    memory_jobs: int = 1000


QUICK = Sizes(
    batch_jobs=3,
    batch_reps=1,
    latency_ws_jobs=2,
    latency_poll_jobs=1,
    latency_shots=200,
    status_calls=30,
    import_runs=1,
    medium_qubits=6,
    medium_shots=200,
    medium_reps=1,
    bare_tiny_reps=5,
    memory_jobs=20,
)


@dataclass
class Row:
    """One line of the result table."""

    scenario: str
    metric: str
    unit: str
    ours: float
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    met: bool | None = None  # None: no target on this row
    higher_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline or math.isnan(self.baseline):
            return None
        return self.ours / self.baseline

    def verdict(self) -> str:
        if self.met is None:
            return "-"
        return "met" if self.met else "NOT met"


@dataclass
class Results:
    meta: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)


# -- processes -------------------------------------------------------------------------------
def _child_env(*, bytecode: bool = False) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SCRIPTS), env.get("PYTHONPATH")]))
    if bytecode:  # import timings: with .pyc caches, as an installed package has them
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run(argv: Sequence[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    """Run a command of the harness's own making (no shell), capturing text output."""
    return subprocess.run(  # noqa: S603 - argv built here from fixed parts and our paths
        list(argv), capture_output=True, text=True, check=False, **kw
    )


def ensure_reference_venv(venv: Path, log: IO[str]) -> Path:
    """The reference venv's Python, creating the venv and installing the pin if missing."""
    python = venv / "bin" / "python"
    check = [
        str(python),
        "-c",
        "import importlib.metadata as m, pytket.extensions.quantinuum;"
        f"print(m.version({REFERENCE_PACKAGE!r}))",
    ]
    if python.exists():
        found = _run(check)
        if found.returncode == 0 and found.stdout.strip() == REFERENCE_VERSION:
            return python
    print(f"bench: installing {REFERENCE_PACKAGE}=={REFERENCE_VERSION} into {venv}", file=log)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"{REFERENCE_PACKAGE}=={REFERENCE_VERSION}",
        ],
    ]
    for step in steps:
        done = _run(step)
        if done.returncode != 0:
            raise BenchError(f"bench: {' '.join(step)} failed:\n{done.stderr[-2000:]}")
    found = _run(check)
    if found.returncode != 0 or found.stdout.strip() != REFERENCE_VERSION:
        raise BenchError(f"bench: reference venv is unusable:\n{found.stderr[-2000:]}")
    return python


class ServerProcess:
    """The local service in `server_proc.py`, with the completion-time query."""

    def __init__(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.server_proc"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=_child_env(),
            cwd=ROOT,
        )
        line = self._readline()
        self.hello: dict[str, str] = json.loads(line)

    def _readline(self) -> str:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            code = self._proc.wait(30)
            raise BenchError(f"bench: the server process exited (code {code})")
        return line

    def completions(self, ids: Sequence[str]) -> dict[str, float]:
        """Server-side completion stamps (monotonic seconds) of these jobs."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"cmd": "completions", "ids": list(ids)}) + "\n")
        self._proc.stdin.flush()
        times: dict[str, float] = json.loads(self._readline())["times"]
        missing = [i for i in ids if i not in times]
        if missing:
            raise BenchError(f"bench: no completion stamp for {len(missing)} job(s)")
        return times

    def close(self) -> None:
        if self._proc.poll() is None and self._proc.stdin is not None:
            try:
                self._proc.stdin.write(json.dumps({"cmd": "stop"}) + "\n")
                self._proc.stdin.close()
            except OSError:
                pass
            try:
                self._proc.wait(30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


def _run_worker(argv: list[str], task: dict[str, Any], what: str) -> dict[str, Any]:
    done = _run(argv, input=json.dumps(task), env=_child_env(), cwd=ROOT)
    if done.returncode != 0:
        raise BenchError(f"bench: {what} task {task['task']!r} failed:\n{done.stderr[-3000:]}")
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise BenchError(f"bench: {what} task {task['task']!r} printed no result")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


# -- the benchmark ---------------------------------------------------------------------------
class Bench:
    def __init__(
        self, sizes: Sizes, server: ServerProcess, ref_python: Path | None, log: IO[str]
    ) -> None:
        self.sizes = sizes
        self.server = server
        self.ref_python = ref_python
        self.log = log
        self.results = Results()
        self.done_job_id: str | None = None

    def say(self, text: str) -> None:
        print(text, file=self.log, flush=True)

    def ours(self, task: dict[str, Any]) -> dict[str, Any]:
        full = {**self.server.hello, **task}
        return _run_worker([sys.executable, "-m", "bench.ours"], full, "ours")

    def reference(self, task: dict[str, Any]) -> dict[str, Any] | None:
        if self.ref_python is None:
            return None
        full = {**self.server.hello, **task}
        script = str(SCRIPTS / "bench" / "reference_worker.py")
        return _run_worker([str(self.ref_python), script], full, "reference")

    def add(self, row: Row) -> None:
        self.results.rows.append(row)

    # (1) ---------------------------------------------------------------------------------
    def batch(self) -> None:
        s = self.sizes
        self.say(f"(1) {s.batch_jobs} jobs x {s.batch_reps} runs ...")
        task = {"n": s.batch_jobs, "shots": s.batch_shots, "reps": s.batch_reps}
        runs: dict[str, list[dict[str, Any]]] = {}
        runs["ours_async"] = self._batch_runs(self.ours({"task": "batch_async", **task}))
        runs["ours_sync"] = self._batch_runs(self.ours({"task": "batch_sync", **task, "reps": 1}))
        body = reference_body(BELL, s.batch_shots, "bench")
        ref = self.reference({"task": "batch", "body": body, **task})
        if ref is not None:
            runs["reference"] = self._batch_runs(ref)
        self.results.raw["1_batch"] = runs
        self.done_job_id = runs["ours_async"][0]["ids"][0]

        def med(name: str, key: str) -> float | None:
            if name not in runs:
                return None
            return median([run[key] for run in runs[name]])

        ours_total = med("ours_async", "total_s")
        ref_total = med("reference", "total_s")
        assert ours_total is not None
        label = f"(1) {s.batch_jobs} jobs"
        self.add(
            Row(
                label,
                "submit all + wait all (AsyncClient)",
                "s",
                ours_total,
                ref_total,
                "reference",
            )
        )
        if ref_total is not None:
            speedup = ref_total / ours_total
            self.add(
                Row(
                    label,
                    "speedup over the reference (its time / ours)",
                    "x",
                    speedup,
                    target=">= 10x",
                    met=speedup >= 10,
                    higher_is_better=True,
                )
            )
        sync_total = med("ours_sync", "total_s")
        assert sync_total is not None
        self.add(
            Row(label, "same, sync Client (submit loop)", "s", sync_total, ref_total, "reference")
        )
        after = med("ours_async", "after_last_s")
        assert after is not None
        self.add(
            Row(
                label,
                "return after last job's completion",
                "ms",
                after * 1e3,
                _ms(med("reference", "after_last_s")),
                "reference",
                "<= 100 ms",
                after <= 0.100,
            )
        )
        self.add(
            Row(
                label,
                "submission phase (all POSTs)",
                "s",
                med("ours_async", "submit_s") or math.nan,
                med("reference", "submit_s"),
                "reference",
            )
        )

    def _batch_runs(self, result: dict[str, Any]) -> list[dict[str, Any]]:
        runs = []
        for run in result["runs"]:
            done = self.server.completions(run["ids"])
            last = max(done.values())
            runs.append(
                {
                    **run,
                    "total_s": run["t_end"] - run["t0"],
                    "submit_s": run["t_submitted"] - run["t0"],
                    "last_completion_s": last - run["t0"],
                    "after_last_s": run["t_end"] - last,
                    "jobs_per_s": len(run["ids"]) / (last - run["t0"]),
                }
            )
        return runs

    # (2) ---------------------------------------------------------------------------------
    def latency(self) -> None:
        s = self.sizes
        self.say(
            f"(2) latency: {s.latency_ws_jobs} jobs over websocket, "
            f"{s.latency_poll_jobs} polling ..."
        )
        raw: dict[str, Any] = {}
        for mode, n in (("websocket", s.latency_ws_jobs), ("polling", s.latency_poll_jobs)):
            use_ws = mode == "websocket"
            ours = self.ours(
                {"task": "latency", "n": n, "shots": s.latency_shots, "use_websocket": use_ws}
            )
            raw[f"ours_{mode}"] = self._latencies(ours)
            body = reference_body(BELL, s.latency_shots, "bench-latency")
            ref = self.reference({"task": "latency", "n": n, "body": body, "use_websocket": use_ws})
            if ref is not None:
                raw[f"reference_{mode}"] = self._latencies(ref)
        self.results.raw["2_latency"] = raw

        def stat(name: str, q: float) -> float | None:
            values = raw.get(name)
            return None if values is None else percentile(values, q) * 1e3

        p50 = stat("ours_websocket", 50)
        assert p50 is not None
        self.add(
            Row(
                "(2) latency",
                "completion -> returned, websocket p50",
                "ms",
                p50,
                stat("reference_websocket", 50),
                "reference",
                "<= 10 ms",
                p50 <= 10.0,
            )
        )
        self.add(
            Row(
                "(2) latency",
                "completion -> returned, websocket p90",
                "ms",
                stat("ours_websocket", 90) or math.nan,
                stat("reference_websocket", 90),
                "reference",
            )
        )
        self.add(
            Row(
                "(2) latency",
                "completion -> returned, polling p50",
                "ms",
                stat("ours_polling", 50) or math.nan,
                stat("reference_polling", 50),
                "reference",
            )
        )

    def _latencies(self, result: dict[str, Any]) -> list[float]:
        samples = result["samples"]
        done = self.server.completions([sample["id"] for sample in samples])
        return [sample["t_returned"] - done[sample["id"]] for sample in samples]

    # (3) ---------------------------------------------------------------------------------
    def status(self) -> None:
        s = self.sizes
        self.say(f"(3) retrieve_job_status: {s.status_calls} calls each ...")
        if self.done_job_id is None:
            job = self.ours({"task": "batch_async", "n": 1, "shots": s.batch_shots, "reps": 1})
            self.done_job_id = job["runs"][0]["ids"][0]
        task = {"task": "status", "job_id": self.done_job_id, "n": s.status_calls}
        ours = self.ours(task)["times"]
        ref = self.reference(task)
        ref_times = None if ref is None else ref["times"]["retrieve_job_status"]
        self.results.raw["3_status"] = {"ours": ours, "reference": ref_times}
        raw_ms = median(ours["raw_httpx"]) * 1e3
        rjs_ms = median(ours["retrieve_job_status"]) * 1e3
        label = "(3) per call"
        self.add(
            Row(
                label,
                "QuantinuumAPI.retrieve_job_status vs raw httpx",
                "ms",
                rjs_ms,
                raw_ms,
                "raw httpx",
                "<= 1.2x raw httpx",
                rjs_ms <= 1.2 * raw_ms,
            )
        )
        self.add(
            Row(
                label,
                "Client.jobs.get vs raw httpx",
                "ms",
                median(ours["client_jobs_get"]) * 1e3,
                raw_ms,
                "raw httpx",
            )
        )
        self.add(
            Row(
                label,
                "retrieve_job_status vs reference's",
                "ms",
                rjs_ms,
                None if ref_times is None else median(ref_times) * 1e3,
                "reference",
            )
        )

    # (4) ---------------------------------------------------------------------------------
    def imports(self) -> None:
        s = self.sizes
        self.say(f"(4) import time: {s.import_runs} fresh interpreters each ...")
        python = Path(sys.executable)
        ours = _import_times(python, OUR_IMPORT, s.import_runs)
        ours_client = _import_times(python, OUR_CLIENT_IMPORT, s.import_runs)
        ref = None
        if self.ref_python is not None:
            ref = _import_times(self.ref_python, REFERENCE_IMPORT, min(3, s.import_runs))
        self.results.raw["4_import"] = {
            "ours": ours,
            "ours_client": ours_client,
            "reference": ref,
            "ours_top": _import_profile(python, OUR_CLIENT_IMPORT),
        }
        ref_ms = None if ref is None else median(ref) * 1e3
        ours_ms = median(ours) * 1e3
        self.add(
            Row(
                "(4) import",
                "import quantinuum_api (vs reference's api_wrappers)",
                "ms",
                ours_ms,
                ref_ms,
                "reference",
                "<= 150 ms",
                ours_ms <= 150.0,
            )
        )
        self.add(
            Row(
                "(4) import",
                "from quantinuum_api import Client",
                "ms",
                median(ours_client) * 1e3,
                ref_ms,
                "reference",
            )
        )

    # (5) ---------------------------------------------------------------------------------
    def service(self) -> None:
        s = self.sizes
        self.say("(5) service throughput and overhead against the bare simulator ...")
        medium = medium_program(s.medium_qubits)
        bare = self.ours(
            {
                "task": "bare_sim",
                "programs": {
                    "tiny": {"program": BELL, "shots": s.batch_shots, "reps": s.bare_tiny_reps},
                    "medium": {"program": medium, "shots": s.medium_shots, "reps": s.medium_reps},
                },
            }
        )["times"]
        service = self.ours(
            {
                "task": "service_job",
                "program": medium,
                "shots": s.medium_shots,
                "reps": s.medium_reps,
            }
        )
        samples = service["samples"]
        done = self.server.completions([sample["id"] for sample in samples])
        medium_service = [done[x["id"]] - x["t0"] for x in samples]
        batch = self.results.raw.get("1_batch", {})
        self.results.raw["5_service"] = {
            "bare_s": bare,
            "medium_service_s": medium_service,
            "medium_samples": samples,
            "medium_program": {"qubits": s.medium_qubits, "shots": s.medium_shots},
        }
        tiny_bare = median(bare["tiny"])
        if batch.get("ours_async"):
            rate = median([run["jobs_per_s"] for run in batch["ours_async"]])
            ref_rate = (
                median([run["jobs_per_s"] for run in batch["reference"]])
                if batch.get("reference")
                else None
            )
            self.add(
                Row(
                    "(5) service",
                    f"throughput, tiny jobs ({s.batch_jobs} via AsyncClient)",
                    "jobs/s",
                    rate,
                    ref_rate,
                    "via reference",
                    higher_is_better=True,
                )
            )
            per_job = 1.0 / rate
            self.add(
                Row(
                    "(5) service",
                    "time per tiny job: service vs bare simulator",
                    "ms",
                    per_job * 1e3,
                    tiny_bare * 1e3,
                    "bare simulator",
                    "<= 1.2x bare",
                    per_job <= 1.2 * tiny_bare,
                )
            )
        medium_ms = median(medium_service) * 1e3
        bare_ms = median(bare["medium"]) * 1e3
        self.add(
            Row(
                "(5) service",
                f"one {s.medium_qubits}-qubit job, {s.medium_shots} shots: service vs bare",
                "ms",
                medium_ms,
                bare_ms,
                "bare simulator",
                "<= 1.2x bare",
                medium_ms <= 1.2 * bare_ms,
            )
        )

    # (6) ---------------------------------------------------------------------------------
    def memory(self) -> None:
        s = self.sizes
        self.say(f"(6) memory while waiting on {s.memory_jobs} jobs ...")
        raw: dict[str, Any] = {}
        clients: list[tuple[str, Any]] = [("ours", self.ours)]
        if self.ref_python is not None:
            clients.append(("reference", self.reference))
        for name, worker in clients:
            submitted = self.ours(
                {
                    "task": "batch_async",
                    "n": s.memory_jobs,
                    "shots": s.batch_shots,
                    "reps": 1,
                    "submit_only": True,
                }
            )
            ids = submitted["runs"][0]["ids"]
            raw[name] = worker({"task": "memory", "ids": ids})
            raw[name]["submit_s"] = submitted["runs"][0]["t_submitted"] - submitted["runs"][0]["t0"]
        self.results.raw["6_memory"] = raw
        ours_peak = float(raw["ours"]["peak_rss_mb"])
        ref = raw.get("reference")
        self.add(
            Row(
                "(6) memory",
                f"peak RSS waiting on {s.memory_jobs} jobs",
                "MB",
                ours_peak,
                None if ref is None else float(ref["peak_rss_mb"]),
                "reference",
                "<= 100 MB",
                ours_peak <= 100.0,
            )
        )
        self.add(
            Row(
                "(6) memory",
                "RSS growth during the wait",
                "MB",
                float(raw["ours"]["peak_rss_mb"]) - float(raw["ours"]["peak_before_mb"]),
                None if ref is None else float(ref["peak_rss_mb"]) - float(ref["peak_before_mb"]),
                "reference",
            )
        )


def _ms(value: float | None) -> float | None:
    return None if value is None else value * 1e3


def _import_times(python: Path, statement: str, runs: int) -> list[float]:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    argv = [str(python), "-c", code]
    times = []
    for index in range(runs + 1):
        done = _run(argv, env=_child_env(bytecode=True))
        if done.returncode != 0:
            raise BenchError(f"bench: {statement!r} failed:\n{done.stderr[-2000:]}")
        if index:  # the first run writes the bytecode caches
            times.append(float(done.stdout.strip().splitlines()[-1]))
    return times


def _import_profile(python: Path, statement: str, top: int = 12) -> list[dict[str, Any]]:
    """The slowest modules of one `-X importtime` run (cumulative microseconds)."""
    done = _run([str(python), "-X", "importtime", "-c", statement], env=_child_env(bytecode=True))
    entries: list[dict[str, Any]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3:
            continue
        self_us, cumulative_us, name = parts
        depth = (len(name) - len(name.lstrip(" "))) // 2
        entries.append(
            {
                "module": name.strip(),
                "depth": depth,
                "self_us": int(self_us),
                "cumulative_us": int(cumulative_us),
            }
        )
    entries.sort(key=lambda entry: -int(entry["cumulative_us"]))
    return entries[:top]


# -- output ----------------------------------------------------------------------------------
def _fmt(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    magnitude = abs(value)
    text = (
        f"{value:.0f}"
        if magnitude >= 100
        else f"{value:.1f}"
        if magnitude >= 10
        else f"{value:.2f}"
        if magnitude >= 0.1
        else f"{value:.3f}"
    )
    return f"{text} {unit}".strip()


def _ratio(row: Row) -> str:
    ratio = row.ratio
    return "n/a" if ratio is None else f"{ratio:.2f}x"


def table_lines(rows: Sequence[Row]) -> list[list[str]]:
    header = ["scenario", "metric", "ours", "baseline", "baseline is", "ours/baseline", "target"]
    lines = [[*header, "verdict"]]
    for row in rows:
        lines.append(
            [
                row.scenario,
                row.metric,
                _fmt(row.ours, row.unit),
                _fmt(row.baseline, row.unit),
                row.baseline_name or "-",
                _ratio(row),
                row.target or "-",
                row.verdict(),
            ]
        )
    return lines


def render_text(rows: Sequence[Row]) -> str:
    lines = table_lines(rows)
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def render_markdown(rows: Sequence[Row]) -> str:
    lines = table_lines(rows)
    out = ["| " + " | ".join(lines[0]) + " |", "|" + "---|" * len(lines[0])]
    out.extend("| " + " | ".join(line) + " |" for line in lines[1:])
    return "\n".join(out)


def _meta(sizes: Sizes, args: argparse.Namespace) -> dict[str, Any]:
    rev = _run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT).stdout.strip()
    return {
        "started_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_rev": rev or None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_start": list(os.getloadavg()),
        "sizes": asdict(sizes),
        "scenarios": args.scenarios,
        "reference": None if args.only_ours else f"{REFERENCE_PACKAGE}=={REFERENCE_VERSION}",
    }


def _parse_scenarios(text: str) -> list[int]:
    try:
        chosen = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 1,2,5, got {text!r}") from None
    if not chosen or any(n not in ALL_SCENARIOS for n in chosen):
        raise argparse.ArgumentTypeError(f"scenarios are 1-6, got {text!r}")
    return chosen


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the unit test)")
    parser.add_argument(
        "--only-ours",
        action="store_true",
        help="skip the reference client (no ratios against it)",
    )
    parser.add_argument(
        "--scenarios",
        type=_parse_scenarios,
        default=list(ALL_SCENARIOS),
        help="comma-separated subset of 1-6 (default: all)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results", help="result folder")
    parser.add_argument(
        "--ref-venv", type=Path, default=ROOT / ".bench" / "ref-venv", help="reference venv"
    )
    full = Sizes()
    for f in fields(Sizes):
        parser.add_argument(
            f"--{f.name.replace('_', '-')}",
            type=int,
            default=None,
            metavar="N",
            dest=f.name,
            help=f"default {getattr(full, f.name)} (--quick: {getattr(QUICK, f.name)})",
        )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    overrides = {f.name: getattr(args, f.name) for f in fields(Sizes)}
    sizes = replace(sizes, **{k: v for k, v in overrides.items() if v is not None})
    if any(value < 1 for value in asdict(sizes).values()):
        print("bench: every size must be >= 1", file=sys.stderr)
        return 2
    log = sys.stderr
    started = time.monotonic()
    try:
        ref_python = None if args.only_ours else ensure_reference_venv(args.ref_venv, log)
        server = ServerProcess()
    except BenchError as exc:
        print(exc, file=sys.stderr)
        return 1
    bench = Bench(sizes, server, ref_python, log)
    bench.results.meta = _meta(sizes, args)
    failures: dict[str, str] = {}
    durations: dict[str, float] = {}
    try:
        bench.say(f"bench: local service at {server.hello['base_url']}; warming up ...")
        bench.ours({"task": "batch_async", "n": 2, "shots": 10, "reps": 1})
        steps = {
            1: bench.batch,
            2: bench.latency,
            3: bench.status,
            4: bench.imports,
            5: bench.service,
            6: bench.memory,
        }
        for number in args.scenarios:
            begun = time.monotonic()
            try:
                steps[number]()
            except BenchError as exc:  # report it, and still run the other scenarios
                failures[str(number)] = str(exc)
                print(f"bench: scenario ({number}) FAILED:\n{exc}", file=log)
            durations[str(number)] = round(time.monotonic() - begun, 1)
            bench.say(f"    ({number}) took {durations[str(number)]} s")
    except BenchError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        server.close()
    bench.results.meta["scenario_durations_s"] = durations
    bench.results.meta["failures"] = failures
    results = bench.results
    results.meta["loadavg_end"] = list(os.getloadavg())
    results.meta["duration_s"] = round(time.monotonic() - started, 1)
    text = render_text(results.rows)
    markdown = render_markdown(results.rows)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    document = {
        "meta": results.meta,
        "rows": [
            {**asdict(row), "ratio": row.ratio, "verdict": row.verdict()} for row in results.rows
        ],
        "raw": results.raw,
    }
    json_path = args.out / f"bench-{stamp}.json"
    json_path.write_text(json.dumps(document, indent=1, allow_nan=True) + "\n")
    (args.out / f"bench-{stamp}.md").write_text(markdown + "\n")
    print(f"\nraw numbers: {json_path}  (markdown table: {json_path.with_suffix('.md')})")
    print(f"took {results.meta['duration_s']} s; load average {results.meta['loadavg_end']}")
    if failures:
        print(f"bench: FAILED scenarios: {', '.join(sorted(failures))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
