from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.job_request import JobRequest


T = TypeVar("T", bound="JobBatchRequestJobsItem")


@_attrs_define
class JobBatchRequestJobsItem:
    """
    Attributes:
        request (JobRequest):
        idempotency_key (str): As the `Idempotency-Key` header of `POST /v1/job`
    """

    request: JobRequest
    idempotency_key: str

    def to_dict(self) -> dict[str, Any]:
        request = self.request.to_dict()

        idempotency_key = self.idempotency_key

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "request": request,
                "idempotency-key": idempotency_key,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_request import JobRequest  # noqa: PLC0415

        d = dict(src_dict)
        request = JobRequest.from_dict(d.pop("request"))

        idempotency_key = d.pop("idempotency-key")

        job_batch_request_jobs_item = cls(
            request=request,
            idempotency_key=idempotency_key,
        )

        return job_batch_request_jobs_item
