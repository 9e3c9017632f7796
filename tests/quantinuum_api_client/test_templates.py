"""What the custom templates (openapi-templates/) change in every generated operation."""

from __future__ import annotations

from http import HTTPStatus

import httpx
import pytest

from quantinuum_api_client import Client
from quantinuum_api_client.api.jobs import get_job
from quantinuum_api_client.models import Job


def client(status: int, content: bytes) -> Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content)

    return Client(base_url="http://svc", httpx_args={"transport": httpx.MockTransport(handler)})


def test_a_body_the_models_cannot_read_fails_on_access_not_in_the_call() -> None:
    response = get_job.sync_detailed("j1", client=client(500, b"<html>bad gateway</html>"))
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert response.content == b"<html>bad gateway</html>"
    assert response.http_response is not None
    assert response.http_response.status_code == 500
    with pytest.raises(ValueError, match="Expecting value"):
        _ = response.parsed


def test_parsed_is_decoded_once_on_first_access() -> None:
    response = get_job.sync_detailed("j1", client=client(200, b'{"job": "j1", "status": "queued"}'))
    first = response.parsed
    assert isinstance(first, Job)
    assert first.job == "j1"
    assert response.parsed is first


def test_a_non_standard_status_code_is_kept_as_a_number() -> None:
    response = get_job.sync_detailed("j1", client=client(520, b"{}"))
    assert response.status_code == 520
    assert response.parsed is None  # not documented in the spec
