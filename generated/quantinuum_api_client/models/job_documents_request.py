from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="JobDocumentsRequest")


@_attrs_define
class JobDocumentsRequest:
    """
    Attributes:
        jobs (list[str]):
        wait (float | Unset): Seconds to hold the answer until every listed job has ended Default: 0.0.
    """

    jobs: list[str]
    wait: float | Unset = 0.0

    def to_dict(self) -> dict[str, Any]:
        jobs = self.jobs

        wait = self.wait

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "jobs": jobs,
            }
        )
        if wait is not UNSET:
            field_dict["wait"] = wait

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        jobs = cast(list[str], d.pop("jobs"))

        wait = d.pop("wait", UNSET)

        job_documents_request = cls(
            jobs=jobs,
            wait=wait,
        )

        return job_documents_request
