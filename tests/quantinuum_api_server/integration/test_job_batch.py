"""The job-batch extension: `POST /v1/job-batch` and `POST /v1/job-batch/documents`.

Each item is admitted as a single submission would be (its own key, its own error); the
documents request answers for the caller's jobs only and, with `wait`, is held until
they have all ended. States are made certain with a queue delay (jobs that cannot start)
and a cancel (a final status that arrives while the request is held).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from quantinuum_api_server.testing import LocalServer, fast_settings
from tests.programs import BELL

from .conftest import Api, new_user

BAD = "OPENQASM 2.0;\nqreg q[1];\nbogus q[0];\n"


def _item(program: str = BELL, count: int = 10, key: str | None = None) -> dict[str, Any]:
    request = {"machine": "H1-1E", "language": "OPENQASM 2.0", "program": program, "count": count}
    return {"idempotency-key": key or uuid.uuid4().hex, "request": request}


def _batch(api: Api, items: list[dict[str, Any]]) -> httpx.Response:
    return api.http.post("v1/job-batch", json={"jobs": items}, headers=api.headers)


def _documents(api: Api, ids: list[str], wait: float = 0) -> httpx.Response:
    body = {"jobs": ids, "wait": wait}
    return api.http.post("v1/job-batch/documents", json=body, headers=api.headers)


@pytest.fixture(scope="module")
def queued_server() -> Iterator[LocalServer]:
    """Jobs stay queued for a minute: none can finish on its own during a test."""
    with LocalServer(settings=fast_settings(queue_delay=60.0, max_user_subscriptions=1)) as srv:
        yield srv


@pytest.fixture
def queued_api(queued_server: LocalServer) -> Api:
    email, _ = new_user(queued_server)
    return Api(queued_server, email)


def test_each_item_is_admitted_alone_in_order(api: Api) -> None:
    reply = _batch(api, [_item(count=3), _item(BAD), _item(count=5)])
    assert reply.status_code == 200, reply.text
    first, bad, last = reply.json()["jobs"]
    assert bad["http-status"] == 400
    assert bad["error"]["code"] == 40
    assert "bogus" in bad["error"]["text"]
    assert api.wait(first["job"])["count"] == 3
    assert api.wait(last["job"])["count"] == 5


def test_resending_a_batch_creates_no_job_twice(api: Api) -> None:
    items = [_item(count=2) for _ in range(5)]
    once = [e["job"] for e in _batch(api, items).json()["jobs"]]
    again = [e["job"] for e in _batch(api, items).json()["jobs"]]
    assert once == again
    assert len(set(once)) == 5
    listed = api.http.get("v1/job", headers=api.headers, params={"limit": 100}).json()["jobs"]
    assert len([j for j in listed if j["job"] in once]) == 5


def test_a_key_reused_with_another_request_is_that_item_s_422(api: Api) -> None:
    key = uuid.uuid4().hex
    first, reused = _batch(api, [_item(count=2, key=key), _item(count=3, key=key)]).json()["jobs"]
    assert "job" in first
    assert reused["http-status"] == 422
    assert reused["error"]["code"] == 10


def test_batch_limits_are_refused_as_a_whole(api: Api) -> None:
    too_many = _batch(api, [_item() for _ in range(101)])
    assert too_many.status_code == 400
    assert too_many.json()["error"]["code"] == 10
    big = "OPENQASM 2.0;\n" + "// padding\n" * 100_000
    too_large = _batch(api, [_item(big)])
    assert too_large.status_code == 413
    wrong = _batch(api, [{"request": {"machine": "H1-1E"}, "idempotency-key": "k"}])
    assert wrong.status_code == 400
    listed = api.http.get("v1/job", headers=api.headers).json()["jobs"]
    assert listed == []  # nothing of a refused request was admitted


def test_documents_answer_for_the_caller_s_jobs_only(server: LocalServer, api: Api) -> None:
    mine = [e["job"] for e in _batch(api, [_item(count=4), _item(count=6)]).json()["jobs"]]
    email, _ = new_user(server)
    other = Api(server, email)
    theirs = _batch(other, [_item()]).json()["jobs"][0]["job"]
    for job_id in mine:
        api.wait(job_id)
    reply = _documents(api, [mine[1], theirs, "no-such-job", mine[0]])
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert [doc["job"] for doc in body["jobs"]] == [mine[1], mine[0]]
    assert [len(doc["results"]["c"]) for doc in body["jobs"]] == [6, 4]
    assert body["jobs"][0] == api.job(mine[1])  # the same document as GET /v1/job/{id}
    assert body["missing"] == [theirs, "no-such-job"]


def test_a_held_request_ends_when_its_jobs_have_ended(
    queued_server: LocalServer, queued_api: Api
) -> None:
    ids = [e["job"] for e in _batch(queued_api, [_item(), _item()]).json()["jobs"]]
    service = queued_server._service
    assert service is not None
    user = service.store.user_by_email(queued_api.email)
    assert user is not None
    answer: list[httpx.Response] = []
    held = threading.Thread(target=lambda: answer.append(_documents(queued_api, ids, wait=30)))
    held.start()
    try:
        deadline = time.monotonic() + 30
        while service.subscriptions.count(int(user["id"])) < 1:  # until it is being held
            assert not answer, answer
            assert time.monotonic() < deadline
            time.sleep(0.01)
        # a held request is a subscription: with a cap of one, a second is refused
        second = _documents(queued_api, ids, wait=30)
        assert second.status_code == 429
        assert second.json()["error"]["code"] == 29
        assert not answer  # still held: its jobs are queued for a minute
        for job_id in ids:
            canceled = queued_api.http.post(f"v1/job/{job_id}/cancel", headers=queued_api.headers)
            assert canceled.status_code == 200, canceled.text
    finally:
        held.join(60)
    assert answer
    assert answer[0].status_code == 200, answer[0].text
    assert [doc["status"] for doc in answer[0].json()["jobs"]] == ["canceled", "canceled"]


def test_a_held_request_answers_when_its_wait_runs_out(queued_api: Api) -> None:
    job_id = _batch(queued_api, [_item()]).json()["jobs"][0]["job"]
    reply = _documents(queued_api, [job_id], wait=0.2)
    assert reply.status_code == 200
    assert [doc["status"] for doc in reply.json()["jobs"]] == ["queued"]
    queued_api.http.post(f"v1/job/{job_id}/cancel", headers=queued_api.headers)


def test_the_extension_can_be_switched_off() -> None:
    with LocalServer(settings=fast_settings(batch_requests=False)) as server:
        email, _ = new_user(server)
        api = Api(server, email)
        assert _batch(api, [_item()]).status_code == 404
        assert _documents(api, ["x"]).status_code == 404
        assert api.http.get("v1/job", headers=api.headers).json()["jobs"] == []


def test_a_held_request_ends_with_its_session(queued_server: LocalServer) -> None:
    """A logout ends the held request at once (it is a subscription of that session): it
    answers with the jobs as they are, long before its 30 s would have run out."""
    email, _ = new_user(queued_server)
    api = Api(queued_server, email)
    ids = [e["job"] for e in _batch(api, [_item()]).json()["jobs"]]
    service = queued_server._service
    assert service is not None
    user = service.store.user_by_email(email)
    assert user is not None
    answer: list[httpx.Response] = []
    held = threading.Thread(target=lambda: answer.append(_documents(api, ids, wait=30)))
    held.start()
    deadline = time.monotonic() + 30
    while service.subscriptions.count(int(user["id"])) < 1:  # until it is being held
        assert not answer, answer
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert api.http.post("v1/logout", headers=api.headers).status_code == 200
    held.join(20)  # well inside the 30 s hold: only the session's end can have ended it
    assert answer, "the held request outlived its session"
    assert [doc["status"] for doc in answer[0].json()["jobs"]] == ["queued"]


def test_many_batched_jobs_on_two_workers_each_run_once(tmp_path: Any) -> None:
    """Real concurrency on the claim path: two workers, each completion claiming its
    worker's next job in the same commit, 240 jobs from three batches at once. Every job
    completes with its own results, and none was started twice."""
    from quantinuum_api_server._store import Store

    db = tmp_path / "server.sqlite3"
    with LocalServer(db, settings=fast_settings(workers=2)) as srv:
        api = Api(srv, new_user(srv)[0])
        replies: list[httpx.Response] = []

        def submit() -> None:
            replies.append(_batch(api, [_item(count=4) for _ in range(80)]))

        threads = [threading.Thread(target=submit) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [reply.status_code for reply in replies] == [200, 200, 200]
        ids = [entry["job"] for reply in replies for entry in reply.json()["jobs"]]
        assert len(set(ids)) == 240
        done = []
        for start in range(0, len(ids), 80):  # held until each lot has ended (30 s at most)
            reply = _documents(api, ids[start : start + 80], wait=30)
            assert reply.status_code == 200, reply.text
            done.extend(reply.json()["jobs"])
        assert [doc["status"] for doc in done] == ["completed"] * 240
        assert all(len(doc["results"]["c"]) == 4 for doc in done)
    store = Store(db)
    try:
        attempts = {store.job(job_id)["attempts"] for job_id in ids}  # type: ignore[index]
    finally:
        store.close()
    assert attempts == {1}
