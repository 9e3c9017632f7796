"""Hints for errors no local service can produce (DNS, certificates, a TLS server)."""

from __future__ import annotations

import ssl

import httpx

from quantinuum_api import APIConnectionError, NotFoundError
from quantinuum_api.cli._hints import hint


def transport_error(cause: BaseException) -> APIConnectionError:
    try:
        raise APIConnectionError(f"login failed: {type(cause).__name__}: {cause}") from cause
    except APIConnectionError as exc:
        return exc


def test_untrusted_certificate() -> None:
    cause = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    text = hint(transport_error(cause), "https://qapi.example/", "option")
    assert text is not None
    assert "https://qapi.example/" in text
    assert "SSL_CERT_FILE" in text


def test_plain_http_against_a_tls_service() -> None:
    cause = httpx.RemoteProtocolError("Server disconnected without sending a response.")
    text = hint(transport_error(cause), "http://127.0.0.1:8443/", "env")
    assert text is not None
    assert "use https://127.0.0.1:8443/" in text


def test_unknown_host_from_an_option() -> None:
    cause = httpx.ConnectError("[Errno -2] Name or service not known")
    text = hint(transport_error(cause), "http://qapi.invalid/", "option")
    expected = "cannot resolve the host qapi.invalid of http://qapi.invalid/ (from --api-url)"
    assert text == f"{expected}: check the URL"


def test_ssl_error_found_through_the_cause_chain() -> None:
    cause = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    text = hint(transport_error(cause), "https://127.0.0.1:8000/", "profile")
    assert text is not None
    assert "use http://127.0.0.1:8000/" in text


def test_a_real_not_found_gets_no_hint() -> None:
    job_missing = NotFoundError("get job failed: HTTP 404: Job not found", error_code=30)
    assert hint(job_missing, "http://127.0.0.1:8000/", "option") is None
