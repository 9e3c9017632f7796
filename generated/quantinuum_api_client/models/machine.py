from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.machine_benchmarks import MachineBenchmarks
    from ..models.noise_specs import NoiseSpecs


T = TypeVar("T", bound="Machine")


@_attrs_define
class Machine:
    """A machine document

    Attributes:
        name (str):
        n_qubits (int | Unset):
        gateset (list[str] | Unset):
        n_classical_registers (int | Unset):
        max_classical_register_width (int | Unset):
        max_n_shots (int | Unset):
        system_type (str | Unset): `hardware`, `emulator` or `syntax checker`
        emulator (str | Unset):
        syntax_checker (str | Unset):
        connectivity (str | Unset):
        wasm (bool | Unset):
        batching (bool | Unset):
        supported_languages (list[str] | Unset):
        benchmarks (MachineBenchmarks | Unset):
        n_gate_zones (str | Unset):
        noise_specs (NoiseSpecs | Unset): A machine's measured error figures
    """

    name: str
    n_qubits: int | Unset = UNSET
    gateset: list[str] | Unset = UNSET
    n_classical_registers: int | Unset = UNSET
    max_classical_register_width: int | Unset = UNSET
    max_n_shots: int | Unset = UNSET
    system_type: str | Unset = UNSET
    emulator: str | Unset = UNSET
    syntax_checker: str | Unset = UNSET
    connectivity: str | Unset = UNSET
    wasm: bool | Unset = UNSET
    batching: bool | Unset = UNSET
    supported_languages: list[str] | Unset = UNSET
    benchmarks: MachineBenchmarks | Unset = UNSET
    n_gate_zones: str | Unset = UNSET
    noise_specs: NoiseSpecs | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        n_qubits = self.n_qubits

        gateset: list[str] | Unset = UNSET
        if not isinstance(self.gateset, Unset):
            gateset = self.gateset

        n_classical_registers = self.n_classical_registers

        max_classical_register_width = self.max_classical_register_width

        max_n_shots = self.max_n_shots

        system_type = self.system_type

        emulator = self.emulator

        syntax_checker = self.syntax_checker

        connectivity = self.connectivity

        wasm = self.wasm

        batching = self.batching

        supported_languages: list[str] | Unset = UNSET
        if not isinstance(self.supported_languages, Unset):
            supported_languages = self.supported_languages

        benchmarks: dict[str, Any] | Unset = UNSET
        if not isinstance(self.benchmarks, Unset):
            benchmarks = self.benchmarks.to_dict()

        n_gate_zones = self.n_gate_zones

        noise_specs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.noise_specs, Unset):
            noise_specs = self.noise_specs.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
            }
        )
        if n_qubits is not UNSET:
            field_dict["n_qubits"] = n_qubits
        if gateset is not UNSET:
            field_dict["gateset"] = gateset
        if n_classical_registers is not UNSET:
            field_dict["n_classical_registers"] = n_classical_registers
        if max_classical_register_width is not UNSET:
            field_dict["max_classical_register_width"] = max_classical_register_width
        if max_n_shots is not UNSET:
            field_dict["max_n_shots"] = max_n_shots
        if system_type is not UNSET:
            field_dict["system_type"] = system_type
        if emulator is not UNSET:
            field_dict["emulator"] = emulator
        if syntax_checker is not UNSET:
            field_dict["syntax_checker"] = syntax_checker
        if connectivity is not UNSET:
            field_dict["connectivity"] = connectivity
        if wasm is not UNSET:
            field_dict["wasm"] = wasm
        if batching is not UNSET:
            field_dict["batching"] = batching
        if supported_languages is not UNSET:
            field_dict["supported_languages"] = supported_languages
        if benchmarks is not UNSET:
            field_dict["benchmarks"] = benchmarks
        if n_gate_zones is not UNSET:
            field_dict["n_gate_zones"] = n_gate_zones
        if noise_specs is not UNSET:
            field_dict["noise_specs"] = noise_specs

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.machine_benchmarks import MachineBenchmarks  # noqa: PLC0415
        from ..models.noise_specs import NoiseSpecs  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        n_qubits = d.pop("n_qubits", UNSET)

        gateset = cast(list[str], d.pop("gateset", UNSET))

        n_classical_registers = d.pop("n_classical_registers", UNSET)

        max_classical_register_width = d.pop("max_classical_register_width", UNSET)

        max_n_shots = d.pop("max_n_shots", UNSET)

        system_type = d.pop("system_type", UNSET)

        emulator = d.pop("emulator", UNSET)

        syntax_checker = d.pop("syntax_checker", UNSET)

        connectivity = d.pop("connectivity", UNSET)

        wasm = d.pop("wasm", UNSET)

        batching = d.pop("batching", UNSET)

        supported_languages = cast(list[str], d.pop("supported_languages", UNSET))

        _benchmarks = d.pop("benchmarks", UNSET)
        benchmarks: MachineBenchmarks | Unset
        if isinstance(_benchmarks, Unset):
            benchmarks = UNSET
        else:
            benchmarks = MachineBenchmarks.from_dict(_benchmarks)

        n_gate_zones = d.pop("n_gate_zones", UNSET)

        _noise_specs = d.pop("noise_specs", UNSET)
        noise_specs: NoiseSpecs | Unset
        if isinstance(_noise_specs, Unset):
            noise_specs = UNSET
        else:
            noise_specs = NoiseSpecs.from_dict(_noise_specs)

        machine = cls(
            name=name,
            n_qubits=n_qubits,
            gateset=gateset,
            n_classical_registers=n_classical_registers,
            max_classical_register_width=max_classical_register_width,
            max_n_shots=max_n_shots,
            system_type=system_type,
            emulator=emulator,
            syntax_checker=syntax_checker,
            connectivity=connectivity,
            wasm=wasm,
            batching=batching,
            supported_languages=supported_languages,
            benchmarks=benchmarks,
            n_gate_zones=n_gate_zones,
            noise_specs=noise_specs,
        )

        machine.additional_properties = d
        return machine

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
