"""`qapi serve` and `qapi server ...` as a user runs them: bad input is one line and exit 2.

Each case runs the installed console script in a new session (no controlling terminal),
as a pipe or a CI job does, so a prompt can never wait for a keyboard.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from quantinuum_api_server._auth import Authenticator
from quantinuum_api_server._settings import ServerSettings
from quantinuum_api_server._store import Store

from .helpers import QAPI, process_env

EMAIL = "dora@example.com"


@dataclass
class Done:
    code: int
    out: str
    err: str


def run(*argv: str, stdin: str = "") -> Done:
    """`qapi ARGV` with `stdin` piped in and no terminal."""
    done = subprocess.run(
        [str(QAPI), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=process_env(),
        timeout=120,
        check=False,
        start_new_session=True,
    )
    return Done(done.returncode, done.stdout, done.stderr)


def one_error_line(done: Done, command: str) -> str:
    """The error line (argparse's usage lines may precede it); no traceback."""
    assert "Traceback" not in done.out + done.err, done.err
    errors = [line for line in done.err.splitlines() if ": error: " in line]
    assert len(errors) == 1, done.err
    assert errors[0].startswith(f"qapi {command}: error: "), done.err
    return errors[0]


def can_log_in(db: Path, password: str) -> bool:
    store = Store(db)
    try:
        auth = Authenticator(store, ServerSettings())
        return set(auth.login_password(EMAIL, password, None)) == {"id-token", "refresh-token"}
    finally:
        store.close()


# --------------------------------------------------------------------------- serve


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_serve_on_a_port_out_of_range_is_a_usage_error(port: str) -> None:
    done = run("serve", f"--port={port}")
    assert done.code == 2
    line = one_error_line(done, "serve")
    assert "--port" in line
    assert "0 to 65535" in line


def test_serve_on_a_database_that_is_a_directory_names_the_database(tmp_path: Path) -> None:
    done = run("serve", "--port", "0", "--db", str(tmp_path))
    assert done.code == 2
    line = one_error_line(done, "serve")
    assert f"cannot create or open the database at {tmp_path}: " in line
    assert "port" not in line


def test_serve_where_no_database_can_be_created_names_the_database(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    db = blocker / "x.db"
    done = run("serve", "--port", "0", "--db", str(db))
    assert done.code == 2
    line = one_error_line(done, "serve")
    assert f"cannot create or open the database at {db}: " in line
    assert "port" not in line


def test_serve_on_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_bytes(b"these are my notes, not SQLite " * 100)
    done = run("serve", "--port", "0", "--db", str(db))
    assert done.code == 2
    line = one_error_line(done, "serve")
    assert f"cannot create or open the database at {db}: " in line


# --------------------------------------------------------------------------- server ...


@pytest.mark.parametrize(
    "argv",
    [
        ["server", "add-user", EMAIL, "--password-stdin"],
        ["server", "revoke-sessions", EMAIL],
        ["server", "rotate-key"],
    ],
)
def test_server_commands_on_a_bad_database_path_are_one_line(
    tmp_path: Path, argv: list[str]
) -> None:
    done = run(*argv, "--db", str(tmp_path), stdin="pw-of-dora\n")
    assert done.code == 2
    line = one_error_line(done, f"server {argv[1]}")
    assert f"cannot create or open the database at {tmp_path}: " in line


def test_add_user_reads_a_piped_password_without_the_flag(tmp_path: Path) -> None:
    db = tmp_path / "users.db"
    done = run("server", "add-user", EMAIL, "--db", str(db), stdin="pw-of-dora\n")
    assert done.code == 0, done.err
    assert "Traceback" not in done.err
    assert "pw-of-dora" not in done.out + done.err
    assert can_log_in(db, "pw-of-dora")


def test_add_user_with_nothing_on_stdin_points_to_password_stdin(tmp_path: Path) -> None:
    done = run("server", "add-user", EMAIL, "--db", str(tmp_path / "users.db"))
    assert done.code == 2
    line = one_error_line(done, "server add-user")
    assert "no password" in line
    assert "--password-stdin" in line


def test_each_server_command_lists_its_own_exit_codes() -> None:
    serve = run("serve", "--help")
    add = run("server", "add-user", "--help")
    revoke = run("server", "revoke-sessions", "--help")
    rotate = run("server", "rotate-key", "--help")
    for done in (serve, add, revoke, rotate):
        assert done.code == 0
        assert "exit codes:" in done.out
    assert "port" in serve.out.split("exit codes:")[1]
    assert "user was added" not in serve.out
    add_codes = add.out.split("exit codes:")[1]
    assert "the user was added" in add_codes
    assert "service" not in add_codes
    assert "port" not in add_codes
    assert "no such user" in revoke.out.split("exit codes:")[1]
    assert "port" not in rotate.out.split("exit codes:")[1]
