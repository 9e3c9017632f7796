"""The fenced code blocks of the README and the docs pages, with their markers.

A block may follow an HTML comment that says how the tests treat it:
`<!-- not run: why -->` (a clone, a venv, an interactive prompt, another venv's
package) or `<!-- background: ... -->` (getting-started's `qapi serve`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FENCE = re.compile(
    r"(?:<!--(?P<marker>[^>]*)-->\n)?```(?P<lang>sh|python)\n(?P<code>.*?)\n```", re.DOTALL
)
MARKERS = ("not run", "background")


@dataclass(frozen=True)
class Block:
    line: int
    lang: str
    code: str
    marker: str  # "" (run it), "not run" or "background"


def page_blocks(text: str) -> list[Block]:
    """The page's fenced sh/python blocks with the marker of the line before each."""
    blocks = []
    for match in FENCE.finditer(text):
        marker = (match["marker"] or "").strip()
        kind = next((k for k in MARKERS if marker.startswith(k)), "")
        if marker and not kind:
            raise AssertionError(f"unknown marker <!--{match['marker']}-->")
        line = text.count("\n", 0, match.start("code")) + 1
        blocks.append(Block(line, match["lang"], match["code"], kind))
    return blocks
