"""Machines and the calendar: `qapi machines`, `status` and `calendar`."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING, Any

from ._args import AddCommand, date
from ._output import EXIT_NOT_FOUND, EXIT_OK, Context, NotFound, UsageError
from ._target import open_client, resolve_target

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["add_commands", "cmd_calendar", "cmd_machines", "cmd_status"]


def add_commands(command: AddCommand) -> None:
    command(
        "machines",
        cmd_machines,
        "list the machines with their state (and queue length, where the service reports it)",
        "qapi machines",
        "qapi machines --json",
    )
    p = command(
        "status",
        cmd_status,
        "show the state of one or more machines",
        "qapi status H1-1E",
        "qapi status H1-1 H2-1 --json",
    )
    p.add_argument("machines", nargs="+", metavar="MACHINE", help="machine names")
    p = command(
        "calendar",
        cmd_calendar,
        "show the reservation calendar (UTC)",
        "qapi calendar",
        "qapi calendar --machine H1-1 --start 2026-11-25 --end 2026-11-27",
        "qapi calendar --start 2026-11-25 --end 2026-11-27 --plot calendar.png",
    )
    p.add_argument("--machine", help="only this machine")
    p.add_argument(
        "--start", type=date, metavar="YYYY-MM-DD", help="first day (default: today, UTC)"
    )
    p.add_argument(
        "--end", type=date, metavar="YYYY-MM-DD", help="last day (default: start + 6 days)"
    )
    p.add_argument("--plot", metavar="PNG", help="also draw it to a PNG file (plot extra)")


def _opt(value: object) -> object:
    from quantinuum_api_client.types import Unset

    return None if isinstance(value, Unset) else value


def _machine_state(c: Client, name: str) -> dict[str, Any]:
    """`{"name", "state", "queue"}` of one machine (queue: the service's queue length, or
    None where it reports none: the cloud)."""
    state = c.machines.state(name)
    return {"name": name, "state": state.state, "queue": state.queue_length}


def cmd_machines(args: argparse.Namespace, ctx: Context) -> int:
    from ._render import table

    with open_client(resolve_target(args), ctx) as c:
        machines = c.machines.list()
        states = {m.name: _machine_state(c, m.name) for m in machines}
    if args.json:
        docs = [{**m.to_dict(), **states[m.name]} for m in machines]
        ctx.json({"machines": docs})
        return EXIT_OK
    rows = [
        [
            m.name,
            _opt(m.system_type),
            _opt(m.n_qubits),
            _opt(m.max_n_shots),
            states[m.name]["state"],
            states[m.name]["queue"],
            _opt(m.emulator),
            _opt(m.syntax_checker),
        ]
        for m in machines
    ]
    headers = ["name", "type", "qubits", "max shots", "state", "queue", "emulator", "checker"]
    ctx.out(table(headers, rows))
    return EXIT_OK


def cmd_status(args: argparse.Namespace, ctx: Context) -> int:
    from .._exceptions import NotFoundError
    from ._render import table

    found: list[dict[str, Any]] = []
    missing: list[str] = []
    with open_client(resolve_target(args), ctx) as c:
        for name in dict.fromkeys(args.machines):
            try:
                found.append(_machine_state(c, name))
            except NotFoundError:
                missing.append(name)
    if args.json:
        ctx.json({"machines": found, "unknown": missing})
    elif len(args.machines) == 1 and found:
        ctx.out(found[0]["state"])
    elif found:
        ctx.out(
            table(["name", "state", "queue"], [[m["name"], m["state"], m["queue"]] for m in found])
        )
    for name in missing:
        ctx.err(f"qapi status: error: no machine named {name!r} (see `qapi machines`)")
    return EXIT_NOT_FOUND if missing else EXIT_OK


def cmd_calendar(args: argparse.Namespace, ctx: Context) -> int:
    from ._render import calendar_chart

    start: dt.date = args.start or dt.datetime.now(dt.UTC).date()
    end: dt.date = args.end or start + dt.timedelta(days=6)
    if end < start:
        raise UsageError("--end is before --start")
    with open_client(resolve_target(args), ctx) as c:
        if args.machine:
            known = {m.name for m in c.machines.list()}
            if args.machine not in known:
                raise NotFound(f"no machine named {args.machine!r} (see `qapi machines`)")
        events = [e.to_dict() for e in c.calendar(start, end)]
    if args.machine:
        events = [e for e in events if e.get("machine") == args.machine]
    if args.plot:
        from ._render import calendar_png

        try:
            calendar_png(events, start, end, args.plot)
        except ImportError as exc:
            raise UsageError(str(exc)) from None
        ctx.err(f"calendar plot written to {args.plot}")
    if args.json:
        ctx.json({"start": start.isoformat(), "end": end.isoformat(), "events": events})
    else:
        hours = 1 if (end - start).days < 3 else 3
        ctx.out(
            calendar_chart(events, start, end, hours_per_cell=hours, ascii_only=not ctx.unicode)
        )
    return EXIT_OK
