from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="LoginPasswordRequest")


@_attrs_define
class LoginPasswordRequest:
    """
    Attributes:
        email (str):
        password (str):
        code (str | Unset): The MFA one-time code, when the account has MFA
    """

    email: str
    password: str
    code: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        password = self.password

        code = self.code

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "email": email,
                "password": password,
            }
        )
        if code is not UNSET:
            field_dict["code"] = code

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        password = d.pop("password")

        code = d.pop("code", UNSET)

        login_password_request = cls(
            email=email,
            password=password,
            code=code,
        )

        return login_password_request
