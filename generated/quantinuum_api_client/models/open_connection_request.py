from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="OpenConnectionRequest")


@_attrs_define
class OpenConnectionRequest:
    """First websocket message, sent by the client after connecting

    Attributes:
        action (Literal['OpenConnection']):
        task_token (str):
        execution_arn (str):
        partial (bool | Unset): Also push partial results while the job runs Default: False.
    """

    action: Literal["OpenConnection"]
    task_token: str
    execution_arn: str
    partial: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        task_token = self.task_token

        execution_arn = self.execution_arn

        partial = self.partial

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "task_token": task_token,
                "executionArn": execution_arn,
            }
        )
        if partial is not UNSET:
            field_dict["partial"] = partial

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action = cast(Literal["OpenConnection"], d.pop("action"))
        if action != "OpenConnection":
            raise ValueError(f"action must match const 'OpenConnection', got '{action}'")

        task_token = d.pop("task_token")

        execution_arn = d.pop("executionArn")

        partial = d.pop("partial", UNSET)

        open_connection_request = cls(
            action=action,
            task_token=task_token,
            execution_arn=execution_arn,
            partial=partial,
        )

        open_connection_request.additional_properties = d
        return open_connection_request

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
