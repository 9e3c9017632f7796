"""The service's URLs: REST, websocket and calendar, derived from one API URL.

The cloud spreads the API over three hosts (`https://qapi.quantinuum.com/v1/`,
`wss://ws.qapi.quantinuum.com/v1/`, `https://ui.qapi.quantinuum.com/beta/`); a local service
(`http://127.0.0.1:PORT/`, or any IP address or `localhost`) serves all three on one host and
port. Explicit `ws_url` / `calendar_url` always win.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from ._constants import DEFAULT_API_URL

__all__ = ["DEFAULT_API_URL", "ApiUrls", "derive_urls", "login_path"]


@functools.cache
def login_path() -> str:
    """The token endpoint's path under the API root, as generated from the spec
    ("v1/login"); the generated client is imported on first use only."""
    from quantinuum_api_client.api.auth import login as login_op
    from quantinuum_api_client.models import LoginRefreshRequest

    url: str = login_op._get_kwargs(body=LoginRefreshRequest(refresh_token=""))["url"]
    return url[1:]


@dataclass(frozen=True)
class ApiUrls:
    """Where each part of the API lives; every URL ends with `/`."""

    api: str  # the base URL as given, e.g. "https://qapi.quantinuum.com/"
    rest: str  # "…/v1/"
    websocket: str  # "wss://ws.…/v1/" or "ws://127.0.0.1:PORT/v1/"
    calendar: str  # "https://ui.…/beta/" or "http://127.0.0.1:PORT/beta/"

    @property
    def login(self) -> str:
        """The token endpoint (the generated `login` operation's path under `api`)."""
        return f"{self.api}{login_path()}"


def _is_local_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _normalise(url: str, name: str, schemes: tuple[str, ...]) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"{name} must be a non-empty URL string, got {url!r}")
    parts = urlsplit(url.strip())
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"{name} must be an absolute {'/'.join(schemes)} URL, got {url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"{name} must not carry a query or fragment, got {url!r}")
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def derive_urls(
    api_url: str | None = None,
    *,
    api_version: int = 1,
    ws_url: str | None = None,
    calendar_url: str | None = None,
) -> ApiUrls:
    """Derive the REST, websocket and calendar URLs from `api_url` (default: the cloud).

    Raises `ValueError` for a URL that is not absolute http(s) (or ws(s) for `ws_url`).
    """
    if isinstance(api_version, bool) or not isinstance(api_version, int) or api_version < 1:
        raise ValueError(f"api_version must be a positive integer, got {api_version!r}")
    api = _normalise(api_url or DEFAULT_API_URL, "api_url", ("http", "https"))
    version = f"v{api_version}/"
    rest = f"{api}{version}"
    parts = urlsplit(api)
    host = parts.hostname or ""
    cloud = parts.scheme == "https" and not _is_local_host(host)

    if ws_url is not None:
        websocket = _normalise(ws_url, "ws_url", ("ws", "wss"))
    elif cloud:
        websocket = rest.replace("https://", "wss://ws.", 1)
    else:
        scheme = "wss" if parts.scheme == "https" else "ws"
        websocket = urlunsplit((scheme, parts.netloc, parts.path + version, "", ""))

    if calendar_url is not None:
        calendar = _normalise(calendar_url, "calendar_url", ("http", "https"))
    elif cloud:
        calendar = api.replace("https://", "https://ui.", 1) + "beta/"
    else:
        calendar = f"{api}beta/"
    return ApiUrls(api=api, rest=rest, websocket=websocket, calendar=calendar)
