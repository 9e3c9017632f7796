"""`qapi` explains itself: help, exit codes, --json, completion, hints, profiles, crashes.

Everything runs against the real local service; the only fault injected is a missing
server extra (an import error a real install produces but a test environment cannot).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from quantinuum_api.cli import EXIT_CODES, build_parser
from quantinuum_api.cli._completion import commands
from quantinuum_api_server.testing import LocalServer, fast_settings
from tests.paths import ROOT
from tests.programs import BELL

from .helpers import QAPI, Run, process_env, qapi, qapi_process

ALICE, BOB, PASSWORD = "alice@example.com", "bob@example.com", "alice-and-bob-pw"
MISSING_JOB = "0" * 32


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.add_user(ALICE, PASSWORD)
        srv.add_user(BOB, PASSWORD)
        yield srv


@pytest.fixture(scope="module")
def never_finishing_server() -> Iterator[LocalServer]:
    """A service whose jobs run one shot per chunk with a 2 s pause after each: a job of
    1000 shots needs over half an hour, so a test can interrupt its wait for certain."""
    settings = fast_settings(chunk_shots=1, chunk_growth=1.0, chunk_delay=2.0)
    with LocalServer(settings=settings) as srv:
        srv.add_user(ALICE, PASSWORD)
        yield srv


@pytest.fixture
def at_server(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> LocalServer:
    monkeypatch.setenv("QUANTINUUM_API_URL", server.base_url)
    return server


@pytest.fixture
def logged_in(at_server: LocalServer) -> LocalServer:
    run = qapi("login", "--email", ALICE, "--password-stdin", stdin=PASSWORD + "\n")
    assert run.code == 0, run.err
    return at_server


@pytest.fixture
def bell(tmp_path: Path) -> Path:
    path = tmp_path / "bell.qasm"
    path.write_text(BELL)
    return path


@pytest.fixture
def slow(tmp_path: Path) -> Path:
    """A job that runs for seconds on H1-1: a noisy GHZ-16 with a T gate, 10,000 shots (~7 s;
    the T keeps it off the fast Clifford engine, which runs a plain GHZ in about a second)."""
    n = 16
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{n}];", f"creg c[{n}];", "h q[0];"]
    lines += ["t q[0];"]
    lines += [f"cx q[{i}],q[{i + 1}];" for i in range(n - 1)]
    path = tmp_path / "ghz16t.qasm"
    path.write_text("\n".join([*lines, "measure q -> c;"]) + "\n")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def no_traceback(run: Run) -> None:
    assert "Traceback" not in run.out + run.err


# --------------------------------------------------------------------------- help


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return commands(parser)


def test_every_option_is_documented_and_every_help_has_examples_and_exit_codes() -> None:
    parser = build_parser()
    undocumented = []
    for name, sub in _subparsers(parser).items():
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            if action.help in (None, "", argparse.SUPPRESS) and action.dest != "rest":
                undocumented.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
        text = sub.format_help()
        assert "exit codes:" in text, name
        assert "examples:" in text, name
    assert undocumented == []
    top = parser.format_help()
    for code in EXIT_CODES:
        assert re.search(rf"^  {code.code}\s+{re.escape(code.meaning)}$", top, re.MULTILINE)


def test_help_is_printed_not_an_error() -> None:
    run = qapi("submit", "--help")
    assert run.code == 0
    for option in ("--machine", "--shots", "--name", "--max-cost", "--json", "--api-url"):
        assert option in run.out
    bare = qapi_process("server")
    assert bare.code == 2
    assert "add-user" in bare.out
    assert "required" not in bare.err
    no_traceback(bare)


def test_global_options_work_after_the_command(logged_in: LocalServer) -> None:
    before = qapi("--api-url", logged_in.base_url, "--json", "machines")
    after = qapi("machines", "--api-url", logged_in.base_url, "--json")
    assert before.code == after.code == 0, before.err + after.err
    assert json.loads(before.out)["machines"] == json.loads(after.out)["machines"]


# --------------------------------------------------------------------------- exit codes


def test_each_exit_code_is_produced_by_the_case_it_names(
    logged_in: LocalServer, never_finishing_server: LocalServer, bell: Path
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}/"

    def interrupted() -> Run:
        return _interrupt_a_wait(never_finishing_server, bell)

    cases: dict[int, Callable[[], Run]] = {
        0: lambda: qapi("status", "H1-1E"),  # success
        1: lambda: qapi(  # the network failed: nothing listens there
            "login", "--api-url", nobody, "--email", ALICE, "--password-stdin", stdin=PASSWORD
        ),
        2: lambda: qapi("result", MISSING_JOB, "--top", "0"),  # bad value
        3: lambda: qapi("machines", "--profile", "default", "--api-url", _other(logged_in)),
        4: lambda: qapi("result", MISSING_JOB),  # no such job
        5: lambda: qapi(  # the job failed: it would cost more than allowed
            "submit",
            str(bell),
            "--machine",
            "H1-1",
            "--shots",
            "10",
            "--max-cost",
            "0.5",
            "--wait",
        ),
        130: interrupted,
    }
    assert set(cases) == {e.code for e in EXIT_CODES}
    for code, case in cases.items():
        run = case()
        assert run.code == code, (code, run)
        no_traceback(run)


def _other(server: LocalServer) -> str:
    """The same service under a URL nobody logged in to (localhost instead of 127.0.0.1)."""
    return server.base_url.replace("127.0.0.1", "localhost")


@pytest.mark.parametrize(
    "program",
    [
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nfrobnicate q[0];\n',  # code 40
        'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[99];\ncreg c[99];\nmeasure q -> c;\n',
    ],
    ids=["invalid-program", "too-many-qubits"],
)
def test_a_program_the_service_rejects_is_bad_input(
    logged_in: LocalServer, tmp_path: Path, program: str
) -> None:
    path = tmp_path / "rejected.qasm"
    path.write_text(program)
    run = qapi("submit", str(path), "--machine", "H1-1E", "--shots", "1")
    assert run.code == 2, run
    assert run.err.startswith("qapi submit: error: ")
    no_traceback(run)


def _interrupt_a_wait(server: LocalServer, program: Path) -> Run:
    """Ctrl-C on `qapi wait` for a job of `server` that cannot finish meanwhile."""
    url = ["--api-url", server.base_url]
    login = qapi("login", *url, "--email", ALICE, "--password-stdin", stdin=PASSWORD)
    assert login.code == 0, login.err
    big = qapi("submit", str(program), *url, "--machine", "H1-1E", "--shots", "1000", "--json")
    job_id = json.loads(big.out)["jobs"][0]["job"]
    env = process_env({"QUANTINUUM_API_URL": server.base_url})
    login = qapi_process("login", "--email", ALICE, "--password-stdin", stdin=PASSWORD, env=env)
    assert login.code == 0, login.err
    proc = subprocess.Popen(
        [str(QAPI), "wait", job_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()  # the first progress line: the wait has begun
        assert job_id in first, first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        canceled = qapi("cancel", *url, job_id)
    assert canceled.code == 0, f"the job finished before the interrupt: {canceled}"
    return Run(proc.returncode, out, first + err)


# --------------------------------------------------------------------------- crashes


def test_top_zero_is_a_usage_error_not_a_traceback(logged_in: LocalServer, bell: Path) -> None:
    job_id = qapi("submit", str(bell), "--machine", "H1-1E", "--shots", "10").out.strip()
    assert qapi("wait", job_id).code == 0
    run = qapi("result", job_id, "--top", "0")
    assert run.code == 2
    assert "--top: must be at least 1" in run.err
    no_traceback(run)


def test_histogram_under_the_c_locale(logged_in: LocalServer, bell: Path) -> None:
    job_id = qapi("submit", str(bell), "--machine", "H1-1E", "--shots", "10").out.strip()
    env = {
        "LC_ALL": "C",
        "LANG": "C",
        "PYTHONUTF8": "0",
        "PYTHONIOENCODING": "ascii",  # what a C locale gives where UTF-8 mode is off
        "QUANTINUUM_API_URL": logged_in.base_url,
    }
    login = qapi_process("login", "--email", ALICE, "--password-stdin", stdin=PASSWORD, env=env)
    assert login.code == 0, login.err
    run = qapi_process("wait", job_id, env=env)
    assert run.code == 0, run.err
    assert "|" in run.out
    assert "#" in run.out
    no_traceback(run)


def test_unknown_machine_is_exit_4_everywhere(logged_in: LocalServer, bell: Path) -> None:
    submit = qapi("submit", str(bell), "--machine", "NO-SUCH", "--shots", "1")
    calendar = qapi("calendar", "--machine", "NO-SUCH")
    status = qapi("status", "NO-SUCH")
    cost = qapi("cost", str(bell), "--machine", "NO-SUCH", "--shots", "1")
    for run in (submit, calendar, status, cost):
        assert run.code == 4, run
        assert "NO-SUCH" in run.err


def test_wait_timeout_zero_on_a_missing_job_is_not_found(logged_in: LocalServer) -> None:
    run = qapi("wait", MISSING_JOB, "--timeout", "0")
    assert run.code == 4, run


def test_bad_timeout_is_rejected_before_submitting(logged_in: LocalServer, bell: Path) -> None:
    run = qapi(
        "submit", str(bell), "--machine", "H1-1E", "--shots", "1", "--timeout", "-1", "--wait"
    )
    assert run.code == 2
    assert "--timeout" in run.err
    assert "submitted" not in run.err


def test_serve_on_a_busy_port_is_not_the_auth_code(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = qapi_process("serve", "--port", str(port), "--db", str(tmp_path / "x.db"))
    assert run.code == 1, run
    assert f"port {port}" in run.err
    no_traceback(run)


def test_core_install_names_the_server_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    class Missing:
        name = "server"

        def load(self) -> object:
            raise ImportError("No module named 'uvicorn'")

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [Missing()])
    run = qapi("serve", "--port", "8123")
    assert run.code == 2
    assert "pip install 'quantinuum-api[server]'" in run.err
    assert "unrecognized" not in run.err


# --------------------------------------------------------------------------- --json


def test_json_is_one_object_on_one_line_for_every_command(
    logged_in: LocalServer, bell: Path, slow: Path, tmp_path: Path
) -> None:
    job_id = qapi("submit", str(bell), "--machine", "H1-1E", "--shots", "30").out.strip()
    running = qapi("submit", str(slow), "--machine", "H1-1", "--shots", "10000").out.strip()
    canceled = qapi("cancel", running, "--json")  # at once: a done job's cancel is refused
    runs = {
        "whoami": qapi("whoami", "--json"),
        "profiles": qapi("profiles", "--json"),
        "machines": qapi("machines", "--json"),
        "status": qapi("status", "H1-1E", "H2-1E", "--json"),
        "submit": qapi("submit", str(bell), "--machine", "H1-1E", "--shots", "5", "--json"),
        "wait": qapi("wait", job_id, "--json"),
        "result": qapi("result", job_id, "--json"),
        "cancel": canceled,
        "jobs": qapi("jobs", "--machine", "H1-1E", "--limit", "2", "--json"),
        "cost": qapi("cost", str(bell), "--machine", "H1-1", "--shots", "10", "--json"),
        "calendar": qapi("calendar", "--start", "2026-11-25", "--end", "2026-11-25", "--json"),
        "logout": qapi("logout", "--json"),
        "login": qapi("login", "--email", ALICE, "--password-stdin", "--json", stdin=PASSWORD),
    }
    assert set(runs) | {"completion"} == set(commands(build_parser())) - {"serve", "server"}
    for name, run in runs.items():
        assert run.code == 0, (name, run)
        assert run.out.count("\n") == 1, name
        assert isinstance(json.loads(run.out), dict), name
    assert json.loads(runs["result"].out)["jobs"][0]["job"] == job_id
    assert len(json.loads(runs["jobs"].out)["jobs"]) == 2
    assert [m["state"] for m in json.loads(runs["status"].out)["machines"]] == ["online"] * 2
    assert all(isinstance(m["queue"], int) for m in json.loads(runs["status"].out)["machines"])


def test_top_applies_to_json_results(logged_in: LocalServer, bell: Path) -> None:
    job_id = qapi("submit", str(bell), "--machine", "H1-1E", "--shots", "50").out.strip()
    full = qapi("wait", job_id, "--json")
    assert full.code == 0, full.err
    results = json.loads(full.out)["jobs"][0]["results"]
    assert len(set(results["c"])) == 2, "Bell: 00 and 11"
    for run in (
        qapi("result", job_id, "--top", "1", "--json"),
        qapi("wait", job_id, "--top=1", "--json"),
    ):
        assert run.code == 0, run.err
        doc = json.loads(run.out)["jobs"][0]
        assert "results" not in doc, "--top replaces the per-shot lists by the top counts"
        [(outcome, shots)] = doc["counts"]["c"].items()
        assert shots == max(results["c"].count(o) for o in ("00", "11"))
        assert results["c"].count(outcome) == shots
        assert doc["job"] == job_id


# --------------------------------------------------------------------------- completion


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_completes_commands_and_options() -> None:
    script = qapi("completion", "bash")
    assert script.code == 0

    def complete(*words: str) -> set[str]:
        line = " ".join(words)
        probe = (
            f"{script.out}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _qapi; "
            'printf "%s\\n" "${COMPREPLY[@]}"'
        )
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
        return set(done.stdout.split())

    assert {"submit", "status"} <= complete("qapi", "s")
    assert "--max-cost" in complete("qapi", "submit", "--m")
    assert complete("qapi", "completion", "") >= {"bash", "zsh", "fish"}


def test_zsh_and_fish_scripts() -> None:
    zsh = qapi("completion", "zsh").out
    assert zsh.startswith("#compdef qapi")
    fish = qapi("completion", "fish").out
    lines = [line for line in fish.splitlines() if line]
    assert all(line.startswith(("complete ", "# ")) for line in lines), "one command a line"
    assert "complete -c qapi -n '__fish_seen_subcommand_from submit' -l max-cost" in fish


# --------------------------------------------------------------------------- hints


def test_service_not_running_names_the_url_and_qapi_serve() -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    run = qapi("login", "--api-url", url, "--email", ALICE, "--password-stdin", stdin="pw")
    assert run.code == 1
    assert f"hint: nothing is listening at {url}" in run.err
    assert "qapi serve" in run.err


def test_https_against_an_http_service_suggests_http(server: LocalServer) -> None:
    url = server.base_url.replace("http://", "https://")
    run = qapi("login", "--api-url", url, "--email", ALICE, "--password-stdin", stdin=PASSWORD)
    assert run.code == 1
    assert "does not speak TLS" in run.err
    assert f"use {server.base_url}" in run.err
    no_traceback(run)


def test_wrong_path_is_named(server: LocalServer) -> None:
    url = server.base_url + "v1/"
    run = qapi("login", "--api-url", url, "--email", ALICE, "--password-stdin", stdin=PASSWORD)
    assert run.code != 0
    assert "wrong path" in run.err or "right URL" in run.err, run.err
    assert url in run.err


def test_nothing_saved_yet_names_the_default_host() -> None:
    run = qapi("login", "--email", ALICE, "--password-stdin", stdin=PASSWORD)
    assert run.code == 1
    assert "qapi.quantinuum.com" in run.err
    assert "nothing is saved yet" in run.err
    assert "--api-url" in run.err


# --------------------------------------------------------------------------- profiles


def test_profiles_keep_separate_sessions(server: LocalServer) -> None:
    url = server.base_url
    first = qapi("login", "--api-url", url, "--email", ALICE, "--password-stdin", stdin=PASSWORD)
    assert first.code == 0, first.err
    second = qapi(
        "login",
        "--profile",
        "work",
        "--api-url",
        url.rstrip("/"),
        "--email",
        BOB,
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert second.code == 0, second.err
    assert "profile work" in second.err
    assert qapi("whoami").out.startswith(f"{ALICE} at {url}")
    assert qapi("whoami", "--profile", "work").out.startswith(f"{BOB} at {url}")
    os.environ["QUANTINUUM_PROFILE"] = "work"
    try:
        assert qapi("whoami").out.startswith(BOB)
    finally:
        del os.environ["QUANTINUUM_PROFILE"]
    listed = json.loads(qapi("profiles", "--json").out)
    assert listed["default"] == "default"
    names = {p["name"]: p for p in listed["profiles"]}
    assert names["work"]["api_url"] == url, "the URL is normalised (trailing slash)"
    assert names["work"]["logged_in"]
    assert names["default"]["logged_in"]
    assert qapi("profiles", "--set-default", "work").code == 0
    assert qapi("whoami").out.startswith(BOB)
    missing = qapi("whoami", "--profile", "nope")
    assert missing.code == 4
    assert "qapi login --profile nope" in missing.err


def test_a_failed_login_keeps_the_valid_session(logged_in: LocalServer) -> None:
    again = qapi("login", "--password-stdin", stdin="wrong password")
    assert again.code == 3
    assert f"as {ALICE}" in again.err
    assert "remembered from the last login" in again.err, "a reused e-mail is announced"
    still = qapi("machines")
    assert still.code == 0, still.err


def test_trailing_slash_is_one_session(logged_in: LocalServer) -> None:
    bare = logged_in.base_url.rstrip("/")
    run = qapi("whoami", "--api-url", bare)
    assert run.code == 0, run.err
    assert run.out.startswith(ALICE)


# --------------------------------------------------------------------------- jobs


def test_several_machines_in_one_status(logged_in: LocalServer) -> None:
    run = qapi("status", "H1-1E", "H2-1E")
    assert run.code == 0
    rows = [line.split() for line in run.out.splitlines()[2:]]
    assert [(r[0], r[1]) for r in rows] == [("H1-1E", "online"), ("H2-1E", "online")]


def test_a_failed_job_shows_what_it_was_charged(logged_in: LocalServer, bell: Path) -> None:
    run = qapi(
        "submit", str(bell), "--machine", "H1-1", "--shots", "10", "--max-cost", "0.5", "--wait"
    )
    assert run.code == 5
    (header,) = [line for line in run.out.splitlines() if " failed on " in line]
    quoted = float(header.split("quoted ")[1].rstrip(")"))
    assert quoted > 0.5
    assert ", charged 0 HQC" in header


def test_progress_lines_off_a_terminal(logged_in: LocalServer, bell: Path) -> None:
    run = qapi("submit", str(bell), "--machine", "H1-1E", "--shots", "60", "--wait")
    assert run.code == 0
    lines = run.err.splitlines()
    assert lines[0].startswith("submitted ")
    assert re.search(r" completed, 60/60 shots  \d+\.\d+s$", lines[-1]), lines
    assert "\x1b[" not in run.err, "no terminal codes in a log"


def test_an_unfinished_job_says_how_many_shots_are_in(logged_in: LocalServer, bell: Path) -> None:
    service = logged_in._service
    assert service is not None
    service.jobs.stop()  # the workers are busy elsewhere: jobs wait in the queue
    try:
        job_id = qapi("submit", str(bell), "--machine", "H1-1E", "--shots", "40").out.strip()
        run = qapi("result", job_id)
    finally:
        service.jobs.start()
    assert run.code == 0, run.err
    assert f"job {job_id} is queued, 0/40 shots, queue position 0; results are partial" in run.err
    assert qapi("wait", job_id).code == 0


# --------------------------------------------------------------------------- calendar


def test_calendar_png_has_a_legend_dates_hours_and_reservation_names(
    logged_in: LocalServer, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    import datetime as dt

    from quantinuum_api.cli._render import calendar_figure

    png = tmp_path / "calendar.png"
    run = qapi("calendar", "--start", "2026-11-25", "--end", "2026-11-27", "--plot", str(png))
    assert run.code == 0, run.err
    header = png.read_bytes()[:24]
    assert header.startswith(b"\x89PNG")
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert 800 <= width <= 2400
    assert 200 <= height <= 800

    data = json.loads(
        qapi("calendar", "--start", "2026-11-25", "--end", "2026-11-27", "--json").out
    )
    events = data["events"]
    fig = calendar_figure(events, dt.date(2026, 11, 25), dt.date(2026, 11, 27))
    (ax,) = fig.axes
    fig.canvas.draw()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(legend) == sorted({e["event-type"] for e in events})
    days = [t.get_text() for t in ax.get_xticklabels()]
    assert days[:3] == ["Wed 2026-11-25", "Thu 2026-11-26", "Fri 2026-11-27"]
    hours = {t.get_text() for t in ax.get_xticklabels(minor=True)}
    assert {"03:00", "09:00", "21:00"} <= hours
    names = {t.get_text().replace("\n", " ") for t in ax.texts}
    reserved = {e["organization"] for e in events if e["event-type"] == "reserved"}
    assert reserved
    assert names == reserved
    assert [t.get_text() for t in ax.get_yticklabels()] == sorted({e["machine"] for e in events})


def test_a_profile_logged_in_by_the_cli_serves_the_sdk(server: LocalServer) -> None:
    from quantinuum_api import Client
    from quantinuum_api._credentials import profile_session

    run = qapi(
        "login",
        "--profile",
        "lab",
        "--api-url",
        server.base_url,
        "--email",
        BOB,
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert run.code == 0, run.err
    config, store = profile_session("lab")
    assert (config.api_url, config.user_name, store.user_name) == (server.base_url, BOB, BOB)
    # no password given: the profile's URL, e-mail and the CLI's tokens
    with Client(profile="lab") as client:
        assert client.machines.state("H1-1E") == "online"
        assert client.urls.api.rstrip("/") == server.base_url.rstrip("/")


@pytest.mark.parametrize(
    ("argv", "needed"),
    [
        (["machines"], False),
        (["--api-url", "serve", "status", "H1-1"], False),
        (["--profile", "x", "submit", "f.qasm"], False),
        (["serve", "--port", "0"], True),
        (["server"], True),
        (["completion", "bash"], True),
        (["--help"], True),
        ([], True),
    ],
)
def test_the_service_is_imported_only_when_a_command_may_need_it(
    argv: list[str], needed: bool
) -> None:
    from quantinuum_api.cli._parser import needs_plugins

    assert needs_plugins(argv) is needed


def test_the_qapi_script_runs_the_cli_package_main() -> None:
    """The console script names `quantinuum_api.cli:main`."""
    import importlib
    import tomllib

    import quantinuum_api.cli

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    module, _, name = pyproject["project"]["scripts"]["qapi"].partition(":")
    assert getattr(importlib.import_module(module), name) is quantinuum_api.cli.main


def test_python_dash_m_runs_qapi_without_the_console_script() -> None:
    import sys

    from quantinuum_api import __version__

    run = subprocess.run(
        [sys.executable, "-m", "quantinuum_api.cli", "--version"],
        capture_output=True,
        text=True,
        env=process_env(),
        check=False,
    )
    assert (run.returncode, run.stdout.strip()) == (0, f"qapi {__version__}"), run.stderr


def test_jobs_lists_history_newest_first_with_filters(logged_in: LocalServer, bell: Path) -> None:
    ids = [
        qapi(
            "submit", str(bell), "--machine", "H1-1SC", "--shots", "5", "--name", f"j{i}"
        ).out.strip()
        for i in range(3)
    ]
    listed = json.loads(qapi("jobs", "--machine", "H1-1SC", "--json").out)["jobs"]
    assert [j["job"] for j in listed][:3] == ids[::-1]
    named = qapi("jobs", "--name", "j1")
    assert named.code == 0
    assert ids[1] in named.out
    assert ids[0] not in named.out
    assert qapi("jobs", "--status", "nonsense").code == 2


@pytest.mark.parametrize("access_log", [False, True])
def test_serve_on_port_0_prints_the_port_it_listens_on(tmp_path: Path, access_log: bool) -> None:
    extra = ["--access-log"] if access_log else []
    proc = subprocess.Popen(
        [str(QAPI), "serve", "--port", "0", "--db", str(tmp_path / "x.db"), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=process_env(None),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        found = re.search(r"Serving on (http://127\.0\.0\.1:(\d+)/)", line)
        assert found, line
        assert found.group(2) != "0"
        reply = httpx.get(f"{found.group(1)}v1/machine/", timeout=30)
        assert reply.status_code == 401  # it is the service, listening where it said
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    # one line per request only when asked for (it cost ~8% of the event loop under load)
    assert ('"GET /v1/machine/ HTTP/1.1" 401' in out + err) is access_log


def test_serve_with_an_idp_key_but_no_issuer_is_a_usage_error(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = tmp_path / "idp.pem"
    pem.write_bytes(
        key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    run = qapi_process(
        "serve", "--port", "0", "--db", str(tmp_path / "x.db"), "--idp-public-key", str(pem)
    )
    assert run.code == 2, run
    assert "qapi serve: error:" in run.err
    no_traceback(run)
