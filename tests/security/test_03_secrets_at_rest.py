"""Item 3: the database alone gives no key (no token can be minted from it, no TOTP
secret read from it); database, key file and directory are private and checked on
start; rotating the key logs nobody out."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

import jwt
import pyotp
import pytest

from quantinuum_api_server import _cli
from quantinuum_api_server._keys import InsecureFileError
from quantinuum_api_server.testing import LocalServer, fast_settings

from .conftest import PASSWORD, authorized, client, login, new_user, refresh

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="POSIX file modes"),
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def candidate_keys(db: Path) -> list[bytes]:
    """Everything in the database that could be a key, as an attacker would try it."""
    found: list[bytes] = []
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in conn.execute(f"SELECT * FROM {table}"):  # noqa: S608
                for value in row:
                    if isinstance(value, str):
                        found.append(value.encode())
                        with contextlib.suppress(ValueError):
                            found.append(bytes.fromhex(value))
                    elif isinstance(value, bytes):
                        found.append(value)
    return found


def session_ids(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        try:
            return [r[0] for r in conn.execute("SELECT id FROM sessions")]
        except sqlite3.OperationalError:
            return []


def test_files_and_directory_are_private(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "data" / "server.sqlite3"
    with LocalServer(db, settings=fast_settings()) as server:
        new_user(server)
        assert mode(db.parent) == 0o700
        assert mode(db.parent.parent) == 0o700
        private = [db, db.with_name(db.name + ".keys")]
        private += [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
        for path in private:
            assert mode(path) == 0o600, path


def test_the_database_alone_cannot_mint_a_token(tmp_path: Path) -> None:
    db = tmp_path / "server.sqlite3"
    with LocalServer(db, settings=fast_settings()) as server:
        email, secret = new_user(server, mfa=True)
        assert secret is not None
        http = client(server)
        code = pyotp.TOTP(secret).now()
        assert login(http, email=email, password=PASSWORD, code=code).status_code == 200
        now = int(time.time())
        sids = session_ids(db) or [""]
        for key in candidate_keys(db):
            for sid in sids:
                claims: dict[str, Any] = {"iss": "quantinuum-api-local", "sub": "1", "sid": sid}
                claims |= {"iat": now, "exp": now + 10 * 365 * 86400, "email": email}
                forged = jwt.encode(claims, key, algorithm="HS256")
                assert not authorized(http, forged)
        raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith(db.name))
        assert secret.encode() not in raw.replace(b"\x00", b""), "TOTP secret in plain text"


def test_a_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "server.sqlite3"
    server = LocalServer(db, settings=fast_settings())
    server.start()
    server.stop()
    key_file = db.with_name(db.name + ".keys")
    key_file.chmod(0o644)
    with pytest.raises(InsecureFileError, match="chmod 600"):
        server.start()
    key_file.chmod(0o600)
    server.start()
    server.close()


def test_a_wide_database_mode_is_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "server.sqlite3"
    server = LocalServer(db, settings=fast_settings())
    server.start()
    server.stop()
    db.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="quantinuum_api_server"):
        server.start()
    server.close()
    assert any("accessible by other users" in r.getMessage() for r in caplog.records)


def test_key_rotation_logs_nobody_out(tmp_path: Path) -> None:
    db = tmp_path / "server.sqlite3"
    with LocalServer(db, settings=fast_settings()) as server:
        http = client(server)
        email, secret = new_user(server, mfa=True)
        assert secret is not None
        pair = login(http, email=email, password=PASSWORD, code=pyotp.TOTP(secret).now()).json()
        old_kid = jwt.get_unverified_header(pair["id-token"])["kid"]
        _cli.rotate_key(db_path=db, settings=server.settings)  # while the service runs
        assert authorized(http, pair["id-token"])
        renewed = refresh(http, pair["refresh-token"])
        assert renewed.status_code == 200
        assert jwt.get_unverified_header(renewed.json()["id-token"])["kid"] != old_kid
        assert authorized(http, renewed.json()["id-token"])
        next_step = pyotp.TOTP(secret).at(time.time() + 30)  # one step of drift is allowed
        again = login(http, email=email, password=PASSWORD, code=next_step)
        assert again.status_code == 200, again.text


def test_an_old_database_is_upgraded_in_place(tmp_path: Path) -> None:
    """Keys kept in `meta` by older versions are erased; plain TOTP secrets get sealed."""
    db = tmp_path / "server.sqlite3"
    server = LocalServer(db, settings=fast_settings())
    server.start()
    email, secret = new_user(server, mfa=True)
    assert secret is not None
    server.stop()
    with sqlite3.connect(db) as conn:  # as an older version left it
        conn.execute("UPDATE users SET totp_secret = ? WHERE email = ?", (secret, email))
        conn.execute("INSERT INTO meta (key, value) VALUES ('jwt-hs256', ?)", ("ab" * 32,))
    server.start()
    try:
        with sqlite3.connect(db) as conn:
            assert (
                conn.execute("SELECT COUNT(*) FROM meta WHERE key = 'jwt-hs256'").fetchone()[0] == 0
            )
            stored = conn.execute(
                "SELECT totp_secret FROM users WHERE email = ?", (email,)
            ).fetchone()[0]
        assert secret not in stored
        code = pyotp.TOTP(secret).now()
        assert login(client(server), email=email, password=PASSWORD, code=code).status_code == 200
    finally:
        server.close()
