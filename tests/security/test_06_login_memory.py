"""Item 6: logins are no memory lever. Password hashing (argon2, memory-hard) runs at
most `login_concurrency` at a time, whoever asks and whatever the e-mail; logins beyond
the queue get 429 with `Retry-After`. Memory is the process's peak resident set (Linux
`VmHWM`, reset through `/proc/self/clear_refs`): the server runs in this process."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter
from functools import partial
from pathlib import Path

import httpx
import pytest

from quantinuum_api_server.testing import LocalServer, fast_settings
from tests.paths import ROOT

from .conftest import at_once, client, login

MIB = 1024
HASH_MIB = 16
LOGINS = 20
OPEN = {"login_client_max_failures": 1000}  # the failed-login limits are not under test here

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self")


def peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def storm(server: LocalServer, measure: bool = False) -> tuple[list[httpx.Response], float]:
    """LOGINS logins with unknown e-mails at once; with `measure`, the growth of the
    process's peak resident set meanwhile (MiB)."""
    clients = [client(server) for _ in range(LOGINS)]
    at_once([partial(http.get, "openapi.json") for http in clients])  # threads and pools warm
    calls = [
        partial(login, http, email=f"nobody-{uuid.uuid4().hex}@example.com", password="guess")
        for http in clients
    ]
    if measure:
        Path("/proc/self/clear_refs").write_text("5")  # peak := current
    before = rss_kib()
    replies = at_once(calls)
    return replies, (peak_kib() - before) / MIB


def measure_storm() -> tuple[list[int], float]:
    """The storm's reply statuses and peak growth (MiB), in this process."""
    settings = fast_settings(
        argon2_memory_cost=HASH_MIB * MIB, login_concurrency=2, login_queue=LOGINS, **OPEN
    )
    with LocalServer(settings=settings) as server:
        replies, growth_mib = storm(server, measure=True)
    return [r.status_code for r in replies], growth_mib


def test_concurrent_unknown_logins_do_not_grow_memory() -> None:
    # Measured in a fresh process: the peak is process-wide, and in a full test run other
    # tests' threads and servers in this process would be counted too.
    code = (
        "import json\nfrom tests.security.test_06_login_memory import measure_storm\n"
        "print(json.dumps(measure_storm()))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert run.returncode == 0, run.stderr
    statuses, growth_mib = json.loads(run.stdout.splitlines()[-1])
    assert set(statuses) == {401}, Counter(statuses)
    # Unbounded, 20 hashes at once take 320 MiB; bounded, 2 take 32 MiB (+ threads).
    assert growth_mib < 8 * HASH_MIB, f"peak grew by {growth_mib:.0f} MiB"


def test_logins_beyond_the_queue_get_429_with_retry_after() -> None:
    settings = fast_settings(
        argon2_memory_cost=HASH_MIB * MIB,
        argon2_time_cost=3,
        login_concurrency=1,
        login_queue=2,
        **OPEN,
    )
    with LocalServer(settings=settings) as server:
        replies, _ = storm(server)
        statuses = Counter(r.status_code for r in replies)
        assert set(statuses) <= {401, 429}, statuses
        assert statuses[429] > 0, statuses
        assert statuses[401] >= 1 + 2, statuses  # the running and queued ones were answered
        assert all(int(r.headers["Retry-After"]) >= 1 for r in replies if r.status_code == 429)
        http = client(server)
        busy = [
            login(http, email=f"n-{i}@example.com", password="x") for i in range(3)
        ]  # once the storm is over, logins go through again
        assert {r.status_code for r in busy} == {401}
