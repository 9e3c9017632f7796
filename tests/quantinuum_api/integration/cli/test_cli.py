"""`qapi` against the real local service: every command, its output and exit code."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pyotp
import pytest

from quantinuum_api.cli import Context, main
from quantinuum_api_server.testing import LocalServer
from tests.keyrings import MemoryKeyring
from tests.programs import BELL

ALICE, BOB, PASSWORD = "alice@example.com", "bob@example.com", "alice-and-bob-pw"


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.add_user(ALICE, PASSWORD)
        yield srv


@pytest.fixture
def ring(
    server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MemoryKeyring]:
    monkeypatch.setenv("QUANTINUUM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("QUANTINUUM_API_URL", server.base_url)
    for name in ("QUANTINUUM_USER_NAME", "QUANTINUUM_EMAIL", "QUANTINUUM_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def qapi(*argv: str, stdin: str = "") -> Run:
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(stdout=out, stderr=err, stdin=io.StringIO(stdin), interactive=False)
    code = main(list(argv), ctx)
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def logged_in(ring: MemoryKeyring) -> MemoryKeyring:
    run = qapi("login", "--email", ALICE, "--password-stdin", stdin=PASSWORD + "\n")
    assert run.code == 0, run.err
    return ring


def test_login_whoami_logout(ring: MemoryKeyring, server: LocalServer) -> None:
    run = qapi("login", "--email", ALICE, "--password-stdin", stdin=PASSWORD + "\n")
    assert run.code == 0, run.err
    assert run.out.strip() == f"Logged in to {server.base_url} as {ALICE} (profile default)."
    assert run.err.startswith(f"Logging in to {server.base_url} as {ALICE} (profile default)")
    assert ring.entries, "tokens go to the keyring"
    assert all(PASSWORD not in v for v in ring.entries.values()), "the password is never stored"
    who = qapi("whoami")
    assert who.code == 0
    assert who.out.startswith(f"{ALICE} at {server.base_url}")
    assert "id token valid until" in who.out
    assert qapi("logout").code == 0
    after = qapi("whoami")
    assert after.code == 3
    assert "not logged in" in after.err


def test_wrong_password_is_an_auth_error(ring: MemoryKeyring) -> None:
    run = qapi("login", "--email", ALICE, "--password-stdin", stdin="wrong\n")
    assert run.code == 3
    assert "\nqapi login: error:" in run.err
    assert "wrong" not in run.err


def test_commands_without_login_say_how_to_log_in(ring: MemoryKeyring) -> None:
    run = qapi("machines")
    assert run.code == 3
    assert "qapi login" in run.err


def test_mfa_login(ring: MemoryKeyring, server: LocalServer) -> None:
    secret = server.add_user(BOB, PASSWORD, mfa=True)
    assert secret is not None
    missing = qapi("login", "--email", BOB, "--password-stdin", stdin=PASSWORD + "\n")
    assert missing.code == 3
    assert "--mfa-code" in missing.err
    code = pyotp.TOTP(secret).now()
    run = qapi("login", "--email", BOB, "--password-stdin", "--mfa-code", code, stdin=PASSWORD)
    assert run.code == 0, run.err
    assert qapi("machines").code == 0


def test_machines_and_status(logged_in: MemoryKeyring) -> None:
    run = qapi("machines")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    headers = ["name", "type", "qubits", "max shots", "state", "queue", "emulator", "checker"]
    assert re.split(r" {2,}", lines[0]) == headers
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert {"H1-1", "H1-1E", "H1-1SC", "H2-1", "H2-1E", "H2-1SC"} <= set(rows)
    assert rows["H1-1E"][4] == "online"
    as_json = json.loads(qapi("machines", "--json").out)
    by_name = {m["name"]: m for m in as_json["machines"]}
    assert {"H1-1", "H2-1"} <= set(by_name)
    assert by_name["H1-1E"]["state"] == "online"
    assert "queue" in by_name["H1-1E"]
    status = qapi("status", "H1-1E")
    assert (status.code, status.out.strip()) == (0, "online")
    unknown = qapi("status", "NO-SUCH-MACHINE")
    assert unknown.code == 4


def test_submit_wait_shows_the_histogram(logged_in: MemoryKeyring, tmp_path: Path) -> None:
    program = tmp_path / "bell.qasm"
    program.write_text(BELL)
    run = qapi(
        "submit", str(program), "--machine", "H1-1E", "--shots", "60", "--no-noise", "--wait"
    )
    assert run.code == 0, run.err
    assert " completed on H1-1E" in run.out
    bars = [line for line in run.out.splitlines() if "│" in line]
    assert {line.split()[0] for line in bars} == {"00", "11"}
    assert sum(int(line.split("│")[2].split()[0]) for line in bars) == 60
    assert "completed" in run.err, "progress goes to stderr"


def test_submit_then_wait_result_and_cancel(logged_in: MemoryKeyring, tmp_path: Path) -> None:
    program = tmp_path / "bell.qasm"
    program.write_text(BELL)
    submitted = qapi("submit", str(program), "--machine", "H1-1E", "--shots", "20")
    assert submitted.code == 0, submitted.err
    job_id = submitted.out.strip()
    waited = qapi("wait", job_id, "--json")
    assert waited.code == 0, waited.err
    (doc,) = json.loads(waited.out)["jobs"]
    assert doc["job"] == job_id
    assert doc["status"] == "completed"
    result = qapi("result", job_id, "--json")
    assert result.out.count("\n") == 1, "one document, not a line per shot"
    assert json.loads(result.out)["jobs"][0]["results"] == doc["results"]
    histogram = qapi("result", job_id, "--top", "1")
    assert histogram.code == 0
    assert "more outcomes" in histogram.out or len(set(doc["results"]["c"])) == 1
    canceled = qapi("cancel", job_id)  # a done job: refused, as the cloud does
    assert canceled.code == 1
    assert "job has completed already" in canceled.err


def test_unknown_job_and_bad_input(logged_in: MemoryKeyring, tmp_path: Path) -> None:
    missing = qapi("result", "0" * 32)
    assert missing.code == 4
    assert missing.err.startswith("qapi result: error:")
    no_file = qapi("submit", str(tmp_path / "nope.qasm"), "--machine", "H1-1E", "--shots", "1")
    assert no_file.code == 2
    assert "cannot read program" in no_file.err
    bad = tmp_path / "bad.qasm"
    bad.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nfrobnicate q[0];\n')
    rejected = qapi("submit", str(bad), "--machine", "H1-1E", "--shots", "1")
    assert rejected.code == 2  # bad input (error code 40), not a failed service
    assert "frobnicate" in rejected.err


def test_cost_on_the_syntax_checker(logged_in: MemoryKeyring, tmp_path: Path) -> None:
    program = tmp_path / "bell.qasm"
    program.write_text(BELL)
    run = qapi("cost", str(program), "--machine", "H1-1", "--shots", "100")
    assert run.code == 0, run.err
    value = float(run.out.split()[0])
    # 5 + C*(N1q + 10*N2q + 5*Nm)/5000 with N1q = 1, N2q = 1, Nm >= 2 measurements
    assert value >= 5 + 100 * (1 + 10 + 5 * 2) / 5000
    assert run.out.strip().endswith("HQC")


def test_calendar_chart_and_plot(logged_in: MemoryKeyring, tmp_path: Path) -> None:
    run = qapi("calendar", "--start", "2026-11-25", "--end", "2026-11-26")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].split("│")[1].startswith("11-25")
    assert any(line.startswith("H1-1 ") for line in lines)
    assert "UTC" in lines[-1]
    only = qapi("calendar", "--machine", "H2-1", "--start", "2026-11-25", "--end", "2026-11-25")
    assert not any(line.startswith("H1-1 ") for line in only.out.splitlines())
    png = tmp_path / "cal.png"
    plotted = qapi("calendar", "--start", "2026-11-25", "--end", "2026-11-27", "--plot", str(png))
    assert plotted.code == 0, plotted.err
    assert png.read_bytes().startswith(b"\x89PNG")
    backwards = qapi("calendar", "--start", "2026-11-25", "--end", "2026-11-20")
    assert backwards.code == 2


def test_console_script_and_server_add_user(tmp_path: Path) -> None:
    qapi_bin = Path(sys.executable).with_name("qapi")
    env = {**os.environ, "QUANTINUUM_CONFIG_DIR": str(tmp_path)}
    version = subprocess.run([qapi_bin, "--version"], capture_output=True, text=True, env=env)
    assert version.returncode == 0
    assert version.stdout.startswith("qapi ")
    db = tmp_path / "users.db"
    added = subprocess.run(
        [
            qapi_bin,
            "server",
            "add-user",
            "carol@example.com",
            "--mfa",
            "--db",
            str(db),
            "--password-stdin",
        ],
        input="carol-password\n",
        capture_output=True,
        text=True,
        env=env,
    )
    assert added.returncode == 0, added.stderr
    assert "otpauth://" in added.stdout
    assert "carol-password" not in added.stdout + added.stderr
    with LocalServer(db_path=db) as srv:
        secret = added.stdout.split("TOTP secret: ")[1].split()[0]
        from quantinuum_api import Client

        with Client(
            srv.base_url,
            email="carol@example.com",
            password="carol-password",
            mfa_code=lambda: pyotp.TOTP(secret).now(),
        ) as client:
            assert client.machines.state("H1-1E") == "online"


def test_qapi_serve_runs_the_service_until_interrupted(tmp_path: Path) -> None:
    import signal
    import socket
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    qapi_bin = Path(sys.executable).with_name("qapi")
    db = tmp_path / "serve.db"
    proc = subprocess.Popen(
        [qapi_bin, "serve", "--port", str(port), "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[0]
            try:
                reply = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "qapi serve did not come up"
                time.sleep(0.2)
        assert reply.status_code == 200
        assert reply.json()["info"]["title"] == "Quantinuum API"
        unauthenticated = httpx.get(f"http://127.0.0.1:{port}/v1/machine/")
        assert unauthenticated.status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        out = proc.communicate(timeout=30)[0]
    assert proc.returncode == 0, out
    assert db.exists()


def test_keyring_fallback_is_reported_once_at_login(
    ring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from keyring.backends import fail

    from quantinuum_api import _credentials

    monkeypatch.setattr(_credentials, "_fallback_warned", False)
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    run = qapi("login", "--email", ALICE, "--password-stdin", stdin=PASSWORD + "\n")
    assert run.code == 0, run.err
    assert run.err.count("No usable system keyring") == 1
    assert "\nqapi: warning: No usable system keyring" in run.err
    stored = tmp_path / "config" / "credentials.json"
    assert stored.stat().st_mode & 0o777 == 0o600
    quiet = qapi("machines")
    assert quiet.code == 0
    assert quiet.err == ""
