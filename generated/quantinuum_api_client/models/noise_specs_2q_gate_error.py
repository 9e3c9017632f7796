from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="NoiseSpecs2QGateError")


@_attrs_define
class NoiseSpecs2QGateError:
    """
    Attributes:
        p2 (float | Unset):
        p2_unc (float | Unset):
    """

    p2: float | Unset = UNSET
    p2_unc: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        p2 = self.p2

        p2_unc = self.p2_unc

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if p2 is not UNSET:
            field_dict["p2"] = p2
        if p2_unc is not UNSET:
            field_dict["p2_unc"] = p2_unc

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        p2 = d.pop("p2", UNSET)

        p2_unc = d.pop("p2_unc", UNSET)

        noise_specs_2q_gate_error = cls(
            p2=p2,
            p2_unc=p2_unc,
        )

        noise_specs_2q_gate_error.additional_properties = d
        return noise_specs_2q_gate_error

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
