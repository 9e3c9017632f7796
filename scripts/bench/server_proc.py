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

The stamps come from the service's event hook (`quantinuum_api_server._events.on_job_event`,
see `_record_completions`); nothing of the service is changed.
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
from typing import IO

from bench._common import EMAIL, PASSWORD

MODES = ("serve", "local")


@dataclass(frozen=True)
class Stamps:
    """Monotonic stamps per job id (see `_record_completions`)."""

    finished: dict[str, float]
    starts: dict[str, float]
    subscribed: dict[str, float]

    def answer(self, ids: list[str]) -> dict[str, dict[str, float]]:
        """The protocol's reply: completion, start and first-subscription stamps of the
        ids that have them."""
        return {
            "times": {i: self.finished[i] for i in ids if i in self.finished},
            "starts": {i: self.starts[i] for i in ids if i in self.starts},
            "subscribed": {i: self.subscribed[i] for i in ids if i in self.subscribed},
        }


def _record_completions() -> Stamps:
    """Stamp jobs' changes through the service's event hook (`on_job_event`), for every
    service this process starts.

    Completion: when a final status is about to be stored (`finishing`, before the
    commit, so no client can see the job done before its stamp). Start: when the job was
    claimed from the queue (`started`). Subscribed: when a websocket first subscribed to
    the job (`watched`). The first stamp of each kind counts (a rerun keeps it).
    """
    from quantinuum_api_server._events import JobChange, on_job_event

    stamps = Stamps({}, {}, {})
    by_kind = {"finishing": stamps.finished, "started": stamps.starts, "watched": stamps.subscribed}

    def observe(change: JobChange) -> None:
        stamped = by_kind.get(change.kind)
        if stamped is not None:
            stamped.setdefault(change.job_id, time.monotonic())  # atomic under the GIL

    on_job_event(observe)
    return stamps


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
