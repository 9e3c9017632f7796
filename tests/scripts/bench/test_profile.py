"""The bench's summary of py-spy folded stacks (`scripts/bench/_profile.py`)."""

from __future__ import annotations

from pathlib import Path

from bench._profile import parse_folded, render_summary, summarise_file

SP = "/v/lib/python3.11/site-packages"
SERVER = "run_forever (asyncio/base_events.py:1);run (uvicorn/server.py:10)"
STACKS = [
    (
        SERVER,
        "_get_job (/w/src/quantinuum_api_server/_app.py:300)",
        "job (/w/src/quantinuum_api_server/_store.py:20)",
        "execute (x:1)",
        30,
    ),
    (SERVER, "_submit_job (_app.py:290)", f"validate ({SP}/jsonschema/validators.py:5)", 50),
    (
        SERVER,
        "render (starlette/responses.py:3)",
        "encode (/x/lib/python3.11/json/encoder.py:2)",
        20,
    ),
    (
        "<module> (bench/server_proc.py:1)",
        "_find_and_load (<frozen importlib._bootstrap>:1)",
        f"<module> ({SP}/qiskit/__init__.py:1)",
        100,
    ),
    ("_bootstrap (/x/lib/python3.11/threading.py:1)", "Condition.wait (threading.py:2)", 40),
    (
        "_worker (/x/lib/python3.11/concurrent/futures/thread.py:83)",
        "JobService.submit (/w/src/quantinuum_api_server/_jobs.py:9)",
        25,
    ),
]
FOLDED = "".join(";".join(map(str, s[:-1])) + f" {s[-1]}\n" for s in STACKS) + "not a stack line\n"


def test_summary_shares_exclude_start_up_and_waiting_and_name_the_top_costs(tmp_path: Path) -> None:
    path = tmp_path / "profile.txt"
    path.write_text(FOLDED)
    stacks = parse_folded(FOLDED.splitlines())
    assert len(stacks) == 6
    summary = summarise_file(path, "title")
    assert summary["samples"] == 265
    assert summary["startup_samples"] == 100
    assert summary["waiting_samples"] == 40
    assert summary["waiting_top"] == [("Condition.wait (threading.py)", 40)]
    assert summary["busy_samples"] == 125
    shares = summary["categories_pct"]
    assert shares["schema validation (jsonschema)"] == 40.0
    assert shares["SQLite store"] == 24.0
    assert shares["JSON encode/decode"] == 16.0
    assert shares["HTTP server (uvicorn, h11)"] == 80.0
    assert shares["simulation (qiskit/Aer)"] == 0.0  # its only stack was an import
    assert summary["roles_pct"] == [
        ("event loop thread", 80.0),
        ("thread pool (run_in_threadpool, to_thread)", 20.0),
    ]
    assert summary["self_by_package_pct"][:2] == [("jsonschema", 40.0), ("x", 24.0)]
    assert summary["top_self_pct"][0] == ("validate (jsonschema/validators.py)", 40.0)
    written = path.with_suffix(".top.txt").read_text()
    assert written == render_summary("title", summary)
    assert written.startswith("title\nsamples: 265 = 100 start-up imports + 40 waiting + 125 busy")
