"""Websocket push: tickets from `GET job?websocket=true`, documents until the final one,
and a clean refusal of bad tickets."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import PerMessageDeflate
from websockets.frames import DATA_OPCODES, Frame
from websockets.sync.client import ClientConnection, connect

from quantinuum_api_server.testing import LocalServer, fast_settings

from .conftest import DONE, Api, new_user


def drain(socket: ClientConnection) -> list[dict[str, Any]]:
    """Messages until the server closes the connection (recv times out after 10 s)."""
    messages = []
    while True:
        try:
            messages.append(json.loads(socket.recv(timeout=10)))
        except ConnectionClosed:
            return messages


def receive_all(url: str, request: dict[str, Any]) -> list[dict[str, Any]]:
    """Send `request`, then collect messages until the server closes the connection."""
    with connect(url, open_timeout=10) as socket:
        socket.send(json.dumps(request))
        return drain(socket)


def test_push_sequence_with_partial_results(slow_api: Api) -> None:
    job = slow_api.submit(count=100).json()["job"]
    ticket = slow_api.job(job, websocket="true")["websocket"]
    docs = receive_all(
        slow_api.server.ws_url, {"action": "OpenConnection", **ticket, "partial": True}
    )
    statuses = [doc["status"] for doc in docs]
    assert statuses[-1] == "completed"
    assert all(status not in DONE for status in statuses[:-1])
    assert statuses.index("running") < len(statuses) - 1
    partial = [len(doc["results"]["c"]) for doc in docs if "results" in doc]
    assert partial == sorted(partial)
    assert partial[0] < 100
    assert partial[-1] == 100
    assert all(doc["job"] == job for doc in docs)


def test_without_partial_only_status_changes_are_pushed(slow_api: Api) -> None:
    job = slow_api.submit(count=100).json()["job"]
    ticket = slow_api.job(job, websocket="true")["websocket"]
    docs = receive_all(slow_api.server.ws_url, {"action": "OpenConnection", **ticket})
    statuses = [doc["status"] for doc in docs]
    assert statuses[-1] == "completed"
    assert len(docs) <= 3  # queued?, running, completed
    assert len(docs[-1]["results"]["c"]) == 100


def test_done_job_has_no_ticket(api: Api) -> None:
    job = api.submit(machine="H1-1SC").json()["job"]
    api.wait(job)
    assert "websocket" not in api.job(job, websocket="true")


@pytest.mark.parametrize(
    "change",
    [
        {"task_token": "forged.token"},
        {"executionArn": "arn:qapi:local:execution:someone-else"},
        {"action": "Subscribe"},
    ],
    ids=["forged-token", "wrong-arn", "wrong-action"],
)
def test_bad_ticket_gets_an_error_and_a_close(slow_api: Api, change: dict[str, str]) -> None:
    job = slow_api.submit(count=100).json()["job"]
    ticket = slow_api.job(job, websocket="true")["websocket"]
    messages = receive_all(slow_api.server.ws_url, {"action": "OpenConnection", **ticket, **change})
    assert len(messages) == 1
    assert set(messages[0]) == {"error"}
    assert messages[0]["error"]["code"] in {10, 20}


def test_not_json_gets_an_error_and_a_close(slow_api: Api) -> None:
    with connect(slow_api.server.ws_url, open_timeout=10) as socket:
        socket.send("hello")
        assert json.loads(socket.recv(timeout=10))["error"]["code"] == 10
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=10)


def test_silent_client_gets_an_error_instead_of_a_hang() -> None:
    with (
        LocalServer(settings=fast_settings(websocket_open_timeout=0.2)) as server,
        connect(server.ws_url, open_timeout=10) as socket,
    ):
        assert json.loads(socket.recv(timeout=10))["error"]["code"] == 10
        with pytest.raises(ConnectionClosed):
            socket.recv(timeout=10)


def test_stopping_the_server_closes_open_websockets() -> None:
    settings = fast_settings(chunk_shots=10, chunk_growth=1.0, chunk_delay=0.05)
    with LocalServer(settings=settings) as server:
        email, _ = new_user(server)
        api = Api(server, email)
        job = api.submit(count=5000).json()["job"]
        ticket = api.job(job, websocket="true")["websocket"]
        with connect(server.ws_url, open_timeout=10) as socket:
            socket.send(json.dumps({"action": "OpenConnection", **ticket}))
            assert json.loads(socket.recv(timeout=10))["job"] == job
            server.stop()
            rest = drain(socket)
        assert all(doc["status"] in {"running", "queued"} for doc in rest)
        assert socket.close_code is not None


def test_documents_are_compressed_at_zlib_level_1(slow_api: Api) -> None:
    # The service accepts permessage-deflate (12-bit windows, memLevel 5, as uvicorn) and
    # compresses at zlib's fastest level: every frame is, byte for byte, what a level-1
    # compressor with those settings makes of the messages so far (level 6, zlib's
    # default, makes other bytes).
    job = slow_api.submit(count=100).json()["job"]
    ticket = slow_api.job(job, websocket="true")["websocket"]
    frames: list[tuple[bytes, bytes]] = []  # (compressed payload, message)
    with connect(slow_api.server.ws_url, open_timeout=10) as socket:
        (deflate,) = socket.protocol.extensions
        assert isinstance(deflate, PerMessageDeflate)
        decode = deflate.decode

        def recording(frame: Frame, *, max_size: int | None = None) -> Frame:
            decoded = decode(frame, max_size=max_size)
            if frame.opcode in DATA_OPCODES:  # not the close frame
                frames.append((bytes(frame.data), bytes(decoded.data)))
            return decoded

        deflate.decode = recording  # type: ignore[method-assign]
        socket.send(json.dumps({"action": "OpenConnection", **ticket}))
        docs = drain(socket)
    assert docs[-1]["status"] == "completed"
    assert len(frames) == len(docs) >= 2

    def wire(level: int) -> list[bytes]:
        encoder = zlib.compressobj(level, wbits=-12, memLevel=5)
        out = []
        for _, message in frames:
            out.append((encoder.compress(message) + encoder.flush(zlib.Z_SYNC_FLUSH))[:-4])
        return out

    sent = [payload for payload, _ in frames]
    assert sent == wire(1)
    assert sent != wire(6)


def test_pushed_final_document_is_the_rest_document(slow_api: Api) -> None:
    # The final document is rendered once by the thread that finished the job and sent
    # as text: it must be what `GET /v1/job/{id}` says, results included.
    job = slow_api.submit(count=100).json()["job"]
    ticket = slow_api.job(job, websocket="true")["websocket"]
    docs = receive_all(slow_api.server.ws_url, {"action": "OpenConnection", **ticket})
    assert docs[-1]["status"] == "completed"
    assert docs[-1] == slow_api.job(job)


def test_a_final_document_reaches_a_subscriber_from_another_thread() -> None:
    import asyncio
    import threading

    from quantinuum_api_server._events import JobEvent, JobEvents

    events = JobEvents()

    async def main() -> list[JobEvent]:
        queue = events.subscribe("j")
        assert events.watched("j")
        assert not events.watched("k")
        threading.Thread(target=events.publish, args=("j", "partial")).start()
        threading.Thread(target=events.publish, args=("j", "status", '{"job":"j"}')).start()
        received = [await asyncio.wait_for(queue.get(), 10) for _ in range(2)]
        events.unsubscribe("j", queue)
        assert not events.watched("j")
        return received

    received = asyncio.run(main())
    assert sorted(received) == [JobEvent("partial"), JobEvent("status", '{"job":"j"}')]
