"""URL derivation: cloud rewrites, local services, explicit overrides, bad input."""

from __future__ import annotations

import pytest

from quantinuum_api import DEFAULT_API_URL
from quantinuum_api._urls import derive_urls


def test_cloud_default_follows_the_reference_rewrites() -> None:
    urls = derive_urls()
    assert urls.api == DEFAULT_API_URL == "https://qapi.quantinuum.com/"
    assert urls.rest == "https://qapi.quantinuum.com/v1/"
    assert urls.websocket == "wss://ws.qapi.quantinuum.com/v1/"
    assert urls.calendar == "https://ui.qapi.quantinuum.com/beta/"
    assert urls.login == "https://qapi.quantinuum.com/v1/login"


@pytest.mark.parametrize("host", ["127.0.0.1:8123", "localhost:8123", "[::1]:8123"])
def test_local_service_keeps_one_host(host: str) -> None:
    urls = derive_urls(f"http://{host}/")
    assert urls.rest == f"http://{host}/v1/"
    assert urls.websocket == f"ws://{host}/v1/"
    assert urls.calendar == f"http://{host}/beta/"


def test_missing_trailing_slash_and_api_version() -> None:
    urls = derive_urls("http://127.0.0.1:9000", api_version=2)
    assert urls.rest == "http://127.0.0.1:9000/v2/"
    assert urls.websocket == "ws://127.0.0.1:9000/v2/"


def test_https_local_uses_wss_on_same_host() -> None:
    urls = derive_urls("https://127.0.0.1:8443/")
    assert urls.websocket == "wss://127.0.0.1:8443/v1/"
    assert urls.calendar == "https://127.0.0.1:8443/beta/"


def test_explicit_overrides_win() -> None:
    urls = derive_urls(
        "https://qapi.example.com/",
        ws_url="ws://10.0.0.5:9000/v1",
        calendar_url="https://calendar.example.com/beta",
    )
    assert urls.rest == "https://qapi.example.com/v1/"
    assert urls.websocket == "ws://10.0.0.5:9000/v1/"
    assert urls.calendar == "https://calendar.example.com/beta/"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"api_url": "ftp://example.com/"}, "api_url"),
        ({"api_url": "qapi.quantinuum.com"}, "api_url"),
        ({"api_url": "https://x.com/?a=1"}, "query"),
        ({"ws_url": "https://ws.example.com/"}, "ws_url"),
        ({"api_version": 0}, "api_version"),
        ({"api_version": True}, "api_version"),
    ],
)
def test_bad_urls_raise_value_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        derive_urls(**kwargs)  # type: ignore[arg-type]
