from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="NoiseSpecsMemoryError")


@_attrs_define
class NoiseSpecsMemoryError:
    """
    Attributes:
        memory_error (float | Unset):
        memory_error_unc (float | Unset):
    """

    memory_error: float | Unset = UNSET
    memory_error_unc: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        memory_error = self.memory_error

        memory_error_unc = self.memory_error_unc

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if memory_error is not UNSET:
            field_dict["memory_error"] = memory_error
        if memory_error_unc is not UNSET:
            field_dict["memory_error_unc"] = memory_error_unc

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        memory_error = d.pop("memory_error", UNSET)

        memory_error_unc = d.pop("memory_error_unc", UNSET)

        noise_specs_memory_error = cls(
            memory_error=memory_error,
            memory_error_unc=memory_error_unc,
        )

        noise_specs_memory_error.additional_properties = d
        return noise_specs_memory_error

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
