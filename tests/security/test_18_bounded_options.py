"""Item 18: a job's `options` are bounded and their known keys checked.

Before: `options` took any keys up to the 1 MiB body limit, so each job stored ~1 MB of
junk, and a known key of the wrong type (`"no-opt": "yes"`) was stored as given. Now the
options, encoded as compact JSON, take at most `MAX_OPTIONS_BYTES` (16 KiB) and
`MAX_OPTIONS_KEYS` keys (400 code 41 beyond); the known keys have their documented types
and ranges (400 code 10 otherwise); unknown keys are kept, inside those bounds (the cloud
takes free-form options, e.g. pytket's compiler settings). The SDK's offline simulation
applies the same rules (`check_request`).
"""

from __future__ import annotations

from typing import Any

import pytest

from quantinuum_api_server.testing import LocalServer
from quantinuum_emulator._errors import JobRejected
from quantinuum_emulator._execution import check_request
from quantinuum_emulator._machines import MachineCatalog
from quantinuum_emulator._options import MAX_OPTIONS_BYTES, MAX_OPTIONS_KEYS
from tests.programs import BELL

from .conftest import PASSWORD, client, login, new_user


def _body(options: Any) -> dict[str, Any]:
    return {
        "machine": "H1-1E",
        "language": "OPENQASM 2.0",
        "program": BELL,
        "count": 10,
        "options": options,
    }


def _submit(server: LocalServer, options: Any) -> tuple[int, dict[str, Any]]:
    http = client(server)
    email, _ = new_user(server)
    token = login(http, email=email, password=PASSWORD).json()["id-token"]
    reply = http.post("v1/job", json=_body(options), headers={"Authorization": token})
    return reply.status_code, reply.json()


def test_a_megabyte_of_junk_options_is_refused(server: LocalServer) -> None:
    status, doc = _submit(server, {"junk": "x" * 900_000})
    assert status == 400, doc
    assert doc["error"]["code"] == 41
    assert f"limit is {MAX_OPTIONS_BYTES}" in doc["error"]["text"]


def test_too_many_option_keys_are_refused(server: LocalServer) -> None:
    status, doc = _submit(server, {f"k{i}": 0 for i in range(MAX_OPTIONS_KEYS + 1)})
    assert status == 400, doc
    assert doc["error"]["code"] == 41
    assert f"at most {MAX_OPTIONS_KEYS}" in doc["error"]["text"]


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"error-model": "yes"}, "error-model"),
        ({"no-opt": 1}, "no-opt"),
        ({"noreduce": "true"}, "noreduce"),
        ({"tket": ["not", "an", "object"]}, "tket"),
        ({"simulator": 5}, "simulator"),
        ({"simulator": "quantum-annealer"}, "simulator"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**31}, "seed"),
        ({"seed": True}, "seed"),
    ],
)
def test_known_keys_of_the_wrong_type_or_range_are_refused(
    server: LocalServer, options: dict[str, Any], key: str
) -> None:
    status, doc = _submit(server, options)
    assert status == 400, doc
    assert doc["error"]["code"] == 10
    text = doc["error"]["text"]  # the service's schema check or the emulator's own
    assert f"options.{key}" in text or f"options/{key}" in text, text


def test_options_that_are_not_an_object_are_refused(server: LocalServer) -> None:
    status, doc = _submit(server, ["simulator", "stabilizer"])
    assert status == 400, doc
    assert doc["error"]["code"] == 10


def test_unknown_keys_within_the_bounds_are_kept(server: LocalServer) -> None:
    options = {
        "simulator": "stabilizer",
        "error-model": False,
        "seed": 7,
        "no-opt": True,
        "noreduce": False,
        "tket": {"compilation-version": "1.0", "optimisation-level": 2},
        "vendor-flag": {"nested": [1, 2, 3]},
    }
    status, doc = _submit(server, options)
    assert status == 200, doc


def test_the_offline_simulation_applies_the_same_rules() -> None:
    catalog = MachineCatalog()
    with pytest.raises(JobRejected) as big:
        check_request(_body({"junk": "x" * MAX_OPTIONS_BYTES}), catalog)
    assert big.value.code == 41
    wrong: list[dict[str, Any]] = [{"error-model": "yes"}, {"no-opt": 1}, {"tket": []}]
    for bad in [*wrong, {"simulator": 5}]:
        with pytest.raises(JobRejected) as typed:
            check_request(_body(bad), catalog)
        assert typed.value.code == 10
        assert f"options.{next(iter(bad))}" in typed.value.text
    with pytest.raises(JobRejected) as not_object:
        check_request(_body(["simulator"]), catalog)
    assert not_object.value.code == 10
    kept = check_request(_body({"vendor-flag": 1}), catalog)
    assert kept.options == {"vendor-flag": 1}
