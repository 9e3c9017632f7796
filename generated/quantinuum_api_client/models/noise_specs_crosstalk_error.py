from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="NoiseSpecsCrosstalkError")


@_attrs_define
class NoiseSpecsCrosstalkError:
    """
    Attributes:
        p_crosstalk_meas (float | Unset):
        p_crosstalk_meas_unc (float | Unset):
    """

    p_crosstalk_meas: float | Unset = UNSET
    p_crosstalk_meas_unc: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        p_crosstalk_meas = self.p_crosstalk_meas

        p_crosstalk_meas_unc = self.p_crosstalk_meas_unc

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if p_crosstalk_meas is not UNSET:
            field_dict["p_crosstalk_meas"] = p_crosstalk_meas
        if p_crosstalk_meas_unc is not UNSET:
            field_dict["p_crosstalk_meas_unc"] = p_crosstalk_meas_unc

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        p_crosstalk_meas = d.pop("p_crosstalk_meas", UNSET)

        p_crosstalk_meas_unc = d.pop("p_crosstalk_meas_unc", UNSET)

        noise_specs_crosstalk_error = cls(
            p_crosstalk_meas=p_crosstalk_meas,
            p_crosstalk_meas_unc=p_crosstalk_meas_unc,
        )

        noise_specs_crosstalk_error.additional_properties = d
        return noise_specs_crosstalk_error

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
