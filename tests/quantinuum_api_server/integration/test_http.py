"""HTTP-level behaviour: body limits, content types, methods, machines and calendar."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .conftest import Api


def test_oversized_body_is_413(api: Api) -> None:
    reply = api.submit("x" * 1_100_000)
    assert reply.status_code == 413
    assert reply.json()["error"]["code"] == 11


def test_oversized_chunked_body_is_413_while_streaming(api: Api) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"program": "'
        for _ in range(200):
            yield b"x" * 10_000

    reply = api.http.post(
        "v1/job", content=body(), headers={**api.headers, "Content-Type": "application/json"}
    )
    assert "content-length" not in reply.request.headers
    assert reply.status_code == 413


def test_non_json_content_type_is_415(api: Api) -> None:
    reply = api.http.post("v1/login", content=b"email=a", headers={"Content-Type": "text/plain"})
    assert reply.status_code == 415
    assert reply.json()["error"]["code"] == 10


def test_json_without_a_content_type_is_accepted(api: Api) -> None:
    # pytket-quantinuum posts JSON strings without a Content-Type; the cloud accepts them
    body = b'{"email": "nobody@example.com", "password": "wrong"}'
    reply = api.http.post("v1/login", content=body)
    assert "content-type" not in reply.request.headers
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == 21


def test_invalid_body_is_400_with_the_reason(api: Api) -> None:
    reply = api.http.post("v1/job", json={"machine": "H1-1E"}, headers=api.headers)
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == 10
    assert "required" in reply.json()["error"]["text"]


def test_wrong_method_is_405_with_allow(api: Api) -> None:
    reply = api.http.delete("v1/login")
    assert reply.status_code == 405
    assert reply.headers["allow"] == "POST"


def test_machines_and_states(api: Api) -> None:
    docs = api.http.get("v1/machine/", params={"config": "true"}, headers=api.headers).json()
    by_name = {doc["name"]: doc for doc in docs}
    assert set(by_name) == {
        f"{hw}{suffix}" for hw in ("H1-1", "H2-1", "H2-2", "Helios-1") for suffix in ("", "E", "SC")
    }
    helios = by_name["Helios-1E"]
    assert (helios["n_qubits"], helios["connectivity"]) == (98, "all-to-all")
    assert helios["noise_specs"]["2q_gate_error"]["p2"] == 7.9e-4
    assert by_name["H2-2SC"]["system_type"] == "syntax checker"
    assert by_name["H1-1E"]["system_type"] == "emulator"
    assert by_name["H2-1SC"]["system_type"] == "syntax checker"
    state = api.http.get("v1/machine/H1-1E", headers=api.headers).json()
    assert state == {"state": "online", "queue-length": 0}
    hardware = api.http.get("v1/machine/H2-1", headers=api.headers).json()["state"]
    assert hardware in {"online", "reserved", "in maintenance"}
    missing = api.http.get("v1/machine/nope", headers=api.headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == 31


def test_machine_state_reports_its_queue_length(slow_api: Api) -> None:
    def queued(machine: str) -> int:
        doc = slow_api.http.get(f"v1/machine/{machine}", headers=slow_api.headers).json()
        return int(doc["queue-length"])

    jobs = [slow_api.submit(count=100).json()["job"] for _ in range(3)]  # one worker: 2+ wait
    assert queued("H1-1E") >= 1
    assert queued("H2-1E") == 0
    for job in jobs:
        slow_api.wait(job)
    assert queued("H1-1E") == 0


def test_calendar_is_deterministic_and_checks_its_range(api: Api) -> None:
    params = {"mode": "user", "start": "2026-11-25", "end": "2026-11-26"}
    first = api.http.get("beta/reservation", params=params, headers=api.headers)
    assert first.status_code == 200
    events = first.json()
    assert events == api.http.get("beta/reservation", params=params, headers=api.headers).json()
    assert {event["machine"] for event in events} == {"H1-1", "H2-1", "H2-2", "Helios-1"}
    assert all(event["start-date"] < event["end-date"] for event in events)
    assert {event["event-type"] for event in events} <= {"online", "reserved", "maintenance"}


@pytest.mark.parametrize(
    ("start", "end"), [("2026-11-26", "2026-11-25"), ("2026-01-01", "2026-12-31")]
)
def test_calendar_rejects_bad_ranges(api: Api, start: str, end: str) -> None:
    params = {"mode": "user", "start": start, "end": end}
    reply = api.http.get("beta/reservation", params=params, headers=api.headers)
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == 10


def test_kept_alive_requests_do_not_wait_for_delayed_acks(api: Api) -> None:
    # Without TCP_NODELAY on accepted sockets, each reply after the first on a connection
    # waits for the client's delayed ACK (~40 ms on Linux); with it, a request takes ~1 ms.
    import statistics
    import time

    api.http.get("v1/machine/", headers=api.headers)  # open the connection
    times = []
    for _ in range(15):
        start = time.perf_counter()
        assert api.http.get("v1/machine/", headers=api.headers).status_code == 200
        times.append(time.perf_counter() - start)
    assert statistics.median(times) < 0.02, times


def test_idle_kept_alive_connection_outlives_a_five_second_poll(api: Api) -> None:
    # pytket-quantinuum polls every 5 s on one `requests` session, which never expires
    # idle connections. uvicorn's default keep-alive is 5 s too, so the service closed the
    # connection as the next poll was sent: RemoteDisconnected in the middle of a wait.
    import socket
    import time

    request = (
        f"GET /v1/machine/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {api.token}\r\n\r\n"
    ).encode()

    def exchange(sock: socket.socket) -> bytes:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            part = sock.recv(65536)
            if not part:
                return data
            data += part
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(body) < length:
            part = sock.recv(65536)
            assert part, "connection closed mid-body"
            body += part
        return head

    with socket.create_connection(("127.0.0.1", api.server.port), timeout=10) as sock:
        assert exchange(sock).startswith(b"HTTP/1.1 200")
        time.sleep(5.5)  # one reference polling interval, and then some
        assert exchange(sock).startswith(b"HTTP/1.1 200")
