"""This SDK's side of the benchmarks, plus the service and bare-simulator measurements.

Run as `python -m bench.ours` (with `scripts/` on `PYTHONPATH`): it reads one task as JSON
on stdin (`{"task": ..., "base_url", "email", "password", ...}`) and prints the raw result
as one JSON line on stdout. Every task runs in a fresh process and logs in before timing
starts, so imports and login are never inside a measurement. Timestamps that the runner
compares with the server's completion stamps are `time.monotonic()`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from bench._common import (
    BELL,
    MACHINE,
    current_rss_mb,
    peak_rss_mb,
)

Task = dict[str, Any]
SUBMIT_CONCURRENCY = 16  # concurrent submissions of `batch_async` (as wait_many's default)


def _client_kw(task: Task) -> dict[str, Any]:
    return {"email": task["email"], "password": task["password"]}


# -- (1) and (5a): many small jobs ---------------------------------------------------------
async def _batch_async(task: Task) -> dict[str, Any]:
    """AsyncClient: submit all jobs concurrently, then `wait_many`."""
    from quantinuum_api import AsyncClient

    program, shots, n = task.get("program", BELL), int(task["shots"]), int(task["n"])
    # Unbounded gather of 1,000 submissions exhausts httpx's pool (PoolTimeout), so the
    # submissions are bounded, as a careful user would do.
    limit = asyncio.Semaphore(int(task.get("submit_concurrency", SUBMIT_CONCURRENCY)))
    runs = []
    rss_before = current_rss_mb()
    async with AsyncClient(task["base_url"], **_client_kw(task)) as client:
        await client.login()

        async def submit() -> Any:
            async with limit:
                return await client.jobs.submit(program, MACHINE, shots)

        for _ in range(int(task.get("reps", 1))):
            t0 = time.monotonic()
            jobs = await asyncio.gather(*(submit() for _ in range(n)))
            t_submitted = time.monotonic()
            if task.get("submit_only"):
                runs.append({"t0": t0, "t_submitted": t_submitted, "ids": [j.id for j in jobs]})
                continue
            results = await client.jobs.wait_many(jobs)
            t_end = time.monotonic()
            _check_completed(results)
            runs.append(
                {
                    "t0": t0,
                    "t_submitted": t_submitted,
                    "t_end": t_end,
                    "ids": [job.id for job in jobs],
                }
            )
    return {"runs": runs, "rss_before_mb": rss_before, "peak_rss_mb": peak_rss_mb()}


def _batch_sync(task: Task) -> dict[str, Any]:
    """Client (sync): `jobs.submit_many` where the SDK has it and the task asks for it
    (`submit_many`), else submit one after the other; then `wait_many`."""
    from quantinuum_api import Client

    program, shots, n = task.get("program", BELL), int(task["shots"]), int(task["n"])
    runs = []
    with Client(task["base_url"], **_client_kw(task)) as client:
        client.login()
        many = bool(task.get("submit_many")) and hasattr(client.jobs, "submit_many")
        for _ in range(int(task.get("reps", 1))):
            t0 = time.monotonic()
            if many:
                submit_many = getattr(client.jobs, "submit_many")  # noqa: B009 - not in every SDK
                jobs = list(submit_many([program] * n, MACHINE, shots))
            else:
                jobs = [client.jobs.submit(program, MACHINE, shots) for _ in range(n)]
            t_submitted = time.monotonic()
            results = client.jobs.wait_many(jobs)
            t_end = time.monotonic()
            _check_completed(results)
            runs.append(
                {
                    "t0": t0,
                    "t_submitted": t_submitted,
                    "t_end": t_end,
                    "ids": [job.id for job in jobs],
                }
            )
    return {"runs": runs, "submit_many": many}


def _check_completed(results: list[Any]) -> None:
    bad = [(job.id, job.status) for job in results if job.status != "completed"]
    if bad:
        raise RuntimeError(f"bench: jobs did not complete: {bad[:3]}")


# -- (2): completion-to-return latency -----------------------------------------------------
def _latency(task: Task) -> dict[str, Any]:
    """Submit a job, wait for it (websocket or polling), stamp when the wait returned."""
    from quantinuum_api import Client

    program, shots = task.get("program", BELL), int(task["shots"])
    use_ws = bool(task["use_websocket"])
    samples = []
    with Client(task["base_url"], **_client_kw(task)) as client:
        client.login()
        for _ in range(int(task["n"])):
            job = client.jobs.submit(program, MACHINE, shots)
            t_submitted = time.monotonic()
            result = client.jobs.wait(job, use_websocket=use_ws)
            t_returned = time.monotonic()
            _check_completed([result])
            samples.append({"id": job.id, "t_submitted": t_submitted, "t_returned": t_returned})
    return {"samples": samples}


# -- (3): retrieve_job_status against raw httpx --------------------------------------------
def _status(task: Task) -> dict[str, Any]:
    """Per-call time of `QuantinuumAPI.retrieve_job_status`, `Client.jobs.get` and a raw
    `httpx.Client.get(...).json()` of the same URL (same params, same token), interleaved
    in rounds so drift in machine load hits all three alike."""
    import httpx

    from quantinuum_api import Client, QuantinuumAPI

    job_id, n, rounds = task["job_id"], int(task["n"]), int(task.get("rounds", 5))
    api = QuantinuumAPI(
        api_url=task["base_url"],
        _QuantinuumAPI__user_name=task["email"],
        _QuantinuumAPI__pwd=task["password"],
    )
    token = api.login()
    url = f"{task['base_url']}v1/job/{job_id}"
    raw = httpx.Client(headers={"Authorization": token})
    client = Client(task["base_url"], **_client_kw(task))
    client.login()

    def raw_call() -> object:
        response = raw.get(url, params={"websocket": "true"})
        response.raise_for_status()
        return response.json()

    calls: dict[str, Callable[[], object]] = {
        "raw_httpx": raw_call,
        "retrieve_job_status": lambda: api.retrieve_job_status(job_id),
        "client_jobs_get": lambda: client.jobs.get(job_id),
    }
    for call in calls.values():  # warm up: connections, caches
        for _ in range(max(3, int(task.get("warmup", 10)))):
            call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    per_round = max(1, n // rounds)
    for _ in range(rounds):
        for name, call in calls.items():
            for _ in range(per_round):
                t0 = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - t0)
    api.close()
    raw.close()
    client.close()
    return {"times": times}


# -- (5): service throughput and overhead against the bare simulator -----------------------
def _bare_sim(task: Task) -> dict[str, Any]:
    """Parse + run each program directly on the service's `Simulator` (what a job costs
    without HTTP, database and chunking)."""
    from quantinuum_emulator import Simulator, parse_program

    simulator = Simulator()
    simulator.warm_up()
    out: dict[str, list[float]] = {}
    for name, spec in task["programs"].items():
        program_text, shots, reps = spec["program"], int(spec["shots"]), int(spec["reps"])
        simulator.run(parse_program(program_text), shots)  # warm: caches of this shape
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            simulator.run(parse_program(program_text), shots)
            times.append(time.perf_counter() - t0)
        out[name] = times
    return {"times": out}


def _service_job(task: Task) -> dict[str, Any]:
    """One job at a time through the service (submit -> completion), `reps` times."""
    from quantinuum_api import Client

    samples = []
    with Client(task["base_url"], **_client_kw(task)) as client:
        client.login()
        for _ in range(int(task["reps"])):
            t0 = time.monotonic()
            job = client.jobs.submit(task["program"], MACHINE, int(task["shots"]))
            result = client.jobs.wait(job)
            t_returned = time.monotonic()
            _check_completed([result])
            samples.append({"id": job.id, "t0": t0, "t_returned": t_returned})
    return {"samples": samples}


def _api_latency(task: Task) -> dict[str, Any]:
    """Per-call time of a raw `GET /v1/job/{id}` on the idle service (a finished tiny job),
    then of the same call on a heavy job from its submission on, until it is seen done,
    `n` calls were made or `window_s` passed. A call still unanswered when the window
    closes is cut off there and counted with the time it waited (a lower bound). Each call
    is kept with its start (monotonic), so the runner counts those that overlap the run on
    the server (between its start and completion stamps). The heavy job is left running
    if unfinished: the runner stops that (dedicated) service afterwards."""
    import httpx

    from quantinuum_api import Client, QuantinuumAPI

    base, n = task["base_url"], int(task["n"])
    api = QuantinuumAPI(
        api_url=base,
        _QuantinuumAPI__user_name=task["email"],
        _QuantinuumAPI__pwd=task["password"],
    )
    token = api.login()
    raw = httpx.Client(headers={"Authorization": token}, base_url=base)
    with Client(base, **_client_kw(task)) as client:
        client.login()
        tiny = client.jobs.wait(client.jobs.submit(BELL, MACHINE, 10))
        _check_completed([tiny])

        def idle_call() -> float:
            t0 = time.perf_counter()
            raw.get(f"v1/job/{tiny.id}").raise_for_status()
            return time.perf_counter() - t0

        for _ in range(20):  # warm up
            idle_call()
        idle = [idle_call() for _ in range(n)]
        heavy = client.jobs.submit(task["program"], task["machine"], int(task["shots"]))
        calls: list[tuple[float, float]] = []
        status, cut_off = "queued", False
        window_end = time.monotonic() + float(task.get("window_s", 20.0))
        while len(calls) < n and status not in {"completed", "failed", "canceled"}:
            left = window_end - time.monotonic()
            if left <= 0:
                break
            start, t0 = time.monotonic(), time.perf_counter()
            try:
                response = raw.get(f"v1/job/{heavy.id}", timeout=left)
                response.raise_for_status()
                status = str(response.json()["status"])
            except httpx.TimeoutException:
                cut_off = True
            calls.append((start, time.perf_counter() - t0))
            if cut_off:
                break
    api.close()
    raw.close()
    return {
        "idle": idle,
        "calls": calls,
        "heavy_id": heavy.id,
        "heavy_status": status,
        "cut_off": cut_off,
    }


# -- (6): memory while waiting on many jobs ------------------------------------------------
def _memory(task: Task) -> dict[str, Any]:
    """Peak RSS while `Client.jobs.wait_many` waits on the given (just submitted) jobs."""
    from quantinuum_api import Client

    ids = list(task["ids"])
    with Client(task["base_url"], **_client_kw(task)) as client:
        client.login()
        before_current = current_rss_mb()
        before_peak = peak_rss_mb()
        t0 = time.monotonic()
        results = client.jobs.wait_many(ids)
        t_end = time.monotonic()
        after_current = current_rss_mb()
        peak = peak_rss_mb()
        done = sum(1 for job in results if job.status == "completed")
    return {
        "jobs": len(ids),
        "completed": done,
        "rss_before_mb": before_current,
        "peak_before_mb": before_peak,
        "rss_after_mb": after_current,
        "peak_rss_mb": peak,
        "wait_s": t_end - t0,
    }


# -- (8): pytket through our backend ---------------------------------------------------
def _pytket_batch(task: Task) -> dict[str, Any]:
    """`process_circuits` of `n` Bell circuits + `get_results` through this SDK's pytket
    backend (`quantinuum_api.pytket.QuantinuumBackend`); `{"absent": why}` without it."""
    import importlib

    try:  # first: without it, pytket's own (slow) imports are not worth making
        ours: Any = importlib.import_module("quantinuum_api.pytket")
    except ImportError as exc:
        return {"absent": f"no quantinuum_api.pytket backend here ({exc})"}
    from pytket import Circuit
    from pytket.extensions.quantinuum.backends.quantinuum import Language

    from quantinuum_api import Client

    n, shots = int(task["n"]), int(task["shots"])
    runs = []
    with Client(task["base_url"], **_client_kw(task)) as client:
        client.login()
        backend = ours.QuantinuumBackend(MACHINE, client=client)
        circuit = backend.get_compiled_circuit(Circuit(2, 2).H(0).CX(0, 1).measure_all())
        for _ in range(int(task.get("reps", 1))):
            t0 = time.monotonic()
            handles = backend.process_circuits([circuit] * n, n_shots=shots, language=Language.QASM)
            t_submitted = time.monotonic()
            results = backend.get_results(handles)
            t_end = time.monotonic()
            if len(results) != n or any(sum(r.get_counts().values()) != shots for r in results):
                raise RuntimeError("bench: pytket results are incomplete")
            ids = [str(handle[0]) for handle in handles]
            runs.append({"t0": t0, "t_submitted": t_submitted, "t_end": t_end, "ids": ids})
    return {"runs": runs}


# -- (10): the API while users upload large programs ---------------------------------------
def _upload_loop(task: Task) -> dict[str, Any]:
    """One uploading user: submit `program` to `machine` again and again until the file
    `stop_file` exists; prints `{"ready": true}` after the first upload, then its counts."""
    from pathlib import Path

    from quantinuum_api import Client, QuantinuumAPIError

    stop = Path(task["stop_file"])
    counts = {"accepted": 0, "refused": 0}
    with Client(task["base_url"], **_client_kw(task)) as client:
        client.login()
        while not stop.exists():
            try:
                client.jobs.submit(task["program"], task["machine"], 1)
                counts["accepted"] += 1
            except QuantinuumAPIError:
                counts["refused"] += 1
            if sum(counts.values()) == 1:
                print(json.dumps({"ready": True}), flush=True)
    return counts


def _upload_latency(task: Task) -> dict[str, Any]:
    """Per-call time of a raw `GET /v1/job/{id}` (a finished tiny job), a call every
    `interval_s` (a busy poller, not a load of its own), at least `n` and for `window_s`:
    on the idle service, then while `users` processes each upload the large `program`
    again and again (so the window holds many uploads)."""
    import subprocess
    import tempfile
    from pathlib import Path

    from quantinuum_api import Client

    n, users = int(task["n"]), int(task["users"])
    with Client(task["base_url"], **_client_kw(task)) as client:
        client.login()
        tiny = client.jobs.wait(client.jobs.submit(BELL, MACHINE, 10))
        _check_completed([tiny])
    raw = _raw_client(task)

    def call() -> float:
        t0 = time.perf_counter()
        raw.get(f"v1/job/{tiny.id}").raise_for_status()
        return time.perf_counter() - t0

    def paced(count: int, until: float) -> list[float]:
        """`count` calls (and more until `until`, monotonic), one every `interval_s`."""
        pace = float(task.get("interval_s", 0.0))
        times: list[float] = []
        while len(times) < count or time.monotonic() < until:
            started = time.monotonic()
            times.append(call())
            time.sleep(max(0.0, started + pace - time.monotonic()))
        return times

    for _ in range(20):  # warm up
        call()
    # The idle baseline is the same poller (same pace, same window) on the idle service:
    # back-to-back calls ran hot, and 300 of them gave a p99 from 3 samples, so a paced
    # poller's own wake-ups looked like the cost of the uploads.
    idle = paced(n, time.monotonic() + float(task.get("window_s", 0.0)))
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as tmp:
        stop = Path(tmp) / "stop"
        loop_task = json.dumps({**task, "task": "upload_loop", "stop_file": str(stop)})
        uploaders = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.ours"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(users)
        ]
        counts = []
        try:
            for proc in uploaders:
                assert proc.stdin is not None
                proc.stdin.write(loop_task)
                proc.stdin.close()
            for proc in uploaders:  # every user has uploaded once: all are uploading now
                assert proc.stdout is not None
                if "ready" not in proc.stdout.readline():
                    raise RuntimeError("bench: an uploading user failed before its first upload")
            busy = paced(n, time.monotonic() + float(task.get("window_s", 0.0)))
        finally:
            stop.touch()
            for proc in uploaders:
                assert proc.stdout is not None
                lines = proc.stdout.read().strip().splitlines()
                proc.wait(120)
                counts.append(json.loads(lines[-1]) if lines else {})
    raw.close()
    return {"idle": idle, "busy": busy, "uploads": counts}


def _raw_client(task: Task) -> Any:
    """A raw `httpx.Client` on the service with a token from the SDK's legacy login."""
    import httpx

    from quantinuum_api import QuantinuumAPI

    api = QuantinuumAPI(
        api_url=task["base_url"],
        _QuantinuumAPI__user_name=task["email"],
        _QuantinuumAPI__pwd=task["password"],
    )
    token = api.login()
    api.close()
    return httpx.Client(headers={"Authorization": token}, base_url=task["base_url"])


def run_task(task: Task) -> dict[str, Any]:
    """Run one task and return its raw result."""
    kind = task["task"]
    if kind == "batch_async":
        return asyncio.run(_batch_async(task))
    handlers: dict[str, Callable[[Task], dict[str, Any]]] = {
        "batch_sync": _batch_sync,
        "latency": _latency,
        "status": _status,
        "bare_sim": _bare_sim,
        "service_job": _service_job,
        "memory": _memory,
        "api_latency": _api_latency,
        "pytket_batch": _pytket_batch,
        "upload_loop": _upload_loop,
        "upload_latency": _upload_latency,
    }
    if kind not in handlers:
        raise ValueError(f"unknown task {kind!r}")
    return handlers[kind](task)


def main() -> int:
    task = json.loads(sys.stdin.read())
    print(json.dumps(run_task(task)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
