"""Contract tests: schemathesis against the in-process app, driven by openapi.yaml.

Every operation, with the examples, coverage and fuzzing phases (`test_operation`) and
the stateful phase (`test_stateful`), all checks, authenticated as a seeded user.
The stateful phase follows the spec's links (login → token users, submit → get →
cancel, list → next page); its submissions carry a runnable program and its password
logins the seeded account, so the links have something to follow (fuzzing the program
and credentials is `test_operation`'s job). Bounded for `make test` (a fixed seed,
derandomized); a longer run:

    QAPI_FUZZ_EXAMPLES=500 QAPI_FUZZ_SCENARIOS=100 QAPI_FUZZ_STEPS=200 \
        .venv/bin/pytest tests/contract -p no:cacheprovider

`QAPI_FUZZ_SEED` changes the seed; `QAPI_FUZZ_SCENARIOS` the number of stateful scenarios.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import hypothesis
import schemathesis
from schemathesis import Case

from tests.programs import BELL

from .conftest import APP, SEEDED_EMAIL, SEEDED_PASSWORD, SERVICE

MAX_EXAMPLES = int(os.environ.get("QAPI_FUZZ_EXAMPLES", "25"))
MAX_STEPS = int(os.environ.get("QAPI_FUZZ_STEPS", "20"))
SCENARIOS = int(os.environ.get("QAPI_FUZZ_SCENARIOS", "8"))
SEED = int(os.environ.get("QAPI_FUZZ_SEED", "20261125"))

# Valid-looking requests the service still refuses with a documented 400: a program that
# does not parse, a start date after the end date, an unknown refresh token, a made-up
# job-list cursor; or 422: an Idempotency-Key reused with another body.
_SEMANTIC_4XX = ["2xx", "400", "401", "404", "422", "429"]


# Stateful only: bodies that reach the service's logic, so that links get followed.
_STATEFUL_BODIES: dict[str, dict[str, Any]] = {
    "submit_job": {
        "body.machine": "H1-1E",
        "body.language": "OPENQASM 2.0",
        "body.program": BELL,
        "body.count": 10,
    },
    "login": {"body.email": SEEDED_EMAIL, "body.password": SEEDED_PASSWORD},
}


def _config(bodies: dict[str, dict[str, Any]] | None = None) -> Any:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            "phases": {"stateful": {"max-steps": MAX_STEPS}},
            "operations": [
                {
                    "include-operation-id": op,
                    "checks": {"positive_data_acceptance": {"expected-statuses": _SEMANTIC_4XX}},
                    **({"parameters": bodies[op]} if bodies and op in bodies else {}),
                }
                for op in ("login", "submit_job", "list_jobs", "get_reservations")
            ],
        }
    )


schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=_config())
stateful_schema = schemathesis.openapi.from_asgi(
    "/openapi.json", APP, config=_config(_STATEFUL_BODIES)
)


@schema.auth()
@stateful_schema.auth()
class IdToken:
    """Logs the seeded user in (schemathesis caches the token for a while)."""

    def get(self, case: Case[Any], ctx: Any) -> str:
        pair = SERVICE.auth.login_password(SEEDED_EMAIL, SEEDED_PASSWORD, None)
        return str(pair["id-token"])

    def set(self, case: Case[Any], data: str, ctx: Any) -> None:
        case.headers["Authorization"] = data


@schema.parametrize()
def test_operation(case: Case[Any]) -> None:
    case.call_and_validate()


def test_stateful() -> None:
    """The stateful phase walks the spec's links and reaches every job operation with a
    real job: GET and cancel answer 200 (not only 404, as with guessed ids)."""
    followed: Counter[tuple[str, int]] = Counter()
    answered: Counter[tuple[str, int]] = Counter()
    machine = stateful_schema.as_state_machine()

    class Walk(machine):  # type: ignore[misc, valid-type]
        def step(self, input: Any) -> Any:
            output = super().step(input)
            operation_id = str(input.case.operation.definition.raw["operationId"])
            key = (operation_id, output.response.status_code)
            answered[key] += 1
            if input.transition is not None:
                followed[key] += 1
            return output

    Walk.run(
        settings=hypothesis.settings(
            max_examples=SCENARIOS,
            stateful_step_count=MAX_STEPS,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
    for operation_id in ("get_job", "cancel_job"):
        assert followed[(operation_id, 200)], f"no link to {operation_id} answered 200: {followed}"
    for operation_id in ("login", "submit_job", "list_jobs"):
        assert answered[(operation_id, 200)], f"{operation_id} never answered 200: {answered}"
