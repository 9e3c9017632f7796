"""The live progress display of `qapi wait`, seen on a real pseudo-terminal."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from quantinuum_api_server.testing import LocalServer

from .helpers import QAPI, process_env, qapi_process

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")

EMAIL, PASSWORD = "pty@example.com", "pty-password"


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.add_user(EMAIL, PASSWORD)
        yield srv


def ghz(n: int) -> str:
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{n}];", f"creg c[{n}];", "h q[0];"]
    lines += [f"cx q[{i}],q[{i + 1}];" for i in range(n - 1)]
    return "\n".join([*lines, "measure q -> c;"]) + "\n"


def run_on_pty(
    argv: list[str], env: dict[str, str], on_output: Callable[[], object], timeout: float = 180
) -> tuple[int, str]:
    """Run `argv` with stdout and stderr on a pty; its exit code and everything it drew.
    `on_output` runs once, when the first output arrives."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, stdout=slave, stderr=slave, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                if not chunks:
                    on_output()
                chunks.append(data)
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


def test_wait_redraws_state_shots_queue_and_time_on_a_terminal(
    server: LocalServer, tmp_path: Path
) -> None:
    env = process_env({"QUANTINUUM_API_URL": server.base_url})
    login = qapi_process("login", "--email", EMAIL, "--password-stdin", stdin=PASSWORD, env=env)
    assert login.code == 0, login.err
    program = tmp_path / "ghz.qasm"
    program.write_text(ghz(12))
    service = server._service
    assert service is not None
    service.jobs.stop()  # both jobs stay queued until the display is up
    try:
        ids = [
            qapi_process(
                "submit", str(program), "--machine", "H1-1", "--shots", "4000", env=env
            ).out.strip()
            for _ in range(2)
        ]
        code, screen = run_on_pty([str(QAPI), "wait", *ids], env, on_output=service.jobs.start)
    finally:
        service.jobs.start()
    assert code == 0, screen
    assert "\x1b[2K" in screen, "lines are erased and redrawn"
    assert re.search(r"\x1b\[\d+F", screen), "the cursor goes back up to redraw"
    first, second = ids
    assert re.search(rf"{first}  queued, 0/4000 shots, queue position 0  \d+\.\ds", screen)
    assert re.search(rf"{second}  queued, 0/4000 shots, queue position 1  \d+\.\ds", screen)
    running = re.findall(rf"{first}  running, (\d+)/4000 shots  \d+\.\ds", screen)
    assert running, screen[-2000:]
    assert re.search(rf"{first}  completed, 4000/4000 shots  \d+\.\ds", screen)
    assert re.search(r"2/2 done, \d+\.\ds", screen)
    assert "register c:" in screen, "then the results"
