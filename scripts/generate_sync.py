"""Generate the SDK's synchronous twins from their async source (as httpcore does).

Usage: python scripts/generate_sync.py           (rewrite the generated files)
       python scripts/generate_sync.py --check   (exit 1, naming them, when any is stale)

Each operation is written once, in the async source; the sync twin is that file with
`async`/`await` dropped and the async names renamed (`CLIENT_RENAMES`, ...),
then import-sorted and formatted with ruff, so it passes the project's lint as it is. The
generated files are committed (like generated/) and never edited by hand; the drift test
(tests/quantinuum_api/unit/client/test_generated_sync.py) fails when one is stale.

Why generated and not thin wrappers (`run_sync(async_client.jobs.get(...))`): a wrapper
hops to the SDK's loop thread on every call, which cost ~0.5 ms on a ~1 ms `jobs.get`
against the local service (bench scenario (3): `Client.jobs.get` must stay <= 1.1x raw
httpx); the generated twin calls the sync operation on the caller's thread.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import tokenize_rt  # type: ignore[import-untyped]
import unasync  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parent.parent
SDK = ROOT / "src" / "quantinuum_api"

#: Async name -> sync name, on top of unasync's own (`__aenter__`, `AsyncIterator`, ...).
CLIENT_RENAMES: dict[str, str] = {
    "AsyncClient": "Client",  # also httpx.AsyncClient -> httpx.Client
    "AsyncJobs": "Jobs",
    "AsyncMachines": "Machines",
    "acall": "call",
    "aclose": "close",
    "aiter_jobs": "iter_jobs",
    "arequest": "request",
    "asyncio_detailed": "sync_detailed",
    "atoken": "token",
    "awaited": "run_sync",  # waits, submit_many and closing run on the SDK's loop thread
    "get_async_httpx_client": "get_httpx_client",
}
HTTP_RENAMES: dict[str, str] = {"acall": "call", "arequest": "request", "AsyncClient": "Client"}
AUTH_RENAMES: dict[str, str] = {
    "_AsyncExchanges": "_SyncExchanges",
    "_acredentials": "_credentials",
    "_alogin": "_login",
    "_apost": "_post",
    "_arenew": "_renew",
    "_asend": "_send",
    "_athread": "_inline",
    "_call_async": "_call_sync",
}

TRANSPORT_RENAMES: dict[str, str] = {
    "AsyncRetryTransport": "RetryTransport",
    "AsyncBaseTransport": "BaseTransport",
    "AsyncSleep": "Sleep",
    "_abuffered": "_buffered",
    "aclose": "close",
    "aiter_raw": "iter_raw",
    "async_sleep": "sync_sleep",
    "handle_async_request": "handle_request",
}

#: (async source, generated sync twin, renames), paths relative to src/quantinuum_api.
PAIRS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("_client/_async.py", "_client/_sync.py", CLIENT_RENAMES),
    ("_auth/_async.py", "_auth/_sync.py", AUTH_RENAMES),
    ("_http/_async.py", "_http/_sync.py", HTTP_RENAMES),
    ("_transport/_async.py", "_transport/_sync.py", TRANSPORT_RENAMES),
)

#: Comments that only make sense on an async function.
_ASYNC_ONLY_COMMENT = re.compile(r"  # noqa: ASYNC109[^\n]*")


def _header(source: str) -> str:
    return f"# GENERATED from {source} by scripts/generate_sync.py: do not edit.\n"


def _ruff(args: list[str], text: str, filename: Path) -> str:
    run = subprocess.run(  # noqa: S603 - ruff from this venv, on our own files
        [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(filename), "-"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if run.returncode != 0:
        raise SystemExit(
            f"scripts/generate_sync.py: ruff {args[0]} failed on {filename}:\n{run.stderr}"
        )
    return run.stdout


def generate(source: str, target: str, renames: dict[str, str]) -> str:
    """The text of the sync twin of `source` (paths relative to src/quantinuum_api)."""
    rule = unasync.Rule(fromdir="/", todir="/", additional_replacements=renames)
    text = (SDK / source).read_text(encoding="utf-8")
    tokens = tokenize_rt.src_to_tokens(text)
    sync = tokenize_rt.tokens_to_src(rule._unasync_tokens(tokens))
    sync = _ASYNC_ONLY_COMMENT.sub("", sync)
    sync = _header(source) + sync
    path = SDK / target
    sync = _ruff(["check", "--fix", "--select", "I,F401", "--quiet", "--exit-zero"], sync, path)
    return _ruff(["format", "--quiet"], sync, path)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for source, target, renames in PAIRS:
        text = generate(source, target, renames)
        path = SDK / target
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(target)
        if not check:
            path.write_text(text, encoding="utf-8")
    if check and stale:
        print(f"stale (run `python scripts/generate_sync.py`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
