"""Analysing a job's results: per-register counts, probabilities, arrays, conversions, plots.

The `Job` methods of the same names call these. Each optional package is imported only
by the function that needs it, with an install hint when it is missing: NumPy (comes with
the `emulator` extra), pandas, pytket, qiskit, matplotlib (`plot` extra).

Bitstrings are most significant bit first, as the service sends them: `"01"` of register
`c` means `c[1] = 0`, `c[0] = 1`. A negative value (the cloud writes a 64-bit value with
bit 63 set as `-` and its magnitude) stands for its two's-complement bits in arrays and
conversions; counts keep the strings as sent. With several registers, "joined" outcomes put each
shot's registers side by side, separated by spaces, in the results' order.
"""

from __future__ import annotations

import collections
import html
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from quantinuum_api_client.models import JobError

__all__ = [
    "charged_cost",
    "counts_by_register",
    "job_html",
    "plot_histogram",
    "probabilities",
    "shots_array",
    "shots_done",
    "to_pandas",
    "to_pytket",
    "to_qiskit_counts",
]


class Job(Protocol):
    """What these functions read of a `quantinuum_api.Job` (whose methods call them).

    A protocol rather than an import of `_results.Job`, so this module, which `Job` imports
    on use, does not import `_results` back (no import circle in the SDK)."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def done(self) -> bool: ...
    @property
    def succeeded(self) -> bool: ...
    @property
    def name(self) -> str | None: ...
    @property
    def machine(self) -> str | None: ...
    @property
    def cost(self) -> float | None: ...
    @property
    def error(self) -> JobError | None: ...
    @property
    def results(self) -> dict[str, list[str]]: ...
    @property
    def registers(self) -> list[str]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def shots(self, register: str | None = None) -> list[str]: ...
    def counts(self, register: str | None = None) -> collections.Counter[str]: ...


def _need(module: str, extra: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"this needs {module.split('.')[0]}: pip install {extra}") from None


def _bits(shot: str) -> str:
    """A shot's bits: a signed value (`-` and magnitude) as its two's complement."""
    if not shot.startswith("-"):
        return shot
    width = len(shot)
    return format(int(shot, 2) & ((1 << width) - 1), f"0{width}b")


def shots_done(job: Job) -> int:
    """Shots with results so far: `last-shot` + 1 while running, every shot once done."""
    doc = job.to_dict()
    count = doc.get("count")
    if job.succeeded and isinstance(count, int):
        return count
    last = doc.get("last-shot")
    if isinstance(last, int) and not isinstance(last, bool):
        return last + 1
    results = job.results
    if results:
        return min(len(shots) for shots in results.values())
    return 0


def charged_cost(job: Job) -> float | None:
    """What the job costs its owner in HQC: the quote once completed; for a job that ended
    otherwise, the quote's share for the shots that ran (nothing if none ran)."""
    cost = job.cost
    if cost is None or job.succeeded or not job.done:
        return cost
    count = job.to_dict().get("count")
    done = shots_done(job)
    if not isinstance(count, int) or count <= 0:
        return 0.0 if done == 0 else cost
    return cost * min(done, count) / count


def counts_by_register(job: Job) -> dict[str, collections.Counter[str]]:
    """Register name → how often each of its outcomes occurred."""
    return {name: collections.Counter(shots) for name, shots in job.results.items()}


def probabilities(job: Job, register: str | None = None) -> dict[str, float]:
    """Outcome → its share of the shots (of `register`, or joined), most frequent first."""
    counts = job.counts(register)
    total = sum(counts.values())
    if total == 0:
        return {}
    return {k: n / total for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


def shots_array(job: Job, register: str | None = None) -> Any:
    """Shots as a `(shots, bits)` NumPy array of 0/1 (uint8), bits MSB first as sent; with
    no register, every register's columns side by side in the results' order."""
    np = _need("numpy", "numpy")
    names = [register] if register is not None else job.registers
    columns = []
    for name in names:
        shots = [_bits(s) for s in job.shots(name)]
        width = max((len(s) for s in shots), default=0)
        data = np.frombuffer("".join(shots).encode("ascii"), dtype=np.uint8) - ord("0")
        columns.append(data.reshape(len(shots), width))
    if not columns:
        return np.zeros((0, 0), dtype=np.uint8)
    if len({c.shape[0] for c in columns}) != 1:
        raise ValueError(f"job {job.id}: registers have different shot counts; ask for one")
    return np.concatenate(columns, axis=1)


def to_pandas(job: Job) -> Any:
    """A pandas DataFrame, one row per shot and one column of bitstrings per register."""
    pd = _need("pandas", "pandas")
    return pd.DataFrame({name: job.shots(name) for name in job.registers})


def to_pytket(job: Job) -> Any:
    """The results as a pytket `BackendResult` (bits `Bit(register, index)`)."""
    _need("pytket", "pytket")
    from pytket.backends.backendresult import BackendResult
    from pytket.circuit import Bit
    from pytket.utils.outcomearray import OutcomeArray

    names = job.registers
    widths = {name: max((len(s) for s in job.shots(name)), default=0) for name in names}
    bits = [Bit(name, i) for name in names for i in range(widths[name])]
    columns = [[_bits(s) for s in job.shots(name)] for name in names]
    readouts = [
        [int(b) for shot in row for b in reversed(shot)] for row in zip(*columns, strict=True)
    ]
    outcomes = OutcomeArray.from_readouts(readouts) if readouts else None
    return BackendResult(shots=outcomes, c_bits=bits)


def to_qiskit_counts(job: Job, register: str | None = None) -> Any:
    """The counts as a qiskit `Counts` (of `register`, or joined with spaces)."""
    _need("qiskit", "qiskit")
    from qiskit.result import Counts

    return Counts(dict(job.counts(register)))


def plot_histogram(job: Job, register: str | None = None, *, ax: Any = None, top: int = 32) -> Any:
    """A bar chart of the `top` most frequent outcomes; returns the matplotlib Figure (the
    chart is `fig.axes[0]`). With `ax`, it is drawn there and `ax`'s figure is returned,
    its size kept; otherwise a new figure is sized to fit the bars and the title. Needs the
    `plot` extra."""
    _need("matplotlib", "'quantinuum-api[plot]'")
    import matplotlib.pyplot as plt

    counts = job.counts(register).most_common(top)
    created = ax is None
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 0.45 * len(counts) + 2), 3.5))
    labels = [k for k, _ in counts]
    ax.bar(range(len(counts)), [n for _, n in counts], color="tab:blue")
    ax.set_xticks(range(len(counts)), labels, rotation=90 if len(counts) > 8 else 0)
    ax.set_ylabel("shots")
    ax.set_xlabel(f"outcome ({register})" if register else "outcome")
    shots = sum(n for _, n in counts)
    ax.set_title(f"{job.name or job.id}\non {job.machine or '?'}: {shots} shots")
    fig = ax.figure
    fig.tight_layout()
    if created:
        _fit_title(fig, ax)
    return fig


def _fit_title(fig: Any, ax: Any, margin: float = 0.1) -> None:
    """Widen `fig` until `ax`'s title (e.g. a 32-character job id) is inside it: the
    title is centred on the axes, so each side's overflow is added twice."""
    for _ in range(3):  # tight_layout moves the axes a little each time
        renderer = fig.canvas.get_renderer()
        title, inside = ax.title.get_window_extent(renderer), fig.bbox
        overflow = max(inside.x0 - title.x0, title.x1 - inside.x1, 0.0) / fig.dpi
        if overflow <= 0:
            return
        fig.set_figwidth(fig.get_figwidth() + 2 * (overflow + margin))
        fig.tight_layout()


def job_html(job: Job, *, top: int = 16) -> str:
    """The notebook view of a job: its fields and a bar per frequent outcome."""
    e = html.escape
    rows = [("id", job.id), ("status", job.status), ("machine", job.machine or "-")]
    if job.name:
        rows.append(("name", job.name))
    done, total = shots_done(job), job.to_dict().get("count")
    if total is not None:
        rows.append(("shots", f"{done} / {total}"))
    charged = charged_cost(job)
    if charged is not None:
        quoted = job.cost
        extra = f" (quoted {quoted:g})" if quoted is not None and quoted != charged else ""
        rows.append(("cost", f"{charged:g} HQC{extra}"))
    if job.error is not None:
        rows.append(("error", job.error.text))
    parts = ['<div class="quantinuum-job">', "<table>"]
    cell = "<tr><th style='text-align:left'>{}</th><td>{}</td></tr>"
    parts += [cell.format(e(k), e(str(v))) for k, v in rows]
    parts.append("</table>")
    for name, counts in counts_by_register(job).items():
        shots = sum(counts.values())
        parts.append(f"<p><b>register {e(name)}</b> ({shots} shots)</p><table>")
        common = counts.most_common(top)
        peak = common[0][1] if common else 1
        for outcome, n in common:
            width = round(200 * n / peak)
            bar = f"<div style='background:#4c72b0;height:0.9em;width:{width}px'></div>"
            parts.append(
                f"<tr><td><code>{e(outcome)}</code></td><td>{bar}</td>"
                f"<td style='text-align:right'>{n}</td><td>{100 * n / shots:.1f}%</td></tr>"
            )
        if len(counts) > top:
            parts.append(f"<tr><td colspan=4>… {len(counts) - top} more outcomes</td></tr>")
        parts.append("</table>")
    parts.append("</div>")
    return "\n".join(parts)
