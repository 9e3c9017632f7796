"""Accounts: `qapi login`, `logout`, `whoami` and `profiles`.

The prompts (e-mail, password, MFA code) live here, in the command layer, never in the
library; without a terminal a missing answer is a usage error naming the option to use.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import warnings
from typing import TYPE_CHECKING, Any

from ._args import AddCommand
from ._output import EXIT_AUTH, EXIT_OK, Context, NotFound, UsageError
from ._target import Target, open_client, profile_note, resolve_target, storage

if TYPE_CHECKING:
    from .._credentials import CredentialStorage

__all__ = ["add_commands", "cmd_login", "cmd_logout", "cmd_profiles", "cmd_whoami"]


def add_commands(command: AddCommand) -> None:
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


def cmd_login(args: argparse.Namespace, ctx: Context) -> int:
    from .._client import Client
    from .._config import Config, set_default_profile
    from .._credentials import MemoryCredentialStorage, copy_session

    target = resolve_target(args, creating=True)
    email = _login_email(args, target, ctx)
    password = _login_password(args, target, ctx)
    if not email or not password:
        raise UsageError("e-mail and password are required")
    mfa_given: str | None = args.mfa_code

    def mfa_code() -> str:
        if mfa_given:
            return mfa_given
        if not ctx.interactive:
            from .._exceptions import MFARequiredError

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
    copy_session(fresh, storage(target, ctx), user_name=email)
    Config(api_url=target.api_url, user_name=email, profile=target.profile).save()
    if args.make_default:
        set_default_profile(target.profile)
    if args.json:
        ctx.json({"profile": target.profile, "api_url": target.api_url, "email": email})
    else:
        ctx.out(f"Logged in to {target.api_url} as {email} (profile {target.profile}).")
    return EXIT_OK


def _login_email(args: argparse.Namespace, target: Target, ctx: Context) -> str:
    """`--email`, else the remembered one (said on stderr), else asked on a terminal."""
    email: str | None = args.email or target.user_name
    if args.email:
        remembered = ""
    elif target.user_source == "env":
        remembered = "; e-mail from QUANTINUUM_USER_NAME/QUANTINUUM_EMAIL"
    elif email:
        remembered = "; e-mail remembered from the last login, --email to change"
    else:
        remembered = ""
    if email:
        ctx.err(f"Logging in to {target.api_url} as {email} (profile {target.profile}{remembered})")
        return email
    if not ctx.interactive:
        raise UsageError("--email is required when stdin is not a terminal")
    ctx.err(f"Logging in to {target.api_url} (profile {target.profile})")
    return input("E-mail: ").strip()


def _login_password(args: argparse.Namespace, target: Target, ctx: Context) -> str:
    """One line of stdin with `--password-stdin`, else $QUANTINUUM_PASSWORD, else asked."""
    if args.password_stdin:
        return ctx.stdin.readline().rstrip("\r\n")
    if target.password:
        return target.password
    if ctx.interactive:
        return getpass.getpass("Password: ")
    raise UsageError("no password: use --password-stdin or a terminal")


def cmd_logout(args: argparse.Namespace, ctx: Context) -> int:
    target = resolve_target(args)
    with open_client(target, ctx) as c:
        c.logout()  # ends the session on the service where it can, then deletes the tokens
    if args.json:
        ctx.json({"profile": target.profile, "api_url": target.api_url, "logged_out": True})
    else:
        ctx.out(f"Logged out of {target.api_url}{profile_note(target)}; stored tokens deleted.")
    return EXIT_OK


def _expiry(store: CredentialStorage) -> str | None:
    from .._credentials import jwt_expiry

    expiry = jwt_expiry(store.id_token)
    if expiry is None:
        return None
    return dt.datetime.fromtimestamp(expiry, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def cmd_whoami(args: argparse.Namespace, ctx: Context) -> int:
    target = resolve_target(args)
    store = storage(target)
    user = store.user_name
    if not user or not store.refresh_token:
        ctx.err(
            f"qapi whoami: not logged in to {target.api_url}{profile_note(target)} "
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
    ctx.out(f"{user} at {target.api_url}{profile_note(target)}")
    if expiry is not None:
        ctx.out(f"id token valid until {expiry}")
    return EXIT_OK


def _profile_storage(api_url: str, name: str) -> CredentialStorage:
    """A saved profile's token store, quietly (the fallback warning is login's to give)."""
    from .._config import credential_namespace
    from .._credentials import default_credential_storage

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return default_credential_storage(namespace=credential_namespace(api_url, name))


def cmd_profiles(args: argparse.Namespace, ctx: Context) -> int:
    from .._config import list_profiles, remove_profile, set_default_profile
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
            _profile_storage(profile.api_url, profile.name).delete_credential()
        remove_profile(args.remove)
        default, saved = list_profiles()
    rows: list[dict[str, Any]] = []
    for name in sorted(saved):
        p = saved[name]
        store = _profile_storage(p.api_url, p.name) if p.api_url else None
        logged_in = store is not None and store.refresh_token is not None
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
