"""The noise model built from a machine's noise_specs."""

from __future__ import annotations

from typing import Any

import pytest

from quantinuum_emulator._machines import default_machines
from quantinuum_emulator._noise import (
    NOISY_1Q_GATES,
    NOISY_2Q_GATES,
    noise_model_from_specs,
    two_qubit_pauli_channel,
)


def _h1_specs() -> dict[str, Any]:
    specs: dict[str, Any] = default_machines()[0]["noise_specs"]
    return specs


def test_h1_specs_give_every_channel() -> None:
    model = noise_model_from_specs(_h1_specs())
    noisy = set(model.noise_instructions)
    assert set(NOISY_1Q_GATES) <= noisy
    assert set(NOISY_2Q_GATES) <= noisy
    assert "measure" in noisy  # the readout error
    readout = model._default_readout_error.probabilities
    assert readout[0][1] == pytest.approx(0.00095)  # P(read 1 | 0) = p_meas_0
    assert readout[1][0] == pytest.approx(0.00397)  # P(read 0 | 1) = p_meas_1


def test_missing_keys_omit_their_channels() -> None:
    model = noise_model_from_specs({"1q_gate_error": {"p1": 0.01}})
    assert set(model.noise_instructions) == set(NOISY_1Q_GATES)
    model = noise_model_from_specs({"spam_error": {"p_meas_0": 0.01}})
    assert set(model.noise_instructions) == {"measure"}
    assert noise_model_from_specs({}).is_ideal()
    assert noise_model_from_specs({"date": "2024-02-04"}).is_ideal()


def test_memory_error_alone_is_a_two_qubit_dephasing() -> None:
    model = noise_model_from_specs({"memory_error": {"memory_error": 0.1}})
    assert set(model.noise_instructions) == set(NOISY_2Q_GATES)


@pytest.mark.parametrize(
    "specs",
    [
        {"1q_gate_error": {"p1": 1.5}},
        {"2q_gate_error": {"p2": -0.1}},
        {"spam_error": {"p_meas_0": "high"}},
        {"memory_error": {"memory_error": True}},
    ],
)
def test_bad_probabilities_are_refused(specs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"noise_specs\.\w+\.\w+ must be"):
        noise_model_from_specs(specs)


def test_two_qubit_channel_combines_depolarizing_and_dephasing() -> None:
    terms = dict(two_qubit_pauli_channel(0.15, 0.1))
    assert sum(terms.values()) == pytest.approx(1.0)
    # II survives when no depolarizing Pauli fired and neither qubit dephased, or when a
    # depolarizing ZZ/IZ/ZI was undone by the matching Z flips.
    no_flip = 0.9 * 0.9
    expected_ii = 0.85 * no_flip + 0.01 * (0.1 * 0.9) * 2 + 0.01 * (0.1 * 0.1)
    assert terms["II"] == pytest.approx(expected_ii)
    assert terms["XX"] == pytest.approx(0.01 * no_flip + 0.01 * 0.09 * 2 + 0.01 * 0.01)
    assert dict(two_qubit_pauli_channel(0.0, 0.0)) == {"II": 1.0}


def test_gates_argument_limits_the_model() -> None:
    model = noise_model_from_specs(_h1_specs(), gates={"h", "cx", "measure"})
    assert set(model.noise_instructions) == {"h", "cx", "measure"}
