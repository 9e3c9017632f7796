"""openapi.yaml is a valid OpenAPI 3.1 document and covers the reference's contract."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from tests.paths import SPEC

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return loaded


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    ]


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def test_spec_is_valid_openapi_31(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_documented_endpoint_is_present(spec: dict[str, Any]) -> None:
    found = {(path, method) for path, method, _ in operations(spec)}
    assert found == {
        ("/v1/login", "post"),
        ("/v1/logout", "post"),
        ("/v1/job", "post"),
        ("/v1/job", "get"),
        ("/v1/job/{job_id}", "get"),
        ("/v1/job/{job_id}/cancel", "post"),
        ("/v1/job-batch", "post"),
        ("/v1/job-batch/documents", "post"),
        ("/v1/machine/", "get"),
        ("/v1/machine/{name}", "get"),
        ("/beta/reservation", "get"),
    }


def test_every_operation_has_an_example(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        ok = resolve(spec, op["responses"]["200"])["content"]["application/json"]
        assert "example" in ok or "examples" in ok, f"{method} {path}: no response example"
        if "requestBody" in op:
            body = op["requestBody"]["content"]["application/json"]
            assert "example" in body or "examples" in body, f"{method} {path}: no body example"
        for param in op.get("parameters", []):
            param = resolve(spec, param)
            assert "example" in param, f"{method} {path}: parameter {param['name']} lacks one"


def test_every_error_response_uses_the_error_schema(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        errors = {code: r for code, r in op["responses"].items() if not code.startswith("2")}
        assert "400" in errors, f"{method} {path}: 400 undocumented"
        assert "429" in errors, f"{method} {path}: 429 undocumented"
        assert "500" in errors, f"{method} {path}: 500 undocumented"
        for code, response in errors.items():
            schema = resolve(spec, response)["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (
                f"{method} {path} {code}: not the error body"
            )


def test_authorization_is_a_raw_header_token(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["idToken"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "Authorization"}
    assert spec["security"] == [{"idToken": []}]
    login = spec["paths"]["/v1/login"]["post"]
    assert login["security"] == []


def test_additions_beyond_the_reference_are_marked(spec: dict[str, Any]) -> None:
    components = spec["components"]
    assert components["parameters"]["IdempotencyKey"]["x-extension"] is True
    assert components["responses"]["IdempotencyKeyReused"]["x-extension"] is True
    assert spec["paths"]["/v1/job"]["get"]["x-extension"] is True
    assert spec["paths"]["/v1/job-batch"]["post"]["x-extension"] is True
    assert spec["paths"]["/v1/job-batch/documents"]["post"]["x-extension"] is True
    for name in ("PayloadTooLarge", "TooManyRequests", "UnsupportedMediaType", "InternalError"):
        assert components["responses"][name]["x-extension"] is True
    assert "Retry-After" in components["responses"]["TooManyRequests"]["headers"]


def test_login_has_three_body_variants(spec: dict[str, Any]) -> None:
    variants = spec["components"]["schemas"]["LoginRequest"]["oneOf"]
    required = [resolve(spec, v)["required"] for v in variants]
    assert required == [["email", "password"], ["refresh-token"], ["provider-token"]]


def test_job_status_enum_is_complete(spec: dict[str, Any]) -> None:
    assert spec["components"]["schemas"]["JobStatus"]["enum"] == [
        "queued",
        "running",
        "retrying",
        "completed",
        "failed",
        "canceling",
        "cancelling",
        "canceled",
        "depleted",
        "terminated",
    ]


def test_links_walk_a_job_life_cycle(spec: dict[str, Any]) -> None:
    """submit → get → cancel → get, and login hands its token to every operation that
    needs one and no other input (the job operations are reached through submit)."""
    ids = {op["operationId"]: op for _, _, op in operations(spec)}

    def links(operation_id: str) -> dict[str, dict[str, Any]]:
        found = ids[operation_id]["responses"]["200"].get("links", {})
        return {name: resolve(spec, link) for name, link in found.items()}

    def targets(operation_id: str) -> set[str]:
        return {link["operationId"] for link in links(operation_id).values()}

    assert targets("submit_job") == {"get_job", "cancel_job"}
    assert targets("get_job") == {"get_job", "cancel_job"}
    assert targets("cancel_job") == {"get_job"}
    assert targets("list_jobs") == {"list_jobs"}
    for source in ("submit_job", "get_job", "cancel_job"):
        for link in links(source).values():
            assert link["parameters"] == {"job_id": "$response.body#/job"}
    tokened = {
        op["operationId"]
        for op in ids.values()
        if op.get("security", spec["security"])
        and all(resolve(spec, p)["in"] != "path" for p in op.get("parameters", []))
    }
    login = links("login")
    # logout ends the session the stateful phase is using: no link leads there
    assert targets("login") == tokened - {"logout"} | {"login"}
    for link in login.values():
        if link["operationId"] != "login":
            assert link["parameters"] == {"header.Authorization": "$response.body#/id-token"}
    refresh = next(link for link in login.values() if link["operationId"] == "login")
    assert refresh["requestBody"] == {"refresh-token": "$response.body#/refresh-token"}
    for op_id in ids:
        for link in links(op_id).values():
            assert link["operationId"] in ids, f"{op_id}: link to unknown {link['operationId']}"
