"""The local service in a process of its own, for tests whose input might kill it: a
crash then fails the test that caused it (`alive()`), not the test run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

_MAIN = """
import json, sys
from quantinuum_api_server.testing import LocalServer, fast_settings
settings = fast_settings(**json.loads(sys.argv[1]))
with LocalServer(settings=settings) as server:
    server.add_user(sys.argv[2], sys.argv[3])
    print(server.base_url, flush=True)
    sys.stdin.read()  # until the test closes our stdin
"""


class ServedService:
    """`LocalServer` in a child process, with one user logged in over plain HTTP."""

    def __init__(self, **settings: Any) -> None:
        self.email, self._password = "fuzz@example.com", "pw-fuzz"
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _MAIN, json.dumps(settings), self.email, self._password],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        assert self._proc.stdout is not None
        self.base_url = self._proc.stdout.readline().strip()
        assert self.base_url, "the service did not start"
        self.http = httpx.Client(base_url=self.base_url, timeout=120)
        reply = self.http.post("v1/login", json={"email": self.email, "password": self._password})
        self.headers = {"Authorization": reply.json()["id-token"]}

    @property
    def pid(self) -> int:
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc.poll() is None

    def submit(self, body: dict[str, Any]) -> httpx.Response:
        return self.http.post("v1/job", json=body, headers=self.headers)

    def descendants(self) -> list[int]:
        """The pids of the service's process tree below it (fork server, workers,
        checkers), from `/proc`."""
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    children = (task / "children").read_text().split()
                except OSError:
                    continue
                for child in map(int, children):
                    found.append(child)
                    todo.append(child)
        return found

    def close(self) -> None:
        self.http.close()
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(15)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> ServedService:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
