"""The service's machines and their reservation calendar.

Machines: the built-in hardware documents (`DEFAULT_MACHINES`: H1-1, H2-1, H2-2 and
Helios-1; also the SDK's offline machine list) plus, for each, an emulator (`<name>E`,
system_type `emulator`) and a syntax checker (`<name>SC`, system_type `syntax checker`)
with the same limits and noise figures. H2-2's figures are those of pytket-quantinuum's
offline machine list (noise specs dated 2025-08-28); Helios-1's are its published ones
(98 qubits, all-to-all; 1q 2.5e-5, 2q 7.9e-4, SPAM 3.3e-4, no memory or crosstalk figure).

Calendar (hardware only; emulators and syntax checkers are online around the clock):
a deterministic schedule derived from the machine name and the date, so every run and
every client sees the same one. Each UTC day is split into blocks:
00:00-08:00 online (fair share), 08:00-12:00 reserved for an organisation on about two
days in three (else online), 12:00-14:00 maintenance on about one day in four (else
online), 14:00-24:00 online. A hardware machine's state "now" is the event type at the
current time (`online`, `reserved`, or `in maintenance`).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "DEFAULT_MACHINES",
    "FIRST_DAY",
    "LAST_DAY",
    "MachineCatalog",
    "Placement",
    "day_events",
    "default_machines",
]

DEFAULT_MACHINES: tuple[dict[str, Any], ...] = (
    {
        "wasm": True,
        "batching": True,
        "benchmarks": {"qv": {"date": "2024-04-04", "value": 1048576.0}},
        "max_classical_register_width": 32,
        "gateset": ["RZZ", "Rxxyyzz", "Rz", "U1q", "ZZ"],
        "name": "H1-1",
        "syntax_checker": "H1-1SC",
        "n_gate_zones": "5",
        "noise_specs": {
            "date": "2024-02-04",
            "spam_error": {
                "p_meas_1_unc": 0.000199,
                "p_meas_0": 0.00095,
                "p_meas_1": 0.00397,
                "p_meas_0_unc": 9.74e-05,
            },
            "crosstalk_error": {
                "p_crosstalk_meas_unc": 1.02e-06,
                "p_crosstalk_meas": 1.453e-05,
            },
            "memory_error": {"memory_error_unc": 2.52e-05, "memory_error": 0.000208},
            "1q_gate_error": {"p1": 2.08e-05, "p1_unc": 2.77e-06},
            "2q_gate_error": {"p2_unc": 2.85e-05, "p2": 0.000882},
        },
        "max_n_shots": 10000,
        "n_qubits": 20,
        "n_classical_registers": 120,
        "system_type": "hardware",
        "connectivity": "all-to-all",
        "emulator": "H1-1E",
    },
    {
        "wasm": True,
        "batching": True,
        "benchmarks": {"qv": {"date": "2024-05-31", "value": 262144.0}},
        "max_classical_register_width": 63,
        "gateset": ["RZZ", "Rxxyyzz", "Rz", "U1q", "ZZ"],
        "name": "H2-1",
        "syntax_checker": "H2-1SC",
        "n_gate_zones": "4",
        "noise_specs": {
            "date": "2024-05-20",
            "spam_error": {
                "p_meas_1_unc": 0.0002,
                "p_meas_0": 0.0005,
                "p_meas_1": 0.0025,
                "p_meas_0_unc": 8e-05,
            },
            "crosstalk_error": {
                "p_crosstalk_meas_unc": 8e-07,
                "p_crosstalk_meas": 7.4e-06,
            },
            "memory_error": {"memory_error_unc": 2e-05, "memory_error": 0.0005},
            "1q_gate_error": {"p1": 2.9e-05, "p1_unc": 4e-06},
            "2q_gate_error": {"p2_unc": 8e-05, "p2": 0.00128},
        },
        "max_n_shots": 10000,
        "n_qubits": 56,
        "n_classical_registers": 50,
        "system_type": "hardware",
        "connectivity": "all-to-all",
        "emulator": "H2-1E",
    },
    {
        "wasm": True,
        "batching": True,
        "benchmarks": {"qv": {"date": "2025-09-08", "value": 33554432.0}},
        "max_classical_register_width": 63,
        "gateset": ["RZZ", "Rxxyyzz", "Rz", "U1q", "ZZ"],
        "name": "H2-2",
        "syntax_checker": "H2-2SC",
        "n_gate_zones": "4",
        "noise_specs": {
            "date": "2025-08-28",
            "spam_error": {
                "p_meas_1_unc": 0.00011,
                "p_meas_0": 0.00067,
                "p_meas_1": 0.0012,
                "p_meas_0_unc": 8.7e-05,
            },
            "crosstalk_error": {
                "p_crosstalk_meas_unc": 5.3e-07,
                "p_crosstalk_meas": 2.2e-05,
            },
            "memory_error": {"memory_error_unc": 2e-05, "memory_error": 0.00012},
            "1q_gate_error": {"p1": 2.8e-05, "p1_unc": 3.6e-06},
            "2q_gate_error": {"p2_unc": 4.8e-05, "p2": 0.00083},
        },
        "max_n_shots": 10000,
        "n_qubits": 56,
        "n_classical_registers": 50,
        "system_type": "hardware",
        "connectivity": "all-to-all",
        "emulator": "H2-2E",
    },
    {
        "wasm": True,
        "batching": True,
        "max_classical_register_width": 63,
        "gateset": ["RZZ", "Rxxyyzz", "Rz", "U1q", "ZZ"],
        "name": "Helios-1",
        "syntax_checker": "Helios-1SC",
        "noise_specs": {
            "spam_error": {"p_meas_0": 0.00033, "p_meas_1": 0.00033},
            "1q_gate_error": {"p1": 2.5e-05},
            "2q_gate_error": {"p2": 0.00079},
        },
        "max_n_shots": 10000,
        "n_qubits": 98,
        "n_classical_registers": 50,
        "system_type": "hardware",
        "connectivity": "all-to-all",
        "emulator": "Helios-1E",
    },
)


def default_machines() -> list[dict[str, Any]]:
    """A fresh, mutable copy of the built-in machine documents."""
    return copy.deepcopy(list(DEFAULT_MACHINES))


_ORGANIZATIONS = ("Example University", "Quantum Chemistry Lab", "Acme Research")
_STATE = {"online": "online", "reserved": "reserved", "maintenance": "in maintenance"}


class Placement:
    """How a job on a machine runs: its document and the hardware it derives from."""

    def __init__(self, doc: dict[str, Any], hardware: dict[str, Any]) -> None:
        self.doc = doc
        self.hardware = hardware
        self.system_type = str(doc.get("system_type", "hardware"))

    @property
    def is_syntax_checker(self) -> bool:
        return self.system_type == "syntax checker"

    @property
    def is_hardware(self) -> bool:
        return self.system_type == "hardware"


def _variants(hardware: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The emulator and the syntax checker derived from a hardware document."""
    name = hardware["name"]
    emulator = copy.deepcopy(hardware)
    emulator.update(name=hardware.get("emulator", f"{name}E"), system_type="emulator")
    checker = copy.deepcopy(hardware)
    checker.update(name=hardware.get("syntax_checker", f"{name}SC"), system_type="syntax checker")
    checker.pop("noise_specs", None)
    return emulator, checker


class MachineCatalog:
    """All machine documents by name, and their calendar."""

    def __init__(self, machines: Iterable[Mapping[str, Any]] | None = None) -> None:
        """Each document (default: the built-in hardware) plus, for hardware, its emulator
        (`…E`) and syntax checker (`…SC`) unless documents of those names were given."""
        given = [
            copy.deepcopy(dict(m)) for m in (DEFAULT_MACHINES if machines is None else machines)
        ]
        names = {doc["name"] for doc in given}
        self._docs: dict[str, Placement] = {}
        for doc in given:
            self._docs[doc["name"]] = Placement(doc, doc)
            if str(doc.get("system_type", "hardware")) == "hardware":
                for variant in _variants(doc):
                    if variant["name"] not in names:
                        self._docs[variant["name"]] = Placement(variant, doc)

    def get(self, name: str) -> Placement | None:
        return self._docs.get(name)

    def documents(self, config: bool) -> list[dict[str, Any]]:
        """Every machine: full documents with `config`, else name and system type."""
        if config:
            return [copy.deepcopy(p.doc) for p in self._docs.values()]
        return [{"name": n, "system_type": p.system_type} for n, p in self._docs.items()]

    def hardware_names(self) -> list[str]:
        return [n for n, p in self._docs.items() if p.is_hardware]

    def state(self, name: str, now: dt.datetime | None = None) -> str | None:
        placement = self._docs.get(name)
        if placement is None:
            return None
        if not placement.is_hardware:
            return "online"
        now = now or dt.datetime.now(dt.UTC)
        stamp = _stamp(now.replace(tzinfo=None))
        for event in day_events(name, now.date()):
            if event["start-date"] <= stamp < event["end-date"]:
                return _STATE[event["event-type"]]
        return "online"  # pragma: no cover - the day's blocks cover it

    def calendar(self, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
        """Events of every hardware machine on the days `start`..`end` (inclusive)."""
        events: list[dict[str, Any]] = []
        day = start
        while day <= end:
            for name in self.hardware_names():
                events.extend(day_events(name, day))
            day += dt.timedelta(days=1)
        return events


FIRST_DAY = dt.date(1970, 1, 1)
LAST_DAY = dt.date(9998, 12, 31)


def _stamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")


def day_events(machine: str, day: dt.date) -> list[dict[str, Any]]:
    """The deterministic schedule of `machine` on `day`."""
    digest = hashlib.sha256(f"{machine}:{day.isoformat()}".encode()).digest()
    blocks: list[tuple[int, int, str, str | None]] = [(0, 8, "online", None)]
    if digest[0] % 3 != 0:
        blocks.append((8, 12, "reserved", _ORGANIZATIONS[digest[1] % len(_ORGANIZATIONS)]))
    else:
        blocks.append((8, 12, "online", None))
    blocks.append((12, 14, "maintenance" if digest[2] % 4 == 0 else "online", None))
    blocks.append((14, 24, "online", None))
    midnight = dt.datetime(day.year, day.month, day.day)
    events = []
    for begin, finish, kind, org in blocks:
        event: dict[str, Any] = {
            "start-date": _stamp(midnight + dt.timedelta(hours=begin)),
            "end-date": _stamp(midnight + dt.timedelta(hours=finish)),
            "machine": machine,
            "event-type": kind,
            "reservation-type": {
                "online": "fairshare",
                "reserved": "dedicated",
                "maintenance": "maintenance",
            }[kind],
        }
        if org is not None:
            event["organization"] = org
        events.append(event)
    return events
