"""Item 2: failed-login limits hold under parallel guessing, per account and per client
address, and someone else's guesses hold the owner back only for a short lockout."""

from __future__ import annotations

import time
from collections import Counter
from functools import partial

from quantinuum_api_server.testing import LocalServer, fast_settings

from .conftest import PASSWORD, at_once, client, login, new_user

LIMIT = 5


def test_parallel_guesses_are_evaluated_at_most_limit_times() -> None:
    # Hashing as slow as a real one (~20 ms), so the guesses overlap.
    settings = fast_settings(
        login_max_failures=LIMIT, argon2_time_cost=2, argon2_memory_cost=8192, login_queue=64
    )
    with LocalServer(settings=settings) as server:
        email, _ = new_user(server)
        clients = [client(server) for _ in range(40)]
        for http in clients:
            http.get("openapi.json")
        replies = at_once(
            [
                partial(login, http, email=email, password=f"guess-{i}")
                for i, http in enumerate(clients)
            ]
        )
        statuses = Counter(r.status_code for r in replies)
        assert set(statuses) <= {401, 429}, statuses
        assert statuses[401] <= LIMIT, statuses
        assert all(int(r.headers["Retry-After"]) > 0 for r in replies if r.status_code == 429)
        # The guesser cannot go on, even with the right password.
        assert login(clients[0], email=email, password=PASSWORD).status_code == 429


def test_one_client_address_is_limited_across_accounts() -> None:
    settings = fast_settings(login_max_failures=LIMIT, login_client_max_failures=8)
    with LocalServer(settings=settings) as server:
        attacker = client(server, "127.0.0.2")
        statuses = [
            login(attacker, email=new_user(server)[0], password="guess").status_code
            for _ in range(12)
        ]
        assert statuses == [401] * 8 + [429] * 4
        # Another address is not affected.
        email, _ = new_user(server)
        assert login(client(server), email=email, password=PASSWORD).status_code == 200


def test_the_owner_waits_at_most_the_short_lockout() -> None:
    lockout = 1.0
    settings = fast_settings(
        login_max_failures=LIMIT, login_failure_window=900, login_lockout=lockout
    )
    with LocalServer(settings=settings) as server:
        email, _ = new_user(server)
        attacker, owner = client(server, "127.0.0.2"), client(server, "127.0.0.1")
        for _ in range(LIMIT):
            assert login(attacker, email=email, password="guess").status_code == 401
        assert login(attacker, email=email, password="guess").status_code == 429
        first = login(owner, email=email, password=PASSWORD)
        if first.status_code == 429:
            assert int(first.headers["Retry-After"]) <= lockout + 1
            time.sleep(lockout + 0.1)
            first = login(owner, email=email, password=PASSWORD)
        assert first.status_code == 200, first.text
        # The guesser stays blocked for the whole failure window.
        blocked = login(attacker, email=email, password=PASSWORD)
        assert blocked.status_code == 429
        assert int(blocked.headers["Retry-After"]) > 60
