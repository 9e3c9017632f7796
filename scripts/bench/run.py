"""Benchmark runner: this SDK and the local service against the reference client (issues 7,
12, 19 and 22).

    python scripts/bench/run.py            # what `make bench` runs (issue sizes, 30-45 min)
    python scripts/bench/run.py --quick --only-ours --out /tmp/b   # seconds; the unit test
    python scripts/bench/run.py --profile --scenarios 1,3,5 --servers serve   # py-spy

It makes `.bench/ref-venv` with the pinned reference client if missing (pip), then, for
each service mode of `--servers` (default both), starts the service in its own process
(`server_proc.py`: `serve` is `qapi serve` as users run it, on a free port with its own
temporary database; `local` is `LocalServer`), runs every scenario for both clients against
it (the client-side scenarios (4), (6)-(9) only against the first mode; each task in a
fresh worker process: `ours.py` with this venv's Python,
`reference_worker.py` with the reference venv's), and prints per mode a table of medians
with the ratio ours/baseline, the target and its verdict, and the machine's 1-minute load
average when the row was measured; then every target's verdict per mode. The targets are
written once, in `_targets.py`. The raw numbers go to `bench-results/` as JSON (and the
tables as Markdown); uvicorn's log of each service to `bench-results/server-MODE.log`.

Scenarios, each reported as medians over its runs:
(1) 100 Bell jobs (10 shots): ours = `AsyncClient`, 16 concurrent submissions then
    `wait_many` (also the sync `Client` with a submit loop); reference = what pytket's
    backend does, submit each then `retrieve_job` each. Also: how long after the server
    finished the last job the client returned (server-side completion stamps).
(2) Completion-to-return latency: submit one job (18 qubits, 100 shots: ~0.1 s, so the
    client is already listening when it finishes; a row counts the jobs where it was),
    wait over websocket (20 jobs) or by polling (5 jobs), and subtract the server's
    completion stamp from the time the wait returned; p50 and p99.
(3) Per call: `QuantinuumAPI.retrieve_job_status` and `Client.jobs.get` against a raw
    `httpx.Client.get(...).json()` of the same URL with the same token, interleaved.
(4) Import time in fresh interpreters with bytecode caches: `import quantinuum_api` (the
    target) and `from quantinuum_api import Client`; reference: its `api_wrappers`.
(5) Service: tiny-job throughput (jobs / time to the last completion) of 1,000 jobs through
    `Client.jobs.submit_many` + `wait_many` (the job-batch extension: the target) and of
    the runs of (1) (a request per submission); time per tiny job (1 / that throughput)
    and the service's time for one job (submit -> completion stamp) against parse + run on
    the same `Simulator` in-process, for the Bell job and a 14-qubit, 1,000-shot job; the
    p99 of a raw `GET /v1/job/{id}` while a 28-qubit job runs (on a service of its own,
    stopped afterwards) against the same call on the idle service.
(6) Peak RSS (ru_maxrss) of a fresh client process waiting on 10,000 jobs of the service,
    which the runner submitted just before (they are still queued or running when the wait
    starts): ours `Client.jobs.wait_many`, reference `retrieve_job` for each.
(7) 10,000 tiny jobs submitted and waited from one process: throughput and peak RSS, ours
    (`AsyncClient`, as in (1)) against the reference (as in (1)).
(8)-(10) are in `_extra.py`: (8) 100 tiny jobs per client through a delaying proxy at a
    50 ms round trip (AsyncClient, sync `Client`, the reference, pytket through our
    backend and through pytket-quantinuum 0.55's), each against the ideal for that round
    trip; (9) noisy emulation speed, ours against bare qiskit-aer and pytket-pecos (its
    own venv, `.bench/pecos-venv`); (10) API latency while 4 users upload 250 KB
    programs. (8) and (9) run against the first service mode only. docs/benchmarks.md
    explains every scenario.

With `--profile`, scenarios (1) and (5) each run on a fresh service under py-spy and (3)'s
SDK worker runs under py-spy: folded stacks (flame-graph input) and a summary of the top
costs (`_profile.py`) go to `bench-results/profile-MODE-N-{service,sdk}.{txt,top.txt}`.
Numbers measured under the profiler are slower; the table says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, fields, replace
from functools import partial
from pathlib import Path
from typing import IO, Any

if not __package__:  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (
    BELL,
    SPEED_LOOP,
    heavy_program,
    load_average,
    machine_speed,
    median,
    medium_program,
    percentile,
    reference_body,
)
from bench._extra import STEPS as EXTRA_STEPS
from bench._model import QUICK, ModeResults, Row, Sizes, _finite, _ms
from bench._procs import (
    REFERENCE_PACKAGE,
    REFERENCE_VERSION,
    ROOT,
    SCRIPTS,
    BenchError,
    ServerProcess,
    child_env,
    ensure_reference_venv,
    profiled,
    run,
    run_worker,
)
from bench._profile import summarise_file
from bench._targets import BY_KEY, TARGETS, verdict, verdicts

REFERENCE_IMPORT = "from pytket.extensions.quantinuum.backends.api_wrappers import QuantinuumAPI"
OUR_IMPORT = "import quantinuum_api"
OUR_CLIENT_IMPORT = "from quantinuum_api import Client"  # what using the SDK costs
ALL_SCENARIOS = tuple(range(1, 11))
SERVERS = {"serve": "qapi serve (own process)", "local": "LocalServer (own process)"}
HEAVY_MACHINE = "H2-1E"  # 56 qubits: room for the heavy job
DEDICATED_QUBITS = 24  # a heavy job this wide gets a service of its own (see `heavy`)
PROFILED_SERVICE = (1, 5)  # scenarios profiled on the service side (3: on the SDK side)
#: Scenarios about the client process (import time, its memory and its pace over 10,000
#: jobs, clients at the cloud's round trip) and the emulator alone: run against the first
#: service mode only (the service mode does not change them).
CLIENT_SIDE = (4, 6, 7, 8, 9)


# -- the benchmark ---------------------------------------------------------------------------
class Bench:
    """The scenarios against one service mode (`serve` or `local`)."""

    def __init__(
        self,
        mode: str,
        sizes: Sizes,
        ref_python: Path | None,
        log: IO[str],
        out: Path,
        profile: bool = False,
        warm_up: bool = True,
    ) -> None:
        self.mode = mode
        self.sizes = sizes
        self.ref_python = ref_python
        self.log = log
        self.out = out
        self.profile = profile
        self.warm_up = warm_up
        self.results = ModeResults(mode)
        self.server: ServerProcess | None = None
        self.done_job_id: str | None = None
        self._worker_profile: Path | None = None

    # -- plumbing ------------------------------------------------------------------------
    def say(self, text: str) -> None:
        print(f"[{self.mode}] {text}", file=self.log, flush=True)

    def start_server(self, profile: Path | None = None) -> ServerProcess:
        server = ServerProcess(self.mode, self.out / f"server-{self.mode}.log", profile)
        if self.warm_up:  # connections, caches, the simulator's imports
            run_worker(
                [sys.executable, "-m", "bench.ours"],
                {**server.hello, "task": "batch_async", "n": 2, "shots": 10, "reps": 1},
                "ours",
            )
        return server

    @property
    def hello(self) -> dict[str, Any]:
        assert self.server is not None
        return self.server.hello

    def ours(self, task: dict[str, Any]) -> dict[str, Any]:
        argv = profiled([sys.executable, "-m", "bench.ours"], self._worker_profile)
        return run_worker(argv, {**self.hello, **task}, "ours")

    def reference(self, task: dict[str, Any]) -> dict[str, Any] | None:
        if self.ref_python is None:
            return None
        script = str(SCRIPTS / "bench" / "reference_worker.py")
        return run_worker([str(self.ref_python), script], {**self.hello, **task}, "reference")

    def completions(self, ids: Sequence[str]) -> dict[str, float]:
        assert self.server is not None
        return self.server.completions(ids)

    def add(self, row: Row) -> None:
        if row.target and row.target not in BY_KEY:
            raise BenchError(f"bench: row {row.metric!r} names no target {row.target!r}")
        row.load = load_average()
        self.results.rows.append(row)

    def metric(self, name: str, value: float | None) -> float | None:
        """Record a named metric (the targets' inputs); None is not recorded."""
        if value is not None:
            self.results.metrics[name] = value
        return value

    def run(self, scenarios: Sequence[int], with_client_side: bool) -> ModeResults:
        steps: dict[int, Callable[[], None]] = {
            1: self.batch,
            2: self.latency,
            3: self.status,
            4: self.imports,
            5: self.service,
            6: self.memory,
            7: self.scale,
            **{n: partial(step, self) for n, step in EXTRA_STEPS.items()},
        }
        self.server = self.start_server()
        self.say(f"service at {self.hello['base_url']}")
        try:
            for number in scenarios:
                if number in CLIENT_SIDE and not with_client_side:
                    continue
                begun = time.monotonic()
                try:
                    self._run_step(number, steps[number])
                except BenchError as exc:  # report it, and still run the other scenarios
                    self.results.failures[str(number)] = str(exc)
                    print(f"bench: [{self.mode}] scenario ({number}) FAILED:\n{exc}", file=self.log)
                took = round(time.monotonic() - begun, 1)
                self.results.durations_s[str(number)] = took
                self.say(f"    ({number}) took {took} s")
        finally:
            self.server.close()
        return self.results

    def _run_step(self, number: int, step: Callable[[], None]) -> None:
        if not self.profile or number not in (*PROFILED_SERVICE, 3):
            step()
            return
        side = "sdk" if number == 3 else "service"
        path = self.out / f"profile-{self.mode}-{number}-{side}.txt"
        path.unlink(missing_ok=True)
        if number == 3:
            self._worker_profile = path
            try:
                step()
            finally:
                self._worker_profile = None
        else:
            main, self.server = self.server, self.start_server(profile=path)
            try:
                step()
            finally:
                assert self.server is not None
                self.server.close()
                self.server = main
        title = f"py-spy: {SERVERS[self.mode]}, {side} during scenario ({number})"
        self.results.profiles[f"{number}-{side}"] = {
            "path": str(path),
            **summarise_file(path, title),
        }
        self.say(f"    profile: {path.with_suffix('.top.txt')}")

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

        label = f"(1) {s.batch_jobs} jobs"
        ours_s = _finite(self.metric("1.ours_s", med("ours_async", "total_s")))
        ref_s = self.metric("1.reference_s", med("reference", "total_s"))
        self.add(
            Row(
                label,
                "submit all + wait all (AsyncClient)",
                "s",
                ours_s,
                ref_s,
                "reference",
                "1.speedup",
            )
        )
        sync_s = _finite(self.metric("1.sync_s", med("ours_sync", "total_s")))
        self.add(Row(label, "same, sync Client (submit loop)", "s", sync_s, ref_s, "reference"))
        after = _finite(self.metric("1.after_last_ms", _ms(med("ours_async", "after_last_s"))))
        ref_after = self.metric("1.reference_after_last_ms", _ms(med("reference", "after_last_s")))
        self.add(
            Row(
                label,
                "return after last job's completion",
                "ms",
                after,
                ref_after,
                "reference",
                "1.return",
            )
        )
        self.add(
            Row(
                label,
                "submission phase (all POSTs)",
                "s",
                _finite(med("ours_async", "submit_s")),
                med("reference", "submit_s"),
                "reference",
            )
        )

    def _batch_runs(self, result: dict[str, Any]) -> list[dict[str, Any]]:
        runs = []
        for one in result["runs"]:
            done = self.completions(one["ids"])
            last = max(done.values())
            runs.append(
                {
                    **one,
                    "total_s": one["t_end"] - one["t0"],
                    "submit_s": one["t_submitted"] - one["t0"],
                    "last_completion_s": last - one["t0"],
                    "after_last_s": one["t_end"] - last,
                    "jobs_per_s": len(one["ids"]) / (last - one["t0"]),
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
        listening: dict[str, tuple[int, int]] = {}
        # A job that runs long enough (an 18-qubit statevector, ~0.1 s) for the waiter to
        # be listening when it ends: a Bell job ends before a websocket can even open.
        program = medium_program(s.latency_qubits)
        for mode, n in (("websocket", s.latency_ws_jobs), ("polling", s.latency_poll_jobs)):
            use_ws = mode == "websocket"
            task = {"task": "latency", "n": n, "shots": s.latency_shots, "use_websocket": use_ws}
            ours = self.ours({**task, "program": program})
            raw[f"ours_{mode}"] = self._latencies(ours)
            body = reference_body(program, s.latency_shots, "bench-latency")
            ref = self.reference({"task": "latency", "n": n, "body": body, "use_websocket": use_ws})
            if ref is not None:
                raw[f"reference_{mode}"] = self._latencies(ref)
            if use_ws:
                listening["ours"] = self._listening(ours)
                if ref is not None:
                    listening["reference"] = self._listening(ref)
        raw["listening_before_completion"] = listening
        self.results.raw["2_latency"] = raw

        def stat(name: str, q: float) -> float | None:
            values = raw.get(name)
            return None if values is None else percentile(values, q) * 1e3

        label = "(2) latency"
        p50 = _finite(self.metric("2.ws_p50_ms", stat("ours_websocket", 50)))
        ref_p50 = self.metric("2.reference_ws_p50_ms", stat("reference_websocket", 50))
        metric = "completion -> returned, websocket"
        self.add(Row(label, f"{metric} p50", "ms", p50, ref_p50, "reference", "2.ws_p50"))
        p99 = _finite(self.metric("2.ws_p99_ms", stat("ours_websocket", 99)))
        ref_p99 = self.metric("2.reference_ws_p99_ms", stat("reference_websocket", 99))
        self.add(Row(label, f"{metric} p99", "ms", p99, ref_p99, "reference"))
        early = listening.get("ours", (0, 0))
        ref_early = listening.get("reference")
        self.add(
            Row(
                label,
                f"websocket listening before the job ended (of {early[1]})",
                "jobs",
                float(early[0]),
                None if ref_early is None else float(ref_early[0]),
                "reference",
                higher_is_better=True,
            )
        )
        poll = _finite(self.metric("2.poll_p50_ms", stat("ours_polling", 50)))
        ref_poll = self.metric("2.reference_poll_p50_ms", stat("reference_polling", 50))
        self.add(
            Row(label, "completion -> returned, polling p50", "ms", poll, ref_poll, "reference")
        )

    def _listening(self, result: dict[str, Any]) -> tuple[int, int]:
        """(how many jobs had a websocket subscribed before they finished, how many)."""
        assert self.server is not None
        ids = [sample["id"] for sample in result["samples"]]
        done = self.completions(ids)
        subscribed = self.server.subscriptions(ids)
        early = sum(1 for i in ids if i in subscribed and subscribed[i] < done[i])
        return early, len(ids)

    def _latencies(self, result: dict[str, Any]) -> list[float]:
        samples = result["samples"]
        done = self.completions([sample["id"] for sample in samples])
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
        raw_ms = _finite(self.metric("3.raw_httpx_ms", median(ours["raw_httpx"]) * 1e3))
        rjs_ms = _finite(
            self.metric("3.retrieve_job_status_ms", median(ours["retrieve_job_status"]) * 1e3)
        )
        get_ms = _finite(self.metric("3.jobs_get_ms", median(ours["client_jobs_get"]) * 1e3))
        ref_ms = self.metric(
            "3.reference_retrieve_job_status_ms",
            None if ref_times is None else median(ref_times) * 1e3,
        )
        label = "(3) per call"
        self.add(
            Row(
                label,
                "QuantinuumAPI.retrieve_job_status vs raw httpx",
                "ms",
                rjs_ms,
                raw_ms,
                "raw httpx",
                "3.retrieve_job_status",
            )
        )
        self.add(
            Row(
                label,
                "Client.jobs.get vs raw httpx",
                "ms",
                get_ms,
                raw_ms,
                "raw httpx",
                "3.jobs_get",
            )
        )
        self.add(
            Row(label, "retrieve_job_status vs reference's", "ms", rjs_ms, ref_ms, "reference")
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
        ref_ms = self.metric("4.reference_import_ms", None if ref is None else median(ref) * 1e3)
        ours_ms = _finite(self.metric("4.import_ms", median(ours) * 1e3))
        label = "(4) import"
        metric = "import quantinuum_api (vs reference's api_wrappers)"
        self.add(Row(label, metric, "ms", ours_ms, ref_ms, "reference", "4.import"))
        client_ms = _finite(self.metric("4.import_client_ms", median(ours_client) * 1e3))
        self.add(
            Row(label, "from quantinuum_api import Client", "ms", client_ms, ref_ms, "reference")
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
        done = self.completions([sample["id"] for sample in samples])
        medium_service = [done[x["id"]] - x["t0"] for x in samples]
        batch = self.results.raw.get("1_batch", {})
        if not batch.get("ours_async"):  # (1) did not run here: measure the throughput now
            task = {"task": "batch_async", "n": s.batch_jobs, "shots": s.batch_shots}
            batch = {"ours_async": self._batch_runs(self.ours({**task, "reps": s.batch_reps}))}
        # The service's throughput: many tiny jobs in as few requests as the SDK makes
        # them (`submit_many` + `wait_many`: the job-batch extension).
        many = {"task": "batch_sync", "n": s.throughput_jobs, "shots": s.batch_shots}
        batched = self._batch_runs(self.ours({**many, "submit_many": True, "reps": s.batch_reps}))
        self.results.raw["5_service"] = {
            "bare_s": bare,
            "medium_service_s": medium_service,
            "medium_samples": samples,
            "medium_program": {"qubits": s.medium_qubits, "shots": s.medium_shots},
            "throughput_runs": batched,
            "per_job_submit_runs": batch["ours_async"],
        }
        label = "(5) service"
        rate = _finite(self.metric("5.jobs_per_s", median([r["jobs_per_s"] for r in batched])))
        one_by_one = median([run["jobs_per_s"] for run in batch["ours_async"]])
        ref_rate = self.metric(
            "5.reference_jobs_per_s",
            median([run["jobs_per_s"] for run in batch["reference"]])
            if batch.get("reference")
            else None,
        )
        self.add(
            Row(
                label,
                f"throughput, tiny jobs ({s.throughput_jobs} via Client.submit_many)",
                "jobs/s",
                rate,
                ref_rate,
                "via reference",
                "5.throughput",
                higher_is_better=True,
            )
        )
        self.add(
            Row(
                label,
                f"throughput, tiny jobs ({s.batch_jobs} via AsyncClient, a request each)",
                "jobs/s",
                _finite(self.metric("5.jobs_per_s_one_by_one", one_by_one)),
                ref_rate,
                "via reference",
                higher_is_better=True,
            )
        )
        tiny_ms = _finite(self.metric("5.tiny_ms", 1e3 / rate))
        tiny_bare = self.metric("5.tiny_bare_ms", median(bare["tiny"]) * 1e3)
        self.add(
            Row(
                label,
                "time per tiny job: service vs bare simulator",
                "ms",
                tiny_ms,
                tiny_bare,
                "bare simulator",
                "5.tiny",
            )
        )
        medium_ms = _finite(self.metric("5.medium_ms", median(medium_service) * 1e3))
        bare_ms = self.metric("5.medium_bare_ms", median(bare["medium"]) * 1e3)
        self.add(
            Row(
                label,
                f"one {s.medium_qubits}-qubit job, {s.medium_shots} shots: service vs bare",
                "ms",
                medium_ms,
                bare_ms,
                "bare simulator",
                "5.medium",
            )
        )
        self.heavy()

    def heavy(self) -> None:
        """API latency while a heavy job runs. A job of `DEDICATED_QUBITS` or more runs on
        a service of its own, stopped once the calls are measured (nobody waits minutes for
        it); a smaller one (--quick) on the main service, where it finishes soon."""
        s = self.sizes
        self.say(f"(5) API latency while a {s.heavy_qubits}-qubit job runs ...")
        dedicated = s.heavy_qubits >= DEDICATED_QUBITS
        main = self.server
        if dedicated:
            self.server = self.start_server()
        try:
            result = self.ours(
                {
                    "task": "api_latency",
                    "n": s.heavy_calls,
                    "program": heavy_program(s.heavy_qubits),
                    "machine": HEAVY_MACHINE,
                    "shots": s.heavy_shots,
                }
            )
            heavy_id = result["heavy_id"]
            finished = result["heavy_status"] in {"completed", "failed", "canceled"}
            began, done = -math.inf, math.inf
            if finished:  # (a running Aer job holds the GIL: no stamps until it ends)
                assert self.server is not None
                ends, starts = self.server.stamps([heavy_id])
                if heavy_id not in starts:
                    raise BenchError("bench: the heavy job has no start stamp")
                began, done = starts[heavy_id], ends[heavy_id]
        finally:
            if dedicated:
                assert self.server is not None
                self.server.close(timeout=5.0)
                self.server = main
        # A call counts if it overlaps the run (one the job held up counts in full);
        # unfinished, every call does: all came after its submission to an idle service.
        busy = [took for start, took in result["calls"] if start < done and start + took > began]
        idle = result["idle"]
        self.results.raw["5_heavy"] = {
            **result,
            "busy": busy,
            "started_at": None if math.isinf(began) else began,
            "completed_at": None if math.isinf(done) else done,
        }

        def stat(values: list[float], q: float) -> float | None:
            return percentile(values, q) * 1e3 if values else None

        label = "(5) service"
        cut = " (cut off at the window)" if result["cut_off"] else ""
        metric = f"GET job while a {s.heavy_qubits}-qubit job runs ({len(busy)} calls{cut}) vs idle"
        for q, target in ((50, ""), (99, "5.busy_p99")):
            idle_ms = self.metric(f"5.idle_p{q}_ms", stat(idle, q))
            busy_ms = _finite(self.metric(f"5.busy_p{q}_ms", stat(busy, q)))
            self.add(Row(label, f"{metric}, p{q}", "ms", busy_ms, idle_ms, "idle service", target))

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
        ref = raw.get("reference")
        label = "(6) memory"
        peak = _finite(self.metric("6.peak_rss_mb", float(raw["ours"]["peak_rss_mb"])))
        ref_peak = self.metric(
            "6.reference_peak_rss_mb", None if ref is None else float(ref["peak_rss_mb"])
        )
        self.add(
            Row(
                label,
                f"peak RSS waiting on {s.memory_jobs} jobs",
                "MB",
                peak,
                ref_peak,
                "reference",
                "6.peak_rss",
            )
        )
        self.add(
            Row(
                label,
                "RSS growth during the wait",
                "MB",
                float(raw["ours"]["peak_rss_mb"]) - float(raw["ours"]["peak_before_mb"]),
                None if ref is None else float(ref["peak_rss_mb"]) - float(ref["peak_before_mb"]),
                "reference",
            )
        )

    # (7) ---------------------------------------------------------------------------------
    def scale(self) -> None:
        s = self.sizes
        self.say(f"(7) {s.scale_jobs} jobs submitted and waited from one process ...")
        task = {"n": s.scale_jobs, "shots": s.batch_shots, "reps": 1}
        ours = self.ours({"task": "batch_async", **task})
        runs = {"ours": self._batch_runs(ours)[0] | {"peak_rss_mb": ours["peak_rss_mb"]}}
        body = reference_body(BELL, s.batch_shots, "bench-scale")
        ref = self.reference({"task": "batch", "body": body, **task})
        if ref is not None:
            runs["reference"] = self._batch_runs(ref)[0] | {"peak_rss_mb": ref["peak_rss_mb"]}
        for one in runs.values():
            one.pop("ids")  # 10,000 ids each: not worth keeping
        self.results.raw["7_scale"] = runs
        ref_run = runs.get("reference")
        label = f"(7) {s.scale_jobs} jobs"

        def both(key: str, scale: float = 1.0) -> tuple[float, float | None]:
            ours_value = _finite(self.metric(f"7.{key}", runs["ours"][key] * scale))
            ref_value = None if ref_run is None else ref_run[key] * scale
            return ours_value, self.metric(f"7.reference_{key}", ref_value)

        total, ref_total = both("total_s")
        self.add(
            Row(label, "submit all + wait all, one process", "s", total, ref_total, "reference")
        )
        n = s.scale_jobs
        rate = n / total
        ref_rate = None if ref_total is None else n / ref_total
        self.metric("7.jobs_per_s", rate)
        self.metric("7.reference_jobs_per_s", ref_rate)
        self.add(
            Row(
                label,
                "throughput (jobs / submit+wait time)",
                "jobs/s",
                rate,
                ref_rate,
                "reference",
                higher_is_better=True,
            )
        )
        peak, ref_peak = both("peak_rss_mb")
        self.add(Row(label, "peak RSS of the client process", "MB", peak, ref_peak, "reference"))


def _import_times(python: Path, statement: str, runs: int) -> list[float]:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    argv = [str(python), "-c", code]
    times = []
    for index in range(runs + 1):
        done = run(argv, env=child_env(bytecode=True))
        if done.returncode != 0:
            raise BenchError(f"bench: {statement!r} failed:\n{done.stderr[-2000:]}")
        if index:  # the first run writes the bytecode caches
            times.append(float(done.stdout.strip().splitlines()[-1]))
    return times


def _import_profile(python: Path, statement: str, top: int = 12) -> list[dict[str, Any]]:
    """The slowest modules of one `-X importtime` run (cumulative microseconds)."""
    done = run([str(python), "-X", "importtime", "-c", statement], env=child_env(bytecode=True))
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


def _ratio_text(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.2f}x"


def _ratio(row: Row) -> str:
    return _ratio_text(row.ratio)


HEADER = [
    "scenario",
    "metric",
    "ours",
    "baseline",
    "baseline is",
    "ours/baseline",
    "ideal",
    "ours/ideal",
    "target",
    "verdict",
    "load",
]


def table_lines(results: ModeResults, cpus: int) -> list[list[str]]:
    """The header and one list of cells per row (the load as `1m-average/CPUs`)."""
    lines = [list(HEADER)]
    for row in results.rows:
        found = results.row_verdict(row)
        lines.append(
            [
                row.scenario,
                row.metric,
                _fmt(row.ours, row.unit),
                _fmt(row.baseline, row.unit),
                row.baseline_name or "-",
                _ratio(row),
                "-" if row.ideal is None else _fmt(row.ideal, row.unit),
                "-" if row.ideal is None else _ratio_text(row.ideal_ratio),
                BY_KEY[row.target].text if row.target else "-",
                found or "-",
                f"{row.load:.2f}/{cpus}",
            ]
        )
    return lines


def _aligned(lines: list[list[str]]) -> str:
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def _markdown(lines: list[list[str]]) -> str:
    out = ["| " + " | ".join(lines[0]) + " |", "|" + "---|" * len(lines[0])]
    out.extend("| " + " | ".join(line) + " |" for line in lines[1:])
    return "\n".join(out)


def target_lines(modes: Sequence[ModeResults]) -> list[list[str]]:
    """Every target (in `_targets.TARGETS` order) with its verdict against each mode."""
    lines = [["target", *(SERVERS[m.mode] for m in modes)]]
    for target in TARGETS:
        cells = [verdict(target, m.metrics) for m in modes]
        lines.append([f"({target.scenario}) {target.text}", *cells])
    return lines


def render_text(modes: Sequence[ModeResults], cpus: int) -> str:
    parts = []
    for results in modes:
        parts.append(f"== {SERVERS[results.mode]} ==")
        parts.append(_aligned(table_lines(results, cpus)))
        parts.append("")
    parts.append("== targets (scripts/bench/_targets.py) ==")
    parts.append(_aligned(target_lines(modes)))
    return "\n".join(parts)


def render_markdown(modes: Sequence[ModeResults], cpus: int) -> str:
    parts = []
    for results in modes:
        parts.extend(
            [f"### {SERVERS[results.mode]}", "", _markdown(table_lines(results, cpus)), ""]
        )
    parts.extend(["### Targets", "", _markdown(target_lines(modes))])
    return "\n".join(parts)


def document(meta: dict[str, Any], modes: Sequence[ModeResults]) -> dict[str, Any]:
    """The JSON document: per mode its rows (with target text and verdict), metrics,
    verdicts and raw numbers; and the target table with each mode's verdict."""
    servers = {}
    for results in modes:
        rows = []
        for row in results.rows:
            rows.append(
                {
                    **asdict(row),
                    "ratio": row.ratio,
                    "ideal_ratio": row.ideal_ratio,
                    "target_text": BY_KEY[row.target].text if row.target else "",
                    "verdict": results.row_verdict(row) or "-",
                }
            )
        servers[results.mode] = {
            "name": SERVERS[results.mode],
            "rows": rows,
            "metrics": results.metrics,
            "verdicts": verdicts(results.metrics),
            "failures": results.failures,
            "durations_s": results.durations_s,
            "profiles": results.profiles,
            "raw": results.raw,
        }
    targets = [
        {
            "key": target.key,
            "scenario": target.scenario,
            "text": target.text,
            "inputs": list(target.inputs),
            "verdicts": {m.mode: verdict(target, m.metrics) for m in modes},
        }
        for target in TARGETS
    ]
    return {"meta": meta, "targets": targets, "servers": servers}


def _meta(sizes: Sizes, args: argparse.Namespace) -> dict[str, Any]:
    rev = run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT).stdout.strip()
    return {
        "started_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_rev": rev or None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_start": list(os.getloadavg()),
        "speed_start_s": round(machine_speed(), 4),
        "sizes": asdict(sizes),
        "scenarios": args.scenarios,
        "servers": args.servers,
        "profiled": args.profile,
        "reference": None if args.only_ours else f"{REFERENCE_PACKAGE}=={REFERENCE_VERSION}",
    }


def _parse_scenarios(text: str) -> list[int]:
    try:
        chosen = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers like 1,2,5, got {text!r}") from None
    if not chosen or any(n not in ALL_SCENARIOS for n in chosen):
        raise argparse.ArgumentTypeError(f"scenarios are 1-{ALL_SCENARIOS[-1]}, got {text!r}")
    return chosen


def _parse_servers(text: str) -> list[str]:
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    if not chosen or any(part not in SERVERS for part in chosen) or len(set(chosen)) < len(chosen):
        raise argparse.ArgumentTypeError(f"servers are serve and/or local, got {text!r}")
    return chosen


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes, no warm-up (the unit test)"
    )
    parser.add_argument(
        "--only-ours",
        action="store_true",
        help="skip the reference client (no ratios against it)",
    )
    parser.add_argument(
        "--scenarios",
        type=_parse_scenarios,
        default=list(ALL_SCENARIOS),
        help=f"comma-separated subset of 1-{ALL_SCENARIOS[-1]} (default: all)",
    )
    parser.add_argument(
        "--servers",
        type=_parse_servers,
        default=list(SERVERS),
        help="comma-separated service modes: serve (`qapi serve`), local (LocalServer);"
        " default: both",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy profiles of the service during (1) and (5) and of the SDK during (3)",
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
    meta = _meta(sizes, args)
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        ref_python = None if args.only_ours else ensure_reference_venv(args.ref_venv, log)
        if args.profile:
            print("bench: --profile: numbers below are measured under py-spy", file=log)
        modes = []
        for index, mode in enumerate(args.servers):
            bench = Bench(mode, sizes, ref_python, log, args.out, args.profile, not args.quick)
            modes.append(bench.run(args.scenarios, with_client_side=index == 0))
    except BenchError as exc:
        print(exc, file=sys.stderr)
        return 1
    meta["loadavg_end"] = list(os.getloadavg())
    meta["speed_end_s"] = round(machine_speed(), 4)
    meta["duration_s"] = round(time.monotonic() - started, 1)
    cpus = os.cpu_count() or 0
    print(render_text(modes, cpus))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path = args.out / f"bench-{stamp}.json"
    json_path.write_text(json.dumps(document(meta, modes), indent=1, allow_nan=True) + "\n")
    json_path.with_suffix(".md").write_text(render_markdown(modes, cpus) + "\n")
    print(f"\nraw numbers: {json_path}  (markdown tables: {json_path.with_suffix('.md')})")
    print(
        f"took {meta['duration_s']} s; load average {meta['loadavg_end']} on {cpus} CPUs"
        + (" (profiled: slower than unprofiled)" if args.profile else "")
    )
    print(
        f"machine speed: {SPEED_LOOP:,} turns of a pure-Python loop took "
        f"{meta['speed_start_s']} s at the start and {meta['speed_end_s']} s at the end "
        "(lower is faster)"
    )
    failed = [f"{m.mode}:{n}" for m in modes for n in sorted(m.failures)]
    if failed:
        print(f"bench: FAILED scenarios: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
