"""Plain-text rendering for the `qapi` command line: tables, histograms, calendar charts.

Pure functions from data to strings, so the CLI's output is tested without a terminal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "calendar_chart",
    "calendar_figure",
    "calendar_png",
    "histogram",
    "parse_event_time",
    "table",
]

BAR = "█"
PARTIAL_BARS = " ▏▎▍▌▋▊▉"
#: Calendar cell characters by event type; unknown types use "?".
EVENT_CHARS = {"online": "█", "reserved": "▒", "maintenance": "░", "offline": "·"}
#: The same in ASCII, for terminals that cannot show the blocks (e.g. LC_ALL=C).
EVENT_CHARS_ASCII = {"online": "#", "reserved": "=", "maintenance": "-", "offline": "."}
#: Calendar PNG colours by event type; unknown types are grey.
EVENT_COLOURS = {
    "online": "tab:green",
    "reserved": "tab:orange",
    "maintenance": "tab:red",
    "offline": "tab:gray",
}


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


def histogram(
    counts: Mapping[str, int],
    *,
    width: int = 40,
    top: int | None = None,
    ascii_only: bool = False,
) -> str:
    """Horizontal bars, one per outcome, most frequent first (ties by outcome).

    Each line shows the outcome, a bar scaled to the most frequent outcome, the count and
    the share of all shots. `top` (>= 1) keeps only the most frequent outcomes and says how
    many were left out. `ascii_only` draws with `#` and `|` for terminals without UTF-8.
    """
    if top is not None and top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    if not counts:
        return "(no results)"
    total = sum(counts.values())
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ordered if top is None else ordered[:top]
    peak = shown[0][1]
    edge, more = ("|", "...") if ascii_only else ("│", "…")
    label_w = max(len(k) for k, _ in shown)
    count_w = len(str(peak))
    lines = []
    for outcome, n in shown:
        length = n / peak * width if peak else 0.0
        bar = "#" * round(length) if ascii_only else _bar(length)
        share = 100.0 * n / total
        lines.append(
            f"{outcome.rjust(label_w)} {edge}{bar.ljust(width)}{edge} "
            f"{str(n).rjust(count_w)}  {share:5.1f}%"
        )
    if len(shown) < len(ordered):
        rest = sum(n for _, n in ordered[len(shown) :])
        lines.append(f"{more} {len(ordered) - len(shown)} more outcomes, {rest} shots")
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
    ascii_only: bool = False,
) -> str:
    """One row per machine, one cell per `hours_per_cell` hours from `start` to `end` (inclusive).

    A cell shows the event type covering most of it (see EVENT_CHARS, or EVENT_CHARS_ASCII
    with `ascii_only`); a blank cell has no event. Day boundaries are marked in the header.
    """
    chars = EVENT_CHARS_ASCII if ascii_only else EVENT_CHARS
    edge = "|" if ascii_only else "│"
    origin = dt.datetime.combine(start, dt.time(), dt.UTC)
    n_cells = ((end - start).days + 1) * 24 // hours_per_cell
    step = dt.timedelta(hours=hours_per_cell)
    rows: dict[str, list[tuple[float, str]]] = {}
    for event in events:
        machine = str(event.get("machine", "?"))
        row = rows.setdefault(machine, [(0.0, " ")] * n_cells)
        begin, finish = parse_event_time(event["start-date"]), parse_event_time(event["end-date"])
        kind = str(event.get("event-type", ""))
        char = chars.get(kind, "?")
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
    lines = [" " * name_w + f" {edge}" + header.rstrip()]
    lines += [f"{m.ljust(name_w)} {edge}" + "".join(c for _, c in rows[m]) for m in sorted(rows)]
    used = {c for cells in rows.values() for _, c in cells}
    legend = [f"{c} {k}" for k, c in chars.items() if c in used]
    if "?" in used:
        legend.append("? other")
    lines.append(f"{' ' * name_w} {edge} {hours_per_cell} h per cell, UTC; " + ", ".join(legend))
    return "\n".join(lines)


def calendar_png(
    events: Sequence[Mapping[str, Any]], start: dt.date, end: dt.date, path: str
) -> None:
    """Draw the calendar (see `calendar_figure`) to a PNG file."""
    fig = calendar_figure(events, start, end)
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=100)
    plt.close(fig)


def calendar_figure(events: Sequence[Mapping[str, Any]], start: dt.date, end: dt.date) -> Any:
    """The calendar as a matplotlib Figure: one row per machine, dates and hours (UTC) on
    the time axis, reserved blocks labelled with their organisation, a legend of event
    types. Needs matplotlib (`plot` extra); ImportError otherwise.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.dates as _mdates
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
    except ImportError:
        raise ImportError("--plot needs matplotlib: pip install 'quantinuum-api[plot]'") from None
    mdates: Any = _mdates  # untyped functions

    origin = dt.datetime.combine(start, dt.time(), dt.UTC)
    finish = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
    machines = sorted({str(e.get("machine", "?")) for e in events})
    days = (end - start).days + 1
    fig, ax = plt.subplots(figsize=(min(4 + 2.5 * days, 24), 1.8 + 0.6 * max(len(machines), 1)))
    kinds: list[str] = []
    for event in events:
        begin = max(parse_event_time(event["start-date"]), origin)
        stop = min(parse_event_time(event["end-date"]), finish)
        if stop <= begin:
            continue
        kind = str(event.get("event-type", "other"))
        if kind not in kinds:
            kinds.append(kind)
        row = machines.index(str(event.get("machine", "?")))
        left = mdates.date2num(begin)
        width = mdates.date2num(stop) - left
        colour = EVENT_COLOURS.get(kind, "tab:gray")
        ax.broken_barh([(left, width)], (row - 0.4, 0.8), color=colour, edgecolor="white")
        name = event.get("organization")
        if kind == "reserved" and name:
            ax.text(
                left + width / 2,
                row,
                "\n".join(str(name).split(" ", 1)),  # two short lines fit a short block
                ha="center",
                va="center",
                fontsize=7,
                clip_on=True,
            )
    ax.set_yticks(range(len(machines)), machines)
    ax.set_ylim(-0.6, len(machines) - 0.4)
    ax.set_xlim(mdates.date2num(origin), mdates.date2num(finish))
    # Days named under their middle, hours as minor ticks, a black line at each midnight.
    ax.xaxis.set_major_locator(mdates.HourLocator(byhour=[12], tz=dt.UTC))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %Y-%m-%d", tz=dt.UTC))
    step = 3 if days <= 3 else 6 if days <= 7 else 12
    ax.xaxis.set_minor_locator(mdates.HourLocator(byhour=range(0, 24, step), tz=dt.UTC))
    ax.xaxis.set_minor_formatter(mdates.DateFormatter("%H:%M", tz=dt.UTC))
    ax.tick_params(axis="x", which="major", pad=14, length=0)
    ax.tick_params(axis="x", which="minor", labelsize=7)
    for day in range(1, days):
        ax.axvline(mdates.date2num(origin + dt.timedelta(days=day)), color="black", lw=0.8)
    ax.grid(axis="x", which="minor", color="0.85", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.set_xlabel("time (UTC)")
    ax.set_title(f"Reservation calendar {start.isoformat()} to {end.isoformat()}")
    labels = kinds or ["no events"]
    handles = [Patch(color=EVENT_COLOURS.get(k, "tab:gray"), label=k) for k in labels]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig
