from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="LoginProviderRequest")


@_attrs_define
class LoginProviderRequest:
    """
    Attributes:
        provider_token (str):
    """

    provider_token: str

    def to_dict(self) -> dict[str, Any]:
        provider_token = self.provider_token

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "provider-token": provider_token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider_token = d.pop("provider-token")

        login_provider_request = cls(
            provider_token=provider_token,
        )

        return login_provider_request
