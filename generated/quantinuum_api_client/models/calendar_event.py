from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CalendarEvent")


@_attrs_define
class CalendarEvent:
    """
    Attributes:
        start_date (str): UTC, `YYYY-MM-DDTHH:MM:SS`
        end_date (str):
        machine (str):
        event_type (str): `online`, `reserved`, `maintenance`
        reservation_type (str | Unset):
        organization (str | Unset): Absent for the fair-share queue
    """

    start_date: str
    end_date: str
    machine: str
    event_type: str
    reservation_type: str | Unset = UNSET
    organization: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        start_date = self.start_date

        end_date = self.end_date

        machine = self.machine

        event_type = self.event_type

        reservation_type = self.reservation_type

        organization = self.organization

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "start-date": start_date,
                "end-date": end_date,
                "machine": machine,
                "event-type": event_type,
            }
        )
        if reservation_type is not UNSET:
            field_dict["reservation-type"] = reservation_type
        if organization is not UNSET:
            field_dict["organization"] = organization

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        start_date = d.pop("start-date")

        end_date = d.pop("end-date")

        machine = d.pop("machine")

        event_type = d.pop("event-type")

        reservation_type = d.pop("reservation-type", UNSET)

        organization = d.pop("organization", UNSET)

        calendar_event = cls(
            start_date=start_date,
            end_date=end_date,
            machine=machine,
            event_type=event_type,
            reservation_type=reservation_type,
            organization=organization,
        )

        calendar_event.additional_properties = d
        return calendar_event

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
