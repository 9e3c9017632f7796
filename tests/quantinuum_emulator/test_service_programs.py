"""End to end: what pytket really sends, through a real LocalServer over HTTP."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pytket import Circuit
from pytket.qir.conversion.api import QIRProfile

from quantinuum_api_server.testing import LocalServer

from .pytket_programs import cfl, classical_circuit, qasm, qir, rng_circuit, wasm_circuit

DONE = {"completed", "failed", "canceled"}


class Client:
    def __init__(self, server: LocalServer) -> None:
        server.add_user("programs@example.com", "pw-1")
        self.http = httpx.Client(base_url=server.base_url, timeout=30)
        login = self.http.post(
            "v1/login", json={"email": "programs@example.com", "password": "pw-1"}
        )
        self.headers = {"Authorization": login.json()["id-token"]}

    def submit(self, program: str, language: str, **extra: Any) -> httpx.Response:
        body = {
            "name": "programs",
            "machine": "H1-1E",
            "language": language,
            "program": program,
            "count": 100,
            **extra,
        }
        return self.http.post("v1/job", json=body, headers=self.headers)

    def run(self, program: str, language: str, **extra: Any) -> dict[str, Any]:
        reply = self.submit(program, language, **extra)
        assert reply.status_code == 200, reply.text
        job_id = reply.json()["job"]
        deadline = time.monotonic() + 60
        while True:
            doc: dict[str, Any] = self.http.get(f"v1/job/{job_id}", headers=self.headers).json()
            if doc["status"] in DONE:
                return doc
            assert time.monotonic() < deadline, doc
            time.sleep(0.02)


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    with LocalServer() as server:
        yield Client(server)


def test_qasm_with_classical_operations_and_rng(client: Client) -> None:
    doc = client.run(qasm(classical_circuit()), "OPENQASM 2.0", options={"seed": 1})
    assert doc["status"] == "completed", doc.get("error")
    seen = Counter(zip(doc["results"]["a"], doc["results"]["r"], strict=True))
    assert set(seen) == {("00000011", "00000111"), ("00000000", "00000101")}
    rng = client.run(qasm(rng_circuit(with_index=True)), "OPENQASM 2.0", count=20)
    assert rng["status"] == "completed", rng.get("error")
    assert [int(v, 2) for v in rng["results"]["shot"]] == list(range(1, 21))


@pytest.mark.parametrize("profile", [QIRProfile.PYTKET, QIRProfile.ADAPTIVE], ids=str)
def test_qir_as_pytket_submits_it(client: Client, profile: QIRProfile) -> None:
    circuit = Circuit(2, name="bell")
    c = circuit.add_c_register("c", 2)
    circuit.H(0).CX(0, 1).Measure(0, c[0]).Measure(1, c[1])
    doc = client.run(qir(circuit, profile), "QIR 1.0")
    assert doc["status"] == "completed", doc.get("error")
    assert {int(v, 2) for v in doc["results"]["c"]} == {0, 3}
    assert len(doc["results"]["c"]) == 100


def test_huge_register_is_refused_at_once(client: Client) -> None:
    start = time.perf_counter()
    reply = client.submit("OPENQASM 2.0;\nqreg q[2147483647];\n", "OPENQASM 2.0")
    assert time.perf_counter() - start < 1.0
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == 41


def test_wasm_job_runs_with_its_module(client: Client) -> None:
    doc = client.run(qasm(wasm_circuit()), "OPENQASM 2.0", cfl=cfl(), count=5)
    assert doc["status"] == "completed", doc.get("error")
    assert doc["results"]["n"] == ["00000010"] * 5


def test_syntax_checker_returns_zeros(client: Client) -> None:
    doc = client.run(qasm(classical_circuit()), "OPENQASM 2.0", machine="H1-1SC", count=5)
    assert doc["status"] == "completed"
    assert doc["results"]["a"] == ["00000000"] * 5


@pytest.mark.parametrize(
    ("program", "code"),
    [
        ("OPENQASM 2.0;\nqreg q[1];\ncreg c[99999999999999999999];\n", 41),
        ("OPENQASM 2.0;\nqreg q[1];\ncreg c[65];\n", 41),
        ("OPENQASM 2.0;\nqreg q[1];\ncreg c[1];\nmeasure q[0] -> c[99999999999999999999];\n", 40),
    ],
    ids=["size-beyond-u64", "65-bits", "index-beyond-u64"],
)
def test_register_sizes_beyond_64_bits_get_a_clear_400(
    client: Client, program: str, code: int
) -> None:
    reply = client.submit(program, "OPENQASM 2.0")
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == code


BIT63 = 2**63 + 5
#: How the cloud writes BIT63, a 64-bit value with bit 63 set: signed, `-` and magnitude.
BIT63_AS_CLOUD = format(BIT63 - 2**64, "064b")

WIDE = f"""OPENQASM 2.0;
include "hqslib1.inc";
qreg q[1];
creg w[64];
creg v[63];
creg m[64];
w = {BIT63};
v = {2**62 + 1};
x q[0];
measure q[0] -> m[63];
"""

PLAIN_WIDE = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[1];
creg m[64];
x q[0];
measure q[0] -> m[63];
"""

#: big() returns an i64 with bit 63 set; the QIR records it with int_record_output.
BIG_WAT = '(module (func (export "init")) (func (export "big") (result i64) (i64.const -2)))'
BIG_QIR = """
@b = internal constant [2 x i8] c"b\\00"
define void @main() #0 {
entry:
  %v = call i64 @big()
  call void @__quantum__rt__int_record_output(i64 %v, ptr @b)
  ret void
}
declare i64 @big() #1
declare void @__quantum__rt__int_record_output(i64, ptr)
attributes #0 = { "entry_point" "required_num_qubits"="1" "required_num_results"="0" }
attributes #1 = { "wasm" }
"""


def test_64_bit_values_come_back_signed_as_from_the_cloud(client: Client) -> None:
    import base64

    import wasmtime

    from .pytket_programs import qir_bitcode

    doc = client.run(WIDE, "OPENQASM 2.0", count=3)  # the per-shot engine
    assert doc["status"] == "completed", doc.get("error")
    assert doc["results"]["w"] == [BIT63_AS_CLOUD] * 3
    assert doc["results"]["m"] == [format(-(2**63), "064b")] * 3
    assert doc["results"]["v"] == [format(2**62 + 1, "063b")] * 3  # 63 bits: unsigned
    plain = client.run(PLAIN_WIDE, "OPENQASM 2.0", count=3)  # qiskit-aer
    assert plain["results"]["m"] == [format(-(2**63), "064b")] * 3
    module = base64.b64encode(bytes(wasmtime.wat2wasm(BIG_WAT))).decode()
    wasm = client.run(qir_bitcode(BIG_QIR), "QIR 1.0", count=2, cfl=module)
    assert wasm["status"] == "completed", wasm.get("error")
    assert wasm["results"]["b"] == [format(-2, "064b")] * 2
