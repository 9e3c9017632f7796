"""The README's and the docs pages' examples work: their Python runs against the real
local service, their `qapi` lines are valid commands, and the extras they name exist.

Each Python block runs on its own, in a fresh namespace (a reader can paste any one), in a
temporary working directory, with the page's `http://127.0.0.1:8000/` pointed at a
`LocalServer` where you@example.com has the password "your password"; a block that
defines `test_*` functions (the testing guide's) has them called. A block after
`<!-- not run: why -->` is skipped. docs/getting-started.md is run as a new user would,
by test_getting_started.py.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from quantinuum_api.cli import build_parser, exit_codes_markdown
from quantinuum_api_server.testing import LocalServer
from tests.docs.pages import Block, page_blocks
from tests.paths import ROOT

PAGE_URL = "http://127.0.0.1:8000/"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

#: What each page's Python prints (the comments beside it promise as much).
PRINTS = {
    "README.md": ["HQC", "completed Counter({'"],  # '00' or '11' first: the likelier
    "docs/guides/async.md": ["shots done", "[Counter("],
    "docs/guides/clients.md": ["H1-1E", "online", "HQC", "completed Counter(", "MachineState("],
    "docs/guides/local-service.md": [],  # a pytest test: its asserts are its check
    "docs/guides/offline.md": ["H1-1E unclear", "True", "Counter({"],
    "docs/guides/pytket.md": ["Counter({(", "online"],
    "docs/guides/results.md": ["Counter({'1': 100})", "(100, 3)", "HQC charged"],
}


def name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def runnable(page: Path, lang: str) -> list[Block]:
    blocks = page_blocks(page.read_text(encoding="utf-8"))
    return [b for b in blocks if b.lang == lang and not b.marker]


PYTHON_PAGES = [
    page for page in PAGES if name(page) != "docs/getting-started.md" and runnable(page, "python")
]


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.add_user("you@example.com", "your password")
        yield srv


def test_every_page_with_python_says_what_it_prints() -> None:
    assert {name(page) for page in PYTHON_PAGES} == set(PRINTS)


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=name)
def test_each_python_example_runs_on_its_own(
    page: Path,
    server: LocalServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # e.g. results.md saves a PNG
    outputs = []
    for block in runnable(page, "python"):
        where = f"{name(page)}:{block.line}"
        assert PAGE_URL in block.code or "Offline" in block.code or "LocalServer" in block.code
        namespace: dict[str, object] = {"__name__": "docs_example"}
        source = block.code.replace(PAGE_URL, server.base_url)
        exec(compile(source, where, "exec"), namespace)  # noqa: S102
        for key, value in list(namespace.items()):
            if key.startswith("test_") and callable(value):
                value()
        outputs.append(capsys.readouterr().out)
    out = "".join(outputs)
    for text in PRINTS[name(page)]:
        assert text in out, f"{name(page)} does not print {text!r}:\n{out}"


def qapi_lines(page: Path) -> list[str]:
    """The `qapi` command of each sh line (also after a pipe or `$(`), without comments,
    redirections or what follows a pipe."""
    lines = []
    for block in page_blocks(page.read_text(encoding="utf-8")):
        if block.lang != "sh":
            continue
        for line in block.code.splitlines():
            start = re.search(r"(?:^|\| |\$\()(qapi .*)", line)
            if start:
                lines.append(re.split(r"#|\s[>|]\s|\)$", start[1])[0].strip())
    return lines


def test_qapi_lines_are_valid_commands() -> None:
    parser = build_parser()
    lines = [line for page in PAGES for line in qapi_lines(page)]
    assert len(lines) >= 40
    used = set()
    for line in lines:
        argv = shlex.split(line.replace("[JOB_ID ...]", "").replace("JOB_ID", "0123abcd"))[1:]
        if argv == ["--version"]:
            continue
        args = parser.parse_args(argv)
        used.add(argv[0])
        assert getattr(args, "run", None) or getattr(args, "handler", None), line
    assert used >= {
        "login",
        "whoami",
        "machines",
        "submit",
        "wait",
        "result",
        "jobs",
        "cancel",
        "cost",
        "calendar",
        "profiles",
        "completion",
        "status",
        "serve",
        "server",
    }


def test_extras_named_in_the_docs_exist() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = set(pyproject["project"]["optional-dependencies"])
    named = {
        extra
        for page in PAGES
        for extra in re.findall(r"quantinuum-api\[(\w+)\]", page.read_text(encoding="utf-8"))
    }
    assert named >= {"server", "emulator", "pytket"}
    assert named <= extras


def test_the_cli_guide_shows_the_exit_code_table() -> None:
    guide = (ROOT / "docs" / "guides" / "cli.md").read_text(encoding="utf-8")
    assert exit_codes_markdown() in guide


def test_every_public_name_is_in_the_api_reference() -> None:
    """mkdocstrings renders the classes and functions of `quantinuum_api` from their
    docstrings; the rest (constants, modules) the reference page names itself."""
    import inspect

    import quantinuum_api

    reference = (ROOT / "docs" / "reference" / "quantinuum_api.md").read_text(encoding="utf-8")
    for public in quantinuum_api.__all__:
        value = getattr(quantinuum_api, public)
        rendered = (inspect.isclass(value) or inspect.isfunction(value)) and value.__doc__
        named = f"| `{public}` |" in reference or f"| `{public}()` |" in reference
        assert rendered or named, f"{public} is not in the reference"
