"""The `qapi` command line: log in, run and inspect jobs, machines and the calendar.

Every command is a function `(args, ctx) -> int` returning one of the codes in
`EXIT_CODES`, the one table that `--help` and the README show. Errors go to stderr as
`qapi <command>: error: <message>`, followed by a `hint:` line naming the URL and the
likely fix when there is one (`_hints`); secrets are never printed and no input gives a
traceback. With `--json` a command prints exactly one JSON object on stdout. The prompts
(e-mail, password, MFA code) live here, in the command layer, never in the library.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import json
import math
import os
import sys
import textwrap
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ._version import __version__

if TYPE_CHECKING:
    from ._client import Client
    from ._credentials import CredentialStorage
    from ._results import Job

__all__ = ["EXIT_CODES", "ExitCode", "build_parser", "exit_codes_markdown", "main"]


@dataclass(frozen=True)
class ExitCode:
    """One exit code of `qapi` and when it is used."""

    code: int
    meaning: str


EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_JOB = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED = 130

#: The exit codes, shown by `qapi --help` and in the README (a test keeps them equal).
EXIT_CODES: tuple[ExitCode, ...] = (
    ExitCode(EXIT_OK, "success"),
    ExitCode(EXIT_ERROR, "the service or the network failed (API, connection or I/O error)"),
    ExitCode(
        EXIT_USAGE,
        "bad usage or input: unknown option, bad value, unreadable file, invalid program",
    ),
    ExitCode(EXIT_AUTH, "not logged in, or authentication failed"),
    ExitCode(EXIT_NOT_FOUND, "no such job, machine or profile"),
    ExitCode(EXIT_JOB, "a job failed or was canceled, or a wait timed out"),
    ExitCode(EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
)


def exit_codes_text() -> str:
    """The exit-code table for `--help`."""
    return "exit codes:\n" + "\n".join(f"  {e.code:<4} {e.meaning}" for e in EXIT_CODES)


def exit_codes_markdown() -> str:
    """The exit-code table as the README shows it."""
    rows = [f"| {e.code} | {e.meaning} |" for e in EXIT_CODES]
    return "\n".join(["| code | meaning |", "| --- | --- |", *rows])


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

    def json(self, value: object) -> None:
        """One JSON document, on one line."""
        self.out(json.dumps(value, default=str, ensure_ascii=True))

    @property
    def unicode(self) -> bool:
        """Whether stdout can show the histogram's block characters (not under LC_ALL=C)."""
        encoding = getattr(self.stdout, "encoding", None) or "utf-8"
        try:
            "█▏│…".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            return False
        return True


def _isatty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):
        return False


class UsageError(Exception):
    """Bad input from the command line (exit code 2)."""


class NotFound(Exception):
    """A named thing (profile, machine) that does not exist (exit code 4)."""


# --------------------------------------------------------------------------- the target


@dataclass(frozen=True)
class Target:
    """Which account a command talks to: profile, service URL (and where it came from)."""

    profile: str
    api_url: str
    source: str  # a key of _hints.URL_SOURCES
    user_name: str | None
    user_source: str | None  # "env" or "profile" when not typed
    password: str | None = field(repr=False)

    @property
    def namespace(self) -> str:
        from ._config import credential_namespace

        return credential_namespace(self.api_url, self.profile)


def _target(args: argparse.Namespace, *, creating: bool = False) -> Target:
    """Resolve `--profile` / `$QUANTINUUM_PROFILE` and `--api-url` / env / saved URL."""
    from ._config import (
        DEFAULT_PROFILE,
        ENV_PROFILE,
        Config,
        check_profile_name,
        list_profiles,
        normalise_api_url,
    )
    from ._constants import ENV_API_URL, ENV_EMAIL, ENV_USER_NAME
    from ._urls import DEFAULT_API_URL

    named = args.profile or os.environ.get(ENV_PROFILE) or None
    if named:
        check_profile_name(named)
    default, saved = list_profiles()
    name = named or default
    if named and named not in saved and named != DEFAULT_PROFILE and not creating:
        listed = ", ".join(sorted(saved)) or "none"
        raise NotFound(
            f"no saved profile {named!r} (saved: {listed}); "
            f"create it with `qapi login --profile {named}`"
        )
    config = Config(profile=name) if name not in saved else Config.load(profile=name)
    stored = saved.get(name)
    env_url = os.environ.get(ENV_API_URL)
    if args.api_url:
        url, source = args.api_url, "option"
    elif env_url:
        url, source = env_url, "env"
    elif stored is not None and stored.api_url:
        url, source = stored.api_url, "profile"
    else:
        url, source = DEFAULT_API_URL, "default"
    try:
        url = normalise_api_url(url)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    env_user = os.environ.get(ENV_USER_NAME) or os.environ.get(ENV_EMAIL)
    user = env_user or (stored.user_name if stored is not None else None)
    user_source = "env" if env_user else ("profile" if user else None)
    return Target(name, url, source, user, user_source, config.password or None)


def _storage(target: Target, ctx: Context | None = None) -> CredentialStorage:
    """The persistent token store of `target` (keyring, else the 0600 file store).

    With `ctx`, a fallback to the file store is reported on stderr as one line; the other
    commands use the store quietly, so headless users are told once, at login.
    """
    from ._credentials import default_credential_storage

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        store = default_credential_storage(namespace=target.namespace)
    if ctx is not None:
        for warning in caught:
            ctx.err(f"qapi: warning: {warning.message}")
    return store


def _client(target: Target, ctx: Context, **kw: Any) -> Client:
    from ._client import Client

    def mfa_code() -> str:
        if not ctx.interactive:
            from ._exceptions import MFARequiredError

            raise MFARequiredError("an MFA code is needed: run `qapi login`", operation="Login")
        return input("MFA code: ").strip()

    def credentials() -> tuple[str, str]:
        from ._exceptions import CredentialsRequiredError

        raise CredentialsRequiredError(
            f"not logged in to {target.api_url}{_profile_note(target)}: run `qapi login`",
            operation="Login",
        )

    return Client(
        target.api_url,
        email=target.user_name,
        password=target.password,
        token_store=_storage(target),
        mfa_code=mfa_code,
        credentials_prompt=credentials,
        **kw,
    )


def _profile_note(target: Target) -> str:
    from ._config import DEFAULT_PROFILE

    return "" if target.profile == DEFAULT_PROFILE else f" (profile {target.profile})"


# --------------------------------------------------------------------------- accounts


def cmd_login(args: argparse.Namespace, ctx: Context) -> int:
    from ._client import Client
    from ._config import Config, set_default_profile
    from ._credentials import MemoryCredentialStorage, copy_session

    target = _target(args, creating=True)
    email = args.email or target.user_name
    if args.email:
        remembered = ""
    elif target.user_source == "env":
        remembered = "; e-mail from QUANTINUUM_USER_NAME/QUANTINUUM_EMAIL"
    elif email:
        remembered = "; e-mail remembered from the last login, --email to change"
    else:
        remembered = ""
    if not email:
        if not ctx.interactive:
            raise UsageError("--email is required when stdin is not a terminal")
        ctx.err(f"Logging in to {target.api_url} (profile {target.profile})")
        email = input("E-mail: ").strip()
    else:
        ctx.err(f"Logging in to {target.api_url} as {email} (profile {target.profile}{remembered})")
    if args.password_stdin:
        password = ctx.stdin.readline().rstrip("\r\n")
    elif target.password:
        password = target.password
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

    # Log in into memory first: a failed login leaves the saved session as it was.
    fresh = MemoryCredentialStorage()
    with Client(
        target.api_url, email=email, password=password, token_store=fresh, mfa_code=mfa_code
    ) as c:
        c.login()
    del password
    copy_session(fresh, _storage(target, ctx), user_name=email)
    Config(api_url=target.api_url, user_name=email, profile=target.profile).save()
    if args.make_default:
        set_default_profile(target.profile)
    if args.json:
        ctx.json({"profile": target.profile, "api_url": target.api_url, "email": email})
    else:
        ctx.out(f"Logged in to {target.api_url} as {email} (profile {target.profile}).")
    return EXIT_OK


def cmd_logout(args: argparse.Namespace, ctx: Context) -> int:
    target = _target(args)
    with _client(target, ctx) as c:
        c.logout()  # ends the session on the service where it can, then deletes the tokens
    if args.json:
        ctx.json({"profile": target.profile, "api_url": target.api_url, "logged_out": True})
    else:
        ctx.out(f"Logged out of {target.api_url}{_profile_note(target)}; stored tokens deleted.")
    return EXIT_OK


def _expiry(store: CredentialStorage) -> str | None:
    from ._credentials import jwt_expiry

    expiry = jwt_expiry(store.id_token)
    if expiry is None:
        return None
    return dt.datetime.fromtimestamp(expiry, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def cmd_whoami(args: argparse.Namespace, ctx: Context) -> int:
    target = _target(args)
    store = _storage(target)
    user = store.user_name
    if not user or not store.refresh_token:
        ctx.err(
            f"qapi whoami: not logged in to {target.api_url}{_profile_note(target)} "
            "(run `qapi login`)"
        )
        return EXIT_AUTH
    expiry = _expiry(store)
    if args.json:
        ctx.json(
            {
                "profile": target.profile,
                "api_url": target.api_url,
                "email": user,
                "id_token_valid_until": expiry,
            }
        )
        return EXIT_OK
    ctx.out(f"{user} at {target.api_url}{_profile_note(target)}")
    if expiry is not None:
        ctx.out(f"id token valid until {expiry}")
    return EXIT_OK


def cmd_profiles(args: argparse.Namespace, ctx: Context) -> int:
    from ._config import credential_namespace, list_profiles, remove_profile, set_default_profile
    from ._credentials import default_credential_storage
    from ._render import table

    default, saved = list_profiles()
    if args.set_default:
        if args.set_default not in saved:
            raise NotFound(f"no saved profile {args.set_default!r}")
        set_default_profile(args.set_default)
        default = args.set_default
    if args.remove:
        profile = saved.get(args.remove)
        if profile is None:
            raise NotFound(f"no saved profile {args.remove!r}")
        if profile.api_url:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                default_credential_storage(
                    namespace=credential_namespace(profile.api_url, profile.name)
                ).delete_credential()
        remove_profile(args.remove)
        default, saved = list_profiles()
    rows = []
    for name in sorted(saved):
        p = saved[name]
        logged_in = False
        if p.api_url:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                store = default_credential_storage(
                    namespace=credential_namespace(p.api_url, p.name)
                )
                logged_in = store.refresh_token is not None
        rows.append(
            {
                "name": name,
                "default": name == default,
                "api_url": p.api_url,
                "email": p.user_name,
                "logged_in": logged_in,
            }
        )
    if args.json:
        ctx.json({"default": default, "profiles": rows})
    elif not rows:
        ctx.out("no saved profiles: log in with `qapi login [--profile NAME]`")
    else:
        headers = ["", "profile", "url", "e-mail", "logged in"]
        cells = [
            ["*" if r["default"] else "", r["name"], r["api_url"], r["email"], r["logged_in"]]
            for r in rows
        ]
        ctx.out(table(headers, cells))
    return EXIT_OK


# --------------------------------------------------------------------------- machines


def _opt(value: object) -> object:
    from quantinuum_api_client.types import Unset

    return None if isinstance(value, Unset) else value


def _machine_state(c: Client, name: str) -> dict[str, Any]:
    """`{"name", "state", "queue"}` of one machine (queue: the service's queue length, if it
    reports one)."""
    from quantinuum_api_client.api.machines import get_machine_state

    from ._api import call, json_body
    from ._exceptions import ResponseValidationError

    operation = "get machine state"
    reply = call(get_machine_state.sync_detailed, operation, name, client=c.api)
    data = json_body(reply, operation, dict)
    state = data.get("state")
    if not isinstance(state, str):
        raise ResponseValidationError(
            f"get machine state: {name}: the reply has no 'state'", operation="get machine state"
        )
    queue = data.get("queue-length")  # an extension: absent from the cloud's reply
    return {"name": name, "state": state, "queue": queue if isinstance(queue, int) else None}


def cmd_machines(args: argparse.Namespace, ctx: Context) -> int:
    from ._render import table

    with _client(_target(args), ctx) as c:
        machines = c.machines.list()
        states = {m.name: _machine_state(c, m.name) for m in machines}
    if args.json:
        docs = [{**m.to_dict(), **states[m.name]} for m in machines]
        ctx.json({"machines": docs})
        return EXIT_OK
    rows = [
        [
            m.name,
            _opt(m.system_type),
            _opt(m.n_qubits),
            _opt(m.max_n_shots),
            states[m.name]["state"],
            states[m.name]["queue"],
            _opt(m.emulator),
            _opt(m.syntax_checker),
        ]
        for m in machines
    ]
    headers = ["name", "type", "qubits", "max shots", "state", "queue", "emulator", "checker"]
    ctx.out(table(headers, rows))
    return EXIT_OK


def cmd_status(args: argparse.Namespace, ctx: Context) -> int:
    from ._exceptions import NotFoundError
    from ._render import table

    found: list[dict[str, Any]] = []
    missing: list[str] = []
    with _client(_target(args), ctx) as c:
        for name in dict.fromkeys(args.machines):
            try:
                found.append(_machine_state(c, name))
            except NotFoundError:
                missing.append(name)
    if args.json:
        ctx.json({"machines": found, "unknown": missing})
    elif len(args.machines) == 1 and found:
        ctx.out(found[0]["state"])
    elif found:
        ctx.out(
            table(["name", "state", "queue"], [[m["name"], m["state"], m["queue"]] for m in found])
        )
    for name in missing:
        ctx.err(f"qapi status: error: no machine named {name!r} (see `qapi machines`)")
    return EXIT_NOT_FOUND if missing else EXIT_OK


# --------------------------------------------------------------------------- jobs


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
    target = _target(args)
    with _client(target, ctx) as c:
        job = c.jobs.submit(
            program,
            args.machine,
            args.shots,
            name=args.name or Path(args.file).stem,
            options=options or None,
            max_cost=args.max_cost,
            group=args.group,
            priority=args.priority,
        )
        if not args.wait:
            if args.json:
                ctx.json({"jobs": [job.to_dict()]})
            else:
                ctx.out(job.id)
            return EXIT_OK
        ctx.err(f"submitted {job.id}")
        return _wait_and_report(c, [job], args, ctx)


def cmd_wait(args: argparse.Namespace, ctx: Context) -> int:
    with _client(_target(args), ctx) as c:
        jobs = [c.jobs.get(job_id) for job_id in dict.fromkeys(args.job_ids)]
        return _wait_and_report(c, jobs, args, ctx)


def _wait_and_report(c: Client, jobs: Sequence[Job], args: argparse.Namespace, ctx: Context) -> int:
    from ._progress import JobProgress

    with JobProgress(jobs, ctx.stderr) as progress:
        done = c.jobs.wait_many(
            [j.id for j in jobs], timeout=args.timeout, on_update=progress.update
        )
        for job in done:
            progress.update(job)
    if args.json:
        ctx.json({"jobs": [_job_json(j, args.top) for j in done]})
    else:
        for job in done:
            _print_result(job, ctx, top=args.top)
    return EXIT_OK if all(j.succeeded for j in done) else EXIT_JOB


def _job_json(job: Job, top: int | None) -> dict[str, Any]:
    """The job document; with `--top N`, its per-shot `results` are replaced by `counts`:
    per register, the N most frequent outcomes and their shots, most frequent first."""
    doc = job.to_dict()
    if top is None:
        return doc
    doc.pop("results", None)
    doc["counts"] = {
        register: dict(job.counts(register).most_common(top)) for register in job.registers
    }
    return doc


def _cost_text(job: Job) -> str:
    charged = job.charged_cost
    if charged is None:
        return ""
    if job.done and not job.succeeded:
        return f", charged {charged:g} HQC (quoted {job.cost:g})"
    return f", cost {charged:g} HQC"


def _print_result(job: Job, ctx: Context, *, top: int | None = None) -> None:
    from ._render import histogram

    ctx.out(f"{job.id} {job.status} on {job.machine or '?'}{_cost_text(job)}")
    if job.error is not None:
        ctx.out(f"  error: {job.error.text}")
    for register in job.registers:
        ctx.out(f"register {register}:")
        ctx.out(histogram(job.counts(register), top=top, ascii_only=not ctx.unicode))


def cmd_result(args: argparse.Namespace, ctx: Context) -> int:
    from ._progress import snapshot

    with _client(_target(args), ctx) as c:
        job = c.jobs.get(args.job_id)
    if args.json:
        ctx.json({"jobs": [_job_json(job, args.top)]})
    else:
        _print_result(job, ctx, top=args.top)
    if not job.done:
        ctx.err(
            f"qapi result: job {job.id} is {snapshot(job).describe()}; results are partial "
            f"(`qapi wait {job.id}` to wait for the rest)"
        )
    return EXIT_OK if job.succeeded or not job.done else EXIT_JOB


def _job_statuses() -> list[Any]:
    from quantinuum_api_client.models import JobStatus

    return list(JobStatus)


def cmd_jobs(args: argparse.Namespace, ctx: Context) -> int:
    import itertools

    from ._render import table

    def utc(day: dt.date | None, *, after: bool) -> dt.datetime | None:
        if day is None:
            return None
        start = dt.datetime.combine(day, dt.time(), dt.UTC)
        return start if after else start + dt.timedelta(days=1)

    with _client(_target(args), ctx) as c:
        history = c.jobs.list(
            status=args.status,
            machine=args.machine,
            name=args.name,
            group=args.group,
            submitted_after=utc(args.since, after=True),
            submitted_before=utc(args.until, after=False),
            page_size=min(args.limit, 100),
        )
        jobs = list(itertools.islice(history, args.limit))
    if args.json:
        ctx.json({"jobs": [job.to_dict() for job in jobs]})
        return EXIT_OK
    keys = ["job", "name", "machine", "status", "count", "submit-date", "cost"]
    rows = [[doc.get(key) for key in keys] for doc in (job.to_dict() for job in jobs)]
    headers = ["job", "name", "machine", "status", "shots", "submitted", "cost"]
    ctx.out(table(headers, rows) if rows else "no jobs")
    return EXIT_OK


def cmd_cancel(args: argparse.Namespace, ctx: Context) -> int:
    with _client(_target(args), ctx) as c:
        job = c.jobs.cancel(args.job_id)
    if args.json:
        ctx.json({"jobs": [job.to_dict()]})
    else:
        ctx.out(f"{job.id} {job.status}")
    return EXIT_OK


def cmd_cost(args: argparse.Namespace, ctx: Context) -> int:
    program = _read_program(args.file)
    with _client(_target(args), ctx) as c:
        cost = c.cost(program, args.machine, args.shots, timeout=args.timeout)
    if args.json:
        ctx.json({"machine": args.machine, "shots": args.shots, "cost": cost})
    else:
        ctx.out(f"{cost:g} HQC")
    return EXIT_OK


# --------------------------------------------------------------------------- calendar


def cmd_calendar(args: argparse.Namespace, ctx: Context) -> int:
    from ._render import calendar_chart

    start: dt.date = args.start or dt.datetime.now(dt.UTC).date()
    end: dt.date = args.end or start + dt.timedelta(days=6)
    if end < start:
        raise UsageError("--end is before --start")
    with _client(_target(args), ctx) as c:
        if args.machine:
            known = {m.name for m in c.machines.list()}
            if args.machine not in known:
                raise NotFound(f"no machine named {args.machine!r} (see `qapi machines`)")
        events = [e.to_dict() for e in c.calendar(start, end)]
    if args.machine:
        events = [e for e in events if e.get("machine") == args.machine]
    if args.plot:
        from ._render import calendar_png

        try:
            calendar_png(events, start, end, args.plot)
        except ImportError as exc:
            raise UsageError(str(exc)) from None
        ctx.err(f"calendar plot written to {args.plot}")
    if args.json:
        ctx.json({"start": start.isoformat(), "end": end.isoformat(), "events": events})
    else:
        hours = 1 if (end - start).days < 3 else 3
        ctx.out(
            calendar_chart(events, start, end, hours_per_cell=hours, ascii_only=not ctx.unicode)
        )
    return EXIT_OK


# --------------------------------------------------------------------------- completion


def cmd_completion(args: argparse.Namespace, ctx: Context) -> int:
    from ._completion import script

    ctx.out(script(build_parser(), args.shell))
    return EXIT_OK


# --------------------------------------------------------------------------- parser

Handler = Callable[[argparse.Namespace, Context], int]


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, got {value}")
    return number


def _cost(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of HQC: {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more HQC, got {value}")
    return number


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' and exit codes' line breaks; shows defaults where set."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (
            "%(default)" not in text
            and action.default not in (None, False, argparse.SUPPRESS)
            and action.option_strings
        ):
            text += " (default: %(default)s)"
        return text


def _global_options(p: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options every command takes, before or after its name (`qapi --json machines` and
    `qapi machines --json` are the same)."""
    default: Any = argparse.SUPPRESS if suppress else None
    group = p.add_argument_group("global options")
    group.add_argument(
        "--api-url",
        metavar="URL",
        default=default,
        help="service URL, e.g. http://127.0.0.1:8000/ (env QUANTINUUM_API_URL; default: the "
        "profile's saved URL, else https://qapi.quantinuum.com/)",
    )
    group.add_argument(
        "--profile",
        metavar="NAME",
        default=default,
        help="the saved account to use (env QUANTINUUM_PROFILE; default: the default "
        "profile, see `qapi profiles`)",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print one JSON object on stdout instead of text",
    )


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines) + "\n\n" + exit_codes_text()


def build_parser(*, plugins: bool = True) -> argparse.ArgumentParser:
    """The `qapi` parser; `plugins=False` leaves out the commands other packages add
    (importing the local service costs a noticeable part of a second)."""
    parser = argparse.ArgumentParser(
        prog="qapi",
        description="The Quantinuum API from the command line (and the local reference\n"
        "service, with the server extra).",
        formatter_class=_Formatter,
        epilog=_examples(
            "qapi login --api-url http://127.0.0.1:8000/ --email you@example.com",
            "qapi submit bell.qasm --machine H1-1E --shots 100 --wait",
            "qapi result JOB_ID --json | jq .jobs[0].results",
            "qapi COMMAND --help            (each command's options and examples)",
        ),
    )
    parser.add_argument("--version", action="version", version=f"qapi {__version__}")
    _global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Handler, help: str, *examples: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help,
            description=textwrap.fill(help[0].upper() + help[1:] + ".", 79),
            formatter_class=_Formatter,
            epilog=_examples(*examples) if examples else exit_codes_text(),
        )
        _global_options(p, suppress=True)
        p.set_defaults(run=handler)
        return p

    p = command(
        "login",
        cmd_login,
        "log in and keep the tokens (system keyring, else a 0600 file)",
        "qapi login --api-url http://127.0.0.1:8000/ --email you@example.com",
        "qapi login --profile work --email you@work.example --default",
        'echo "$PASSWORD" | qapi login --email you@example.com --password-stdin',
    )
    p.add_argument(
        "--email",
        help="the account's e-mail (default: the profile's remembered e-mail, which login "
        "names before asking for the password; else asked for)",
    )
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.add_argument("--mfa-code", metavar="CODE", help="the current MFA code (else asked for)")
    p.add_argument(
        "--default",
        dest="make_default",
        action="store_true",
        help="make this profile the default one",
    )
    command(
        "logout", cmd_logout, "delete the profile's stored tokens", "qapi logout --profile work"
    )
    command(
        "whoami", cmd_whoami, "show the account, URL and token expiry of a profile", "qapi whoami"
    )
    p = command(
        "profiles",
        cmd_profiles,
        "list the saved accounts (the default one is marked *)",
        "qapi profiles",
        "qapi profiles --set-default work",
        "qapi profiles --remove old",
    )
    p.add_argument("--set-default", metavar="NAME", help="make profile NAME the default")
    p.add_argument("--remove", metavar="NAME", help="forget profile NAME and its tokens")

    command(
        "machines",
        cmd_machines,
        "list the machines with their state (and queue length, where the service reports it)",
        "qapi machines",
        "qapi machines --json",
    )
    p = command(
        "status",
        cmd_status,
        "show the state of one or more machines",
        "qapi status H1-1E",
        "qapi status H1-1 H2-1 --json",
    )
    p.add_argument("machines", nargs="+", metavar="MACHINE", help="machine names")

    p = command(
        "submit",
        cmd_submit,
        "submit an OpenQASM 2.0 program (prints the job id)",
        "qapi submit bell.qasm --machine H1-1E --shots 100",
        "qapi submit bell.qasm --machine H1-1E --shots 100 --no-noise --wait --top 4",
        "qapi submit bell.qasm --machine H1-1 --shots 500 --max-cost 20 --name bell-run",
    )
    p.add_argument("file", metavar="FILE", help="the .qasm file")
    p.add_argument(
        "--machine", required=True, help="machine to run on, e.g. H1-1E (see `qapi machines`)"
    )
    p.add_argument("--shots", type=_positive_int, required=True, help="number of shots (>= 1)")
    p.add_argument("--name", help="job name (default: the file name without .qasm)")
    p.add_argument("--group", help="job group name")
    p.add_argument("--priority", choices=["low", "normal", "high"], help="job priority")
    p.add_argument(
        "--max-cost",
        type=_cost,
        metavar="HQC",
        help="fail the job instead of running it if it would cost more than this",
    )
    p.add_argument(
        "--noise",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="emulator noise model on/off (options.error-model; default: the service's)",
    )
    p.add_argument("--wait", action="store_true", help="wait, showing progress, then print results")
    _wait_options(p)

    p = command(
        "wait",
        cmd_wait,
        "wait for jobs, showing state, shots, queue position and elapsed time live",
        "qapi wait JOB_ID",
        "qapi wait JOB_ID JOB_ID --timeout 600 --json",
    )
    p.add_argument("job_ids", nargs="+", metavar="JOB_ID", help="the jobs to wait for")
    _wait_options(p)

    p = command(
        "result",
        cmd_result,
        "show a job's results as a histogram per register",
        "qapi result JOB_ID",
        "qapi result JOB_ID --top 5",
        "qapi result JOB_ID --json",
        "qapi result JOB_ID --top 5 --json      (counts of the 5 most frequent outcomes)",
    )
    p.add_argument("job_id", metavar="JOB_ID", help="the job (as printed by `qapi submit`)")
    _top_option(p)

    p = command(
        "jobs",
        cmd_jobs,
        "list your jobs, newest first (job history: a local-service extension)",
        "qapi jobs",
        "qapi jobs --status completed --machine H1-1E --limit 5",
        "qapi jobs --group experiment-7 --since 2026-11-01 --json",
    )
    p.add_argument(
        "--status",
        choices=[status.value for status in _job_statuses()],
        help="only jobs in this state",
    )
    p.add_argument("--machine", help="only jobs on this machine")
    p.add_argument("--name", help="only jobs with exactly this name")
    p.add_argument("--group", help="only jobs of this group")
    p.add_argument("--since", type=_date, help="submitted on or after this day (YYYY-MM-DD, UTC)")
    p.add_argument("--until", type=_date, help="submitted on or before this day (YYYY-MM-DD, UTC)")
    p.add_argument(
        "--limit", type=_positive_int, default=20, help="show at most N jobs (default 20)"
    )

    p = command("cancel", cmd_cancel, "cancel a job", "qapi cancel JOB_ID")
    p.add_argument("job_id", metavar="JOB_ID", help="the job to cancel")

    p = command(
        "cost",
        cmd_cost,
        "price a program in HQC on the machine's syntax checker (runs nothing)",
        "qapi cost bell.qasm --machine H1-1 --shots 100",
    )
    p.add_argument("file", metavar="FILE", help="the .qasm file")
    p.add_argument("--machine", required=True, help="machine to price for, e.g. H1-1")
    p.add_argument("--shots", type=_positive_int, required=True, help="number of shots (>= 1)")
    p.add_argument("--timeout", type=_seconds, metavar="SECONDS", help="give up after this long")

    p = command(
        "calendar",
        cmd_calendar,
        "show the reservation calendar (UTC)",
        "qapi calendar",
        "qapi calendar --machine H1-1 --start 2026-11-25 --end 2026-11-27",
        "qapi calendar --start 2026-11-25 --end 2026-11-27 --plot calendar.png",
    )
    p.add_argument("--machine", help="only this machine")
    p.add_argument(
        "--start", type=_date, metavar="YYYY-MM-DD", help="first day (default: today, UTC)"
    )
    p.add_argument(
        "--end", type=_date, metavar="YYYY-MM-DD", help="last day (default: start + 6 days)"
    )
    p.add_argument("--plot", metavar="PNG", help="also draw it to a PNG file (plot extra)")

    p = command(
        "completion",
        cmd_completion,
        "print a shell completion script",
        "qapi completion bash > ~/.local/share/bash-completion/completions/qapi",
        'qapi completion zsh > "${fpath[1]}/_qapi"',
        "qapi completion fish > ~/.config/fish/completions/qapi.fish",
    )
    p.add_argument("shell", choices=["bash", "zsh", "fish"], help="the shell to complete for")

    if plugins:
        _server_commands(sub)
    return parser


def _top_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--top",
        type=_positive_int,
        metavar="N",
        help="show only the N most frequent outcomes; with --json, each job has `counts` "
        "(per register, the N most frequent outcomes and their shots, most frequent first) "
        "instead of the per-shot `results`",
    )


def _wait_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--timeout", type=_seconds, metavar="SECONDS", help="give up waiting after this long"
    )
    _top_option(p)


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
                    f"qapi {args.command}: error: the local service needs the server extra: "
                    "pip install 'quantinuum-api[server]'"
                )
                return EXIT_USAGE

            for name in ("serve", "server"):
                p = sub.add_parser(
                    name, help="(needs the server extra)", add_help=False, prefix_chars="\0"
                )
                p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
                p.set_defaults(run=missing)
            continue
        register(sub)


#: The service's 400 codes about the program the user gave: a body too large (11), an
#: invalid program (40) or one beyond a limit of the machine (41). Not code 10, which
#: also means a request that does not fit the job's state (e.g. canceling a done job).
_BAD_INPUT_CODES = frozenset({11, 40, 41})


def _exit_code(exc: BaseException) -> int:
    from ._exceptions import (
        AuthenticationError,
        BadRequestError,
        JobFailedError,
        NotFoundError,
        TimeoutError,
    )

    if isinstance(exc, AuthenticationError):
        return EXIT_AUTH
    if isinstance(exc, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(exc, NotFoundError | BadRequestError) and exc.error_code in (30, 31):
        return EXIT_NOT_FOUND  # the service's "job not found" / "machine not found"
    if isinstance(exc, NotFoundError) and exc.response is None:
        return EXIT_NOT_FOUND  # the SDK looked and found nothing (e.g. machines.get)
    if isinstance(exc, BadRequestError) and exc.error_code in _BAD_INPUT_CODES:
        return EXIT_USAGE  # the service refused what the user gave it
    if isinstance(exc, JobFailedError | TimeoutError):
        return EXIT_JOB
    if isinstance(exc, UsageError | ValueError | ImportError):
        return EXIT_USAGE
    return EXIT_ERROR


def _report(exc: BaseException, args: argparse.Namespace, ctx: Context) -> int:
    from ._hints import hint

    name = f"qapi {args.command}" if getattr(args, "command", None) else "qapi"
    message = str(exc) or type(exc).__name__
    ctx.err(f"{name}: error: {message}")
    try:
        target = _target(args)
    except Exception:  # the target itself was the problem: no hint
        target = None
    if target is not None:
        text = hint(exc, target.api_url, target.source)
        if text:
            ctx.err(f"{name}: hint: {text}")
    return _exit_code(exc)


def _plugin(args: argparse.Namespace, ctx: Context) -> int:
    """Run a plugged-in command (`handler(args)`), keeping its exit codes within the table."""
    try:
        return int(args.handler(args))
    except SystemExit as exc:  # e.g. uvicorn's sys.exit(3) when the port is taken
        code = exc.code if isinstance(exc.code, int) else EXIT_ERROR
        if code in (EXIT_OK, EXIT_USAGE):
            return code
        port = getattr(args, "port", None)
        where = f" (is port {port} already in use?)" if port is not None else ""
        ctx.err(f"qapi {args.command}: error: the command stopped with status {code}{where}")
        return EXIT_ERROR
    except KeyboardInterrupt:  # e.g. Ctrl-C at add-user's password prompt
        ctx.err(f"qapi {args.command}: interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug, not the user's input: one line, never a traceback
        ctx.err(
            f"qapi {args.command}: error: unexpected {type(exc).__name__}: {exc} "
            "(please report this)"
        )
        return EXIT_ERROR


CORE_COMMANDS = frozenset(
    {"login", "logout", "whoami", "profiles", "machines", "status", "submit", "wait"}
    | {"result", "jobs", "cancel", "cost", "calendar"}
)


def _needs_plugins(argv: Sequence[str]) -> bool:
    """Whether `argv` may need a plugged-in command: yes unless it names a core command
    (the top-level help and `completion` list every command)."""
    words = iter(argv)
    for word in words:
        if word in ("--api-url", "--profile"):
            next(words, None)
        elif not word.startswith("-"):
            return word not in CORE_COMMANDS
    return True


def main(argv: Sequence[str] | None = None, ctx: Context | None = None) -> int:
    """Run `qapi` with `argv` (default: the process arguments); returns the exit code."""
    from ._exceptions import QuantinuumAPIError

    ctx = ctx or Context()
    parser = build_parser(plugins=_needs_plugins(sys.argv[1:] if argv is None else argv))
    try:
        with contextlib.redirect_stdout(ctx.stdout), contextlib.redirect_stderr(ctx.stderr):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if getattr(args, "handler", None) is not None:  # the server's commands: handler(args)
        return _plugin(args, ctx)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(ctx.stdout)
        return EXIT_USAGE
    try:
        return int(run(args, ctx))
    except BrokenPipeError:  # e.g. `qapi completion bash | head`: the reader left
        return EXIT_ERROR
    except (QuantinuumAPIError, UsageError, NotFound, ValueError, OSError, ImportError) as exc:
        return _report(exc, args, ctx)
    except KeyboardInterrupt:
        ctx.err(f"qapi {args.command}: interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug, not the user's input: one line, never a traceback
        ctx.err(
            f"qapi {args.command}: error: unexpected {type(exc).__name__}: {exc} "
            "(please report this)"
        )
        return EXIT_ERROR
