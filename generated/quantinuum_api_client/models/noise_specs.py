from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.noise_specs_1q_gate_error import NoiseSpecs1QGateError
    from ..models.noise_specs_2q_gate_error import NoiseSpecs2QGateError
    from ..models.noise_specs_crosstalk_error import NoiseSpecsCrosstalkError
    from ..models.noise_specs_memory_error import NoiseSpecsMemoryError
    from ..models.noise_specs_spam_error import NoiseSpecsSpamError


T = TypeVar("T", bound="NoiseSpecs")


@_attrs_define
class NoiseSpecs:
    """A machine's measured error figures

    Attributes:
        date (str | Unset):
        spam_error (NoiseSpecsSpamError | Unset):
        crosstalk_error (NoiseSpecsCrosstalkError | Unset):
        memory_error (NoiseSpecsMemoryError | Unset):
        field_1q_gate_error (NoiseSpecs1QGateError | Unset):
        field_2q_gate_error (NoiseSpecs2QGateError | Unset):
    """

    date: str | Unset = UNSET
    spam_error: NoiseSpecsSpamError | Unset = UNSET
    crosstalk_error: NoiseSpecsCrosstalkError | Unset = UNSET
    memory_error: NoiseSpecsMemoryError | Unset = UNSET
    field_1q_gate_error: NoiseSpecs1QGateError | Unset = UNSET
    field_2q_gate_error: NoiseSpecs2QGateError | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        date = self.date

        spam_error: dict[str, Any] | Unset = UNSET
        if not isinstance(self.spam_error, Unset):
            spam_error = self.spam_error.to_dict()

        crosstalk_error: dict[str, Any] | Unset = UNSET
        if not isinstance(self.crosstalk_error, Unset):
            crosstalk_error = self.crosstalk_error.to_dict()

        memory_error: dict[str, Any] | Unset = UNSET
        if not isinstance(self.memory_error, Unset):
            memory_error = self.memory_error.to_dict()

        field_1q_gate_error: dict[str, Any] | Unset = UNSET
        if not isinstance(self.field_1q_gate_error, Unset):
            field_1q_gate_error = self.field_1q_gate_error.to_dict()

        field_2q_gate_error: dict[str, Any] | Unset = UNSET
        if not isinstance(self.field_2q_gate_error, Unset):
            field_2q_gate_error = self.field_2q_gate_error.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if date is not UNSET:
            field_dict["date"] = date
        if spam_error is not UNSET:
            field_dict["spam_error"] = spam_error
        if crosstalk_error is not UNSET:
            field_dict["crosstalk_error"] = crosstalk_error
        if memory_error is not UNSET:
            field_dict["memory_error"] = memory_error
        if field_1q_gate_error is not UNSET:
            field_dict["1q_gate_error"] = field_1q_gate_error
        if field_2q_gate_error is not UNSET:
            field_dict["2q_gate_error"] = field_2q_gate_error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.noise_specs_1q_gate_error import NoiseSpecs1QGateError  # noqa: PLC0415
        from ..models.noise_specs_2q_gate_error import NoiseSpecs2QGateError  # noqa: PLC0415
        from ..models.noise_specs_crosstalk_error import NoiseSpecsCrosstalkError  # noqa: PLC0415
        from ..models.noise_specs_memory_error import NoiseSpecsMemoryError  # noqa: PLC0415
        from ..models.noise_specs_spam_error import NoiseSpecsSpamError  # noqa: PLC0415

        d = dict(src_dict)
        date = d.pop("date", UNSET)

        _spam_error = d.pop("spam_error", UNSET)
        spam_error: NoiseSpecsSpamError | Unset
        if isinstance(_spam_error, Unset):
            spam_error = UNSET
        else:
            spam_error = NoiseSpecsSpamError.from_dict(_spam_error)

        _crosstalk_error = d.pop("crosstalk_error", UNSET)
        crosstalk_error: NoiseSpecsCrosstalkError | Unset
        if isinstance(_crosstalk_error, Unset):
            crosstalk_error = UNSET
        else:
            crosstalk_error = NoiseSpecsCrosstalkError.from_dict(_crosstalk_error)

        _memory_error = d.pop("memory_error", UNSET)
        memory_error: NoiseSpecsMemoryError | Unset
        if isinstance(_memory_error, Unset):
            memory_error = UNSET
        else:
            memory_error = NoiseSpecsMemoryError.from_dict(_memory_error)

        _field_1q_gate_error = d.pop("1q_gate_error", UNSET)
        field_1q_gate_error: NoiseSpecs1QGateError | Unset
        if isinstance(_field_1q_gate_error, Unset):
            field_1q_gate_error = UNSET
        else:
            field_1q_gate_error = NoiseSpecs1QGateError.from_dict(_field_1q_gate_error)

        _field_2q_gate_error = d.pop("2q_gate_error", UNSET)
        field_2q_gate_error: NoiseSpecs2QGateError | Unset
        if isinstance(_field_2q_gate_error, Unset):
            field_2q_gate_error = UNSET
        else:
            field_2q_gate_error = NoiseSpecs2QGateError.from_dict(_field_2q_gate_error)

        noise_specs = cls(
            date=date,
            spam_error=spam_error,
            crosstalk_error=crosstalk_error,
            memory_error=memory_error,
            field_1q_gate_error=field_1q_gate_error,
            field_2q_gate_error=field_2q_gate_error,
        )

        noise_specs.additional_properties = d
        return noise_specs

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
