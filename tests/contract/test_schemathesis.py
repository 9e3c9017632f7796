"""Contract tests: schemathesis against the in-process app, driven by openapi.yaml.

Every operation, with the examples, coverage and fuzzing phases (`test_operation`) and
the stateful phase (`test_stateful`), all checks, authenticated as a seeded user.
Bounded for `make test` (a fixed seed, derandomized); a longer run:

    QAPI_FUZZ_EXAMPLES=500 QAPI_FUZZ_STEPS=200 .venv/bin/pytest tests/contract -p no:cacheprovider

`QAPI_FUZZ_SEED` changes the seed.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from schemathesis import Case

from .conftest import APP, SEEDED_EMAIL, SEEDED_PASSWORD, SERVICE

MAX_EXAMPLES = int(os.environ.get("QAPI_FUZZ_EXAMPLES", "25"))
MAX_STEPS = int(os.environ.get("QAPI_FUZZ_STEPS", "30"))
SEED = int(os.environ.get("QAPI_FUZZ_SEED", "20261125"))

# Valid-looking requests the service still refuses with a documented 400: a program that
# does not parse, a start date after the end date, an unknown refresh token.
_SEMANTIC_400 = ["2xx", "400", "401", "404", "429"]


def _config() -> Any:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            "phases": {"stateful": {"max-steps": MAX_STEPS}},
            "operations": [
                {
                    "include-operation-id": op,
                    "checks": {"positive_data_acceptance": {"expected-statuses": _SEMANTIC_400}},
                }
                for op in ("login", "submit_job", "get_reservations")
            ],
        }
    )


schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=_config())


@schema.auth()
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
    schema.as_state_machine().run()
