"""The contract, openapi.yaml, loaded once and used to validate requests.

The spec is the single source of truth: parameter and body schemas are taken from it
verbatim (with its `$ref`s resolved through a registry of the whole document) and
checked with JSON Schema 2020-12 plus format checking. Query and path values arrive as
strings and are converted by the parameter's schema type (`true`/`false` for booleans)
first.

Each schema gets two validators: a compiled one (`jsonschema_rs`, given the formats of
`jsonschema`'s checker so that both judge formats alike) answers valid/invalid, and
the `jsonschema` one, run only when the compiled one says invalid or cannot judge a
value, decides and words the error. So a valid request costs microseconds, and the
verdicts and texts for invalid ones are `jsonschema`'s.

The file is looked up as package data (`quantinuum_api_server/openapi.yaml`, for a
wheel) and then at the repository root (editable installs); `ServerSettings.spec_path`
overrides both.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema  # type: ignore[import-untyped]
import jsonschema_rs
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ._errors import INVALID_REQUEST, ApiError

__all__ = ["Operation", "Spec", "find_spec_path", "load_spec"]

_SPEC_URI = "urn:quantinuum-api:openapi"
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def find_spec_path(override: Path | None = None) -> Path:
    """Where openapi.yaml is; raises FileNotFoundError naming the places looked at."""
    candidates: list[Path] = []
    if override is not None:
        candidates.append(Path(override))
    packaged = resources.files(__package__ or "quantinuum_api_server") / "openapi.yaml"
    candidates.append(Path(str(packaged)))
    candidates.append(Path(__file__).resolve().parents[2] / "openapi.yaml")
    for path in candidates:
        if path.is_file():
            return path
    looked = ", ".join(str(p) for p in candidates)
    raise FileNotFoundError(f"openapi.yaml not found (looked at: {looked})")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema: Mapping[str, Any]
    validator: Any
    check: Callable[[Any], bool] | None = None  # compiled: True means valid


@dataclass(frozen=True)
class Operation:
    """One operation of the spec: its parameters, body validator and allowed statuses."""

    operation_id: str
    method: str
    path: str
    parameters: tuple[Parameter, ...]
    body_validator: Any
    statuses: frozenset[int] = field(default_factory=frozenset)
    body_check: Callable[[Any], bool] | None = None  # compiled: True means valid
    # True when `Spec._integers` would leave the (valid) body as it is; None: unknown
    body_untouched: Callable[[Any], bool] | None = None


_INT64 = 2**63


@dataclass(frozen=True)
class _Numbers:
    """Where `Spec._integers` converts or bounds numbers, compiled once from a schema
    (parts with nothing to do are left out). `untouched(value)`: whether `_integers`
    would return `value` unchanged; it looks only where `_integers` looks (the schema's
    properties, items and combinators), never through the rest of a body."""

    integer: bool
    number: bool
    branches: tuple[_Numbers, ...]
    properties: Mapping[str, _Numbers] | None
    items: _Numbers | None

    def untouched(self, value: Any) -> bool:
        if isinstance(value, float) and self.integer and value.is_integer():
            return False
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and (self.integer or self.number)
            and not -_INT64 < value < _INT64
        ):
            return False
        if not all(branch.untouched(value) for branch in self.branches):
            return False
        if isinstance(value, dict) and self.properties is not None:
            plans = self.properties
            return all(plans[k].untouched(v) for k, v in value.items() if k in plans)
        if isinstance(value, list) and self.items is not None:
            return all(self.items.untouched(v) for v in value)
        return True


def _always(value: Any) -> bool:
    return True


def _pointer_escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


# Messages that never quote the offending value (it may be a password or a token).
_MESSAGES = {
    "type": "must be of type {}",
    "minLength": "must have at least {} characters",
    "maxLength": "must have at most {} characters",
    "minimum": "must be >= {}",
    "maximum": "must be <= {}",
    "exclusiveMinimum": "must be > {}",
    "exclusiveMaximum": "must be < {}",
    "pattern": "must match the pattern {}",
    "format": "must be a valid {}",
    "enum": "must be one of {}",
    "const": "must be {}",
    "minItems": "must have at least {} items",
    "maxItems": "must have at most {} items",
    "oneOf": "matches none of the allowed forms",
    "anyOf": "matches none of the allowed forms",
}


def _describe(error: Any) -> str:
    """A short account of a schema error that quotes property names, never values."""
    where = "/".join(str(p) for p in error.absolute_path)
    if error.validator in ("required", "additionalProperties", "dependentRequired"):
        message = str(error.message)  # names properties only
    elif error.validator in _MESSAGES:
        value = error.validator_value
        shown = value if isinstance(value, int | float | str | list) else ""
        message = _MESSAGES[error.validator].format(shown)
    else:
        message = f"fails the '{error.validator}' rule"
    if len(message) > 300:
        message = message[:300] + "..."
    return f"{message} (at '{where}')" if where else message


class Spec:
    """The loaded contract and a validator per operation."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.json_bytes = json.dumps(document).encode()
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_SPEC_URI, resource)
        self._format_checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
        self._compiled_registry = jsonschema_rs.Registry(
            [(_SPEC_URI, document)], draft=jsonschema_rs.Draft202012
        )
        self._compiled_formats: dict[str, Callable[[Any], bool]] = {
            name: functools.partial(_conforms, self._format_checker, name)
            for name in self._format_checker.checkers
        }
        self.operations: dict[str, Operation] = {}
        for path, item in document.get("paths", {}).items():
            for method in _METHODS:
                if method in item:
                    op = self._operation(path, method, item)
                    self.operations[op.operation_id] = op

    def _validator(self, pointer: str) -> Any:
        return jsonschema.Draft202012Validator(
            {"$ref": f"{_SPEC_URI}#{pointer}"},
            registry=self._registry,
            format_checker=self._format_checker,
        )

    def _compiled(self, pointer: str) -> Callable[[Any], bool] | None:
        """The compiled twin of `_validator(pointer)`; None if it cannot be built."""
        try:
            validator = jsonschema_rs.validator_for(
                {"$ref": f"{_SPEC_URI}#{quote(pointer, safe='/~')}"},  # e.g. {job_id}
                registry=self._compiled_registry,
                validate_formats=True,
                formats=self._compiled_formats,
            )
        except (ValueError, jsonschema_rs.ReferencingError):
            return None
        return validator.is_valid

    def _resolve(self, node: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None]:
        ref = node.get("$ref")
        if not isinstance(ref, str):
            return node, None
        target: Any = self.document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return target, ref.removeprefix("#")

    def _operation(self, path: str, method: str, item: Mapping[str, Any]) -> Operation:
        op = item[method]
        base = f"/paths/{_pointer_escape(path)}/{method}"
        params: list[Parameter] = []
        for index, raw in enumerate(op.get("parameters", [])):
            param, ref = self._resolve(raw)
            pointer = (ref or f"{base}/parameters/{index}") + "/schema"
            schema, _ = self._resolve(param.get("schema", {}))
            params.append(
                Parameter(
                    name=param["name"],
                    location=param["in"],
                    required=bool(param.get("required", False)),
                    schema=schema,
                    validator=self._validator(pointer),
                    check=self._compiled(pointer),
                )
            )
        body_validator = body_check = body_untouched = None
        body = op.get("requestBody")
        if body is not None and "application/json" in body.get("content", {}):
            pointer = f"{base}/requestBody/content/application~1json/schema"
            body_validator = self._validator(pointer)
            body_check = self._compiled(pointer)
            body_untouched = self._untouched(body_validator.schema)
        statuses = frozenset(int(code) for code in op.get("responses", {}) if code.isdigit())
        return Operation(
            operation_id=op["operationId"],
            method=method.upper(),
            path=path,
            parameters=tuple(params),
            body_validator=body_validator,
            statuses=statuses,
            body_check=body_check,
            body_untouched=body_untouched,
        )

    def validate_parameters(
        self,
        operation: Operation,
        path_params: Mapping[str, str],
        query: Any,
        headers: Mapping[str, str],
    ) -> dict[str, Any]:
        """Check and convert `operation`'s parameters; raises ApiError(400, 10)."""
        values: dict[str, Any] = {}
        for param in operation.parameters:
            raw: str | None
            if param.location == "path":
                raw = path_params.get(param.name)
            elif param.location == "query":
                found = query.getlist(param.name)
                if len(found) > 1:
                    raise _invalid(f"query parameter '{param.name}' given more than once")
                raw = found[0] if found else None
            elif param.location == "header":
                raw = headers.get(param.name)
            else:
                continue
            if raw is None:
                if param.required:
                    raise _invalid(f"missing {param.location} parameter '{param.name}'")
                continue
            value = _convert(param, raw)
            if not _passes(param.check, value):
                error = jsonschema.exceptions.best_match(param.validator.iter_errors(value))
                if error is not None:
                    where = f"{param.location} parameter '{param.name}'"
                    raise _invalid(f"{where}: {_describe(error)}")
            values[param.name] = value
        return values

    def validate_body(self, operation: Operation, body: Any) -> Any:
        """Check a parsed JSON body against the operation's schema; the body with
        integral numbers where the schema says `integer` made `int` (JSON Schema counts
        `1.0` as an integer) and integers checked to fit in 64 bits."""
        if operation.body_validator is None:
            return body
        if not _passes(operation.body_check, body):
            error = jsonschema.exceptions.best_match(operation.body_validator.iter_errors(body))
            if error is not None:
                raise _invalid(f"body: {_describe(error)}")
        if operation.body_untouched is not None and operation.body_untouched(body):
            return body  # nothing for `_integers` to convert or refuse
        schema = operation.body_validator.schema
        return self._integers(schema, body, "")

    def _untouched(self, schema: Any) -> Callable[[Any], bool] | None:
        """`_Numbers.untouched` of `schema`; None when it nests too deep to compile."""
        try:
            plan = self._numbers(schema, 0)
        except RecursionError:
            return None
        return _always if plan is None else plan.untouched

    def _numbers(self, schema: Any, depth: int) -> _Numbers | None:
        """The `_Numbers` of `schema` (mirrors `_integers`); None: nothing to do."""
        if depth > 64:  # e.g. a schema that refers to itself
            raise RecursionError("schema nested too deep")
        if not isinstance(schema, Mapping):
            return None
        while isinstance(ref := schema.get("$ref"), str):
            schema, _ = self._resolve({"$ref": ref.removeprefix(_SPEC_URI)})
        kinds = schema.get("type", ())
        kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
        branches = tuple(
            plan
            for combined in ("allOf", "oneOf", "anyOf")
            for branch in schema.get(combined, ())
            if (plan := self._numbers(branch, depth + 1)) is not None
        )
        properties: dict[str, _Numbers] | None = None
        if "properties" in schema:
            properties = {
                name: plan
                for name, sub in schema["properties"].items()
                if (plan := self._numbers(sub, depth + 1)) is not None
            }
        items = self._numbers(schema["items"], depth + 1) if "items" in schema else None
        integer, number = "integer" in kinds, "number" in kinds
        if not (integer or number or branches or properties or items):
            return None
        return _Numbers(integer, number, branches, properties or None, items)

    def _integers(self, schema: Any, value: Any, where: str) -> Any:
        if not isinstance(schema, Mapping):
            return value
        while isinstance(ref := schema.get("$ref"), str):
            schema, _ = self._resolve({"$ref": ref.removeprefix(_SPEC_URI)})
        kinds = schema.get("type", ())
        kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds)
        if isinstance(value, float) and "integer" in kinds and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            if "integer" in kinds:
                raise _invalid(f"body: must be smaller than 2**63 in magnitude (at '{where}')")
            if "number" in kinds:
                value = float(value)
        for combined in ("allOf", "oneOf", "anyOf"):
            for branch in schema.get(combined, ()):
                value = self._integers(branch, value, where)
        if isinstance(value, dict) and "properties" in schema:
            properties = schema["properties"]
            return {
                k: self._integers(properties.get(k), v, f"{where}/{k}".lstrip("/"))
                for k, v in value.items()
            }
        if isinstance(value, list) and "items" in schema:
            return [self._integers(schema["items"], v, f"{where}/{i}") for i, v in enumerate(value)]
        return value

    def validate(self, schema_name: str, value: Any) -> str | None:
        """Check `value` against `components/schemas/<schema_name>`; the problem or None."""
        validator, check = self._schema_validator(schema_name)
        if _passes(check, value):
            return None
        error = jsonschema.exceptions.best_match(validator.iter_errors(value))
        return None if error is None else _describe(error)

    @functools.cache  # noqa: B019 - one Spec per app, lives as long as it
    def _schema_validator(self, schema_name: str) -> tuple[Any, Callable[[Any], bool] | None]:
        pointer = f"/components/schemas/{schema_name}"
        return self._validator(pointer), self._compiled(pointer)


def _conforms(checker: Any, name: str, value: Any) -> bool:
    return bool(checker.conforms(value, name))


def _passes(check: Callable[[Any], bool] | None, value: Any) -> bool:
    """The compiled validator's verdict; False (the `jsonschema` path decides) when
    there is none or it cannot judge `value` (a lone surrogate, nesting beyond its
    limit, a panic in the extension)."""
    if check is None:
        return False
    try:
        return check(value)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # pyo3's PanicException is a BaseException
        return False


def _invalid(text: str) -> ApiError:
    return ApiError(400, INVALID_REQUEST, f"Invalid request: {text}")


def _convert(param: Parameter, raw: str) -> Any:
    kind = param.schema.get("type")
    if kind == "boolean":
        if raw in ("true", "false"):
            return raw == "true"
        raise _invalid(f"{param.location} parameter '{param.name}' must be true or false")
    if kind == "integer":
        try:
            return int(raw)
        except ValueError:
            raise _invalid(
                f"{param.location} parameter '{param.name}' must be an integer"
            ) from None
    return raw


def load_spec(path: Path | None = None) -> Spec:
    """Load and index openapi.yaml (see `find_spec_path`)."""
    with find_spec_path(path).open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    return Spec(document)
