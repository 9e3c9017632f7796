"""Job history, `GET /v1/job` (an extension): the caller's jobs, newest first, filtered,
one page at a time with an opaque cursor; against a real LocalServer."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import httpx
import pytest

from quantinuum_api_server.testing import LocalServer

from .conftest import Api, new_user


def page(api: Api, **params: Any) -> httpx.Response:
    return api.http.get("v1/job", params=params, headers=api.headers)


def walk(api: Api, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of a listing, following `next-cursor` to the end."""
    pages: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        reply = page(api, **params, **({"cursor": cursor} if cursor else {}))
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert set(body) == {"jobs", "next-cursor"}
        pages.append(body["jobs"])
        cursor = body["next-cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "the cursor never ends"


def submit_many(api: Api, count: int, **extra: Any) -> list[str]:
    ids = []
    for index in range(count):
        reply = api.submit(count=5, **{"name": f"job-{index}", **extra})
        assert reply.status_code == 200, reply.text
        ids.append(reply.json()["job"])
    return ids


def ids_of(pages: list[list[dict[str, Any]]]) -> list[str]:
    return [doc["job"] for jobs in pages for doc in jobs]


def test_pages_walk_every_job_newest_first(api: Api) -> None:
    submitted = submit_many(api, 23)
    pages = walk(api, limit=5)
    assert [len(jobs) for jobs in pages] == [5, 5, 5, 5, 3]
    assert ids_of(pages) == submitted[::-1]
    first = pages[0][0]
    assert first["name"] == "job-22"
    assert first["machine"] == "H1-1E"
    assert "results" not in first  # a listing stays small; results come from GET /v1/job/{id}
    assert "submit-date" in first


def test_the_default_page_is_20_and_a_full_last_page_ends_the_walk(api: Api) -> None:
    submitted = submit_many(api, 20)
    body = page(api).json()
    assert [doc["job"] for doc in body["jobs"]] == submitted[::-1]
    assert body["next-cursor"] is None
    assert [len(jobs) for jobs in walk(api, limit=10)] == [10, 10]


def test_pages_are_stable_while_jobs_are_submitted(api: Api) -> None:
    older = submit_many(api, 9)
    first = page(api, limit=4).json()
    assert [doc["job"] for doc in first["jobs"]] == older[::-1][:4]
    newer = submit_many(api, 3)  # submitted between two page requests
    rest: list[str] = []
    cursor = first["next-cursor"]
    while cursor is not None:
        body = page(api, limit=4, cursor=cursor).json()
        rest += [doc["job"] for doc in body["jobs"]]
        cursor = body["next-cursor"]
    assert rest == older[::-1][4:]  # nothing repeated, nothing skipped
    assert ids_of(walk(api, limit=4))[:3] == newer[::-1]


def test_filters_by_status_machine_name_and_group(api: Api) -> None:
    plain = submit_many(api, 3)
    grouped = submit_many(api, 2, group="exp-7")
    checker = api.submit(machine="H1-1SC", name="checked").json()["job"]
    too_dear: dict[str, Any] = {"max-cost": 0.001}
    over = api.submit(name="too-dear", **too_dear).json()["job"]
    for job in (*plain, *grouped, checker):
        api.wait(job)

    def listed(**params: Any) -> list[str]:
        return ids_of(walk(api, limit=2, **params))

    assert listed(status="failed") == [over]
    assert set(listed(status="completed")) == {*plain, *grouped, checker}
    assert listed(status="queued") == []
    assert listed(machine="H1-1SC") == [checker]
    assert listed(name="job-1") == [grouped[1], plain[1]]
    assert listed(group="exp-7") == grouped[::-1]
    assert listed(group="exp-7", name="job-0") == [grouped[0]]
    assert listed(machine="H2-1E") == []


def test_filters_by_submit_date(api: Api) -> None:
    submitted = submit_many(api, 2)
    docs = walk(api)[0]
    dates = {dt.datetime.fromisoformat(doc["submit-date"]) for doc in docs}
    earliest, latest = min(dates), max(dates)
    hour = dt.timedelta(hours=1)

    def listed(**params: dt.datetime) -> list[str]:
        return ids_of(walk(api, **{k: v.isoformat() for k, v in params.items()}))

    assert listed(submitted_after=earliest) == submitted[::-1]  # inclusive
    assert listed(submitted_before=earliest) == []  # exclusive
    assert listed(submitted_after=latest + hour) == []
    window = {"submitted_after": earliest - hour, "submitted_before": latest + hour}
    assert listed(**window) == submitted[::-1]
    # Another offset names the same instant.
    plus_two = (latest + hour).astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert listed(submitted_before=plus_two) == submitted[::-1]
    # Offsets that move a date past year 1 or 9999 mean "since always" / "until forever".
    assert (
        listed(submitted_after=dt.datetime(1, 1, 1, tzinfo=dt.timezone(hour))) == (submitted[::-1])
    )
    far = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.timezone(-hour))
    assert listed(submitted_before=far) == submitted[::-1]
    assert listed(submitted_after=far) == []
    reply = page(api, submitted_after="yesterday")
    assert reply.status_code == 400
    assert "submitted_after" in reply.json()["error"]["text"]


def test_other_users_jobs_are_invisible(server: LocalServer, api: Api) -> None:
    mine = submit_many(api, 3)
    email, _ = new_user(server)
    other = Api(server, email)
    assert page(other).json() == {"jobs": [], "next-cursor": None}
    theirs = other.submit().json()["job"]
    assert ids_of(walk(other)) == [theirs]
    assert ids_of(walk(api, limit=2)) == mine[::-1]
    # A cursor names a position, not a permission: another user's reads only their jobs
    # (here none: their one job is newer than the position).
    cursor = page(api, limit=1).json()["next-cursor"]
    assert page(other, cursor=cursor).json() == {"jobs": [], "next-cursor": None}


def test_listing_needs_a_token(server: LocalServer) -> None:
    reply = httpx.get(f"{server.base_url}v1/job")
    assert reply.status_code == 401
    assert reply.json()["error"]["code"] == 20


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "%%%",
        _b64(b"plain text"),
        _b64(b"[1, 2]"),
        _b64(b'{"s": "12"}'),
        _b64(b'{"s": -1}'),
        _b64(b'{"s": true}'),
        _b64(b'{"t": 3}'),
        _b64(b'{"s": 100000000000000000000000}'),  # beyond SQLite's integers
        _b64(b'{"s": 1e400}'),
        "x" * 513,
    ],
)
def test_a_bad_cursor_is_a_clear_400(api: Api, cursor: str) -> None:
    reply = page(api, cursor=cursor)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == 10
    assert "cursor" in error["text"]


def test_a_cursor_is_a_position_that_other_filters_and_sizes_continue_from(api: Api) -> None:
    submitted = submit_many(api, 4)  # job-0 .. job-3
    assert page(api, limit=1, name="job-1").json()["next-cursor"] is None  # one match
    cursor = page(api, limit=1).json()["next-cursor"]  # after job-3
    narrowed = page(api, limit=1, cursor=cursor, name="job-1").json()
    assert [doc["job"] for doc in narrowed["jobs"]] == [submitted[1]]
    assert narrowed["next-cursor"] is None
    wider = page(api, limit=3, cursor=cursor).json()
    assert [doc["job"] for doc in wider["jobs"]] == submitted[2::-1]


@pytest.mark.parametrize("limit", ["0", "101", "-5", "ten", "1.5"])
def test_limit_out_of_bounds_is_400(api: Api, limit: str) -> None:
    reply = page(api, limit=limit)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == 10
    assert "limit" in error["text"]


def test_limit_bounds_are_inclusive(api: Api) -> None:
    submitted = submit_many(api, 3)
    assert [doc["job"] for doc in page(api, limit=1).json()["jobs"]] == submitted[-1:]
    body = page(api, limit=100).json()
    assert [doc["job"] for doc in body["jobs"]] == submitted[::-1]
    assert body["next-cursor"] is None


def test_unknown_status_filter_is_400(api: Api) -> None:
    reply = page(api, status="finished")
    assert reply.status_code == 400
    assert "status" in reply.json()["error"]["text"]
