"""The README's examples work: its Python runs against the real local service, its `qapi`
lines are valid commands, and the extras it names exist."""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterator

import pytest

from quantinuum_api.cli import build_parser
from quantinuum_api_server.testing import LocalServer
from tests.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
README_URL = "http://127.0.0.1:8000/"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.add_user("you@example.com", "your password")
        yield srv


def test_each_python_example_runs_on_its_own(
    server: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every block, top to bottom, in a fresh namespace: a reader can paste any one."""
    code = blocks("python")
    assert len(code) >= 5
    outputs = []
    for block in code:
        assert README_URL in block or "QuantinuumAPIOffline" in block
        namespace: dict[str, object] = {"__name__": "readme"}
        source = block.replace(README_URL, server.base_url)
        exec(compile(source, "README.md", "exec"), namespace)  # noqa: S102
        outputs.append(capsys.readouterr().out)
    out = "".join(outputs)
    assert "H1-1E" in out
    assert "completed Counter(" in out
    assert "online" in out
    assert "H1-1E unclear" in out
    assert "Counter({'1': 100})" in out
    assert "(100, 3)" in out
    assert "shots done" in out
    assert "Counter({(" in out  # the pytket example's counts


def test_qapi_lines_are_valid_commands() -> None:
    parser = build_parser()
    lines = [
        re.split(r"#|\s[>|]\s", line)[0].strip()  # no comment, redirection or pipe
        for block in blocks("sh")
        for line in block.splitlines()
        if line.startswith("qapi ")
    ]
    assert len(lines) >= 12
    used = set()
    for line in lines:
        argv = shlex.split(line.replace("[JOB_ID ...]", "").replace("JOB_ID", "0123abcd"))[1:]
        args = parser.parse_args(argv)
        used.add(argv[0])
        assert getattr(args, "run", None) or getattr(args, "handler", None), line
    assert used >= {
        "login",
        "machines",
        "submit",
        "wait",
        "result",
        "cancel",
        "cost",
        "calendar",
        "profiles",
        "completion",
        "status",
    }


def test_extras_named_in_the_readme_exist() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = set(pyproject["project"]["optional-dependencies"])
    named = set(re.findall(r"quantinuum-api\[(\w+)\]", README))
    assert named
    assert named <= extras
