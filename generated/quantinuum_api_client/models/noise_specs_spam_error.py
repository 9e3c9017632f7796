from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="NoiseSpecsSpamError")


@_attrs_define
class NoiseSpecsSpamError:
    """
    Attributes:
        p_meas_0 (float | Unset):
        p_meas_0_unc (float | Unset):
        p_meas_1 (float | Unset):
        p_meas_1_unc (float | Unset):
    """

    p_meas_0: float | Unset = UNSET
    p_meas_0_unc: float | Unset = UNSET
    p_meas_1: float | Unset = UNSET
    p_meas_1_unc: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        p_meas_0 = self.p_meas_0

        p_meas_0_unc = self.p_meas_0_unc

        p_meas_1 = self.p_meas_1

        p_meas_1_unc = self.p_meas_1_unc

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if p_meas_0 is not UNSET:
            field_dict["p_meas_0"] = p_meas_0
        if p_meas_0_unc is not UNSET:
            field_dict["p_meas_0_unc"] = p_meas_0_unc
        if p_meas_1 is not UNSET:
            field_dict["p_meas_1"] = p_meas_1
        if p_meas_1_unc is not UNSET:
            field_dict["p_meas_1_unc"] = p_meas_1_unc

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        p_meas_0 = d.pop("p_meas_0", UNSET)

        p_meas_0_unc = d.pop("p_meas_0_unc", UNSET)

        p_meas_1 = d.pop("p_meas_1", UNSET)

        p_meas_1_unc = d.pop("p_meas_1_unc", UNSET)

        noise_specs_spam_error = cls(
            p_meas_0=p_meas_0,
            p_meas_0_unc=p_meas_0_unc,
            p_meas_1=p_meas_1,
            p_meas_1_unc=p_meas_1_unc,
        )

        noise_specs_spam_error.additional_properties = d
        return noise_specs_spam_error

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
