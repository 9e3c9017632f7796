"""`qapi serve` and `qapi server add-user | revoke-sessions | rotate-key`: the local
service's commands.

`register_commands(subparsers)` adds both to `qapi`'s argparse sub-parsers; each parsed
command carries `handler(args) -> int` (the exit code; each command's `--help` lists its
own). The library functions `serve` and `add_user` never prompt: only the command layer
reads a password (getpass, asked twice, on a terminal; otherwise, or with
`--password-stdin`, one line of standard input). A database that cannot be created or
opened is a `DatabaseError` naming its path, never mistaken for a busy port.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import getpass
import socket
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._settings import DEFAULT_QUEUE_DELAY, ServerSettings, default_db_path

if TYPE_CHECKING:
    from ._auth import Authenticator

__all__ = [
    "DatabaseError",
    "add_user",
    "register_commands",
    "revoke_sessions",
    "rotate_key",
    "serve",
]

#: How long a stopping service waits for open requests (websockets included).
_GRACEFUL_SECONDS = 2
_DEFAULT_WORKERS = ServerSettings.workers
_MAX_PORT = 65535


class DatabaseError(Exception):
    """The service's database at `path` cannot be created or opened (`reason` says why:
    a directory, a missing parent that cannot be made, not an SQLite file, no permission)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot create or open the database at {path}: {reason}")
        self.path = path
        self.reason = reason

    @classmethod
    def from_error(cls, path: Path, exc: OSError | sqlite3.Error) -> DatabaseError:
        if isinstance(exc, OSError):
            reason = exc.strerror or str(exc)
            if exc.filename is not None and Path(exc.filename) != path:
                reason += f" ({exc.filename})"  # e.g. the parent directory it could not make
        else:
            reason = str(exc) or type(exc).__name__
        return cls(path, reason)


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

    The socket is bound first (`OSError` if the port is taken, `ValueError` for a port
    outside 0-65535), so `on_ready` gets the real URL, also for port 0; then the database
    is opened (`DatabaseError` if it cannot be). Stopping waits at most `_GRACEFUL_SECONDS`
    for open requests, then kills the job workers and queues their jobs again (they rerun
    on the next start).
    `X-Forwarded-For` is not trusted: the login throttle counts the peer's own address.
    """
    import uvicorn

    from ._app import create_app
    from ._keys import InsecureFileError
    from ._serving import uvicorn_config

    sock = _listen(host, port)
    try:
        database = db_path or default_db_path()
        try:
            app = create_app(settings or ServerSettings(), database)
        except InsecureFileError:
            raise
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError.from_error(database, exc) from exc
        if on_ready is not None:
            bound = sock.getsockname()[1]
            on_ready(f"http://{'[' + host + ']' if ':' in host else host}:{bound}/")
        config = uvicorn_config(
            app,
            app.state.service.settings,
            log_level="info",
            timeout_graceful_shutdown=_GRACEFUL_SECONDS,
            proxy_headers=False,
            access_log=access_log,
        )
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: a clean stop, as uvicorn.run
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host:port`; IPPROTO_TCP so accepted sockets get
    TCP_NODELAY (see `testing.LocalServer`)."""
    if not 0 <= port <= _MAX_PORT:
        raise ValueError(f"the port must be 0 to {_MAX_PORT}, got {port}")
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
    from ._keys import InsecureFileError
    from ._store import Store

    database = db_path or default_db_path()
    try:
        store = Store(database)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseError.from_error(database, exc) from exc
    try:
        try:
            auth = Authenticator(store, settings or ServerSettings())
        except InsecureFileError:
            raise
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError.from_error(database, exc) from exc
        yield auth
    finally:
        store.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError):  # closed or detached
        return False


def _read_password(args: argparse.Namespace, stdin: TextIO) -> str:
    """One line of `stdin` with `--password-stdin` or when it is not a terminal (a pipe,
    a file, CI); else asked twice on the terminal."""
    if args.password_stdin or not _is_terminal(stdin):
        password = stdin.readline().rstrip("\r\n")
        if not password:
            raise ValueError(
                "no password on standard input: pipe it in as one line, e.g. "
                "`printf '%s\\n' \"$PASSWORD\" | qapi server add-user EMAIL --password-stdin`"
                ", or run the command in a terminal to be asked"
            )
        return password
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Repeat password: ")
    if first != second:
        raise ValueError("the passwords do not match")
    return first


def _error(command: str, message: object) -> None:
    print(f"qapi {command}: error: {message}", file=sys.stderr)


def _revoke_sessions_command(args: argparse.Namespace) -> int:
    try:
        count = revoke_sessions(args.email, db_path=args.db)
    except KeyError:
        _error("server revoke-sessions", f"no user {args.email}")
        return 2
    except DatabaseError as exc:
        _error("server revoke-sessions", exc)
        return 2
    print(f"Ended {count} session(s) of {args.email}")
    return 0


def _rotate_key_command(args: argparse.Namespace) -> int:
    try:
        kid = rotate_key(db_path=args.db)
    except DatabaseError as exc:
        _error("server rotate-key", exc)
        return 2
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


def _listen_failure(host: str, port: int, exc: OSError) -> str:
    """Why `host:port` could not be listened on, with the likely cause where it is known."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EADDRINUSE:
        reason += " (is the port already in use?)"
    elif exc.errno == errno.EACCES and 0 < port < 1024:
        reason += " (ports below 1024 need privileges)"
    return f"cannot listen on {host} port {port}: {reason}"


def _serve_command(args: argparse.Namespace) -> int:
    try:
        keys = tuple(Path(path).read_text(encoding="utf-8") for path in args.idp_public_key)
    except OSError as exc:
        _error("serve", f"cannot read an IdP key: {exc}")
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
    except (InsecureFileError, DatabaseError) as exc:  # refused or unusable: the user's input
        _error("serve", exc)
        return 2
    except OSError as exc:  # only the listening socket's errors get here
        _error("serve", _listen_failure(args.host, args.port, exc))
        return 1
    except ValueError as exc:  # settings the service refuses (e.g. a key without issuer)
        _error("serve", exc)
        return 2
    return 0


def _add_user_command(args: argparse.Namespace) -> int:
    try:
        password = _read_password(args, sys.stdin)
        secret = add_user(args.email, password, mfa=args.mfa, db_path=args.db)
    except (ValueError, DatabaseError) as exc:
        _error("server add-user", exc)
        return 2
    print(f"User {args.email} added to {args.db or default_db_path()}")
    if secret is not None:
        import pyotp

        uri = pyotp.TOTP(secret).provisioning_uri(name=args.email, issuer_name="qapi local")
        print(f"TOTP secret: {secret}")
        print(f"otpauth URI: {uri}")
    return 0


#: Each command's own exit codes (its `--help` lists them; all within `qapi --help`'s table).
_EXIT_CODES = {
    "serve": (
        "0    the service stopped cleanly (Ctrl-C or SIGTERM)",
        "1    the service could not start (e.g. the port is in use)",
        "2    bad usage or input (unknown option, port outside 0-65535, unreadable key",
        "     file, a --db path where no database can be created or opened)",
    ),
    "server": (
        "0    the command succeeded",
        "2    bad usage or input (no command given, or the command's own exit 2)",
    ),
    "add-user": (
        "0    the user was added (or its password reset)",
        "2    bad usage or input (passwords differ, no password on a piped stdin, an",
        "     e-mail without @, a --db path where no database can be created or opened)",
    ),
    "revoke-sessions": (
        "0    the user's sessions were ended",
        "2    bad usage or input (no such user, a --db path where no database can be",
        "     created or opened)",
    ),
    "rotate-key": (
        "0    a new key was made",
        "2    bad usage or input (a --db path where no database can be created or opened)",
    ),
}


def _help(command: str, *examples: str) -> dict[str, Any]:
    codes = "\n".join(f"  {line}" for line in _EXIT_CODES[command])
    lines = "\n".join(f"  {line}" for line in examples)
    return {
        "formatter_class": argparse.RawDescriptionHelpFormatter,
        "epilog": f"examples:\n{lines}\n\nexit codes:\n{codes}",
    }


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= port <= _MAX_PORT:
        raise argparse.ArgumentTypeError(f"must be 0 to {_MAX_PORT}, got {port}")
    return port


def register_commands(subparsers: Any) -> None:
    """Add `serve` and `server add-user | revoke-sessions | rotate-key` to `qapi`'s
    sub-parsers."""
    _add_serve(subparsers)
    _add_server(subparsers)


def _db_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help=f"SQLite database file (default: {default_db_path()})",
    )


def _add_serve(subparsers: Any) -> None:
    serve_parser = subparsers.add_parser(
        "serve",
        help="run the local reference service",
        description="Run the local reference service in the foreground until Ctrl-C: REST "
        "under /v1/, the calendar under /beta/, the websocket at /v1/, all on one port.",
        **_help(
            "serve",
            "qapi serve                              # http://127.0.0.1:8000/",
            "qapi serve --port 8080 --db /tmp/qapi.db",
            "qapi serve --port 0                     # any free port (printed)",
        ),
    )
    serve_parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve_parser.add_argument(
        "--port",
        type=_port,
        default=8000,
        help="port to listen on, 0 to 65535; 0 picks a free one (default: 8000)",
    )
    _db_option(serve_parser)
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


def _add_server(subparsers: Any) -> None:
    server_parser = subparsers.add_parser(
        "server",
        help="manage the local service (users)",
        description="Manage the local service's database.",
        **_help(
            "server",
            "qapi server add-user you@example.com --db /tmp/qapi.db",
            "qapi server add-user you@example.com --mfa --password-stdin < password.txt",
            "qapi server COMMAND --help             (each command's options and exit codes)",
        ),
    )
    commands = server_parser.add_subparsers(dest="server_command", metavar="COMMAND")

    def server_help(args: argparse.Namespace) -> int:
        server_parser.print_help()
        return 2

    server_parser.set_defaults(handler=server_help)
    _add_add_user(commands)
    _add_revoke_sessions(commands)
    _add_rotate_key(commands)


def _add_add_user(commands: Any) -> None:
    add = commands.add_parser(
        "add-user",
        help="create a user (or reset its password)",
        description="Create a user in the service's database, or reset its password. On a "
        "terminal the password is asked twice; piped in (or with --password-stdin), the "
        "first line of standard input is the password.",
        **_help(
            "add-user",
            "qapi server add-user you@example.com                  # asks twice",
            "qapi server add-user you@example.com --mfa --db /tmp/qapi.db",
            "printf '%s\\n' \"$PASSWORD\" | qapi server add-user you@example.com",
        ),
    )
    add.add_argument("email", help="the user's e-mail (login name)")
    add.add_argument("--mfa", action="store_true", help="enable TOTP; prints the secret")
    _db_option(add)
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input, also when it is a terminal",
    )
    add.set_defaults(handler=_add_user_command)


def _add_revoke_sessions(commands: Any) -> None:
    revoke = commands.add_parser(
        "revoke-sessions",
        help="log a user out everywhere",
        description="End every session of a user (their refresh tokens stop working).",
        **_help("revoke-sessions", "qapi server revoke-sessions you@example.com --db /tmp/qapi.db"),
    )
    revoke.add_argument("email", help="the user's e-mail")
    _db_option(revoke)
    revoke.set_defaults(handler=_revoke_sessions_command)


def _add_rotate_key(commands: Any) -> None:
    rotate = commands.add_parser(
        "rotate-key",
        help="new signing/encryption key; nobody is logged out",
        description="Make a new current signing/encryption key; the previous one stays valid.",
        **_help("rotate-key", "qapi server rotate-key --db /tmp/qapi.db"),
    )
    _db_option(rotate)
    rotate.set_defaults(handler=_rotate_key_command)
