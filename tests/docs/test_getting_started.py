"""docs/getting-started.md, run as a new user would: every ```sh and ```python block in
a fresh process, in order, in one working directory, against a real `qapi serve`.

A block right after `<!-- not run ... -->` is skipped (a clone, activating the venv,
interactive prompts); the one after `<!-- background ... -->` is `qapi serve`, started in
the background and waited for until it prints its "Serving on URL" line. It listens on a
port the system picks (`--port 0` for the page's `--port 8000`), and the page's
`http://127.0.0.1:8000/` is replaced with the URL it printed, so a service already on
port 8000 cannot interfere. HOME and QUANTINUUM_CONFIG_DIR are temporary directories
(tests/conftest.py) and there is no keyring (tokens go to the SDK's fallback file), so
nothing of the user's is read or written.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.pages import Block, page_blocks

PAGE = Path(__file__).resolve().parents[2] / "docs" / "getting-started.md"
PAGE_URL = "http://127.0.0.1:8000/"
BLOCK_TIMEOUT = 120  # s; a guard against a hang, never reached when the page works


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def env() -> dict[str, str]:
    """A new user's environment: tests/conftest.py's temporary HOME, XDG dirs and
    QUANTINUUM_CONFIG_DIR (no other QUANTINUUM_* variables), no keyring, `qapi` on the
    PATH (this venv's) and this checkout's packages importable."""
    return {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "PYTHONPATH": os.pathsep.join(sys.path),
    }


class Service:
    """The page's `qapi serve` block, running in the background."""

    def __init__(self, block: Block, workdir: Path, env: dict[str, str]) -> None:
        assert "--port 8000" in block.code, "the serve block names the port it listens on"
        command = block.code.replace("--port 8000", "--port 0")
        self.log = workdir.parent / "serve.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                ["bash", "-c", f"exec {command}"],
                cwd=workdir,
                env=env,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # blocks until it listens, or exits
        found = re.match(r"Serving on (\S+)", line)
        assert found, f"qapi serve did not start: {line!r}\n{self.log.read_text()}"
        self.url = found[1]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def services() -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    for service in started:
        service.stop()


def run_block(block: Block, code: str, workdir: Path, env: dict[str, str]) -> str:
    command = ["bash", "-e", "-o", "pipefail", "-c", code]
    if block.lang == "python":
        command = [sys.executable, "-c", code]
    done = subprocess.run(
        command,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, (
        f"{PAGE.name} line {block.line} ({block.lang}) exited {done.returncode}:\n{code}\n"
        f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def test_every_block_of_getting_started_runs(
    workdir: Path, env: dict[str, str], services: list[Service]
) -> None:
    blocks = page_blocks(PAGE.read_text(encoding="utf-8"))
    outputs = []
    for block in blocks:
        if block.marker == "not run":
            continue
        if block.marker == "background":
            services.append(Service(block, workdir, env))
            continue
        assert PAGE_URL not in block.code or services, "a block uses the service before it runs"
        code = block.code.replace(PAGE_URL, services[0].url) if services else block.code
        outputs.append(run_block(block, code, workdir, env))
    assert len(services) == 1
    assert len(outputs) >= 8, "most of the page is run"
    # the jobs the page runs all completed, on the CLI and in Python
    assert "completed" in "\n".join(outputs)


def test_the_page_marks_only_what_cannot_run_here() -> None:
    """What is skipped: the clone and venv steps and the interactive logins, nothing else."""
    blocks = page_blocks(PAGE.read_text(encoding="utf-8"))
    skipped = [b.code for b in blocks if b.marker == "not run"]
    assert all(
        "git clone" in code or "activate" in code or "--password-stdin" not in code
        for code in skipped
    )
    assert sum(b.marker == "background" for b in blocks) == 1
    assert {b.lang for b in blocks if not b.marker} == {"sh", "python"}
