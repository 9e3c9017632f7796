"""What to tell a user when a request fails: the URL it went to and the likely fix.

`hint(exc, api_url, source)` looks at an SDK error (and the httpx/ssl error it came from)
and returns one sentence naming the URL and suggesting a fix (service not running, http
vs https, a wrong path, an unresolvable host, nothing saved yet), or None when the error
message says enough. `source` is where the URL came from, so the hint can say "no URL is
saved yet" rather than blame a URL the user never typed.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

__all__ = ["URL_SOURCES", "hint"]

#: Where the CLI found the service URL, as shown in hints.
URL_SOURCES = {
    "option": "--api-url",
    "env": "QUANTINUUM_API_URL",
    "profile": "the saved profile",
    "default": "the built-in default, as nothing is saved yet",
}

_DNS_TEXT = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "temporary failure in name resolution",
    "no address associated",
    "name resolution",
)
_REFUSED_TEXT = ("connection refused", "all connection attempts failed", "connect call failed")
_TLS_ON_PLAIN_TEXT = ("wrong_version_number", "wrong version number", "record layer failure")
_PLAIN_ON_TLS_TEXT = ("server disconnected", "remoteprotocolerror", "connection reset")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _text(exc: BaseException) -> str:
    return " ".join(f"{type(e).__name__}: {e}" for e in _chain(exc)).lower()


def _with_scheme(url: str, scheme: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def _is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "127.0.0.1", "::1") or host.startswith("127.")


def hint(exc: BaseException, api_url: str, source: str = "option") -> str | None:
    """One sentence with the URL and the likely fix for `exc`, or None if none applies."""
    from .._exceptions import (
        APIConnectionError,
        AuthenticationError,
        NotFoundError,
        ResponseValidationError,
    )

    text = _text(exc)
    parts = urlsplit(api_url)
    host = parts.hostname or api_url
    where = URL_SOURCES.get(source, source)
    if isinstance(exc, APIConnectionError) or any(
        isinstance(e, ssl.SSLError | ConnectionError) for e in _chain(exc)
    ):
        if any(t in text for t in _DNS_TEXT):
            if source == "default":
                return (
                    f"cannot resolve {host} ({api_url}, {where}); for a local service run "
                    "`qapi login --api-url http://127.0.0.1:8000/`, or set QUANTINUUM_API_URL"
                )
            return f"cannot resolve the host {host} of {api_url} (from {where}): check the URL"
        if "certificate_verify_failed" in text or "certificate verify failed" in text:
            return (
                f"the TLS certificate of {api_url} is not trusted: point SSL_CERT_FILE at the "
                "right CA bundle (or HttpOptions(verify=...) in Python)"
            )
        if parts.scheme == "https" and any(t in text for t in _TLS_ON_PLAIN_TEXT):
            return (
                f"{api_url} does not speak TLS: if it is a plain-HTTP service (as `qapi serve` "
                f"is), use {_with_scheme(api_url, 'http')}"
            )
        if parts.scheme == "http" and any(t in text for t in _PLAIN_ON_TLS_TEXT):
            return (
                f"{api_url} closed the connection: if the service uses TLS, use "
                f"{_with_scheme(api_url, 'https')}"
            )
        if any(t in text for t in _REFUSED_TEXT) or "connecterror" in text:
            if _is_local(api_url):
                port = parts.port or (443 if parts.scheme == "https" else 80)
                return (
                    f"nothing is listening at {api_url}: is the service running? Start one "
                    f"with `qapi serve --port {port}`, or pass --api-url"
                )
            return f"cannot connect to {api_url} (from {where}): is the service up?"
        return None
    if isinstance(exc, NotFoundError) and exc.error_code not in (30, 31):  # not a job/machine
        return (
            f"{api_url} answered 404 without an API error: the URL may have a wrong path "
            "(give the service's root, e.g. http://127.0.0.1:8000/, without /v1/)"
        )
    if isinstance(exc, ResponseValidationError) and "not valid json" in text:
        return (
            f"{api_url} answered, but not like the Quantinuum API: is it the right URL "
            "(the service's root, without /v1/)?"
        )
    if isinstance(exc, AuthenticationError) and "not logged in" in text:
        return f"log in to {api_url} with `qapi login` (the URL is from {where})"
    return None
