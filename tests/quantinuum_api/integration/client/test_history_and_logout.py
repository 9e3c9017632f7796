"""`client.jobs.list()` (job history, lazily, sync and async) and `logout()` on the service."""

from __future__ import annotations

import itertools
import uuid

from quantinuum_api import AsyncClient, Client, Job, MemoryCredentialStorage
from quantinuum_api_server.testing import LocalServer
from tests.programs import BELL

from .conftest import EMAIL, FAST, PASSWORD


def test_list_pages_newest_first_with_filters(client: Client) -> None:
    group = f"g-{uuid.uuid4().hex[:8]}"
    submitted = [
        client.jobs.submit(BELL, "H1-1SC", 10, name=f"h{i}", group=group) for i in range(5)
    ]
    listed = list(client.jobs.list(group=group, page_size=2))
    assert [j.id for j in listed] == [j.id for j in reversed(submitted)]
    assert all(isinstance(j, Job) for j in listed)
    assert [j.name for j in client.jobs.list(group=group, name="h3")] == ["h3"]
    # lazy: taking one job reads one page, not the whole history
    assert [j.id for j in itertools.islice(client.jobs.list(group=group, page_size=1), 1)] == [
        submitted[-1].id
    ]


async def test_async_list_matches_sync(server: LocalServer) -> None:
    group = f"g-{uuid.uuid4().hex[:8]}"
    async with AsyncClient(
        server.base_url,
        email=EMAIL,
        password=PASSWORD,
        token_store=MemoryCredentialStorage(),
        wait_policy=FAST,
    ) as client:
        first = await client.jobs.submit(BELL, "H1-1SC", 10, group=group)
        second = await client.jobs.submit(BELL, "H1-1SC", 10, group=group)
        ids = [job.id async for job in client.jobs.list(group=group, page_size=1)]
    assert ids == [second.id, first.id]


def test_logout_ends_the_session_on_the_service(server: LocalServer) -> None:
    import httpx

    store = MemoryCredentialStorage()
    with Client(server.base_url, email=EMAIL, password=PASSWORD, token_store=store) as client:
        client.login()
        refresh = store.refresh_token
        assert refresh is not None
        client.logout()
        assert store.refresh_token is None
    # the refresh token is dead on the service too, not only forgotten here
    reply = httpx.post(f"{server.base_url}v1/login", json={"refresh-token": refresh})
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == 22  # Invalid Refresh Token (revoked)


def test_logout_without_a_session_asks_for_nothing(server: LocalServer) -> None:
    def no_prompt() -> tuple[str, str]:
        raise AssertionError("logout must not ask for credentials")

    with Client(
        server.base_url, token_store=MemoryCredentialStorage(), credentials_prompt=no_prompt
    ) as client:
        client.logout()
