"""The local service for the benchmarks, in a process of its own.

Run as `python -m bench.server_proc MODE` (with `scripts/` on `PYTHONPATH`), MODE one of:

- `serve`: the service as users run it: `qapi serve --host 127.0.0.1 --port P --db D
  --queue-delay 0` (no queue delay: the bench measures the service's own cost; the
  CLI's own `main`, so its default `ServerSettings`, uvicorn's own socket and access log)
  on a free port and a fresh temporary database, the bench user added first with
  `qapi server add-user`'s library function (default, full-cost password hashing);
- `local`: `quantinuum_api_server.testing.LocalServer()` (what tests and demos use).

It prints one JSON line `{"base_url", "ws_url", "email", "password", "pid"}` once the
service answers, then answers JSON-line commands on stdin, one JSON line each on stdout:

- `{"cmd": "completions", "ids": [...]}` -> `{"times": {job_id: monotonic_seconds},
  "starts": {...}}`: when each job finished on the server (its final status was about
  to be stored) and when it started (its first status change: running).
- `{"cmd": "stop"}` (or end of stdin) -> stops the service and exits.

The stamps come from wrapping `Store.update_job` and `JobEvents.publish` (see
`_record_completions`) in this process only; nothing else is changed.
Anything the service prints goes to stderr: stdout carries only the protocol.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bench._common import EMAIL, PASSWORD

MODES = ("serve", "local")


DONE = frozenset({"completed", "failed", "canceled", "depleted", "terminated"})


@dataclass(frozen=True)
class Stamps:
    """Monotonic stamps per job id (see `_record_completions`)."""

    finished: dict[str, float]
    last: dict[str, float]
    starts: dict[str, float]
    subscribed: dict[str, float]

    def answer(self, ids: list[str]) -> dict[str, dict[str, float]]:
        """The protocol's reply: completion, start and first-subscription stamps of the
        ids that have them."""
        done = {i: self.finished.get(i, self.last.get(i)) for i in ids}
        return {
            "times": {i: t for i, t in done.items() if t is not None},
            "starts": {i: self.starts[i] for i in ids if i in self.starts},
            "subscribed": {i: self.subscribed[i] for i in ids if i in self.subscribed},
        }


def _record_completions() -> Stamps:
    """Stamp jobs' status changes (class-wide wrappers, before any service exists).

    Completion: when `Store.update_job` is called with a final status, before it stores
    it, so no client can see the job done before its stamp (a stamp after the commit could
    be beaten by a polling client); if no final status goes through `update_job` in this
    process, the last `JobEvents.publish(job_id, "status")` (right after the commit).
    `Store.finish_job` (a job's last results and final status in one commit) is stamped
    the same way. Start: the first `"status"` event (the job was claimed: running).
    Subscribed: the first `JobEvents.subscribe` of the job (a websocket began listening).
    """
    from quantinuum_api_server import _events, _store

    events_cls: Any = getattr(_events, "JobEvents", None)
    publish = getattr(events_cls, "publish", None)
    if publish is None:
        raise RuntimeError(
            "bench: the service changed (no JobEvents.publish); update scripts/bench/server_proc.py"
        )
    finished: dict[str, float] = {}
    last: dict[str, float] = {}
    starts: dict[str, float] = {}

    def stamped(self: Any, job_id: str, kind: str, *args: Any, **kwargs: Any) -> Any:
        if kind == "status":
            now = time.monotonic()
            last[job_id] = now  # dict stores: atomic under the GIL
            starts.setdefault(job_id, now)
        return publish(self, job_id, kind, *args, **kwargs)

    events_cls.publish = stamped
    subscribed: dict[str, float] = {}
    subscribe = getattr(events_cls, "subscribe", None)
    if subscribe is not None:

        def stamped_subscribe(self: Any, job_id: str, *args: Any, **kwargs: Any) -> Any:
            subscribed.setdefault(job_id, time.monotonic())
            return subscribe(self, job_id, *args, **kwargs)

        events_cls.subscribe = stamped_subscribe
    store_cls: Any = getattr(_store, "Store", None)
    for name in ("update_job", "finish_job"):  # the two ways a final status is stored
        method = getattr(store_cls, name, None)
        if method is not None:
            setattr(store_cls, name, _stamping_final(method, finished))

    return Stamps(finished, last, starts, subscribed)


def _stamping_final(method: Any, finished: dict[str, float]) -> Any:
    """`method(self, job_id, ..., status=...)`, stamping `job_id` in `finished` first when
    it stores a final status."""

    def stamped(self: Any, job_id: str, *args: Any, **fields: Any) -> Any:
        if fields.get("status") in DONE:
            finished.setdefault(job_id, time.monotonic())
        return method(self, job_id, *args, **fields)

    return stamped


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, alive: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("bench: `qapi serve` exited before it listened")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"bench: `qapi serve` did not listen on port {port} in {timeout} s")


def _answer(proto: IO[str], stamps: Stamps) -> None:
    """The command loop (until `stop` or end of stdin)."""
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        if command.get("cmd") == "completions":
            print(json.dumps(stamps.answer(command.get("ids", []))), file=proto, flush=True)
        elif command.get("cmd") == "stop":
            return
        else:
            print(json.dumps({"error": f"unknown command {command!r}"}), file=proto, flush=True)


def _hello(base_url: str, ws_url: str) -> str:
    return json.dumps(
        {
            "base_url": base_url,
            "ws_url": ws_url,
            "email": EMAIL,
            "password": PASSWORD,
            "pid": os.getpid(),
        }
    )


def run_local(proto: IO[str]) -> None:
    from quantinuum_api_server.testing import LocalServer

    stamps = _record_completions()
    with LocalServer() as server:
        server.add_user(EMAIL, PASSWORD)
        print(_hello(server.base_url, server.ws_url), file=proto, flush=True)
        _answer(proto, stamps)


def run_serve(proto: IO[str]) -> int:
    from quantinuum_api.cli import main as qapi
    from quantinuum_api_server._cli import add_user

    stamps = _record_completions()
    with tempfile.TemporaryDirectory(prefix="qapi-bench-serve-") as tmp:
        db = Path(tmp) / "server.sqlite3"
        add_user(EMAIL, PASSWORD, db_path=db)  # as `qapi server add-user` does
        port = _free_port()
        main_thread = threading.main_thread()

        def commands() -> None:
            try:
                _wait_listening(port, main_thread.is_alive)
                base = f"http://127.0.0.1:{port}/"
                print(_hello(base, f"ws://127.0.0.1:{port}/v1/"), file=proto, flush=True)
                _answer(proto, stamps)
            finally:  # uvicorn's own handler: a graceful shutdown, as Ctrl-C
                os.kill(os.getpid(), signal.SIGINT)

        threading.Thread(target=commands, name="bench-commands", daemon=True).start()
        # No queue delay: the bench measures what the service itself costs per job.
        argv = ["serve", "--host", "127.0.0.1", "--port", str(port), "--db", str(db)]
        argv += ["--queue-delay", "0"]
        try:
            return qapi(argv)
        except KeyboardInterrupt:  # uvicorn re-raises the SIGINT it handled
            return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    mode = args[0] if args else "local"
    if mode not in MODES:
        print(f"server_proc: mode must be one of {MODES}, got {mode!r}", file=sys.stderr)
        return 2
    proto = sys.stdout
    sys.stdout = sys.stderr  # the service's own prints must not break the protocol
    if mode == "serve":
        return run_serve(proto)
    run_local(proto)
    return 0


if __name__ == "__main__":
    sys.exit(main())
