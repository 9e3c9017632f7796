"""Text rendering used by the `qapi` command line."""

from __future__ import annotations

import datetime as dt

from quantinuum_api.cli._render import calendar_chart, histogram, table


def test_table_aligns_columns_and_formats_values() -> None:
    out = table(["name", "qubits", "wasm"], [["H1-1", 20, True], ["H2-1E", None, False]])
    assert out.splitlines() == [
        "name   qubits  wasm",
        "-----  ------  ----",
        "H1-1   20      yes",
        "H2-1E  -       no",
    ]


def test_histogram_orders_by_count_and_scales_bars() -> None:
    out = histogram({"00": 50, "11": 25, "01": 25}, width=8).splitlines()
    assert [line.split()[0] for line in out] == ["00", "01", "11"]
    assert out[0] == "00 │████████│ 50   50.0%"
    assert out[1] == "01 │████    │ 25   25.0%"


def test_histogram_partial_bars_and_top() -> None:
    out = histogram({"0": 16, "1": 3, "x": 1}, width=4, top=2).splitlines()
    assert out[1].startswith("1 │▊   │")
    assert out[-1] == "… 1 more outcomes, 1 shots"
    assert histogram({}) == "(no results)"


def test_calendar_chart_marks_events_per_hour() -> None:
    events = [
        {
            "start-date": "2026-11-25T00:00:00",
            "end-date": "2026-11-25T06:00:00",
            "machine": "H1-1",
            "event-type": "online",
        },
        {
            "start-date": "2026-11-25T06:00:00",
            "end-date": "2026-11-25T08:30:00",
            "machine": "H1-1",
            "event-type": "reserved",
        },
        {
            "start-date": "2026-11-25T12:00:00",
            "end-date": "2026-11-26T00:00:00",
            "machine": "H2-1",
            "event-type": "maintenance",
        },
    ]
    day = dt.date(2026, 11, 25)
    lines = calendar_chart(events, day, day).splitlines()
    assert lines[0] == "     │11-25"
    assert lines[1] == "H1-1 │" + "█" * 6 + "▒" * 3 + " " * 15
    assert lines[2] == "H2-1 │" + " " * 12 + "░" * 12
    assert "█ online" in lines[3]
    assert "░ maintenance" in lines[3]


def test_calendar_chart_without_events() -> None:
    assert calendar_chart([], dt.date(2026, 1, 1), dt.date(2026, 1, 2)) == "(no calendar events)"
