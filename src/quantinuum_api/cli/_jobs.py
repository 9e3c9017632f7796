"""Jobs: `qapi submit`, `wait`, `result`, `jobs`, `cancel` and `cost`.

`submit --wait` and `wait` show live progress on stderr (`_progress`) and then the
results; with `--json` the job documents, where `--top N` replaces the per-shot results
by the N most frequent outcomes.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._args import AddCommand, cost, date, positive_int, seconds, top_option, wait_options
from ._output import EXIT_JOB, EXIT_OK, Context, UsageError
from ._target import open_client, resolve_target

if TYPE_CHECKING:
    from .._client import Client
    from .._results import Job

__all__ = [
    "add_commands",
    "cmd_cancel",
    "cmd_cost",
    "cmd_jobs",
    "cmd_result",
    "cmd_submit",
    "cmd_wait",
]


def add_commands(command: AddCommand) -> None:
    _add_submit(command)
    p = command(
        "wait",
        cmd_wait,
        "wait for jobs, showing state, shots, queue position and elapsed time live",
        "qapi wait JOB_ID",
        "qapi wait JOB_ID JOB_ID --timeout 600 --json",
    )
    p.add_argument("job_ids", nargs="+", metavar="JOB_ID", help="the jobs to wait for")
    wait_options(p)
    p = command(
        "result",
        cmd_result,
        "show a job's results as a histogram per register",
        "qapi result JOB_ID",
        "qapi result JOB_ID --top 5",
        "qapi result JOB_ID --json",
        "qapi result JOB_ID --top 5 --json      (counts of the 5 most frequent outcomes)",
    )
    p.add_argument("job_id", metavar="JOB_ID", help="the job (as printed by `qapi submit`)")
    top_option(p)
    _add_jobs(command)
    p = command("cancel", cmd_cancel, "cancel a job", "qapi cancel JOB_ID")
    p.add_argument("job_id", metavar="JOB_ID", help="the job to cancel")
    p = command(
        "cost",
        cmd_cost,
        "price a program in HQC on the machine's syntax checker (runs nothing)",
        "qapi cost bell.qasm --machine H1-1 --shots 100",
    )
    p.add_argument("file", metavar="FILE", help="the .qasm file")
    p.add_argument("--machine", required=True, help="machine to price for, e.g. H1-1")
    p.add_argument("--shots", type=positive_int, required=True, help="number of shots (>= 1)")
    p.add_argument("--timeout", type=seconds, metavar="SECONDS", help="give up after this long")


def _add_submit(command: AddCommand) -> None:
    p = command(
        "submit",
        cmd_submit,
        "submit an OpenQASM 2.0 program (prints the job id)",
        "qapi submit bell.qasm --machine H1-1E --shots 100",
        "qapi submit bell.qasm --machine H1-1E --shots 100 --no-noise --wait --top 4",
        "qapi submit bell.qasm --machine H1-1 --shots 500 --max-cost 20 --name bell-run",
    )
    p.add_argument("file", metavar="FILE", help="the .qasm file")
    p.add_argument(
        "--machine", required=True, help="machine to run on, e.g. H1-1E (see `qapi machines`)"
    )
    p.add_argument("--shots", type=positive_int, required=True, help="number of shots (>= 1)")
    p.add_argument("--name", help="job name (default: the file name without .qasm)")
    p.add_argument("--group", help="job group name")
    p.add_argument("--priority", choices=["low", "normal", "high"], help="job priority")
    p.add_argument(
        "--max-cost",
        type=cost,
        metavar="HQC",
        help="fail the job instead of running it if it would cost more than this",
    )
    p.add_argument(
        "--noise",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="emulator noise model on/off (options.error-model; default: the service's)",
    )
    p.add_argument("--wait", action="store_true", help="wait, showing progress, then print results")
    wait_options(p)


def _add_jobs(command: AddCommand) -> None:
    from quantinuum_api_client.models import JobStatus

    p = command(
        "jobs",
        cmd_jobs,
        "list your jobs, newest first (job history: a local-service extension)",
        "qapi jobs",
        "qapi jobs --status completed --machine H1-1E --limit 5",
        "qapi jobs --group experiment-7 --since 2026-11-01 --json",
    )
    p.add_argument(
        "--status", choices=[status.value for status in JobStatus], help="only jobs in this state"
    )
    p.add_argument("--machine", help="only jobs on this machine")
    p.add_argument("--name", help="only jobs with exactly this name")
    p.add_argument("--group", help="only jobs of this group")
    p.add_argument("--since", type=date, help="submitted on or after this day (YYYY-MM-DD, UTC)")
    p.add_argument("--until", type=date, help="submitted on or before this day (YYYY-MM-DD, UTC)")
    p.add_argument(
        "--limit", type=positive_int, default=20, help="show at most N jobs (default 20)"
    )


def _read_program(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read program {path}: {exc}") from None


def cmd_submit(args: argparse.Namespace, ctx: Context) -> int:
    program = _read_program(args.file)
    options: dict[str, Any] = {}
    if args.noise is not None:
        options["error-model"] = args.noise
    with open_client(resolve_target(args), ctx) as c:
        job = c.jobs.submit(
            program,
            args.machine,
            args.shots,
            name=args.name or Path(args.file).stem,
            options=options or None,
            max_cost=args.max_cost,
            group=args.group,
            priority=args.priority,
        )
        if not args.wait:
            if args.json:
                ctx.json({"jobs": [job.to_dict()]})
            else:
                ctx.out(job.id)
            return EXIT_OK
        ctx.err(f"submitted {job.id}")
        return _wait_and_report(c, [job], args, ctx)


def cmd_wait(args: argparse.Namespace, ctx: Context) -> int:
    with open_client(resolve_target(args), ctx) as c:
        jobs = [c.jobs.get(job_id) for job_id in dict.fromkeys(args.job_ids)]
        return _wait_and_report(c, jobs, args, ctx)


def _wait_and_report(c: Client, jobs: Sequence[Job], args: argparse.Namespace, ctx: Context) -> int:
    from ._progress import JobProgress

    with JobProgress(jobs, ctx.stderr) as progress:
        done = c.jobs.wait_many(
            [j.id for j in jobs], timeout=args.timeout, on_update=progress.update
        )
        for job in done:
            progress.update(job)
    if args.json:
        ctx.json({"jobs": [_job_json(j, args.top) for j in done]})
    else:
        for job in done:
            _print_result(job, ctx, top=args.top)
    return EXIT_OK if all(j.succeeded for j in done) else EXIT_JOB


def _job_json(job: Job, top: int | None) -> dict[str, Any]:
    """The job document; with `--top N`, its per-shot `results` are replaced by `counts`:
    per register, the N most frequent outcomes and their shots, most frequent first."""
    doc = job.to_dict()
    if top is None:
        return doc
    doc.pop("results", None)
    doc["counts"] = {
        register: dict(job.counts(register).most_common(top)) for register in job.registers
    }
    return doc


def _cost_text(job: Job) -> str:
    charged = job.charged_cost
    if charged is None:
        return ""
    if job.done and not job.succeeded:
        return f", charged {charged:g} HQC (quoted {job.cost:g})"
    return f", cost {charged:g} HQC"


def _print_result(job: Job, ctx: Context, *, top: int | None = None) -> None:
    from ._render import histogram

    ctx.out(f"{job.id} {job.status} on {job.machine or '?'}{_cost_text(job)}")
    if job.error is not None:
        ctx.out(f"  error: {job.error.text}")
    for register in job.registers:
        ctx.out(f"register {register}:")
        ctx.out(histogram(job.counts(register), top=top, ascii_only=not ctx.unicode))


def cmd_result(args: argparse.Namespace, ctx: Context) -> int:
    from ._progress import snapshot

    with open_client(resolve_target(args), ctx) as c:
        job = c.jobs.get(args.job_id)
    if args.json:
        ctx.json({"jobs": [_job_json(job, args.top)]})
    else:
        _print_result(job, ctx, top=args.top)
    if not job.done:
        ctx.err(
            f"qapi result: job {job.id} is {snapshot(job).describe()}; results are partial "
            f"(`qapi wait {job.id}` to wait for the rest)"
        )
    return EXIT_OK if job.succeeded or not job.done else EXIT_JOB


def _utc_day(day: dt.date | None, *, after: bool) -> dt.datetime | None:
    """The start of `day` (UTC) for `after`, else the start of the day after it."""
    if day is None:
        return None
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    return start if after else start + dt.timedelta(days=1)


def cmd_jobs(args: argparse.Namespace, ctx: Context) -> int:
    import itertools

    from ._render import table

    with open_client(resolve_target(args), ctx) as c:
        history = c.jobs.list(
            status=args.status,
            machine=args.machine,
            name=args.name,
            group=args.group,
            submitted_after=_utc_day(args.since, after=True),
            submitted_before=_utc_day(args.until, after=False),
            page_size=min(args.limit, 100),
        )
        jobs = list(itertools.islice(history, args.limit))
    if args.json:
        ctx.json({"jobs": [job.to_dict() for job in jobs]})
        return EXIT_OK
    keys = ["job", "name", "machine", "status", "count", "submit-date", "cost"]
    rows = [[doc.get(key) for key in keys] for doc in (job.to_dict() for job in jobs)]
    headers = ["job", "name", "machine", "status", "shots", "submitted", "cost"]
    ctx.out(table(headers, rows) if rows else "no jobs")
    return EXIT_OK


def cmd_cancel(args: argparse.Namespace, ctx: Context) -> int:
    with open_client(resolve_target(args), ctx) as c:
        job = c.jobs.cancel(args.job_id)
    if args.json:
        ctx.json({"jobs": [job.to_dict()]})
    else:
        ctx.out(f"{job.id} {job.status}")
    return EXIT_OK


def cmd_cost(args: argparse.Namespace, ctx: Context) -> int:
    program = _read_program(args.file)
    with open_client(resolve_target(args), ctx) as c:
        price = c.cost(program, args.machine, args.shots, timeout=args.timeout)
    if args.json:
        ctx.json({"machine": args.machine, "shots": args.shots, "cost": price})
    else:
        ctx.out(f"{price:g} HQC")
    return EXIT_OK
