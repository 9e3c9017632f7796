from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_request_priority import JobRequestPriority
from ..models.language import Language
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_options import JobOptions


T = TypeVar("T", bound="JobRequest")


@_attrs_define
class JobRequest:
    """
    Attributes:
        count (int): Number of shots
        machine (str):
        language (Language):
        program (str):
        name (str | Unset):
        priority (JobRequestPriority | Unset):
        options (JobOptions | Unset): Execution options; the known ones are listed and must have the types and ranges
            shown (400, code 10, otherwise). Other keys are kept as given: the cloud takes
            free-form options (pytket sends its compiler settings). The object is bounded:
            at most 64 keys and 16384 bytes as compact JSON (UTF-8); beyond that the job is
            refused with 400, code 41.
        group (str | Unset):
        max_cost (float | Unset): Fail the job instead of running it when its HQC cost is higher
        cfl (str | Unset): Base64 WASM module for classical functions
        batch_exec (float | str | Unset): Max batch cost when starting a batch, or a job id to join one
        batch_end (bool | Unset):
    """

    count: int
    machine: str
    language: Language
    program: str
    name: str | Unset = UNSET
    priority: JobRequestPriority | Unset = UNSET
    options: JobOptions | Unset = UNSET
    group: str | Unset = UNSET
    max_cost: float | Unset = UNSET
    cfl: str | Unset = UNSET
    batch_exec: float | str | Unset = UNSET
    batch_end: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        count = self.count

        machine = self.machine

        language = self.language.value

        program = self.program

        name = self.name

        priority: str | Unset = UNSET
        if not isinstance(self.priority, Unset):
            priority = self.priority.value

        options: dict[str, Any] | Unset = UNSET
        if not isinstance(self.options, Unset):
            options = self.options.to_dict()

        group = self.group

        max_cost = self.max_cost

        cfl = self.cfl

        batch_exec: float | str | Unset
        if isinstance(self.batch_exec, Unset):
            batch_exec = UNSET
        else:
            batch_exec = self.batch_exec

        batch_end = self.batch_end

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "count": count,
                "machine": machine,
                "language": language,
                "program": program,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if priority is not UNSET:
            field_dict["priority"] = priority
        if options is not UNSET:
            field_dict["options"] = options
        if group is not UNSET:
            field_dict["group"] = group
        if max_cost is not UNSET:
            field_dict["max-cost"] = max_cost
        if cfl is not UNSET:
            field_dict["cfl"] = cfl
        if batch_exec is not UNSET:
            field_dict["batch-exec"] = batch_exec
        if batch_end is not UNSET:
            field_dict["batch-end"] = batch_end

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_options import JobOptions  # noqa: PLC0415

        d = dict(src_dict)
        count = d.pop("count")

        machine = d.pop("machine")

        language = Language(d.pop("language"))

        program = d.pop("program")

        name = d.pop("name", UNSET)

        _priority = d.pop("priority", UNSET)
        priority: JobRequestPriority | Unset
        if isinstance(_priority, Unset):
            priority = UNSET
        else:
            priority = JobRequestPriority(_priority)

        _options = d.pop("options", UNSET)
        options: JobOptions | Unset
        if isinstance(_options, Unset):
            options = UNSET
        else:
            options = JobOptions.from_dict(_options)

        group = d.pop("group", UNSET)

        max_cost = d.pop("max-cost", UNSET)

        cfl = d.pop("cfl", UNSET)

        def _parse_batch_exec(data: object) -> float | str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(float | str | Unset, data)

        batch_exec = _parse_batch_exec(d.pop("batch-exec", UNSET))

        batch_end = d.pop("batch-end", UNSET)

        job_request = cls(
            count=count,
            machine=machine,
            language=language,
            program=program,
            name=name,
            priority=priority,
            options=options,
            group=group,
            max_cost=max_cost,
            cfl=cfl,
            batch_exec=batch_exec,
            batch_end=batch_end,
        )

        job_request.additional_properties = d
        return job_request

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
