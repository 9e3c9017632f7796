"""The local service for the benchmarks, in a process of its own.

Run as `python -m bench.server_proc` (with `scripts/` on `PYTHONPATH`). It starts one
`LocalServer` (default settings apart from cheap password hashing), adds the bench user
and prints one JSON line `{"base_url", "ws_url", "email", "password"}`. Then it answers
JSON-line commands on stdin, one JSON line each on stdout:

- `{"cmd": "completions", "ids": [...]}` -> `{"times": {job_id: monotonic_seconds}}`: when
  each job finished on the server (after its final status was stored and published).
- `{"cmd": "stop"}` (or end of stdin) -> stops the service and exits.

The completion stamps come from wrapping the service's private `JobService._finish` (the one
place a job gets its final status) in this process only; nothing else is changed.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

from bench._common import EMAIL, PASSWORD
from quantinuum_api_server.testing import LocalServer


def _record_completions(server: LocalServer) -> dict[str, float]:
    """Wrap the running service's `_finish` so it stamps each job's completion time."""
    service = getattr(server, "_service", None)
    jobs = getattr(service, "jobs", None)
    finish = getattr(jobs, "_finish", None)
    if jobs is None or finish is None:
        raise RuntimeError(
            "bench: LocalServer internals changed (no _service.jobs._finish); "
            "update scripts/bench/server_proc.py"
        )
    times: dict[str, float] = {}
    lock = threading.Lock()

    def stamped(job_id: str, status: str, **fields: Any) -> None:
        finish(job_id, status, **fields)
        now = time.monotonic()
        with lock:
            times[job_id] = now

    jobs._finish = stamped
    return times


def main() -> int:
    with LocalServer() as server:
        server.add_user(EMAIL, PASSWORD)
        times = _record_completions(server)
        hello = {
            "base_url": server.base_url,
            "ws_url": server.ws_url,
            "email": EMAIL,
            "password": PASSWORD,
        }
        print(json.dumps(hello), flush=True)
        for line in sys.stdin:
            if not line.strip():
                continue
            command = json.loads(line)
            if command.get("cmd") == "completions":
                found = {i: times[i] for i in command.get("ids", []) if i in times}
                print(json.dumps({"times": found}), flush=True)
            elif command.get("cmd") == "stop":
                break
            else:
                print(json.dumps({"error": f"unknown command {command!r}"}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
