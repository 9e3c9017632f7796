"""Which account a command talks to, and the SDK client it talks through.

`resolve_target(args)` reads `--profile` / `$QUANTINUUM_PROFILE` and `--api-url` / env /
the profile's saved URL, remembering where the URL came from (for the error hints).
`open_client(target, ctx)` builds a `Client` on the profile's stored tokens that never
prompts except for an MFA code on a terminal.
"""

from __future__ import annotations

import argparse
import os
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._output import Context, NotFound, UsageError

if TYPE_CHECKING:
    from .._client import Client
    from .._config import Profile
    from .._credentials import CredentialStorage

__all__ = ["Target", "open_client", "profile_note", "resolve_target", "storage"]


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
        from .._config import credential_namespace

        return credential_namespace(self.api_url, self.profile)


def resolve_target(args: argparse.Namespace, *, creating: bool = False) -> Target:
    """Resolve `--profile` / `$QUANTINUUM_PROFILE` and `--api-url` / env / saved URL;
    `creating` (login) allows a profile that is not saved yet."""
    from .._config import Config, list_profiles
    from .._constants import ENV_EMAIL, ENV_USER_NAME

    default, saved = list_profiles()
    name = _profile_name(args, saved, default, creating=creating)
    config = Config(profile=name) if name not in saved else Config.load(profile=name)
    stored = saved.get(name)
    url, source = _api_url(args, stored)
    env_user = os.environ.get(ENV_USER_NAME) or os.environ.get(ENV_EMAIL)
    user = env_user or (stored.user_name if stored is not None else None)
    user_source = "env" if env_user else ("profile" if user else None)
    return Target(name, url, source, user, user_source, config.password or None)


def _profile_name(
    args: argparse.Namespace, saved: dict[str, Profile], default: str, *, creating: bool
) -> str:
    from .._config import DEFAULT_PROFILE, ENV_PROFILE, check_profile_name

    named = args.profile or os.environ.get(ENV_PROFILE) or None
    if not named:
        return default
    check_profile_name(named)
    if named not in saved and named != DEFAULT_PROFILE and not creating:
        listed = ", ".join(sorted(saved)) or "none"
        raise NotFound(
            f"no saved profile {named!r} (saved: {listed}); "
            f"create it with `qapi login --profile {named}`"
        )
    return str(named)


def _api_url(args: argparse.Namespace, stored: Profile | None) -> tuple[str, str]:
    """The normalised service URL and where it came from (a key of `_hints.URL_SOURCES`)."""
    from .._config import normalise_api_url
    from .._constants import ENV_API_URL
    from .._urls import DEFAULT_API_URL

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
        return normalise_api_url(url), source
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def storage(target: Target, ctx: Context | None = None) -> CredentialStorage:
    """The persistent token store of `target` (keyring, else the 0600 file store).

    With `ctx`, a fallback to the file store is reported on stderr as one line; the other
    commands use the store quietly, so headless users are told once, at login.
    """
    from .._credentials import default_credential_storage

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        store = default_credential_storage(namespace=target.namespace)
    if ctx is not None:
        for warning in caught:
            ctx.err(f"qapi: warning: {warning.message}")
    return store


def open_client(target: Target, ctx: Context, **kw: Any) -> Client:
    """A `Client` for `target` on its stored tokens: no credentials prompt (an error
    naming `qapi login`), an MFA prompt only on a terminal."""
    from .._client import Client

    def mfa_code() -> str:
        if not ctx.interactive:
            from .._exceptions import MFARequiredError

            raise MFARequiredError("an MFA code is needed: run `qapi login`", operation="Login")
        return input("MFA code: ").strip()

    def credentials() -> tuple[str, str]:
        from .._exceptions import CredentialsRequiredError

        raise CredentialsRequiredError(
            f"not logged in to {target.api_url}{profile_note(target)}: run `qapi login`",
            operation="Login",
        )

    return Client(
        target.api_url,
        email=target.user_name,
        password=target.password,
        token_store=storage(target),
        mfa_code=mfa_code,
        credentials_prompt=credentials,
        **kw,
    )


def profile_note(target: Target) -> str:
    """` (profile NAME)` after a URL, or nothing for the default profile."""
    from .._config import DEFAULT_PROFILE

    return "" if target.profile == DEFAULT_PROFILE else f" (profile {target.profile})"
