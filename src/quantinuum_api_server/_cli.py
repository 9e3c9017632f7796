"""`qapi serve` and `qapi server add-user | revoke-sessions | rotate-key`: the local
service's commands.

`register_commands(subparsers)` adds both to `qapi`'s argparse sub-parsers; each parsed
command carries `handler(args) -> int` (the exit code). The library functions `serve` and
`add_user` never prompt: only the command layer reads a password (getpass, asked twice,
or one line of standard input with `--password-stdin`).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._settings import DEFAULT_QUEUE_DELAY, ServerSettings, default_db_path

if TYPE_CHECKING:
    from ._auth import Authenticator

__all__ = ["add_user", "register_commands", "revoke_sessions", "rotate_key", "serve"]

#: How long a stopping service waits for open requests (websockets included).
_GRACEFUL_SECONDS = 2
_DEFAULT_WORKERS = ServerSettings.workers


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    db_path: Path | None = None,
    settings: ServerSettings | None = None,
    *,
    on_ready: Callable[[str], None] | None = None,
    access_log: bool = False,
) -> None:
    """Run the service in the foreground until SIGTERM or SIGINT (with `access_log`, one
    log line per request; off by default: it cost ~8% of the event loop under load).

    The socket is bound first (`OSError` if the port is taken), so `on_ready` gets the real
    URL, also for port 0. Stopping waits at most `_GRACEFUL_SECONDS` for open requests,
    then kills the job workers and queues their jobs again (they rerun on the next start).
    `X-Forwarded-For` is not trusted: the login throttle counts the peer's own address.
    """
    import uvicorn

    from ._app import create_app

    sock = _listen(host, port)
    try:
        app = create_app(settings or ServerSettings(), db_path or default_db_path())
        if on_ready is not None:
            bound = sock.getsockname()[1]
            on_ready(f"http://{'[' + host + ']' if ':' in host else host}:{bound}/")
        config = uvicorn.Config(
            app,
            log_level="info",
            ws="websockets-sansio",
            timeout_graceful_shutdown=_GRACEFUL_SECONDS,
            proxy_headers=False,
            access_log=access_log,
            timeout_keep_alive=app.state.service.settings.keep_alive,
        )
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: a clean stop, as uvicorn.run
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host:port`; IPPROTO_TCP so accepted sockets get
    TCP_NODELAY (see `testing.LocalServer`)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def add_user(
    email: str,
    password: str,
    *,
    mfa: bool = False,
    db_path: Path | None = None,
    settings: ServerSettings | None = None,
) -> str | None:
    """Create (or reset, ending its sessions) a user in the database; the TOTP secret
    when `mfa`."""
    with _authenticator(db_path, settings) as auth:
        return auth.add_user(email, password, mfa=mfa)


def revoke_sessions(
    email: str, *, db_path: Path | None = None, settings: ServerSettings | None = None
) -> int:
    """End every session of `email` (KeyError when unknown); how many were live."""
    with _authenticator(db_path, settings) as auth:
        return auth.revoke_sessions(email)


def rotate_key(*, db_path: Path | None = None, settings: ServerSettings | None = None) -> str:
    """Make a new current key (the previous one stays valid); its id."""
    with _authenticator(db_path, settings) as auth:
        return auth.rotate_keys()


@contextlib.contextmanager
def _authenticator(
    db_path: Path | None, settings: ServerSettings | None
) -> Iterator[Authenticator]:
    from ._auth import Authenticator
    from ._store import Store

    store = Store(db_path or default_db_path())
    try:
        yield Authenticator(store, settings or ServerSettings())
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


def _revoke_sessions_command(args: argparse.Namespace) -> int:
    try:
        count = revoke_sessions(args.email, db_path=args.db)
    except KeyError:
        print(f"qapi server revoke-sessions: error: no user {args.email}", file=sys.stderr)
        return 2
    print(f"Ended {count} session(s) of {args.email}")
    return 0


def _rotate_key_command(args: argparse.Namespace) -> int:
    kid = rotate_key(db_path=args.db)
    print(f"New signing key {kid}; tokens signed with the previous key stay valid")
    return 0


def _seconds(text: str) -> float:
    """An argparse type: a finite number of seconds >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0: {text!r}")
    return value


def _serve_command(args: argparse.Namespace) -> int:
    try:
        keys = tuple(Path(path).read_text(encoding="utf-8") for path in args.idp_public_key)
    except OSError as exc:
        print(f"qapi serve: error: cannot read an IdP key: {exc}", file=sys.stderr)
        return 2
    settings = ServerSettings(
        workers=args.workers,
        queue_delay=args.queue_delay,
        idp_public_keys=keys,
        idp_issuer=args.idp_issuer,
        idp_audience=args.idp_audience,
    )
    from ._keys import InsecureFileError

    database = args.db or default_db_path()

    def ready(url: str) -> None:
        print(f"Serving on {url} (database {database})", flush=True)

    try:
        serve(args.host, args.port, args.db, settings, on_ready=ready, access_log=args.access_log)
    except InsecureFileError as exc:  # a key file others can read: refused, not used
        print(f"qapi serve: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(
            f"qapi serve: error: cannot listen on {args.host} port {args.port}: {reason}"
            " (is the port already in use?)",
            file=sys.stderr,
        )
        return 1
    except ValueError as exc:  # settings the service refuses (e.g. a key without issuer)
        print(f"qapi serve: error: {exc}", file=sys.stderr)
        return 2
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


_EXIT_CODES = """exit codes:
  0    the service stopped cleanly (Ctrl-C) / the user was added
  1    the service could not start (e.g. the port is in use)
  2    bad usage or input (unknown option, unreadable key file, passwords differ)"""


def _help(examples: str) -> dict[str, Any]:
    return {
        "formatter_class": argparse.RawDescriptionHelpFormatter,
        "epilog": f"examples:\n{examples}\n\n{_EXIT_CODES}",
    }


def register_commands(subparsers: Any) -> None:
    """Add `serve` and `server add-user` to `qapi`'s sub-parsers."""
    serve_parser = subparsers.add_parser(
        "serve",
        help="run the local reference service",
        description="Run the local reference service in the foreground until Ctrl-C: REST "
        "under /v1/, the calendar under /beta/, the websocket at /v1/, all on one port.",
        **_help(
            "  qapi serve                              # http://127.0.0.1:8000/\n"
            "  qapi serve --port 8080 --db /tmp/qapi.db\n"
            "  qapi serve --port 0                     # any free port (printed)"
        ),
    )
    serve_parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve_parser.add_argument(
        "--port",
        type=int,
        default=8000,
        help="port to listen on; 0 picks a free one (default: 8000)",
    )
    serve_parser.add_argument(
        "--db", type=Path, help=f"SQLite database file (default: {default_db_path()})"
    )
    serve_parser.add_argument(
        "--workers",
        type=int,
        default=_DEFAULT_WORKERS,
        help=f"job worker processes (default: {_DEFAULT_WORKERS})",
    )
    serve_parser.add_argument(
        "--queue-delay",
        type=_seconds,
        default=DEFAULT_QUEUE_DELAY,
        metavar="SECONDS",
        help="how long a job stays queued before it may start, as on the cloud; 0 starts"
        f" jobs at once, for fast tests (default: {DEFAULT_QUEUE_DELAY:g})",
    )
    serve_parser.add_argument(
        "--access-log", action="store_true", help="log one line per request (default: off)"
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

    server_parser = subparsers.add_parser(
        "server",
        help="manage the local service (users)",
        description="Manage the local service's database.",
        **_help(
            "  qapi server add-user you@example.com --db /tmp/qapi.db\n"
            "  qapi server add-user you@example.com --mfa --password-stdin < password.txt"
        ),
    )
    commands = server_parser.add_subparsers(dest="server_command", metavar="COMMAND")

    def server_help(args: argparse.Namespace) -> int:
        server_parser.print_help()
        return 2

    server_parser.set_defaults(handler=server_help)
    add = commands.add_parser(
        "add-user",
        help="create a user (or reset its password)",
        description="Create a user in the service's database, or reset its password.",
        **_help(
            "  qapi server add-user you@example.com                  # asks twice\n"
            "  qapi server add-user you@example.com --mfa --db /tmp/qapi.db"
        ),
    )
    add.add_argument("email", help="the user's e-mail (login name)")
    add.add_argument("--mfa", action="store_true", help="enable TOTP; prints the secret")
    add.add_argument("--db", type=Path, help=f"SQLite database file (default: {default_db_path()})")
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add.set_defaults(handler=_add_user_command)
    revoke = commands.add_parser("revoke-sessions", help="log a user out everywhere")
    revoke.add_argument("email")
    revoke.add_argument("--db", type=Path, help=f"default: {default_db_path()}")
    revoke.set_defaults(handler=_revoke_sessions_command)
    rotate = commands.add_parser(
        "rotate-key", help="new signing/encryption key; nobody is logged out"
    )
    rotate.add_argument("--db", type=Path, help=f"default: {default_db_path()}")
    rotate.set_defaults(handler=_rotate_key_command)
