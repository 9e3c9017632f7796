"""`client.jobs.list()`: the caller's job history as SDK `Job`s, lazily, sync and async."""

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
