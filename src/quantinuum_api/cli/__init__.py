"""The `qapi` command line: log in, run and inspect jobs, machines and the calendar.

Every command is a function `(args, ctx) -> int` returning one of the codes in
`EXIT_CODES`, the one table that `--help` and the docs show. Errors go to stderr as
`qapi <command>: error: <message>`, followed by a `hint:` line naming the URL and the
likely fix when there is one; secrets are never printed and no input gives a traceback.
With `--json` a command prints exactly one JSON object on stdout. The prompts (e-mail,
password, MFA code) live here, in the command layer, never in the library.

One module per concern:

- `_output`: `Context` (the streams), `EXIT_CODES`, `UsageError` / `NotFound`;
- `_target`: which profile and URL a command uses, and the `Client` it talks through;
- `_args`: argument types, the help formatter, the options commands share;
- `_auth` (login, logout, whoami, profiles), `_machines` (machines, status, calendar),
  `_jobs` (submit, wait, result, jobs, cancel, cost): each group's handlers and its
  `add_commands`;
- `_parser`: `build_parser`, the plugged-in commands (`qapi serve`, `qapi server`) and
  `completion`;
- `_main`: `main` and the mapping from exceptions to exit codes;
- `_render`, `_progress`, `_hints`, `_completion`: tables and histograms, live job
  progress, error hints, shell completion scripts.
"""

from __future__ import annotations

from ._main import main
from ._output import EXIT_CODES, Context, ExitCode, exit_codes_markdown
from ._parser import build_parser

__all__ = ["EXIT_CODES", "Context", "ExitCode", "build_parser", "exit_codes_markdown", "main"]
