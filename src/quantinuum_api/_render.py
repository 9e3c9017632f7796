"""Plain-text rendering for the `qapi` command line: tables, histograms, calendar charts.

Pure functions from data to strings, so the CLI's output is tested without a terminal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["calendar_chart", "histogram", "parse_event_time", "table"]

BAR = "█"
PARTIAL_BARS = " ▏▎▍▌▋▊▉"
#: Calendar cell characters by event type; unknown types use "?".
EVENT_CHARS = {"online": "█", "reserved": "▒", "maintenance": "░", "offline": "·"}


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Left-aligned columns separated by two spaces, with a rule under the header."""
    cells = [[str(h) for h in headers], *([_cell(v) for v in row] for row in rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def histogram(counts: Mapping[str, int], *, width: int = 40, top: int | None = None) -> str:
    """Horizontal bars, one per outcome, most frequent first (ties by outcome).

    Each line shows the outcome, a bar scaled to the most frequent outcome, the count and
    the share of all shots. `top` keeps only the most frequent outcomes and says how many
    were left out.
    """
    if not counts:
        return "(no results)"
    total = sum(counts.values())
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ordered if top is None else ordered[:top]
    peak = shown[0][1]
    label_w = max(len(k) for k, _ in shown)
    count_w = len(str(peak))
    lines = []
    for outcome, n in shown:
        bar = _bar(n / peak * width if peak else 0.0)
        share = 100.0 * n / total
        lines.append(
            f"{outcome.rjust(label_w)} │{bar.ljust(width)}│ {str(n).rjust(count_w)}  {share:5.1f}%"
        )
    if len(shown) < len(ordered):
        rest = sum(n for _, n in ordered[len(shown) :])
        lines.append(f"… {len(ordered) - len(shown)} more outcomes, {rest} shots")
    return "\n".join(lines)


def _bar(length: float) -> str:
    full = int(length)
    eighths = round((length - full) * 8)
    if eighths == 8:
        full, eighths = full + 1, 0
    return BAR * full + (PARTIAL_BARS[eighths] if eighths else "")


def parse_event_time(value: str) -> dt.datetime:
    """A calendar timestamp (`YYYY-MM-DDTHH:MM:SS`, UTC) as an aware datetime."""
    parsed = dt.datetime.fromisoformat(value)
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed


def calendar_chart(
    events: Iterable[Mapping[str, Any]],
    start: dt.date,
    end: dt.date,
    *,
    hours_per_cell: int = 1,
) -> str:
    """One row per machine, one cell per `hours_per_cell` hours from `start` to `end` (inclusive).

    A cell shows the event type covering most of it (see EVENT_CHARS); a blank cell has no
    event. Day boundaries are marked in the header.
    """
    origin = dt.datetime.combine(start, dt.time(), dt.UTC)
    n_cells = ((end - start).days + 1) * 24 // hours_per_cell
    step = dt.timedelta(hours=hours_per_cell)
    rows: dict[str, list[tuple[float, str]]] = {}
    for event in events:
        machine = str(event.get("machine", "?"))
        row = rows.setdefault(machine, [(0.0, " ")] * n_cells)
        begin, finish = parse_event_time(event["start-date"]), parse_event_time(event["end-date"])
        kind = str(event.get("event-type", ""))
        char = EVENT_CHARS.get(kind, "?")
        for i in range(n_cells):
            lo, hi = origin + i * step, origin + (i + 1) * step
            overlap = (min(hi, finish) - max(lo, begin)).total_seconds()
            if overlap > row[i][0]:
                row[i] = (overlap, char)
    if not rows:
        return "(no calendar events)"
    name_w = max(len(m) for m in rows)
    per_day = 24 // hours_per_cell
    header = "".join(
        (origin + dt.timedelta(days=d)).strftime("%m-%d").ljust(per_day)
        for d in range(n_cells // per_day)
    )
    lines = [" " * name_w + " │" + header.rstrip()]
    lines += [f"{m.ljust(name_w)} │" + "".join(c for _, c in rows[m]) for m in sorted(rows)]
    used = {c for cells in rows.values() for _, c in cells}
    legend = [f"{c} {k}" for k, c in EVENT_CHARS.items() if c in used]
    if "?" in used:
        legend.append("? other")
    lines.append(f"{' ' * name_w} │ {hours_per_cell} h per cell, UTC; " + ", ".join(legend))
    return "\n".join(lines)
