"""The `qapi` command line: log in, run and inspect jobs, machines and the calendar.

Every command is a function `(args, ctx) -> int` returning the exit code:

    0  success                      3  not logged in / authentication failed
    1  any other API or I/O error   4  no such job or machine
    2  bad usage or input           5  the job failed, was canceled or timed out waiting

Errors go to stderr as one line, `qapi <command>: error: <message>`; secrets are never
printed. The prompts (e-mail, password, MFA code) live here, in the command layer, never
in the library.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import os
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._version import __version__

if TYPE_CHECKING:
    from ._client import Client
    from ._results import Job

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_JOB = 0, 1, 2, 3, 4, 5


@dataclass
class Context:
    """The streams and environment a command runs with (swappable in tests)."""

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    interactive: bool = field(default_factory=lambda: _isatty(sys.stdin))

    def out(self, text: str = "") -> None:
        print(text, file=self.stdout, flush=True)

    def err(self, text: str) -> None:
        print(text, file=self.stderr, flush=True)


def _isatty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):
        return False


class UsageError(Exception):
    """Bad input from the command line (exit code 2)."""


# --------------------------------------------------------------------------- clients


def _storage(api_url: str, ctx: Context | None = None) -> Any:
    """The persistent token store for `api_url` (keyring, else the 0600 file store).

    With `ctx`, a fallback to the file store is reported on stderr as one line; the other
    commands use the store quietly, so headless users are told once, at login.
    """
    from ._credentials import default_credential_storage

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        store = default_credential_storage(namespace=api_url)
    if ctx is not None:
        for warning in caught:
            ctx.err(f"qapi: warning: {warning.message}")
    return store


def _api_url(args: argparse.Namespace) -> str:
    from ._config import Config
    from ._urls import DEFAULT_API_URL

    url: str | None = args.api_url or Config.load().api_url
    return url or DEFAULT_API_URL


def _client(args: argparse.Namespace, ctx: Context, **kw: Any) -> Client:
    from ._client import Client
    from ._config import Config

    api_url = _api_url(args)
    config = Config.load()

    def mfa_code() -> str:
        if not ctx.interactive:
            from ._exceptions import MFARequiredError

            raise MFARequiredError("an MFA code is needed: run `qapi login`", operation="Login")
        return input("MFA code: ").strip()

    def credentials() -> tuple[str, str]:
        from ._exceptions import CredentialsRequiredError

        raise CredentialsRequiredError("not logged in: run `qapi login`", operation="Login")

    return Client(
        api_url,
        email=config.user_name,
        password=config.password,
        token_store=_storage(api_url),
        mfa_code=mfa_code,
        credentials_prompt=credentials,
        **kw,
    )


# --------------------------------------------------------------------------- commands


def cmd_login(args: argparse.Namespace, ctx: Context) -> int:
    from ._client import Client
    from ._config import Config

    api_url = _api_url(args)
    config = Config.load()
    email = args.email or config.user_name
    if not email:
        if not ctx.interactive:
            raise UsageError("--email is required when stdin is not a terminal")
        email = input("E-mail: ").strip()
    if args.password_stdin:
        password = ctx.stdin.readline().rstrip("\r\n")
    elif config.password:
        password = config.password
    elif ctx.interactive:
        password = getpass.getpass("Password: ")
    else:
        raise UsageError("no password: use --password-stdin or a terminal")
    if not email or not password:
        raise UsageError("e-mail and password are required")
    mfa_given: str | None = args.mfa_code

    def mfa_code() -> str:
        if mfa_given:
            return mfa_given
        if not ctx.interactive:
            from ._exceptions import MFARequiredError

            raise MFARequiredError(
                "this account needs an MFA code: pass --mfa-code", operation="Login"
            )
        return input("MFA code: ").strip()

    store = _storage(api_url, ctx)
    store.delete_credential()
    with Client(api_url, email=email, password=password, token_store=store, mfa_code=mfa_code) as c:
        c.login()
    del password
    Config(api_url=api_url, user_name=email).save()
    ctx.out(f"Logged in to {api_url} as {email}.")
    return EXIT_OK


def cmd_logout(args: argparse.Namespace, ctx: Context) -> int:
    api_url = _api_url(args)
    _storage(api_url).delete_credential()
    ctx.out(f"Logged out of {api_url}; stored tokens deleted.")
    return EXIT_OK


def cmd_whoami(args: argparse.Namespace, ctx: Context) -> int:
    from ._credentials import jwt_expiry

    api_url = _api_url(args)
    store = _storage(api_url)
    user = store.user_name
    refresh = store.refresh_token
    if not user or not refresh:
        ctx.err(f"qapi whoami: not logged in to {api_url} (run `qapi login`)")
        return EXIT_AUTH
    ctx.out(f"{user} at {api_url}")
    expiry = jwt_expiry(store.id_token)
    if expiry is not None:
        when = dt.datetime.fromtimestamp(expiry, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        ctx.out(f"id token valid until {when}")
    return EXIT_OK


def cmd_machines(args: argparse.Namespace, ctx: Context) -> int:
    from ._render import table

    with _client(args, ctx) as c:
        machines = c.machines.list()
    if args.json:
        ctx.out(json.dumps([m.to_dict() for m in machines], indent=2))
        return EXIT_OK
    rows = [
        [
            m.name,
            _opt(m.system_type),
            _opt(m.n_qubits),
            _opt(m.max_n_shots),
            _opt(m.emulator),
            _opt(m.syntax_checker),
        ]
        for m in machines
    ]
    ctx.out(table(["name", "type", "qubits", "max shots", "emulator", "syntax checker"], rows))
    return EXIT_OK


def _opt(value: object) -> object:
    from quantinuum_api_client.types import Unset

    return None if isinstance(value, Unset) else value


def cmd_status(args: argparse.Namespace, ctx: Context) -> int:
    with _client(args, ctx) as c:
        ctx.out(c.machines.state(args.machine))
    return EXIT_OK


def _read_program(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read program {path}: {exc}") from None


def cmd_submit(args: argparse.Namespace, ctx: Context) -> int:
    program = _read_program(args.file)
    options: dict[str, Any] = {}
    if args.noise is not None:
        options["error-model"] = args.noise
    with _client(args, ctx) as c:
        job = c.jobs.submit(
            program,
            args.machine,
            args.shots,
            name=args.name or Path(args.file).stem,
            options=options or None,
            max_cost=args.max_cost,
        )
        if not args.wait:
            ctx.out(job.to_dict()["job"] if not args.json else json.dumps(job.to_dict()))
            return EXIT_OK
        ctx.err(f"submitted {job.id}")
        return _wait_and_report(c, [job.id], args, ctx)


def cmd_wait(args: argparse.Namespace, ctx: Context) -> int:
    with _client(args, ctx) as c:
        return _wait_and_report(c, args.job_ids, args, ctx)


class Progress:
    """Live job states: one redrawn line per job on a terminal, else a line per change."""

    def __init__(self, ids: Sequence[str], stream: TextIO) -> None:
        self.ids = list(ids)
        self.states: dict[str, str] = dict.fromkeys(self.ids, "submitted")
        self.stream = stream
        self.live = _isatty(stream)
        self.lock = threading.Lock()
        self.drawn = 0

    def update(self, job: Job) -> None:
        with self.lock:
            if job.id not in self.states or self.states[job.id] == job.status:
                return
            self.states[job.id] = job.status
            if self.live:
                self._redraw()
            else:
                print(f"{job.id} {job.status}", file=self.stream, flush=True)

    def _redraw(self) -> None:
        up = f"\x1b[{self.drawn}F" if self.drawn else ""
        done = sum(1 for s in self.states.values() if _final(s))
        lines = [f"{i}  {self.states[i]}" for i in self.ids[-20:]]
        lines.append(f"{done}/{len(self.ids)} done")
        self.stream.write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
        self.stream.flush()
        self.drawn = len(lines)


def _final(status: str) -> bool:
    from ._results import is_final

    return is_final(status)


def _wait_and_report(c: Client, ids: Sequence[str], args: argparse.Namespace, ctx: Context) -> int:
    progress = Progress(ids, ctx.stderr)
    jobs = c.jobs.wait_many(ids, timeout=args.timeout, on_update=progress.update)
    for job in jobs:
        progress.update(job)
    if args.json:
        ctx.out(json.dumps([j.to_dict() for j in jobs], indent=2, default=str))
    else:
        for job in jobs:
            _print_result(job, ctx, top=args.top)
    return EXIT_OK if all(j.succeeded for j in jobs) else EXIT_JOB


def _print_result(job: Job, ctx: Context, *, top: int | None = None) -> None:
    from ._render import histogram

    cost = f", cost {job.cost:g} HQC" if job.cost is not None else ""
    ctx.out(f"{job.id} {job.status} on {job.machine or '?'}{cost}")
    if job.error is not None:
        ctx.out(f"  error: {job.error.text}")
    for register in job.registers:
        ctx.out(f"register {register}:")
        ctx.out(histogram(job.counts(register), top=top))


def cmd_result(args: argparse.Namespace, ctx: Context) -> int:
    with _client(args, ctx) as c:
        job = c.jobs.get(args.job_id)
    if args.json:
        ctx.out(json.dumps(job.to_dict(), indent=2, default=str))
    else:
        _print_result(job, ctx, top=args.top)
    if not job.done:
        ctx.err(f"qapi result: job {job.id} is {job.status}; results may be partial")
    return EXIT_OK if job.succeeded or not job.done else EXIT_JOB


def cmd_cancel(args: argparse.Namespace, ctx: Context) -> int:
    with _client(args, ctx) as c:
        job = c.jobs.cancel(args.job_id)
    ctx.out(f"{job.id} {job.status}")
    return EXIT_OK


def cmd_cost(args: argparse.Namespace, ctx: Context) -> int:
    program = _read_program(args.file)
    with _client(args, ctx) as c:
        cost = c.cost(program, args.machine, args.shots)
    ctx.out(f"{cost:g} HQC")
    return EXIT_OK


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def cmd_calendar(args: argparse.Namespace, ctx: Context) -> int:
    from ._render import calendar_chart

    start: dt.date = args.start or dt.datetime.now(dt.UTC).date()
    end: dt.date = args.end or start + dt.timedelta(days=6)
    if end < start:
        raise UsageError("--end is before --start")
    with _client(args, ctx) as c:
        events = [e.to_dict() for e in c.calendar(start, end)]
    if args.machine:
        events = [e for e in events if e.get("machine") == args.machine]
    if args.json:
        ctx.out(json.dumps(events, indent=2))
    else:
        hours = 1 if (end - start).days < 3 else 3
        ctx.out(calendar_chart(events, start, end, hours_per_cell=hours))
    if args.plot:
        _plot_calendar(events, start, args.plot)
        ctx.err(f"calendar plot written to {args.plot}")
    return EXIT_OK


def _plot_calendar(events: list[dict[str, Any]], start: dt.date, path: str) -> None:
    """A bar chart of the events: one row per machine, x in days since `start` (UTC)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError("--plot needs matplotlib: pip install 'quantinuum-api[plot]'") from None
    from ._render import parse_event_time

    origin = dt.datetime.combine(start, dt.time(), dt.UTC)
    colours = {"online": "tab:green", "reserved": "tab:orange", "maintenance": "tab:red"}
    machines = sorted({str(e.get("machine")) for e in events})
    fig, ax = plt.subplots(figsize=(10, 1 + 0.5 * len(machines)))
    for event in events:
        begin = (parse_event_time(event["start-date"]) - origin).total_seconds() / 86400
        end = (parse_event_time(event["end-date"]) - origin).total_seconds() / 86400
        row = machines.index(str(event.get("machine")))
        colour = colours.get(str(event.get("event-type")), "tab:gray")
        ax.broken_barh([(begin, end - begin)], (row - 0.4, 0.8), color=colour)
    ax.set_yticks(range(len(machines)), machines)
    ax.set_xlabel(f"days since {start.isoformat()} 00:00 UTC")
    ax.set_title("Reservation calendar")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# --------------------------------------------------------------------------- parser

Handler = Callable[[argparse.Namespace, Context], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qapi",
        description="Quantinuum API from the command line (and the local reference service).",
    )
    parser.add_argument("--version", action="version", version=f"qapi {__version__}")
    parser.add_argument(
        "--api-url",
        default=os.environ.get("QUANTINUUM_API_URL"),
        help="service URL, e.g. http://127.0.0.1:8000/ (env QUANTINUUM_API_URL; "
        "default: the URL saved by `qapi login`, else the Quantinuum cloud)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(run=handler)
        return p

    p = command("login", cmd_login, "log in and store the tokens (keyring, else a 0600 file)")
    p.add_argument("--email")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.add_argument("--mfa-code", help="the current MFA code (asked for when needed otherwise)")
    command("logout", cmd_logout, "delete the stored tokens")
    command("whoami", cmd_whoami, "show who is logged in where")

    p = command("machines", cmd_machines, "list machines")
    p.add_argument("--json", action="store_true")
    p = command("status", cmd_status, "show a machine's state")
    p.add_argument("machine")

    p = command("submit", cmd_submit, "submit an OpenQASM 2.0 program")
    p.add_argument("file", help="the .qasm file")
    p.add_argument("--machine", required=True)
    p.add_argument("--shots", type=int, required=True)
    p.add_argument("--name")
    p.add_argument("--max-cost", type=float)
    p.add_argument(
        "--noise",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="emulator noise model (options.error-model); default: the service's",
    )
    p.add_argument("--wait", action="store_true", help="wait and print the results")
    _wait_options(p)

    p = command("wait", cmd_wait, "wait for jobs, showing their states live")
    p.add_argument("job_ids", nargs="+", metavar="JOB_ID")
    _wait_options(p)

    p = command("result", cmd_result, "show a job's results as a histogram")
    p.add_argument("job_id", metavar="JOB_ID")
    p.add_argument("--json", action="store_true")
    p.add_argument("--top", type=int, help="show only the N most frequent outcomes")

    p = command("cancel", cmd_cancel, "cancel a job")
    p.add_argument("job_id", metavar="JOB_ID")

    p = command("cost", cmd_cost, "price a program in HQC on the machine's syntax checker")
    p.add_argument("file")
    p.add_argument("--machine", required=True)
    p.add_argument("--shots", type=int, required=True)

    p = command("calendar", cmd_calendar, "show the reservation calendar")
    p.add_argument("--machine")
    p.add_argument("--start", type=_date, help="YYYY-MM-DD (default today, UTC)")
    p.add_argument("--end", type=_date, help="YYYY-MM-DD (default start + 6 days)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--plot", metavar="PNG", help="also draw it with matplotlib")

    _server_commands(sub)
    return parser


def _wait_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=float, help="give up after this many seconds")
    p.add_argument("--json", action="store_true")
    p.add_argument("--top", type=int, help="show only the N most frequent outcomes")


def _server_commands(sub: Any) -> None:
    """Commands other packages plug in (entry point group `quantinuum_api.cli`): the local
    service's `serve` and `server`. The SDK names no such package, so it never imports one
    unless its commands are used."""
    from importlib.metadata import entry_points

    for plugin in entry_points(group="quantinuum_api.cli"):
        try:
            register = plugin.load()
        except ImportError:  # the plugin's extra is not installed

            def missing(args: argparse.Namespace, ctx: Context) -> int:
                ctx.err(
                    "qapi: the local service needs the server extra: "
                    "pip install 'quantinuum-api[server]'"
                )
                return EXIT_USAGE

            for name in ("serve", "server"):
                sub.add_parser(name, help="(needs the server extra)").set_defaults(run=missing)
            continue
        register(sub)


def _exit_code(exc: BaseException) -> int:
    from ._exceptions import (
        AuthenticationError,
        JobFailedError,
        NotFoundError,
        TimeoutError,
    )

    if isinstance(exc, AuthenticationError):
        return EXIT_AUTH
    if isinstance(exc, NotFoundError):
        return EXIT_NOT_FOUND
    if isinstance(exc, JobFailedError | TimeoutError):
        return EXIT_JOB
    if isinstance(exc, UsageError | ValueError):
        return EXIT_USAGE
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None, ctx: Context | None = None) -> int:
    """Run `qapi` with `argv` (default: the process arguments); returns the exit code."""
    from ._exceptions import QuantinuumAPIError

    ctx = ctx or Context()
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "handler", None) is not None:  # the server's commands: handler(args)
        return int(args.handler(args))
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(ctx.stdout)
        return EXIT_USAGE
    try:
        return int(run(args, ctx))
    except (QuantinuumAPIError, UsageError, ValueError, OSError) as exc:
        ctx.err(f"qapi {args.command}: error: {exc}")
        return _exit_code(exc)
    except KeyboardInterrupt:
        ctx.err(f"qapi {args.command}: interrupted")
        return 130
