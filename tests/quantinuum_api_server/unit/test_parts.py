"""Service parts without a server: spec validation, tickets, calendar, throttle, store."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from starlette.datastructures import QueryParams

from quantinuum_api_server._auth import LoginThrottle
from quantinuum_api_server._errors import ApiError
from quantinuum_api_server._scheduler import Wakeup
from quantinuum_api_server._spec import Spec, load_spec
from quantinuum_api_server._store import Store
from quantinuum_api_server._tickets import TicketError, Tickets, execution_arn
from quantinuum_emulator import MachineCatalog, day_events


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec()


def test_spec_validates_bodies_from_the_yaml(spec: Spec) -> None:
    login = spec.operations["login"]
    spec.validate_body(login, {"email": "a@b.c", "password": "x"})
    spec.validate_body(login, {"refresh-token": "r"})
    with pytest.raises(ApiError) as info:
        spec.validate_body(login, {"email": "a@b.c", "password": "x", "extra": 1})
    assert (info.value.status, info.value.code) == (400, 10)


def test_spec_converts_and_checks_parameters(spec: Spec) -> None:
    op = spec.operations["get_reservations"]
    good = QueryParams("mode=user&start=2026-11-25&end=2026-11-26")
    assert spec.validate_parameters(op, {}, good, {})["start"] == "2026-11-25"
    for bad in ("mode=admin&start=2026-11-25&end=2026-11-26", "mode=user&start=2026-13-01&end=x"):
        with pytest.raises(ApiError):
            spec.validate_parameters(op, {}, QueryParams(bad), {})
    job = spec.operations["get_job"]
    params = spec.validate_parameters(job, {"job_id": "j"}, QueryParams("websocket=true"), {})
    assert params["websocket"] is True
    with pytest.raises(ApiError, match="true or false"):
        spec.validate_parameters(job, {"job_id": "j"}, QueryParams("websocket=yes"), {})


def test_tickets_are_bound_signed_and_expiring() -> None:
    tickets = Tickets(b"k" * 32, ttl=60)
    ticket = tickets.issue("job1", 7)
    assert tickets.verify(ticket["task_token"], ticket["executionArn"]) == ("job1", 7)
    with pytest.raises(TicketError):
        tickets.verify(ticket["task_token"], execution_arn("job2"))
    with pytest.raises(TicketError):
        Tickets(b"x" * 32, ttl=60).verify(ticket["task_token"], ticket["executionArn"])
    expired = Tickets(b"k" * 32, ttl=-1).issue("job1", 7)
    with pytest.raises(TicketError, match="Expired"):
        tickets.verify(expired["task_token"], expired["executionArn"])


def test_calendar_days_are_contiguous_and_deterministic() -> None:
    day = dt.date(2026, 11, 25)
    events = day_events("H1-1", day)
    assert events == day_events("H1-1", day)
    assert events[0]["start-date"] == "2026-11-25T00:00:00"
    assert events[-1]["end-date"] == "2026-11-26T00:00:00"
    for before, after in itertools.pairwise(events):
        assert before["end-date"] == after["start-date"]
    catalog = MachineCatalog()
    assert catalog.state("H1-1E") == "online"
    assert catalog.state("nope") is None
    noon = dt.datetime(2026, 11, 25, 12, 30, tzinfo=dt.UTC)
    expected = {"online": "online", "maintenance": "in maintenance", "reserved": "reserved"}
    assert catalog.state("H1-1", noon) == expected[events[2]["event-type"]]


def test_throttle_blocks_after_the_limit() -> None:
    throttle = LoginThrottle(max_failures=2, window=60)
    throttle.begin("A@x.y", "c1").failed()
    throttle.begin("a@x.y", "c1").failed()
    with pytest.raises(ApiError) as info:
        throttle.begin("a@X.Y", "c1")
    assert info.value.status == 429
    assert 0 < int(info.value.headers["Retry-After"]) <= 60


def test_throttle_counts_attempts_in_flight() -> None:
    throttle = LoginThrottle(max_failures=2, window=60)
    first, second = throttle.begin("a@x.y", "c1"), throttle.begin("a@x.y", "c1")
    with pytest.raises(ApiError):
        throttle.begin("a@x.y", "c1")
    first.succeeded()
    second.succeeded()
    throttle.begin("a@x.y", "c1").succeeded()


def test_refresh_token_reuse_revokes_the_session(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    try:
        user = store.add_user("a@b.c", None, None)
        store.start_session("s1", user, "h1", now=0, idle=100, life=1000)
        assert store.rotate_refresh_token("h1", "h2", now=1, idle=100, grace=0)[0] == "ok"
        assert store.rotate_refresh_token("h1", "h3", now=2, idle=100, grace=0)[0] == "reused"
        assert store.rotate_refresh_token("h2", "h4", now=3, idle=100, grace=0)[0] == "invalid"
        store.start_session("s2", user, "h5", now=0, idle=10, life=1000)
        assert store.rotate_refresh_token("h5", "h6", now=11, idle=10, grace=0)[0] == "invalid"
    finally:
        store.close()


def test_expired_sessions_and_tokens_are_pruned(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3")
    try:
        user = store.add_user("a@b.c", None, None)
        store.start_session("old", user, "h1", now=0, idle=10, life=20)
        assert store.rotate_refresh_token("h1", "h2", now=5, idle=10, grace=0)[0] == "ok"
        store.start_session("new", user, "h3", now=100, idle=10, life=20)
        with store.transaction() as db:
            tokens = [r[0] for r in db.execute("SELECT token_hash FROM session_tokens")]
            sessions = [r[0] for r in db.execute("SELECT id FROM sessions")]
        assert (tokens, sessions) == (["h3"], ["new"])
    finally:
        store.close()


def test_a_workers_look_at_the_queue_does_not_eat_the_others_wakeup() -> None:
    # Two idle workers each looked at the queue (empty) and took a mark first. A job is
    # queued (`set`). Worker A looks again before B waits: B must still wake at once.
    # (With a shared Event, A's `clear` before its look erased B's wake-up, and B slept
    # out its idle timeout while the job waited.)
    wakeup = Wakeup()
    seen_a, seen_b = wakeup.mark(), wakeup.mark()
    wakeup.set()
    assert wakeup.wait(seen_a, 5.0)
    seen_a = wakeup.mark()  # A's next look: takes the job, or finds the queue empty
    assert wakeup.wait(seen_b, 5.0)  # B wakes too, at once
    assert not wakeup.wait(seen_a, 0.01)  # and nothing new was queued for A
