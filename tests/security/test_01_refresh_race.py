"""Item 1: the same refresh token presented twice at once by two parties must not leave a
live session to either. Spending a token and storing its successor are one transaction, so
the loser's reuse revokes the winner's new token (and its id token) in every trial.

The two parties present from two addresses: since round 2 (test_15_refresh_grace), a
second presentation from the *same* address inside the grace window is a lost-reply retry
and gets the very same pair (one branch, not two), so it no longer ends the session."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest

from quantinuum_api_server.testing import LocalServer, fast_settings

from .conftest import PASSWORD, at_once, authorized, client, login, new_user, refresh

TRIALS = 40


@pytest.fixture(scope="module", params=[0.0, 30.0], ids=["no-grace", "grace"])
def race_server(request: pytest.FixtureRequest) -> Iterator[LocalServer]:
    with LocalServer(settings=fast_settings(refresh_grace=request.param)) as running:
        yield running


def test_double_presentation_never_leaves_a_live_session(race_server: LocalServer) -> None:
    email, _ = new_user(race_server)
    first, second = client(race_server, "127.0.0.2"), client(race_server, "127.0.0.3")
    checker = client(race_server)
    for http in (first, second, checker):
        http.get("openapi.json")  # connections open before the race
    survivors = []
    for _ in range(TRIALS):
        pair = login(checker, email=email, password=PASSWORD).json()
        token = pair["refresh-token"]
        replies = at_once([partial(refresh, first, token), partial(refresh, second, token)])
        assert {r.status_code for r in replies} <= {200, 400}
        won = [r.json() for r in replies if r.status_code == 200]
        assert won, "neither presentation was accepted"
        # Both parties now carry on with what they got: the session must die.
        id_tokens = [pair["id-token"] for pair in won]
        for got in list(won):
            again = refresh(checker, got["refresh-token"])
            if again.status_code == 200:
                id_tokens.append(again.json()["id-token"])
                won.append(again.json())
        alive: list[Any] = [t for t in id_tokens if authorized(checker, t)]
        alive += [p for p in won if refresh(checker, p["refresh-token"]).is_success]
        survivors.append(len(alive))
    assert survivors == [0] * TRIALS
