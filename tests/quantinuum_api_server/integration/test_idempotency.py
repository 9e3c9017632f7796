"""`Idempotency-Key` on `POST /v1/job`, as the IETF idempotency-key draft specifies: the
same key and body give the first job back, another body is 422; real requests."""

from __future__ import annotations

import threading

import httpx

from tests.programs import BELL

from .conftest import Api


def test_a_key_reused_with_another_body_is_422(api: Api) -> None:
    key = {"Idempotency-Key": "reuse-me"}
    first = api.submit(headers=key)
    assert first.status_code == 200
    reply = api.submit(count=7, headers=key)
    assert reply.status_code == 422
    error = reply.json()["error"]
    assert error["code"] == 10
    assert "Idempotency-Key" in error["text"]
    assert "different request body" in error["text"]
    # The refused request created nothing; the key still names the first job.
    assert api.submit(headers=key).json()["job"] == first.json()["job"]
    listed = api.http.get("v1/job", headers=api.headers).json()["jobs"]
    assert [doc["job"] for doc in listed] == [first.json()["job"]]


def test_concurrent_requests_with_one_key_and_body_make_one_job(api: Api) -> None:
    body = {"name": "race", "machine": "H1-1E", "language": "OPENQASM 2.0", "program": BELL}
    headers = {**api.headers, "Idempotency-Key": "one-race"}
    start = threading.Barrier(6)
    replies: list[httpx.Response] = []
    lock = threading.Lock()

    def send() -> None:
        with httpx.Client(base_url=api.server.base_url, timeout=30) as http:
            start.wait()
            reply = http.post("v1/job", json={**body, "count": 10}, headers=headers)
        with lock:
            replies.append(reply)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(replies) == 6
    assert {reply.status_code for reply in replies} == {200}
    ids = {reply.json()["job"] for reply in replies}
    assert len(ids) == 1
    listed = api.http.get("v1/job", headers=api.headers).json()["jobs"]
    assert [doc["job"] for doc in listed] == list(ids)
