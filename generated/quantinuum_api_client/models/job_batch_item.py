from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.error_detail import ErrorDetail


T = TypeVar("T", bound="JobBatchItem")


@_attrs_define
class JobBatchItem:
    """An admitted item (`job`, `status`) or a refused one (`error`, `http-status`)

    Attributes:
        job (str | Unset): The new job's id
        status (JobStatus | Unset): Done = `completed`, `failed`, `canceled`; `depleted` (out of credit) and
            `terminated` are final as well. `retrying` (the cloud runs the job again) and
            `cancelling` (the cloud's spelling of `canceling`) are not final; the local
            service never produces `retrying`, `cancelling`, `depleted` or `terminated`.
        error (ErrorDetail | Unset):
        http_status (int | Unset): The HTTP status `POST /v1/job` would have answered for this item
    """

    job: str | Unset = UNSET
    status: JobStatus | Unset = UNSET
    error: ErrorDetail | Unset = UNSET
    http_status: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job = self.job

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        error: dict[str, Any] | Unset = UNSET
        if not isinstance(self.error, Unset):
            error = self.error.to_dict()

        http_status = self.http_status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if job is not UNSET:
            field_dict["job"] = job
        if status is not UNSET:
            field_dict["status"] = status
        if error is not UNSET:
            field_dict["error"] = error
        if http_status is not UNSET:
            field_dict["http-status"] = http_status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.error_detail import ErrorDetail  # noqa: PLC0415

        d = dict(src_dict)
        job = d.pop("job", UNSET)

        _status = d.pop("status", UNSET)
        status: JobStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = JobStatus(_status)

        _error = d.pop("error", UNSET)
        error: ErrorDetail | Unset
        if isinstance(_error, Unset):
            error = UNSET
        else:
            error = ErrorDetail.from_dict(_error)

        http_status = d.pop("http-status", UNSET)

        job_batch_item = cls(
            job=job,
            status=status,
            error=error,
            http_status=http_status,
        )

        job_batch_item.additional_properties = d
        return job_batch_item

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
