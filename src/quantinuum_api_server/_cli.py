"""`qapi serve` and `qapi server add-user`: the local service's commands.

`register_commands(subparsers)` adds both to `qapi`'s argparse sub-parsers; each parsed
command carries `handler(args) -> int` (the exit code). The library functions `serve` and
`add_user` never prompt: only the command layer reads a password (getpass, asked twice,
or one line of standard input with `--password-stdin`).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any, TextIO

from ._settings import ServerSettings, default_db_path

__all__ = ["add_user", "register_commands", "serve"]

#: How long a stopping service waits for open requests (websockets included).
_GRACEFUL_SECONDS = 2
_DEFAULT_WORKERS = ServerSettings.workers


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    db_path: Path | None = None,
    settings: ServerSettings | None = None,
) -> None:
    """Run the service in the foreground until SIGTERM or SIGINT.

    Stopping waits at most `_GRACEFUL_SECONDS` for open requests, then kills the job
    workers and queues their jobs again (they rerun on the next start)."""
    import uvicorn

    from ._app import create_app

    app = create_app(settings or ServerSettings(), db_path or default_db_path())
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        ws="websockets-sansio",
        timeout_graceful_shutdown=_GRACEFUL_SECONDS,
    )


def add_user(
    email: str,
    password: str,
    *,
    mfa: bool = False,
    db_path: Path | None = None,
    settings: ServerSettings | None = None,
) -> str | None:
    """Create (or reset) a user in the database; the TOTP secret when `mfa`."""
    from ._auth import Authenticator
    from ._store import Store

    store = Store(db_path or default_db_path())
    try:
        return Authenticator(store, settings or ServerSettings()).add_user(email, password, mfa=mfa)
    finally:
        store.close()


def _read_password(args: argparse.Namespace, stdin: TextIO) -> str:
    if args.password_stdin:
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Repeat password: ")
    if first != second:
        raise ValueError("the passwords do not match")
    return first


def _serve_command(args: argparse.Namespace) -> int:
    try:
        keys = tuple(Path(path).read_text(encoding="utf-8") for path in args.idp_public_key)
    except OSError as exc:
        print(f"qapi serve: error: cannot read an IdP key: {exc}", file=sys.stderr)
        return 2
    settings = ServerSettings(
        workers=args.workers,
        idp_public_keys=keys,
        idp_issuer=args.idp_issuer,
        idp_audience=args.idp_audience,
    )
    print(f"Serving on http://{args.host}:{args.port}/ (database {args.db or default_db_path()})")
    serve(args.host, args.port, args.db, settings)
    return 0


def _add_user_command(args: argparse.Namespace) -> int:
    try:
        password = _read_password(args, sys.stdin)
        secret = add_user(args.email, password, mfa=args.mfa, db_path=args.db)
    except ValueError as exc:
        print(f"qapi server add-user: error: {exc}", file=sys.stderr)
        return 2
    print(f"User {args.email} added to {args.db or default_db_path()}")
    if secret is not None:
        import pyotp

        uri = pyotp.TOTP(secret).provisioning_uri(name=args.email, issuer_name="qapi local")
        print(f"TOTP secret: {secret}")
        print(f"otpauth URI: {uri}")
    return 0


def register_commands(subparsers: Any) -> None:
    """Add `serve` and `server add-user` to `qapi`'s sub-parsers."""
    serve_parser = subparsers.add_parser("serve", help="run the local reference service")
    serve_parser.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000, help="default: 8000")
    serve_parser.add_argument("--db", type=Path, help=f"default: {default_db_path()}")
    serve_parser.add_argument(
        "--workers",
        type=int,
        default=_DEFAULT_WORKERS,
        help=f"job worker processes (default: {_DEFAULT_WORKERS})",
    )
    serve_parser.add_argument(
        "--idp-public-key",
        action="append",
        default=[],
        metavar="PEM_FILE",
        help="RSA public key of an identity provider whose RS256 provider tokens are accepted"
        " (repeatable; none: federated login is off)",
    )
    serve_parser.add_argument("--idp-issuer", help="required `iss` of provider tokens")
    serve_parser.add_argument("--idp-audience", help="required `aud` of provider tokens")
    serve_parser.set_defaults(handler=_serve_command)

    server_parser = subparsers.add_parser("server", help="manage the local service")
    commands = server_parser.add_subparsers(dest="server_command", required=True)
    add = commands.add_parser("add-user", help="create a user (or reset its password)")
    add.add_argument("email")
    add.add_argument("--mfa", action="store_true", help="enable TOTP; prints the secret")
    add.add_argument("--db", type=Path, help=f"default: {default_db_path()}")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(handler=_add_user_command)
