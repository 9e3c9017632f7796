"""Contract tests: schemathesis against the in-process app, driven by openapi.yaml.

Every operation, with the examples, coverage and fuzzing phases (`test_operation`) and
the stateful phase (`test_stateful`), all checks, authenticated as a seeded user. The
configuration is `schemathesis.toml` beside this file, which a CLI run against a live
service uses as well (see its header). The stateful phase follows the spec's links
(login → refresh and token users, submit → get → cancel, list → next page); its
submissions carry a runnable program and its logins the seeded account, so the links
have something to follow (fuzzing the program and credentials is `test_operation`'s
job). Bounded for `make test` (a fixed seed, derandomized); a longer run:

    QAPI_FUZZ_EXAMPLES=500 QAPI_FUZZ_SCENARIOS=100 QAPI_FUZZ_STEPS=200 \
        .venv/bin/pytest tests/contract -p no:cacheprovider

`QAPI_FUZZ_SEED` changes the fuzzing seed (the stateful phase runs derandomized);
`QAPI_FUZZ_SCENARIOS` sets the number of stateful scenarios.
"""

from __future__ import annotations

import copy
import os
from collections import Counter
from typing import Any

import hypothesis
import schemathesis
from schemathesis import Case

from .conftest import APP, CONFIG, SEEDED_EMAIL, SEEDED_PASSWORD, SERVICE

MAX_EXAMPLES = int(os.environ.get("QAPI_FUZZ_EXAMPLES", "25"))
MAX_STEPS = int(os.environ.get("QAPI_FUZZ_STEPS", "20"))
SCENARIOS = int(os.environ.get("QAPI_FUZZ_SCENARIOS", "8"))
SEED = int(os.environ.get("QAPI_FUZZ_SEED", str(CONFIG["seed"])))


def _config(*, stateful: bool) -> Any:
    """schemathesis.toml with this run's budget; without the body `parameters` (fixed
    program and credentials) unless for the stateful phase."""
    data = copy.deepcopy(CONFIG)
    data["seed"] = SEED
    data["generation"]["max-examples"] = MAX_EXAMPLES
    data["phases"]["stateful"]["max-steps"] = MAX_STEPS
    if not stateful:
        for operation in data["operations"]:
            operation.pop("parameters", None)
    return schemathesis.Config.from_dict(data)


schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=_config(stateful=False))
stateful_schema = schemathesis.openapi.from_asgi(
    "/openapi.json", APP, config=_config(stateful=True)
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
    real job: GET and cancel answer 200, not only 404 as with guessed ids (the condition
    under which schemathesis drops its "missing test data" warning)."""
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
