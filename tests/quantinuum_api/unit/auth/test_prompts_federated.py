"""Terminal prompts only with a TTY; Microsoft device-code login through a stand-in msal."""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from quantinuum_api import _prompts
from quantinuum_api._exceptions import (
    AuthenticationError,
    CredentialsRequiredError,
    MFARequiredError,
    QuantinuumAPIError,
)
from quantinuum_api._federated import (
    microsoft_device_code_login,
    microsoft_login,
    microsoft_provider,
)
from quantinuum_api._http import HttpOptions


class FakeTTY:
    def isatty(self) -> bool:
        return True


def test_stdin_is_tty_follows_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", FakeTTY())
    assert _prompts.stdin_is_tty()
    monkeypatch.setattr(sys, "stdin", None)
    assert not _prompts.stdin_is_tty()


def test_prompts_refuse_without_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_prompts, "stdin_is_tty", lambda: False)

    def forbidden(*args: Any, **kw: Any) -> str:
        raise AssertionError("must not read from stdin")

    monkeypatch.setattr("builtins.input", forbidden)
    monkeypatch.setattr("getpass.getpass", forbidden)
    with pytest.raises(MFARequiredError, match="mfa_code="):
        _prompts.prompt_mfa_code()
    with pytest.raises(CredentialsRequiredError, match="QUANTINUUM_PASSWORD"):
        _prompts.prompt_credentials("ada@example.com")


def test_prompts_with_tty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_prompts, "stdin_is_tty", lambda: True)
    asked: list[str] = []

    def fake_input(prompt: str) -> str:
        asked.append(prompt)
        return " 123456 " if "MFA" in prompt else "ada@example.com"

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setattr("getpass.getpass", lambda prompt: "pw")
    assert _prompts.prompt_mfa_code() == "123456"
    assert _prompts.prompt_credentials() == ("ada@example.com", "pw")
    assert _prompts.prompt_credentials("known@example.com") == ("known@example.com", "pw")
    assert asked == ["Enter your MFA verification code: ", "Enter your Quantinuum email: "]
    monkeypatch.setattr("getpass.getpass", lambda prompt: "")
    with pytest.raises(CredentialsRequiredError, match="required"):
        _prompts.prompt_credentials("known@example.com")
    assert repr(_prompts.DEFAULT_PROMPT) == "DEFAULT_PROMPT"


class FakeApp:
    """Stands in for msal.PublicClientApplication; records how it was built."""

    instances: list[FakeApp] = []  # noqa: RUF012
    result: dict[str, Any] = {}  # noqa: RUF012
    flow: dict[str, Any] = {}  # noqa: RUF012

    def __init__(self, client_id: str, **kw: Any) -> None:
        self.client_id = client_id
        self.kw = kw
        self.scopes: list[str] = []
        FakeApp.instances.append(self)

    def initiate_device_flow(self, scopes: list[str]) -> dict[str, Any]:
        self.scopes = scopes
        return FakeApp.flow

    def acquire_token_by_device_flow(self, flow: dict[str, Any]) -> dict[str, Any]:
        return FakeApp.result


@pytest.fixture
def fake_msal(monkeypatch: pytest.MonkeyPatch) -> type[FakeApp]:
    module = types.ModuleType("msal")
    module.PublicClientApplication = FakeApp  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "msal", module)
    FakeApp.instances = []
    FakeApp.flow = {"user_code": "ABCD", "message": "go to https://microsoft.com/devicelogin"}
    FakeApp.result = {
        "id_token": "ms-id-token",
        "id_token_claims": {"preferred_username": "ada@contoso.com"},
    }
    return FakeApp


def test_microsoft_device_code_flow(fake_msal: type[FakeApp]) -> None:
    shown: list[str] = []
    http = HttpOptions(verify="/etc/ca.pem", proxy="http://proxy.test:3128", timeout=7.0)
    assert microsoft_login(shown.append, http=http) == ("ada@contoso.com", "ms-id-token")
    assert shown == ["go to https://microsoft.com/devicelogin"]
    app = fake_msal.instances[0]
    assert app.client_id == "4ae73294-a491-45b7-bab4-945c236ee67a"
    assert app.kw["authority"] == "https://login.microsoftonline.com/common"
    assert app.kw["verify"] == "/etc/ca.pem"
    assert app.kw["proxies"] == {
        "http": "http://proxy.test:3128",
        "https": "http://proxy.test:3128",
    }
    assert app.kw["timeout"] == 7.0
    assert app.scopes == ["User.Read"]
    assert microsoft_device_code_login(shown.append) == "ms-id-token"
    assert microsoft_provider(shown.append)() == "ms-id-token"


def test_microsoft_errors_are_typed(fake_msal: type[FakeApp]) -> None:
    fake_msal.result = {"error": "authorization_declined", "error_description": "User declined"}
    with pytest.raises(AuthenticationError, match="User declined"):
        microsoft_device_code_login(lambda m: None)
    fake_msal.flow = {"error": "invalid_client", "error_description": "bad app"}
    with pytest.raises(AuthenticationError, match=r"could not start.*bad app"):
        microsoft_device_code_login(lambda m: None)


def test_missing_msal_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "msal", None)  # import raises ImportError
    with pytest.raises(QuantinuumAPIError, match=r"quantinuum-api\[federated\]"):
        microsoft_device_code_login()
