from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.job_batch_request_jobs_item import JobBatchRequestJobsItem


T = TypeVar("T", bound="JobBatchRequest")


@_attrs_define
class JobBatchRequest:
    """
    Attributes:
        jobs (list[JobBatchRequestJobsItem]):
    """

    jobs: list[JobBatchRequestJobsItem]

    def to_dict(self) -> dict[str, Any]:
        jobs = []
        for jobs_item_data in self.jobs:
            jobs_item = jobs_item_data.to_dict()
            jobs.append(jobs_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "jobs": jobs,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_batch_request_jobs_item import JobBatchRequestJobsItem  # noqa: PLC0415

        d = dict(src_dict)
        jobs = []
        _jobs = d.pop("jobs")
        for jobs_item_data in _jobs:
            jobs_item = JobBatchRequestJobsItem.from_dict(jobs_item_data)

            jobs.append(jobs_item)

        job_batch_request = cls(
            jobs=jobs,
        )

        return job_batch_request
