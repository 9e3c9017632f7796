"""`qapi serve` / `qapi server add-user` argument handling and the add-user command."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import pyotp
import pytest

from quantinuum_api_server import _cli
from quantinuum_api_server._auth import Authenticator
from quantinuum_api_server._store import Store
from quantinuum_api_server.testing import fast_settings


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="qapi")
    _cli.register_commands(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_serve_arguments(tmp_path: Path) -> None:
    args = parse(["serve", "--host", "10.1.2.3", "--port", "9001", "--db", str(tmp_path / "x")])
    assert (args.host, args.port, args.db) == ("10.1.2.3", 9001, tmp_path / "x")
    assert args.handler is _cli._serve_command


def test_add_user_reads_the_password_from_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "server.sqlite3"
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret!\n"))
    monkeypatch.setattr(_cli, "ServerSettings", fast_settings)
    args = parse(
        ["server", "add-user", "ada@example.com", "--mfa", "--db", str(db), "--password-stdin"]
    )
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    assert "s3cret" not in out
    secret = out.split("TOTP secret: ")[1].split()[0]
    assert "otpauth://totp/" in out
    store = Store(db)
    try:
        auth = Authenticator(store, fast_settings())
        pair = auth.login_password("ada@example.com", "s3cret!", pyotp.TOTP(secret).now())
        assert set(pair) == {"id-token", "refresh-token"}
    finally:
        store.close()


class Terminal(io.StringIO):
    """Standard input that says it is a terminal (the prompt's case)."""

    def isatty(self) -> bool:
        return True


def test_add_user_prompt_must_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["one", "two"])
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    args = parse(["server", "add-user", "ada@example.com", "--db", str(tmp_path / "db")])
    assert args.handler(args) == 2
    assert "do not match" in capsys.readouterr().err


def test_a_piped_password_is_read_without_a_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_prompt(prompt: str) -> str:
        raise AssertionError("prompted although stdin is a pipe")

    monkeypatch.setattr("getpass.getpass", no_prompt)
    args = parse(["server", "add-user", "ada@example.com"])
    assert _cli._read_password(args, io.StringIO("piped pw\nrest\n")) == "piped pw"
    with pytest.raises(ValueError, match="--password-stdin"):
        _cli._read_password(args, io.StringIO(""))


def test_serve_refuses_a_port_out_of_range_before_opening_anything(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="0 to 65535"):
        _cli.serve(port=70000, db_path=tmp_path / "never.db")
    assert not (tmp_path / "never.db").exists()


def test_a_database_that_cannot_be_opened_is_a_database_error(tmp_path: Path) -> None:
    with pytest.raises(_cli.DatabaseError, match=f"database at {tmp_path}: Is a directory"):
        _cli.add_user("ada@example.com", "pw", db_path=tmp_path, settings=fast_settings())


def test_add_user_rejects_a_bad_email(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="email"):
        _cli.add_user("not-an-email", "pw", db_path=tmp_path / "db", settings=fast_settings())
