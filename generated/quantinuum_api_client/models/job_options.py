from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_options_tket import JobOptionsTket


T = TypeVar("T", bound="JobOptions")


@_attrs_define
class JobOptions:
    """Execution options; the known ones are listed and must have the types and ranges
    shown (400, code 10, otherwise). Other keys are kept as given: the cloud takes
    free-form options (pytket sends its compiler settings). The object is bounded:
    at most 64 keys and 16384 bytes as compact JSON (UTF-8); beyond that the job is
    refused with 400, code 41.

        Attributes:
            simulator (str | Unset): Emulator back end (`state-vector`, `stabilizer`; `statevector` is taken as `state-
                vector`)
            error_model (bool | Unset): Apply the machine's noise model on emulators
            seed (int | Unset): Seed of the local service's simulator (reproducible results)
            no_opt (bool | Unset):
            noreduce (bool | Unset):
            tket (JobOptionsTket | Unset):
    """

    simulator: str | Unset = UNSET
    error_model: bool | Unset = UNSET
    seed: int | Unset = UNSET
    no_opt: bool | Unset = UNSET
    noreduce: bool | Unset = UNSET
    tket: JobOptionsTket | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        simulator = self.simulator

        error_model = self.error_model

        seed = self.seed

        no_opt = self.no_opt

        noreduce = self.noreduce

        tket: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tket, Unset):
            tket = self.tket.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if simulator is not UNSET:
            field_dict["simulator"] = simulator
        if error_model is not UNSET:
            field_dict["error-model"] = error_model
        if seed is not UNSET:
            field_dict["seed"] = seed
        if no_opt is not UNSET:
            field_dict["no-opt"] = no_opt
        if noreduce is not UNSET:
            field_dict["noreduce"] = noreduce
        if tket is not UNSET:
            field_dict["tket"] = tket

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_options_tket import JobOptionsTket  # noqa: PLC0415

        d = dict(src_dict)
        simulator = d.pop("simulator", UNSET)

        error_model = d.pop("error-model", UNSET)

        seed = d.pop("seed", UNSET)

        no_opt = d.pop("no-opt", UNSET)

        noreduce = d.pop("noreduce", UNSET)

        _tket = d.pop("tket", UNSET)
        tket: JobOptionsTket | Unset
        if isinstance(_tket, Unset):
            tket = UNSET
        else:
            tket = JobOptionsTket.from_dict(_tket)

        job_options = cls(
            simulator=simulator,
            error_model=error_model,
            seed=seed,
            no_opt=no_opt,
            noreduce=noreduce,
            tket=tket,
        )

        job_options.additional_properties = d
        return job_options

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
