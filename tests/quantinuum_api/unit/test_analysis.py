"""Result analysis on job documents: counts, probabilities, arrays, conversions, HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from quantinuum_api import Job

DOC: dict[str, Any] = {
    "job": "j1",
    "name": "two-registers",
    "status": "completed",
    "machine": "H1-1E",
    "count": 4,
    "cost": 6.0,
    "results": {"a": ["01", "01", "10", "11"], "b": ["1", "0", "1", "1"]},
}


def job(**changes: Any) -> Job:
    return Job.from_dict({**DOC, **changes})


def test_counts_per_register_joined_and_probabilities() -> None:
    j = job()
    assert j.counts_by_register() == {"a": {"01": 2, "10": 1, "11": 1}, "b": {"1": 3, "0": 1}}
    assert j.counts() == {"01 1": 1, "01 0": 1, "10 1": 1, "11 1": 1}
    assert j.probabilities("a") == {"01": 0.5, "10": 0.25, "11": 0.25}
    assert list(j.probabilities("a")) == ["01", "10", "11"], "most frequent first"
    assert job(results={}).probabilities() == {}


def test_shots_array_is_msb_first_with_registers_side_by_side() -> None:
    np = pytest.importorskip("numpy")
    array = job().shots_array()
    assert array.dtype == np.uint8
    assert array.tolist() == [[0, 1, 1], [0, 1, 0], [1, 0, 1], [1, 1, 1]]
    assert job().shots_array("b").shape == (4, 1)


def test_signed_64_bit_values_are_their_twos_complement_bits() -> None:
    # The cloud writes a 64-bit value with bit 63 set as "-" and its magnitude.
    pytest.importorskip("numpy")
    pytest.importorskip("pytket")
    from pytket.circuit import Bit

    value = 2**63 + 5
    signed = job(count=1, results={"w": [format(value - 2**64, "064b")]})
    assert signed.shots_array().tolist() == [[int(b) for b in format(value, "064b")]]
    result = signed.to_pytket()
    bits = [Bit("w", i) for i in range(64)]
    [shot] = result.get_shots(cbits=bits).tolist()
    assert sum(b << i for i, b in enumerate(shot)) == value


def test_to_pandas() -> None:
    pytest.importorskip("pandas")
    frame = job().to_pandas()
    assert list(frame.columns) == ["a", "b"]
    assert frame["a"].tolist() == ["01", "01", "10", "11"]


def test_to_pytket_bits_match_the_registers() -> None:
    pytest.importorskip("pytket")
    from pytket.circuit import Bit

    result = job().to_pytket()
    assert result.c_bits == {Bit("a", 0): 0, Bit("a", 1): 1, Bit("b", 0): 2}
    # "01" in register a means a[1] = 0, a[0] = 1
    counts = result.get_counts(cbits=[Bit("a", 1), Bit("a", 0)])
    assert counts == {(0, 1): 2, (1, 0): 1, (1, 1): 1}


def test_to_qiskit_counts() -> None:
    pytest.importorskip("qiskit")
    counts = job().to_qiskit_counts("a")
    assert counts.int_outcomes() == {1: 2, 2: 1, 3: 1}


def test_charged_cost_of_jobs_that_did_not_complete() -> None:
    assert job().charged_cost == 6.0
    assert (
        job(status="canceled", results={"a": ["01"], "b": ["1"]}, **{"last-shot": 0}).charged_cost
        == 1.5
    )
    assert job(status="failed", results={}, **{"last-shot": None}).charged_cost == 0.0
    assert job(status="running", **{"last-shot": 1}).charged_cost == 6.0, "a quote until it ends"


def test_html_repr_escapes_and_shows_bars() -> None:
    html = job(name="<b>x</b>")._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x</b>" not in html
    assert "register a" in html
    assert html.count("background:#4c72b0") == 5  # one bar per outcome of a and b
    assert "6 HQC" in html


def _agg() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")


def test_plot_draws_one_bar_per_outcome() -> None:
    _agg()
    fig = job().plot("a")
    [ax] = fig.axes  # the Figure; its bar chart is fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["01", "10", "11"]
    assert [p.get_height() for p in ax.patches] == [2, 1, 1]


def test_plot_returns_a_figure_that_saves(tmp_path: Path) -> None:
    _agg()
    from matplotlib.figure import Figure

    fig = job().plot()
    assert isinstance(fig, Figure)
    fig.savefig(tmp_path / "counts.png")
    assert (tmp_path / "counts.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "changes",
    [
        {"job": "0123456789abcdef0123456789abcdef", "name": None},  # a real id, no name
        {"name": "a rather long descriptive name of an experiment, run number 42"},
        {"results": {"c": ["0", "1"]}, "count": 2},  # one narrow register
    ],
    ids=["job-id", "long-name", "two-bars"],
)
def test_plot_title_fits_inside_the_figure(changes: dict[str, Any]) -> None:
    _agg()
    doc = {key: value for key, value in {**DOC, **changes}.items() if value is not None}
    fig = Job.from_dict(doc).plot()
    [ax] = fig.axes
    renderer = fig.canvas.get_renderer()
    title = ax.title.get_window_extent(renderer)
    inside = fig.bbox
    assert title.x0 >= inside.x0
    assert title.x1 <= inside.x1
    assert title.y1 <= inside.y1
    text = ax.title.get_text()
    assert (changes.get("name") or changes.get("job") or DOC["name"]) in text.replace("\n", " ")


def test_plot_on_a_given_axes_keeps_its_figure() -> None:
    _agg()
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    given, ax = plt.subplots(figsize=(3.0, 2.0))
    fig = job().plot("a", ax=ax)
    assert fig is given
    assert tuple(fig.get_size_inches()) == (3.0, 2.0)
    assert [p.get_height() for p in ax.patches if isinstance(p, Rectangle)] == [2, 1, 1]
