from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="NoiseSpecs1QGateError")


@_attrs_define
class NoiseSpecs1QGateError:
    """
    Attributes:
        p1 (float | Unset):
        p1_unc (float | Unset):
    """

    p1: float | Unset = UNSET
    p1_unc: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        p1 = self.p1

        p1_unc = self.p1_unc

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if p1 is not UNSET:
            field_dict["p1"] = p1
        if p1_unc is not UNSET:
            field_dict["p1_unc"] = p1_unc

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        p1 = d.pop("p1", UNSET)

        p1_unc = d.pop("p1_unc", UNSET)

        noise_specs_1q_gate_error = cls(
            p1=p1,
            p1_unc=p1_unc,
        )

        noise_specs_1q_gate_error.additional_properties = d
        return noise_specs_1q_gate_error

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
