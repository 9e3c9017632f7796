from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_error import JobError
    from ..models.job_results import JobResults
    from ..models.websocket_ticket import WebsocketTicket


T = TypeVar("T", bound="Job")


@_attrs_define
class Job:
    """A job document (also what the websocket pushes)

    Attributes:
        job (str):
        status (JobStatus): Done = `completed`, `failed`, `canceled`; `depleted` (out of credit) and
            `terminated` are final as well. `retrying` (the cloud runs the job again) and
            `cancelling` (the cloud's spelling of `canceling`) are not final; the local
            service never produces `retrying`, `cancelling`, `depleted` or `terminated`.
        name (str | Unset):
        machine (str | Unset):
        count (int | Unset):
        priority (str | Unset):
        group (str | Unset):
        results (JobResults | Unset): Classical register name → one bitstring per shot (most significant bit first)
        submit_date (datetime.datetime | None | Unset):
        start_date (datetime.datetime | None | Unset):
        result_date (datetime.datetime | None | Unset):
        queue_position (int | None | Unset): 0-based number of queued jobs that start before this one; null when not
            queued
        cost (float | None | Unset): Cost in HQC
        cost_confidence (float | None | Unset):
        error (JobError | Unset):
        last_shot (int | None | Unset): Index of the last shot with results
        qubits (int | None | Unset):
        websocket (WebsocketTicket | Unset):
    """

    job: str
    status: JobStatus
    name: str | Unset = UNSET
    machine: str | Unset = UNSET
    count: int | Unset = UNSET
    priority: str | Unset = UNSET
    group: str | Unset = UNSET
    results: JobResults | Unset = UNSET
    submit_date: datetime.datetime | None | Unset = UNSET
    start_date: datetime.datetime | None | Unset = UNSET
    result_date: datetime.datetime | None | Unset = UNSET
    queue_position: int | None | Unset = UNSET
    cost: float | None | Unset = UNSET
    cost_confidence: float | None | Unset = UNSET
    error: JobError | Unset = UNSET
    last_shot: int | None | Unset = UNSET
    qubits: int | None | Unset = UNSET
    websocket: WebsocketTicket | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        job = self.job

        status = self.status.value

        name = self.name

        machine = self.machine

        count = self.count

        priority = self.priority

        group = self.group

        results: dict[str, Any] | Unset = UNSET
        if not isinstance(self.results, Unset):
            results = self.results.to_dict()

        submit_date: None | str | Unset
        if isinstance(self.submit_date, Unset):
            submit_date = UNSET
        elif isinstance(self.submit_date, datetime.datetime):
            submit_date = self.submit_date.isoformat()
        else:
            submit_date = self.submit_date

        start_date: None | str | Unset
        if isinstance(self.start_date, Unset):
            start_date = UNSET
        elif isinstance(self.start_date, datetime.datetime):
            start_date = self.start_date.isoformat()
        else:
            start_date = self.start_date

        result_date: None | str | Unset
        if isinstance(self.result_date, Unset):
            result_date = UNSET
        elif isinstance(self.result_date, datetime.datetime):
            result_date = self.result_date.isoformat()
        else:
            result_date = self.result_date

        queue_position: int | None | Unset
        if isinstance(self.queue_position, Unset):
            queue_position = UNSET
        else:
            queue_position = self.queue_position

        cost: float | None | Unset
        if isinstance(self.cost, Unset):
            cost = UNSET
        else:
            cost = self.cost

        cost_confidence: float | None | Unset
        if isinstance(self.cost_confidence, Unset):
            cost_confidence = UNSET
        else:
            cost_confidence = self.cost_confidence

        error: dict[str, Any] | Unset = UNSET
        if not isinstance(self.error, Unset):
            error = self.error.to_dict()

        last_shot: int | None | Unset
        if isinstance(self.last_shot, Unset):
            last_shot = UNSET
        else:
            last_shot = self.last_shot

        qubits: int | None | Unset
        if isinstance(self.qubits, Unset):
            qubits = UNSET
        else:
            qubits = self.qubits

        websocket: dict[str, Any] | Unset = UNSET
        if not isinstance(self.websocket, Unset):
            websocket = self.websocket.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "job": job,
                "status": status,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name
        if machine is not UNSET:
            field_dict["machine"] = machine
        if count is not UNSET:
            field_dict["count"] = count
        if priority is not UNSET:
            field_dict["priority"] = priority
        if group is not UNSET:
            field_dict["group"] = group
        if results is not UNSET:
            field_dict["results"] = results
        if submit_date is not UNSET:
            field_dict["submit-date"] = submit_date
        if start_date is not UNSET:
            field_dict["start-date"] = start_date
        if result_date is not UNSET:
            field_dict["result-date"] = result_date
        if queue_position is not UNSET:
            field_dict["queue-position"] = queue_position
        if cost is not UNSET:
            field_dict["cost"] = cost
        if cost_confidence is not UNSET:
            field_dict["cost-confidence"] = cost_confidence
        if error is not UNSET:
            field_dict["error"] = error
        if last_shot is not UNSET:
            field_dict["last-shot"] = last_shot
        if qubits is not UNSET:
            field_dict["qubits"] = qubits
        if websocket is not UNSET:
            field_dict["websocket"] = websocket

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_error import JobError  # noqa: PLC0415
        from ..models.job_results import JobResults  # noqa: PLC0415
        from ..models.websocket_ticket import WebsocketTicket  # noqa: PLC0415

        d = dict(src_dict)
        job = d.pop("job")

        status = JobStatus(d.pop("status"))

        name = d.pop("name", UNSET)

        machine = d.pop("machine", UNSET)

        count = d.pop("count", UNSET)

        priority = d.pop("priority", UNSET)

        group = d.pop("group", UNSET)

        _results = d.pop("results", UNSET)
        results: JobResults | Unset
        if isinstance(_results, Unset):
            results = UNSET
        else:
            results = JobResults.from_dict(_results)

        def _parse_submit_date(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                submit_date_type_0 = datetime.datetime.fromisoformat(data)

                return submit_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        submit_date = _parse_submit_date(d.pop("submit-date", UNSET))

        def _parse_start_date(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                start_date_type_0 = datetime.datetime.fromisoformat(data)

                return start_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        start_date = _parse_start_date(d.pop("start-date", UNSET))

        def _parse_result_date(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                result_date_type_0 = datetime.datetime.fromisoformat(data)

                return result_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        result_date = _parse_result_date(d.pop("result-date", UNSET))

        def _parse_queue_position(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        queue_position = _parse_queue_position(d.pop("queue-position", UNSET))

        def _parse_cost(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        cost = _parse_cost(d.pop("cost", UNSET))

        def _parse_cost_confidence(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        cost_confidence = _parse_cost_confidence(d.pop("cost-confidence", UNSET))

        _error = d.pop("error", UNSET)
        error: JobError | Unset
        if isinstance(_error, Unset):
            error = UNSET
        else:
            error = JobError.from_dict(_error)

        def _parse_last_shot(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        last_shot = _parse_last_shot(d.pop("last-shot", UNSET))

        def _parse_qubits(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        qubits = _parse_qubits(d.pop("qubits", UNSET))

        _websocket = d.pop("websocket", UNSET)
        websocket: WebsocketTicket | Unset
        if isinstance(_websocket, Unset):
            websocket = UNSET
        else:
            websocket = WebsocketTicket.from_dict(_websocket)

        job = cls(
            job=job,
            status=status,
            name=name,
            machine=machine,
            count=count,
            priority=priority,
            group=group,
            results=results,
            submit_date=submit_date,
            start_date=start_date,
            result_date=result_date,
            queue_position=queue_position,
            cost=cost,
            cost_confidence=cost_confidence,
            error=error,
            last_shot=last_shot,
            qubits=qubits,
            websocket=websocket,
        )

        job.additional_properties = d
        return job

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
