"""Default interactive callbacks: ask on the terminal, and only when there is one.

This is the only module that calls ``input()``/``getpass``. Without a terminal on stdin the
callbacks raise :class:`MFARequiredError` / :class:`CredentialsRequiredError` instead of
blocking a server or CI job.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any, Final

from ._constants import ENV_PASSWORD, ENV_USER_NAME
from ._exceptions import CredentialsRequiredError, MFARequiredError

__all__ = ["DEFAULT_PROMPT", "prompt_credentials", "prompt_mfa_code", "stdin_is_tty"]


class _DefaultPrompt:
    """Sentinel: "use the terminal prompt if there is a terminal"."""

    def __repr__(self) -> str:
        return "DEFAULT_PROMPT"


# Typed Any so it can stand in for either callback type in signatures.
DEFAULT_PROMPT: Final[Any] = _DefaultPrompt()


def stdin_is_tty() -> bool:
    """Whether stdin is an interactive terminal."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def prompt_mfa_code() -> str:
    """Ask for the MFA code on the terminal; MFARequiredError without one."""
    if not stdin_is_tty():
        raise MFARequiredError(
            "Login: this account needs an MFA code and stdin is not a terminal; "
            "pass mfa_code=<callable returning the current code>",
            operation="Login",
        )
    code = input("Enter your MFA verification code: ").strip()
    if not code:
        raise MFARequiredError("Login: no MFA code entered", operation="Login")
    return code


def prompt_credentials(user_name: str | None = None) -> tuple[str, str]:
    """Ask for the e-mail (unless given) and the password (never echoed)."""
    if not stdin_is_tty():
        raise CredentialsRequiredError(
            "Login: no credentials and stdin is not a terminal; pass email=/password= "
            f"or set {ENV_USER_NAME} and {ENV_PASSWORD}",
            operation="Login",
        )
    if not user_name:
        user_name = input("Enter your Quantinuum email: ").strip()
    password = getpass.getpass(prompt="Enter your Quantinuum password: ")
    if not user_name or not password:
        raise CredentialsRequiredError("Login: e-mail and password are required", operation="Login")
    return user_name, password
