"""Item 11: amplification. A job whose result would be huge (shots x classical bits over
the bound) is refused at admission with code 41, before it runs; a 10,000-shot result is
stored packed (about one bit per result bit), not as one JSON string per shot per register:
asserted on the database's bytes."""

from __future__ import annotations

from quantinuum_api_server.testing import LocalServer, fast_settings
from tests.programs import BELL
from tests.quantinuum_api_server.integration.conftest import Api

from .conftest import PASSWORD, new_user


def _api(server: LocalServer) -> Api:
    return Api(server, new_user(server)[0], PASSWORD)


def test_a_huge_result_is_refused_at_admission(server: LocalServer) -> None:
    api = _api(server)
    registers = "".join(f"creg r{i}[63];\n" for i in range(50))
    program = f'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[2];\n{registers}'
    reply = api.submit(program, machine="H2-1E", count=10000)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == 41
    assert "10000 shots x 3150 classical bits" in error["text"]
    # The same program with fewer shots fits.
    assert api.submit(program, machine="H2-1E", count=10).status_code == 200


def test_a_10000_shot_result_is_stored_small() -> None:
    program = (
        'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[16];\ncreg a[8];\ncreg b[8];\n'
        "h q;\nmeasure q[0] -> a[0];\nmeasure q[1] -> a[1];\nmeasure q[2] -> a[2];\n"
        "measure q[3] -> a[3];\nmeasure q[4] -> a[4];\nmeasure q[5] -> a[5];\n"
        "measure q[6] -> a[6];\nmeasure q[7] -> a[7];\nmeasure q[8] -> b[0];\n"
        "measure q[9] -> b[1];\nmeasure q[10] -> b[2];\nmeasure q[11] -> b[3];\n"
        "measure q[12] -> b[4];\nmeasure q[13] -> b[5];\nmeasure q[14] -> b[6];\n"
        "measure q[15] -> b[7];\n"
    )
    with LocalServer(settings=fast_settings()) as server:
        api = _api(server)
        api.wait(api.submit(BELL, count=1).json()["job"])
        server.stop()  # closing the database folds its log into the file
        before = server.db_path.stat().st_size
        server.start()
        doc = api.wait(api.submit(program, count=10000).json()["job"])
        server.stop()
        after = server.db_path.stat().st_size
    assert doc["status"] == "completed"
    assert [len(doc["results"][name]) for name in ("a", "b")] == [10000, 10000]
    assert len(set(doc["results"]["a"])) > 200  # random bits: nothing to compress away
    # 160,000 random bits are 20 KB packed; as JSON strings they took 2 x 110 KB.
    assert after - before < 50_000, after - before
