"""The service and the SDK's offline backend apply one set of job rules and give a job one
document shape: both come from the emulator's public API."""

from __future__ import annotations

from typing import Any

from quantinuum_api import QuantinuumAPIOffline
from quantinuum_emulator import DEFAULT_MAX_RESULT_BITS, LIMIT_EXCEEDED, MAX_COST_EXCEEDED

from .conftest import Api

#: 27 classical registers of 64 bits: 10,000 shots hold 17,280,000 result bits, over the
#: default limit (2**24), though each register and the register count are within H1-1E's.
WIDE = (
    'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[1];\n'
    + "".join(f"creg c{i}[64];\n" for i in range(27))
    + "h q[0];\nmeasure q[0] -> c0[0];\n"
)


def _offline_doc(body: dict[str, Any]) -> dict[str, Any]:
    api = QuantinuumAPIOffline(simulate=True)
    reply = api._submit_job(body)
    assert reply is not None
    assert reply.status_code == 200, reply.text
    doc = api.retrieve_job(reply.json()["job"])
    assert doc is not None
    return doc


def _body(**extra: Any) -> dict[str, Any]:
    from tests.programs import BELL

    return {
        "name": "test",
        "machine": "H1-1E",
        "language": "OPENQASM 2.0",
        "program": BELL,
        "count": 10,
        **extra,
    }


def test_a_job_document_has_one_shape_in_the_service_and_offline(api: Api) -> None:
    for extra in ({"group": "g", "priority": "high"}, {"max-cost": 0.5}):
        body = _body(**extra)
        served = api.wait(api.http.post("v1/job", json=body, headers=api.headers).json()["job"])
        offline = _offline_doc(body)
        assert list(offline) == list(served), extra
        assert offline["status"] == served["status"]
        for key in ("name", "machine", "count", "priority", "cost", "qubits", "last-shot"):
            assert offline[key] == served[key], key
        assert offline.get("error") == served.get("error")
        assert served["submit-date"].endswith("Z")
        assert offline["submit-date"].endswith("Z")


def test_results_over_the_result_bit_limit_are_refused_in_both(api: Api) -> None:
    assert DEFAULT_MAX_RESULT_BITS < 10_000 * 27 * 64
    body = _body(program=WIDE, count=10_000)
    served = api.http.post("v1/job", json=body, headers=api.headers)
    assert served.status_code == 400
    assert served.json()["error"]["code"] == LIMIT_EXCEEDED
    offline = QuantinuumAPIOffline(simulate=True)._submit_job(body)
    assert offline is not None
    assert offline.status_code == 400
    assert offline.json() == served.json()
    fits = _body(program=WIDE, count=100)
    assert api.http.post("v1/job", json=fits, headers=api.headers).status_code == 200
    assert _offline_doc(fits)["status"] == "completed"


def test_batch_rules_are_the_same_in_both(api: Api) -> None:
    offline = QuantinuumAPIOffline(simulate=True)

    def served(body: dict[str, Any]) -> Any:
        return api.http.post("v1/job", json=body, headers=api.headers)

    errors = []
    for submit, document in (
        (served, lambda job_id: api.wait(job_id)),
        (offline._submit_job, offline.retrieve_job),
    ):
        head = submit(_body(**{"batch-exec": 10.0}))  # ~5.06 HQC of a 10 HQC batch
        assert head is not None
        batch = head.json()["job"]
        over = submit(_body(count=10_000, **{"batch-exec": batch, "batch-end": True}))
        assert over is not None
        assert over.status_code == 200  # accepted, and failed at once (code 42)
        over_doc = document(over.json()["job"])
        assert over_doc is not None
        errors.append(over_doc["error"])
        late = submit(_body(**{"batch-exec": batch}))
        assert late is not None
        assert (late.status_code, late.json()["error"]["code"]) == (400, 10)
        assert late.json()["error"]["text"].endswith(f"batch {batch} has ended (batch-end)")
        unknown = submit(_body(**{"batch-exec": "nope"}))
        assert unknown is not None
        assert unknown.json()["error"]["text"] == (
            "Invalid request: batch-exec names no batch of yours (nope)"
        )
    assert errors[0] == errors[1]
    assert errors[0]["code"] == MAX_COST_EXCEEDED
    assert "would exceed the batch's max cost 10.0" in errors[0]["text"]
