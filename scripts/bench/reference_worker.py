"""The reference client's side of the benchmarks; runs in `.bench/ref-venv` (pytket-quantinuum
0.55.x: `QuantinuumAPI` from `pytket.extensions.quantinuum.backends.api_wrappers`).

Self-contained (stdlib + the reference's own dependencies): it reads one task as JSON on
stdin and prints the raw result as one JSON line on stdout, like `ours.py`. Each task runs
in a fresh process and logs in before timing starts.

What is adapted so the reference can talk to the local `http://` service, and why (its
request, polling and websocket-waiting code is used as shipped):

1. Websocket URL. `_wait_results` builds it as `self.url.replace("https://", "wss://ws.")`,
   which leaves `http://127.0.0.1:PORT/v1/` unchanged, and `websockets.connect` rejects an
   `http://` URI. The module-level name `connect` in `api_wrappers` is replaced by a wrapper
   that turns a leading `http://` into `ws://` and calls `websockets.connect` unchanged
   (`ws://127.0.0.1:PORT/v1/` is the service's websocket route).
2. Login. Credentials go in through the constructor's `__user_name`/`__pwd` keywords
   (`_QuantinuumAPI__user_name`/`_QuantinuumAPI__pwd`), as pytket's backend does with a
   `MemoryCredentialStorage`; `login()` is called once before any timing.

How the reference waits (measured as is): jobs one at a time; `retrieve_job` asks for the
status (with a websocket ticket) and, if not done, opens one websocket for that job and
listens; with `use_websocket=False` it polls every `retry_timeout` seconds (default 5).
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time
from typing import Any

Task = dict[str, Any]


def _patched_api_module() -> Any:
    """`api_wrappers` with adaptation 1 (see the module docstring) applied."""
    module: Any = importlib.import_module("pytket.extensions.quantinuum.backends.api_wrappers")
    websockets: Any = importlib.import_module("websockets")
    original = websockets.connect

    def connect(uri: str, *args: Any, **kwargs: Any) -> Any:
        if uri.startswith("http://"):
            uri = "ws://" + uri[len("http://") :]
        return original(uri, *args, **kwargs)

    module.connect = connect
    return module


def _api(task: Task) -> Any:
    module = _patched_api_module()
    api = module.QuantinuumAPI(
        api_url=task["base_url"],
        _QuantinuumAPI__user_name=task["email"],
        _QuantinuumAPI__pwd=task["password"],
    )
    api.login()  # adaptation 2: log in before timing
    return api


def _submit(api: Any, body: dict[str, Any]) -> str:
    response = api._submit_job(body)
    data = response.json()
    if response.status_code != 200:
        raise RuntimeError(f"reference: submit failed: HTTP {response.status_code} {data}")
    return str(data["job"])


def _check(job: Any) -> None:
    if not isinstance(job, dict) or job.get("status") != "completed":
        status = job.get("status") if isinstance(job, dict) else job
        raise RuntimeError(f"reference: job did not complete: {status!r}")


def _batch(task: Task) -> dict[str, Any]:
    """As pytket's backend does: submit each job, then `retrieve_job` each, in order."""
    api = _api(task)
    body, n = task["body"], int(task["n"])
    use_ws = bool(task.get("use_websocket", True))
    runs = []
    rss_before = _rss_mb()
    for _ in range(int(task.get("reps", 1))):
        t0 = time.monotonic()
        ids = [_submit(api, body) for _ in range(n)]
        t_submitted = time.monotonic()
        for job_id in ids:
            _check(api.retrieve_job(job_id, use_websocket=use_ws))
        t_end = time.monotonic()
        runs.append({"t0": t0, "t_submitted": t_submitted, "t_end": t_end, "ids": ids})
    return {"runs": runs, "rss_before_mb": rss_before, "peak_rss_mb": _peak_mb()}


def _pytket_batch(task: Task) -> dict[str, Any]:
    """pytket-quantinuum 0.55's `QuantinuumBackend` on this `QuantinuumAPI` (as a pytket
    user of that release runs it): `process_circuits` of `n` compiled Bell circuits, then
    `get_results`; compiled once before timing."""
    from pytket import Circuit
    from pytket.extensions.quantinuum.backends.quantinuum import Language, QuantinuumBackend

    api = _api(task)
    n, shots = int(task["n"]), int(task["shots"])
    backend = QuantinuumBackend(device_name=task["machine"], api_handler=api)
    circuit = backend.get_compiled_circuit(Circuit(2, 2).H(0).CX(0, 1).measure_all())
    runs = []
    for _ in range(int(task.get("reps", 1))):
        t0 = time.monotonic()
        handles = backend.process_circuits([circuit] * n, n_shots=shots, language=Language.QASM)
        t_submitted = time.monotonic()
        results = backend.get_results(handles)
        t_end = time.monotonic()
        if len(results) != n or any(sum(r.get_counts().values()) != shots for r in results):
            raise RuntimeError("reference: pytket results are incomplete")
        ids = [str(handle[0]) for handle in handles]
        runs.append({"t0": t0, "t_submitted": t_submitted, "t_end": t_end, "ids": ids})
    return {"runs": runs}


def _latency(task: Task) -> dict[str, Any]:
    api = _api(task)
    use_ws = bool(task["use_websocket"])
    samples = []
    for _ in range(int(task["n"])):
        job_id = _submit(api, task["body"])
        t_submitted = time.monotonic()
        job = api.retrieve_job(job_id, use_websocket=use_ws)
        t_returned = time.monotonic()
        _check(job)
        samples.append({"id": job_id, "t_submitted": t_submitted, "t_returned": t_returned})
    return {"samples": samples}


def _status(task: Task) -> dict[str, Any]:
    api = _api(task)
    job_id, n = task["job_id"], int(task["n"])
    for _ in range(max(3, int(task.get("warmup", 10)))):
        api.retrieve_job_status(job_id)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        api.retrieve_job_status(job_id)
        times.append(time.perf_counter() - t0)
    return {"times": {"retrieve_job_status": times}}


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / (1024 * 1024)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _memory(task: Task) -> dict[str, Any]:
    """Wait on every job in turn (as pytket's `get_results` does), keeping the results."""
    api = _api(task)
    ids = list(task["ids"])
    before_current, before_peak = _rss_mb(), _peak_mb()
    t0 = time.monotonic()
    results = [api.retrieve_job(job_id) for job_id in ids]
    t_end = time.monotonic()
    done = sum(1 for job in results if isinstance(job, dict) and job.get("status") == "completed")
    return {
        "jobs": len(ids),
        "completed": done,
        "rss_before_mb": before_current,
        "peak_before_mb": before_peak,
        "rss_after_mb": _rss_mb(),
        "peak_rss_mb": _peak_mb(),
        "wait_s": t_end - t0,
    }


def main() -> int:
    task = json.loads(sys.stdin.read())
    handlers = {
        "batch": _batch,
        "latency": _latency,
        "status": _status,
        "memory": _memory,
        "pytket_batch": _pytket_batch,
    }
    kind = task["task"]
    if kind not in handlers:
        raise SystemExit(f"reference_worker: unknown task {kind!r}")
    print(json.dumps(handlers[kind](task)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
