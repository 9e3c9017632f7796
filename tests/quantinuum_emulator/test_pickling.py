"""A prepared job pickles for the process that runs it: a circuit of standard gates as
QPY, anything else as qiskit pickles it; either way it runs as the original does."""

from __future__ import annotations

import pickle

import pytest

from quantinuum_emulator import Emulator, PreparedJob
from quantinuum_emulator._qasm import ParsedProgram

_QELIB = 'OPENQASM 2.0;\ninclude "qelib1.inc";\n'

#: Standard gates (with angles), a reset, a barrier and measurements into two registers.
STANDARD = _QELIB + (
    "qreg q[4];\ncreg a[2];\ncreg b[2];\nreset q[2];\n"
    "h q[0];\nrx(0.3) q[1];\nu3(0.1,0.2,0.3) q[2];\ncx q[0],q[3];\ncu1(0.7) q[1],q[2];\n"
    "barrier q;\nt q[3];\nmeasure q[0] -> a[1];\nmeasure q[1] -> b[0];\n"
    "measure q[2] -> a[0];\nmeasure q[3] -> b[1];\n"
)
#: A custom gate and a condition: not standard gates, so not QPY.
CUSTOM = _QELIB + (
    "gate mine(t) x, y { rx(t) x; cx x, y; }\n"
    "qreg q[2];\ncreg c[2];\nmine(0.4) q[0], q[1];\nmeasure q[0] -> c[0];\n"
    "if (c==1) x q[1];\nmeasure q[1] -> c[1];\n"
)


def _job(program: str) -> PreparedJob:
    body = {"machine": "H1-1E", "language": "OPENQASM 2.0", "program": program, "count": 50}
    body["options"] = {"seed": 7}
    return Emulator().prepare(body)


def _results(job: PreparedJob) -> list[dict[str, list[str]]]:
    return [dict(chunk) for chunk in Emulator().run(job)]


@pytest.mark.parametrize(("program", "qpy"), [(STANDARD, True), (CUSTOM, False)])
def test_a_prepared_job_round_trips_and_runs_the_same(program: str, qpy: bool) -> None:
    job = _job(program)
    assert job.picklable
    assert isinstance(job.program, ParsedProgram)
    Emulator().run(job).__next__()  # fills its `compiled` cache, which does not travel
    assert job.program.compiled
    data = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
    assert (b"QISKIT" in data) is qpy  # QPY's file header
    copy = pickle.loads(data)  # noqa: S301 - made by this test
    assert isinstance(copy.program, ParsedProgram)
    assert copy.program.circuit == job.program.circuit
    assert copy.program.circuit.name == job.program.circuit.name
    assert [r.name for r in copy.program.circuit.cregs] == [
        r.name for r in job.program.circuit.cregs
    ]
    assert copy.program.info == job.program.info
    assert copy.program.compiled == {}
    assert copy.program == job.program
    fields = ("machine", "count", "options", "cost", "method")
    assert [getattr(copy, f) for f in fields] == [getattr(job, f) for f in fields]
    assert copy.placement.doc == job.placement.doc
    assert _results(copy) == _results(job)  # the same seed: the same shots
