"""The runner's child processes: the service (`server_proc.py`), the scenario workers and
the reference venv, optionally under the py-spy sampling profiler."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
REFERENCE_PACKAGE = "pytket-quantinuum"
REFERENCE_VERSION = "0.55.8"
PECOS_PACKAGE = "pytket-pecos"  # pytket-quantinuum's local emulator (scenario 9)
PECOS_VERSION = "0.3.3"
PROFILE_RATE = 250  # py-spy samples per second


class BenchError(RuntimeError):
    """The harness could not run (a worker failed, the reference venv is broken, ...)."""


def child_env(*, bytecode: bool = False) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SCRIPTS), env.get("PYTHONPATH")]))
    if bytecode:  # import timings: with .pyc caches, as an installed package has them
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(argv: Sequence[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    """Run a command of the harness's own making (no shell), capturing text output."""
    return subprocess.run(  # noqa: S603 - argv built here from fixed parts and our paths
        list(argv), capture_output=True, text=True, check=False, **kw
    )


def py_spy() -> str:
    """The py-spy executable (next to this Python, else on PATH)."""
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if not found:
        raise BenchError("bench: --profile needs py-spy (pip install py-spy)")
    return found


def profiled(argv: list[str], out: Path | None) -> list[str]:
    """`argv`, run under `py-spy record` writing folded stacks to `out` (if given).

    py-spy launches the program itself: attaching to a running one (`-p PID`) fails on
    this pyenv build ("Failed to find python version from target process")."""
    if out is None:
        return argv
    record = [py_spy(), "record", "--format", "raw", "--rate", str(PROFILE_RATE)]
    return [*record, "--output", str(out), "--", *argv]


def ensure_reference_venv(venv: Path, log: IO[str]) -> Path:
    """The reference venv's Python, creating the venv and installing the pin if missing."""
    return _ensure_venv(
        venv, REFERENCE_PACKAGE, REFERENCE_VERSION, "pytket.extensions.quantinuum", log
    )


def ensure_pecos_venv(venv: Path, log: IO[str]) -> Path:
    """The venv of pytket-quantinuum's local emulator (pytket-pecos, with a pytket of its
    own choosing: kept apart from ours and the reference's); created if missing."""
    return _ensure_venv(venv, PECOS_PACKAGE, PECOS_VERSION, "pytket_pecos", log)


def _ensure_venv(venv: Path, package: str, version: str, module: str, log: IO[str]) -> Path:
    python = venv / "bin" / "python"
    check = [
        str(python),
        "-c",
        f"import importlib.metadata as m, {module}; print(m.version({package!r}))",
    ]
    if python.exists():
        found = run(check)
        if found.returncode == 0 and found.stdout.strip() == version:
            return python
    print(f"bench: installing {package}=={version} into {venv}", file=log)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"{package}=={version}",
        ],
    ]
    for step in steps:
        done = run(step)
        if done.returncode != 0:
            raise BenchError(f"bench: {' '.join(step)} failed:\n{done.stderr[-2000:]}")
    found = run(check)
    if found.returncode != 0 or found.stdout.strip() != version:
        raise BenchError(f"bench: {venv} is unusable:\n{found.stderr[-2000:]}")
    return python


def _json_line(lines: Sequence[str]) -> str | None:
    """The last JSON object on a line of its own or after py-spy's prompt text (py-spy
    prints on the same stdout, without always ending its lines)."""
    for line in reversed(lines):
        start = line.find('{"')
        if start >= 0:
            return line[start:]
    return None


class ServerProcess:
    """The service in `server_proc.py` (`mode` "serve" or "local"), with the
    completion-time query. Its stderr (uvicorn's log) goes to `log_path`."""

    def __init__(self, mode: str, log_path: Path, profile: Path | None = None) -> None:
        self.mode = mode
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("a")
        argv = profiled([sys.executable, "-m", "bench.server_proc", mode], profile)
        self._proc = subprocess.Popen(  # noqa: S603 - argv built here
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            env=child_env(),
            cwd=ROOT,
        )
        self.hello: dict[str, Any] = json.loads(self._read_json())

    def _read_json(self) -> str:
        assert self._proc.stdout is not None
        while True:
            line = self._proc.stdout.readline()
            if not line:
                code = self._proc.wait(30)
                raise BenchError(
                    f"bench: the {self.mode} server process exited (code {code}); "
                    f"see {self._log.name}"
                )
            found = _json_line([line])
            if found is not None:
                return found

    def stamps(self, ids: Sequence[str]) -> tuple[dict[str, float], dict[str, float]]:
        """Server-side (completion, start) stamps (monotonic seconds) of the jobs that
        have them."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"cmd": "completions", "ids": list(ids)}) + "\n")
        self._proc.stdin.flush()
        answer = json.loads(self._read_json())
        return answer["times"], answer["starts"]

    def subscriptions(self, ids: Sequence[str]) -> dict[str, float]:
        """When a websocket first subscribed to each of these jobs (those that had one)."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"cmd": "completions", "ids": list(ids)}) + "\n")
        self._proc.stdin.flush()
        return dict(json.loads(self._read_json()).get("subscribed", {}))

    def completions(self, ids: Sequence[str]) -> dict[str, float]:
        """Server-side completion stamps (monotonic seconds) of these (finished) jobs."""
        times, _ = self.stamps(ids)
        missing = [i for i in ids if i not in times]
        if missing:
            raise BenchError(f"bench: no completion stamp for {len(missing)} job(s)")
        return times

    def close(self, timeout: float = 60.0) -> None:
        """Stop the service (killed if it does not stop within `timeout`)."""
        if self._proc.poll() is None and self._proc.stdin is not None:
            try:
                self._proc.stdin.write(json.dumps({"cmd": "stop"}) + "\n")
                self._proc.stdin.close()
            except OSError:
                pass
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()


class WorkerTimeout(BenchError):
    """A worker ran past its `timeout` and was killed."""


def run_worker(
    argv: list[str], task: dict[str, Any], what: str, timeout: float | None = None
) -> dict[str, Any]:
    """Run one scenario task in a fresh worker process; its JSON result. One that runs
    past `timeout` seconds is killed (`WorkerTimeout`)."""
    try:
        done = run(argv, input=json.dumps(task), env=child_env(), cwd=ROOT, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise WorkerTimeout(f"bench: {what} task {task['task']!r} ran past {timeout} s") from None
    if done.returncode != 0:
        raise BenchError(f"bench: {what} task {task['task']!r} failed:\n{done.stderr[-3000:]}")
    line = _json_line(done.stdout.strip().splitlines())
    if line is None:
        raise BenchError(f"bench: {what} task {task['task']!r} printed no result")
    result: dict[str, Any] = json.loads(line)
    return result
