"""Benchmarks of the SDK and the local service against the reference client (issue 7).

Run `make bench` (or `python scripts/bench/run.py --help`). Layout:

- `run.py`: the runner (CLI, reference venv, table, JSON).
- `server_proc.py`: the local service in its own process, recording job completion times.
- `ours.py`: the scenarios for this SDK (and the service/simulator measurements).
- `reference_worker.py`: the scenarios for pytket-quantinuum's `QuantinuumAPI`, run by the
  reference venv's Python (stdlib + pytket only).
- `_common.py`: programs, statistics and the JSON-lines protocol shared by all of them.
"""
