"""Scenarios (8)-(10) of the runner (issues 19 and 22); each is `step(bench)` on a `Bench`.

(8) Round trip: `rt_jobs` tiny jobs through the delaying proxy (`_proxy.py`, `rt_one_way_ms`
    each way) in front of the service, per client: our AsyncClient (concurrent submit +
    `wait_many`), the sync `Client` (`jobs.submit_many` + `wait_many` where the SDK has it,
    else a submit loop, and the row says so), the seed-era client (the reference venv's
    `QuantinuumAPI`, as (1)), pytket's `process_circuits` + `get_results` through our
    backend (`quantinuum_api.pytket`, n/a without it) and through pytket-quantinuum
    0.55's backend (the reference venv). Each row shows the ideal for that round trip:
    the service's own time for the same jobs (first submission to last completion, our
    AsyncClient on loopback, in the same run) plus two round trips (one to hand the jobs
    over, one to collect the results).
(9) Noisy emulation speed, same circuits in one run: our emulator (`Emulator.prepare` +
    `run`, the machine's noise) against bare qiskit-aer given the same noise model
    (`noisy.py`) and pytket-quantinuum's local emulator, pytket-pecos (`pecos_worker.py`
    in a venv of its own, `.bench/pecos-venv`; n/a if it cannot be installed).
(10) API latency under uploads (issue 22): p50/p99 of a raw `GET /v1/job/{id}`, one every
    5 ms for `upload_window_s` (and at least `upload_calls` calls), on the idle service and
    then while
    `upload_users` processes each submit a valid `upload_kb` KB OpenQASM program to the
    syntax checker again and again (its cost is admission: parsing in a checker process).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bench._common import (
    BELL,
    MACHINE,
    ghz_program,
    large_program,
    median,
    percentile,
    random_program,
    reference_body,
)
from bench._model import Row, _finite
from bench._procs import SCRIPTS, BenchError, WorkerTimeout, ensure_pecos_venv, run_worker
from bench._proxy import ProxyThread
from bench._targets import NOISY_CIRCUITS

if TYPE_CHECKING:
    from bench.run import Bench

NOISY_MACHINE = "H2-1E"  # 56 qubits and a noise model
UPLOAD_MACHINE = "H1-1SC"  # a syntax checker: an upload costs its admission, not a run
UPLOAD_CALL_INTERVAL_S = 0.005  # (10): a GET every 5 ms while the users upload
NOISY_BUDGET_S = 120.0  # per circuit and engine: a slower engine stops after fewer reps
PECOS_TIMEOUT_S = 900.0  # per circuit: pytket-pecos is killed past it (a lower bound then)


# (8) ---------------------------------------------------------------------------------------
def round_trip(bench: Bench) -> None:
    s = bench.sizes
    delay = s.rt_one_way_ms / 1e3
    rtt_ms = 2 * s.rt_one_way_ms
    bench.say(f"(8) {s.rt_jobs} jobs at {rtt_ms} ms round trip, {s.rt_reps} runs per client ...")
    jobs = {"n": s.rt_jobs, "shots": s.batch_shots, "reps": s.rt_reps}
    concurrency = {"submit_concurrency": s.rt_concurrency}
    bench.ours({"task": "batch_async", "n": 2, "shots": s.batch_shots, "reps": 1})  # warm
    loopback = bench._batch_runs(bench.ours({"task": "batch_async", **jobs, **concurrency}))
    service_s = median([one["last_completion_s"] for one in loopback])
    ideal_s = service_s + 2 * 2 * delay
    raw: dict[str, Any] = {"loopback": loopback, "one_way_s": delay}
    port = urlsplit(bench.hello["base_url"]).port
    assert port is not None
    with ProxyThread(port, delay) as proxy:
        via = {"base_url": proxy.url, **jobs}
        raw["async"] = bench.ours({"task": "batch_async", **via, **concurrency})
        raw["sync"] = bench.ours({"task": "batch_sync", **via, "submit_many": True})
        raw["pytket"] = bench.ours({"task": "pytket_batch", **via})
        body = reference_body(BELL, s.batch_shots, "bench-rtt")
        raw["seed"] = bench.reference({"task": "batch", "body": body, **via})
        raw["pytket_055"] = bench.reference({"task": "pytket_batch", "machine": MACHINE, **via})
        raw["proxy"] = {"connections": proxy.proxy.accepted, "refused": proxy.proxy.refused}
    for one in loopback:
        one.pop("ids")
    bench.results.raw["8_round_trip"] = raw
    _round_trip_rows(bench, raw, service_s, ideal_s, f"(8) {s.rt_jobs} jobs, {rtt_ms} ms RTT")


def _total(result: dict[str, Any] | None) -> float | None:
    """The median submit-to-return time of a worker's runs (None: not run, or absent)."""
    if result is None or "absent" in result:
        return None
    return median([one["t_end"] - one["t0"] for one in result["runs"]])


def _round_trip_rows(
    bench: Bench, raw: dict[str, Any], service_s: float, ideal_s: float, label: str
) -> None:
    metric = bench.metric
    metric("8.service_s", service_s)
    metric("8.ideal_s", ideal_s)
    seed = metric("8.seed_s", _total(raw["seed"]))
    theirs = metric("8.pytket_055_s", _total(raw["pytket_055"]))
    bench.add(Row(label, "service's own time for the jobs, on loopback", "s", service_s))
    async_s = _finite(metric("8.async_s", _total(raw["async"])))
    bench.add(
        Row(
            label,
            "AsyncClient: concurrent submit + wait_many",
            "s",
            async_s,
            seed,
            "seed-era client",
            "8.async",
            ideal=ideal_s,
        )
    )
    many = bool(raw["sync"].get("submit_many"))
    sync_s = _finite(metric("8.sync_many_s" if many else "8.sync_loop_s", _total(raw["sync"])))
    what = "submit_many + wait_many" if many else "submit loop + wait_many (no submit_many here)"
    target = "8.sync" if many else ""
    bench.add(
        Row(
            label,
            f"sync Client: {what}",
            "s",
            sync_s,
            seed,
            "seed-era client",
            target,
            ideal=ideal_s,
        )
    )
    if seed is not None:
        what = "seed-era client itself (QuantinuumAPI: submit each, retrieve_job each)"
        bench.add(Row(label, what, "s", seed, ideal=ideal_s))
    pytket = raw["pytket"]
    ours_pytket = _finite(metric("8.pytket_s", _total(pytket)))
    what = "pytket process_circuits + get_results, our backend"
    if "absent" in pytket:
        what += " (n/a: quantinuum_api.pytket is not in this SDK)"
    bench.add(
        Row(
            label,
            what,
            "s",
            ours_pytket,
            theirs,
            "pytket-quantinuum 0.55",
            "8.pytket",
            ideal=ideal_s,
        )
    )
    if theirs is not None:
        what = "pytket-quantinuum 0.55 backend itself (its QuantinuumAPI)"
        bench.add(Row(label, what, "s", theirs, ideal=ideal_s))


# (9) ---------------------------------------------------------------------------------------
def noisy(bench: Bench) -> None:
    s = bench.sizes
    bench.say(f"(9) noisy emulation: ours, bare qiskit-aer, pytket-pecos; {s.noisy_reps} runs ...")
    circuits = {
        "ghz": (ghz_program(s.ghz_qubits), "state-vector"),
        "random": (random_program(s.random_qubits, s.random_depth), "state-vector"),
        "clifford": (
            random_program(s.clifford_qubits, s.random_depth, clifford=True),
            "stabilizer",
        ),
    }
    task: dict[str, Any] = {
        "circuits": {
            name: {
                "program": program,
                "shots": s.random_shots if name == "random" else s.noisy_shots,
                "simulator": simulator,
            }
            for name, (program, simulator) in circuits.items()
        },
        "task": "noisy",
        "machine": NOISY_MACHINE,
        "reps": s.noisy_reps,
        "budget_s": NOISY_BUDGET_S,
    }
    argv = [sys.executable, "-m", "bench.noisy"]
    # Ours and bare aer take turns, a run each: this machine's speed drifts by up to 2x
    # within minutes, and all of one engine's runs before all of the other's turned that
    # drift into a ratio (a 56-qubit Clifford run gave 1.37x, then 1.0x when repeated).
    times: dict[str, dict[str, list[float]]] = {"ours": {}, "aer": {}}
    noise_specs: dict[str, Any] = {}  # the figures ours ran with, per circuit
    for _ in range(s.noisy_reps):
        for engine, what in (("ours", "ours (noisy)"), ("aer", "bare aer (noisy)")):
            one = run_worker(argv, {**task, "reps": 1, "engine": engine}, what)
            for name, samples in one["times"].items():
                times[engine].setdefault(name, []).extend(samples)
            if engine == "ours":
                noise_specs = one["noise_specs"]
    pecos, why = _pecos(bench, {**task, "noise_specs": noise_specs})
    bench.results.raw["9_noisy"] = {
        "ours": times["ours"],
        "aer": times["aer"],
        "pecos": None if pecos is None else pecos["times"],
        "pecos_unavailable": why,
        "noise_specs": noise_specs,
        "sizes": {
            "ghz_qubits": s.ghz_qubits,
            "random_qubits": s.random_qubits,
            "random_depth": s.random_depth,
            "clifford_qubits": s.clifford_qubits,
            "shots": s.noisy_shots,
            "random_shots": s.random_shots,
        },
    }
    texts = {
        "ghz": f"noisy {s.ghz_qubits}-qubit GHZ, {s.noisy_shots} shots",
        "random": f"noisy {s.random_qubits}-qubit random, depth {s.random_depth}, "
        f"{s.random_shots} shots",
        "clifford": f"noisy {s.clifford_qubits}-qubit Clifford (stabilizer), {s.noisy_shots} shots",
    }
    for name in NOISY_CIRCUITS:
        ours_s = _finite(bench.metric(f"9.{name}_s", median(times["ours"][name])))
        aer_s = bench.metric(f"9.{name}_aer_s", median(times["aer"][name]))
        pecos_s, versus = None, "vs pytket-pecos"
        if pecos is not None and name in pecos["cut_off"]:
            # killed at the timeout: a lower bound, which decides the target only if ours
            # is faster than it
            limit = pecos["cut_off"][name]
            pecos_s = limit if ours_s < limit else None
            versus += f" (cut off at {limit:.0f} s: a lower bound)"
        elif pecos is not None:
            pecos_s = median(pecos["times"][name])
        bench.metric(f"9.{name}_pecos_s", pecos_s)
        label = "(9) noisy emulation"
        bench.add(
            Row(
                label,
                f"{texts[name]}: vs bare aer",
                "s",
                ours_s,
                aer_s,
                "bare qiskit-aer",
                f"9.{name}.aer",
            )
        )
        bench.add(
            Row(
                label,
                f"{texts[name]}: {versus}",
                "s",
                ours_s,
                pecos_s,
                "pytket-pecos",
                f"9.{name}.pecos",
            )
        )


def _pecos(bench: Bench, task: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """pytket-pecos's times per circuit, or None and why not (the reference left out, or
    no venv). A circuit that runs past `PECOS_TIMEOUT_S` is killed: its entry in `cut_off`."""
    if bench.ref_python is None:
        return None, "left out (--only-ours)"
    venv = bench.ref_python.parents[2] / "pecos-venv"
    try:
        python = ensure_pecos_venv(venv, bench.log)
    except BenchError as exc:
        bench.say(f"    pytket-pecos unavailable: {exc}")
        return None, str(exc)
    argv = [str(python), str(SCRIPTS / "bench" / "pecos_worker.py")]
    times: dict[str, list[float]] = {}
    cut_off: dict[str, float] = {}
    for name, circuit in task["circuits"].items():
        one = {**task, "circuits": {name: circuit}}
        try:
            found = run_worker(argv, one, "pytket-pecos", timeout=PECOS_TIMEOUT_S)
            times[name] = found["times"][name]
        except WorkerTimeout:
            times[name], cut_off[name] = [], PECOS_TIMEOUT_S
    return {"times": times, "cut_off": cut_off}, ""


# (10) --------------------------------------------------------------------------------------
def uploads(bench: Bench) -> None:
    s = bench.sizes
    size = s.upload_kb * 1000
    bench.say(f"(10) API latency while {s.upload_users} users upload {s.upload_kb} KB programs ...")
    result = bench.ours(
        {
            "task": "upload_latency",
            "n": s.upload_calls,
            "window_s": s.upload_window_s,
            "interval_s": UPLOAD_CALL_INTERVAL_S,
            "users": s.upload_users,
            "program": large_program(size),
            "machine": UPLOAD_MACHINE,
        }
    )
    bench.results.raw["10_uploads"] = {**result, "program_bytes": size}
    accepted = sum(int(one.get("accepted", 0)) for one in result["uploads"])
    refused = sum(int(one.get("refused", 0)) for one in result["uploads"])
    label = "(10) uploads"
    what = (
        f"GET job (every 5 ms, {len(result['busy'])} calls in {s.upload_window_s} s) while "
        f"{s.upload_users} users upload {s.upload_kb} KB programs "
        f"({accepted} accepted, {refused} refused) vs idle"
    )
    for q, target in ((50, ""), (99, "10.upload_p99")):
        idle = bench.metric(f"10.idle_p{q}_ms", percentile(result["idle"], q) * 1e3)
        busy = _finite(bench.metric(f"10.busy_p{q}_ms", percentile(result["busy"], q) * 1e3))
        bench.add(Row(label, f"{what}, p{q}", "ms", busy, idle, "idle service", target))


STEPS = {8: round_trip, 9: noisy, 10: uploads}
