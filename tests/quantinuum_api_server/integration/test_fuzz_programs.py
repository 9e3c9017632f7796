"""Mutated programs (QIR bitcode, WASM modules, OpenQASM) against the running service.

Every input must get a 4xx with a message or be accepted; the service must stay alive and
keep serving, and no checker process may be left behind. A seeded mutator makes the
inputs (bit flips, byte changes, truncation, spliced and repeated sections, for the text
also deleted and repeated tokens and deep nesting), so a failure names a reproducible
input. `make test` runs `QAPI_FUZZ_PROGRAMS` (default 800) inputs per language;
`QAPI_FUZZ_PROGRAMS=20000 QAPI_FUZZ_SEED=7 .venv/bin/pytest tests/quantinuum_api_server/
integration/test_fuzz_programs.py` is a longer run.
"""

from __future__ import annotations

import base64
import os
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytket.qir.conversion.api import QIRProfile

from tests.programs import BELL
from tests.quantinuum_emulator.pytket_programs import (
    classical_circuit,
    qasm,
    qir,
    rng_circuit,
    wasm_bytes,
    wasm_circuit,
)
from tests.served import ServedService

BUDGET = int(os.environ.get("QAPI_FUZZ_PROGRAMS", "800"))
SEED = int(os.environ.get("QAPI_FUZZ_SEED", "2026"))
CHECKERS = 2


@pytest.fixture(scope="module")
def service() -> Iterator[ServedService]:
    with ServedService(checkers=CHECKERS, check_time_limit=5.0) as served:
        yield served


def mutate_bytes(rng: random.Random, data: bytes, others: list[bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        if not out:
            break
        if roll < 0.45:  # bit flips
            for _ in range(rng.randint(1, 8)):
                at = rng.randrange(len(out))
                out[at] ^= 1 << rng.randrange(8)
        elif roll < 0.65:  # bytes set to edge values
            for _ in range(rng.randint(1, 4)):
                out[rng.randrange(len(out))] = rng.choice((0, 0x7F, 0x80, 0xFF, rng.randrange(256)))
        elif roll < 0.8:  # truncation
            out = out[: rng.randrange(len(out))]
        elif roll < 0.92:  # a section of another seed spliced in
            other = rng.choice(others)
            start, size = rng.randrange(len(other)), rng.randint(1, 256)
            at = rng.randrange(len(out))
            out[at : at + size] = other[start : start + size]
        else:  # a section repeated
            start = rng.randrange(len(out))
            size = rng.randint(1, 64)
            out[start:start] = out[start : start + size] * rng.randint(2, 20)
    return bytes(out)


TOKENS = ("(", ")", "[", "]", "{", "}", ";", ",", "->", "==", "if", "gate", "qreg", "creg")


def mutate_text(rng: random.Random, text: str, others: list[str]) -> str:
    roll = rng.random()
    if roll < 0.5:
        return mutate_bytes(rng, text.encode(), [o.encode() for o in others]).decode(
            "utf-8", "replace"
        )
    lines = text.splitlines(keepends=True)
    if roll < 0.65:  # lines deleted or repeated
        at = rng.randrange(len(lines))
        lines[at : at + 1] = [] if rng.random() < 0.5 else [lines[at]] * rng.randint(2, 50)
        return "".join(lines)
    if roll < 0.8:  # a token inserted somewhere
        at = rng.randrange(len(text))
        return text[:at] + rng.choice(TOKENS) + text[at:]
    if roll < 0.9:  # deep nesting in an expression
        depth = rng.choice((50, 500, 5000))
        return text.replace("0.", "(" * depth + "0." + ")" * depth, 1) + (
            f"rz({'(' * depth}1{')' * depth}) q[0];\n"
        )
    at = rng.randrange(len(text))  # a huge number
    return text[:at] + rng.choice(("9" * 40, "-1", "1e400", "4294967296")) + text[at:]


def qir_seeds() -> list[bytes]:
    circuits = (classical_circuit(), rng_circuit(with_index=True))
    profiles = (QIRProfile.PYTKET, QIRProfile.ADAPTIVE)
    return [base64.b64decode(qir(c, p)) for c in circuits for p in profiles]


def qasm_seeds() -> list[str]:
    return [BELL, qasm(classical_circuit()), qasm(rng_circuit(with_index=False))]


def body(rng: random.Random, language: str, program: str, **extra: Any) -> dict[str, Any]:
    # Mostly the syntax checker (parsed and priced, not simulated); some run for real.
    machine = "H1-1E" if rng.random() < 0.1 else "H1-1SC"
    return {"machine": machine, "language": language, "program": program, "count": 3, **extra}


def run(service: ServedService, make: Callable[[random.Random], dict[str, Any]]) -> dict[int, int]:
    rng = random.Random(SEED)
    statuses: dict[int, int] = {}
    for index in range(BUDGET):
        request = make(rng)
        reply = service.submit(request)
        statuses[reply.status_code] = statuses.get(reply.status_code, 0) + 1
        assert reply.status_code in (200, 400, 413, 422), (index, reply.status_code, reply.text)
        if reply.status_code != 200:
            error = reply.json()["error"]
            assert isinstance(error["code"], int)
            assert error["text"], (index, reply.text)
        assert service.alive(), f"input {index} (seed {SEED}) stopped the service"
        if index % 100 == 99:
            assert service.submit(body(rng, "OPENQASM 2.0", BELL)).status_code == 200
    # fork server, 2 job workers, at most CHECKERS checkers: nothing else left running
    assert len(service.descendants()) <= 3 + CHECKERS, service.descendants()
    return statuses


def test_mutated_qir_bitcode(service: ServedService) -> None:
    seeds = qir_seeds()

    def make(rng: random.Random) -> dict[str, Any]:
        data = mutate_bytes(rng, rng.choice(seeds), seeds)
        return body(rng, "QIR 1.0", base64.b64encode(data).decode())

    statuses = run(service, make)
    assert statuses.get(400, 0) > BUDGET // 4  # the mutator really makes bad programs


def test_mutated_wasm_modules(service: ServedService) -> None:
    module = wasm_bytes()
    program = qasm(wasm_circuit())

    def make(rng: random.Random) -> dict[str, Any]:
        data = mutate_bytes(rng, module, [module])
        return body(rng, "OPENQASM 2.0", program, cfl=base64.b64encode(data).decode())

    statuses = run(service, make)
    assert statuses.get(400, 0) > BUDGET // 4


def test_mutated_qasm(service: ServedService) -> None:
    seeds = qasm_seeds()

    def make(rng: random.Random) -> dict[str, Any]:
        return body(rng, "OPENQASM 2.0", mutate_text(rng, rng.choice(seeds), seeds))

    statuses = run(service, make)
    assert statuses.get(400, 0) > BUDGET // 4
