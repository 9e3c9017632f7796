"""Item 8 (service side): a refresh whose reply was lost is recoverable. Within
`refresh_grace` seconds of its first use, a spent refresh token whose successor was
never used is accepted again from the same address. Since round 2 the retry gets the
*same* pair (test_15_refresh_grace): the lost reply's token is the retried one, so once
the session has moved on from it, presenting it again is reuse. Outside the window, or
once the successor was used, a spent token is reuse and ends the session, as before."""

from __future__ import annotations

import time

from quantinuum_api_server.testing import LocalServer, fast_settings

from .conftest import PASSWORD, authorized, client, login, new_user, refresh


def test_a_retry_after_a_lost_reply_keeps_the_session(server: LocalServer) -> None:
    http = client(server)
    email, _ = new_user(server)
    first = login(http, email=email, password=PASSWORD).json()
    lost = refresh(http, first["refresh-token"])  # the client never sees this reply
    assert lost.status_code == 200
    retried = refresh(http, first["refresh-token"])
    assert retried.status_code == 200
    assert retried.json() == lost.json()  # the same pair: the session never forks
    pair = retried.json()
    assert authorized(http, pair["id-token"])
    # The session goes on from the retried reply...
    for _ in range(3):
        reply = refresh(http, pair["refresh-token"])
        assert reply.status_code == 200
        pair = reply.json()
    assert authorized(http, pair["id-token"])
    # ...and the token of the lost reply, now spent and succeeded (if it turns up, e.g.
    # stolen), is reuse.
    assert refresh(http, lost.json()["refresh-token"]).status_code == 400
    assert not authorized(http, pair["id-token"])
    assert refresh(http, pair["refresh-token"]).status_code == 400


def test_a_spent_token_whose_successor_was_used_is_reuse(server: LocalServer) -> None:
    http = client(server)
    email, _ = new_user(server)
    first = login(http, email=email, password=PASSWORD).json()
    second = refresh(http, first["refresh-token"]).json()
    third = refresh(http, second["refresh-token"]).json()
    assert refresh(http, first["refresh-token"]).status_code == 400  # two steps back
    assert refresh(http, third["refresh-token"]).status_code == 400
    assert not authorized(http, third["id-token"])


def test_outside_the_window_a_spent_token_is_reuse() -> None:
    grace = 0.5
    with LocalServer(settings=fast_settings(refresh_grace=grace)) as server:
        http = client(server)
        email, _ = new_user(server)
        first = login(http, email=email, password=PASSWORD).json()
        second = refresh(http, first["refresh-token"]).json()
        time.sleep(grace + 0.3)
        assert refresh(http, first["refresh-token"]).status_code == 400
        assert refresh(http, second["refresh-token"]).status_code == 400
        assert not authorized(http, second["id-token"])
