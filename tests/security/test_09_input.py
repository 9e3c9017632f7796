"""Item 9 (service side): input that used to cause a 500 or an internal error now gets
a typed 4xx (or, where the contract allows the value, is accepted): lone surrogates in
login fields, refresh tokens and programs; integers beyond 64 bits; 100k-deep JSON on the
websocket; `count` written as `1.0` (an integer in JSON Schema)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from quantinuum_api_server.testing import LocalServer
from tests.programs import BELL

from .conftest import PASSWORD, client, login, new_user

SURROGATE = "\\ud800"  # a JSON escape of a lone (unpaired) surrogate


def raw_post(http: httpx.Client, path: str, text: str, **headers: str) -> httpx.Response:
    return http.post(path, content=text.encode(), headers=headers)


def id_token(server: LocalServer) -> str:
    email, _ = new_user(server)
    return str(login(client(server), email=email, password=PASSWORD).json()["id-token"])


def job_body(**changes: Any) -> dict[str, Any]:
    return {"machine": "H1-1E", "language": "OPENQASM 2.0", "program": BELL, "count": 10} | changes


@pytest.mark.parametrize(
    "body",
    [
        f'{{"email": "a{SURROGATE}@example.com", "password": "pw"}}',
        f'{{"email": "a@example.com", "password": "p{SURROGATE}w"}}',
        f'{{"email": "a@example.com", "password": "pw", "code": "12{SURROGATE}"}}',
        f'{{"refresh-token": "tok{SURROGATE}en"}}',
        f'{{"provider-token": "a.b{SURROGATE}.c"}}',
    ],
    ids=["email", "password", "code", "refresh-token", "provider-token"],
)
def test_lone_surrogates_in_login_fields_are_400(server: LocalServer, body: str) -> None:
    reply = raw_post(client(server), "v1/login", body)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == 10
    assert "surrogate" in reply.json()["error"]["text"]


def test_a_lone_surrogate_in_a_program_is_400(server: LocalServer) -> None:
    text = json.dumps(job_body(program="OPENQASM 2.0; // X")).replace("X", SURROGATE)
    reply = raw_post(client(server), "v1/job", text, Authorization=id_token(server))
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == 10


@pytest.mark.parametrize(
    "encoded",
    [
        lambda text: text.replace("X", "\\uD800").encode(),  # the escape, upper case
        lambda text: text.encode().replace(b"X", b"\xed\xa0\x80"),  # surrogate as UTF-8 bytes
        lambda text: text.replace("X", "\\udfff").encode("utf-16"),  # UTF-16 JSON
        lambda text: b"\xef\xbb\xbf" + text.replace("X", "\\ud800").encode(),  # with a BOM
    ],
    ids=["upper-escape", "utf8-bytes", "utf16-body", "bom"],
)
def test_every_spelling_of_a_lone_surrogate_is_400_not_500(
    server: LocalServer, encoded: Any
) -> None:
    """The surrogate check skips the slow re-encoding for plain UTF-8 without escapes;
    every other way a lone surrogate can reach the parser still gets the 400."""
    text = json.dumps(job_body(program="OPENQASM 2.0; // X"))
    headers = {"Authorization": id_token(server)}
    reply = client(server).post("v1/job", content=encoded(text), headers=headers)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == 10


@pytest.mark.parametrize("max_cost", [2**63, 2**64, 10**30])
def test_a_huge_integer_max_cost_is_a_number(server: LocalServer, max_cost: int) -> None:
    http = client(server)
    reply = http.post(
        "v1/job",
        json=job_body(**{"max-cost": max_cost}),
        headers={"Authorization": id_token(server)},
    )
    assert reply.status_code == 200, reply.text


@pytest.mark.parametrize("count", [2**63, 2**64, -(2**63) - 1])
def test_an_integer_beyond_64_bits_is_400(server: LocalServer, count: int) -> None:
    http = client(server)
    reply = http.post(
        "v1/job", json=job_body(count=count), headers={"Authorization": id_token(server)}
    )
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"]["code"] == 10


def test_count_written_as_a_float_is_an_integer(server: LocalServer) -> None:
    http = client(server)
    token = id_token(server)
    text = json.dumps(job_body()).replace('"count": 10', '"count": 3.0')
    reply = raw_post(http, "v1/job", text, Authorization=token)
    assert reply.status_code == 200, reply.text
    doc = http.get(f"v1/job/{reply.json()['job']}", headers={"Authorization": token}).json()
    assert doc["count"] == 3
    fraction = raw_post(http, "v1/job", text.replace("3.0", "3.5"), Authorization=token)
    assert fraction.status_code == 400


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_deeply_nested_json_is_refused_cleanly(server: LocalServer, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    with connect(server.ws_url, open_timeout=10) as socket:
        socket.send(nested)
        message = json.loads(socket.recv(timeout=10))
    assert message["error"]["code"] == 10, message
    reply = raw_post(client(server), "v1/login", nested)
    assert reply.status_code == 400
    deep_options = json.dumps(job_body()).replace(
        '"count"', f'"options": {{"x": {nested}}}, "count"'
    )
    reply = raw_post(client(server), "v1/job", deep_options, Authorization=id_token(server))
    assert reply.status_code in (200, 400), reply.text
