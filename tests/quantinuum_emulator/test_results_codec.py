"""Results are stored as packed bit matrices; unpacking gives back the same bitstrings."""

from __future__ import annotations

import random

from quantinuum_emulator import pack_chunk, signed_results, unpack_results


def test_chunks_round_trip() -> None:
    rng = random.Random(7)
    widths = {"c": 2, "wide": 64, "one": 1, "empty": 0, "odd": 13}
    chunks = [
        {
            name: ["".join(rng.choice("01") for _ in range(w)) for _ in range(n)]
            for name, w in widths.items()
        }
        for n in (1, 7, 300)
    ]
    packed = [pack_chunk(chunk) for chunk in chunks]
    layout = packed[0][0]
    assert layout == list(widths.items())
    results = unpack_results(layout, [(shots, data) for _, shots, data in packed])
    sent = {name: [shot for chunk in chunks for shot in chunk[name]] for name in widths}
    assert results == signed_results(sent)  # 64-bit values signed, as the cloud writes them
    assert any(shot.startswith("-") for shot in results["wide"])


def test_packed_size_is_about_one_bit_per_result_bit() -> None:
    rng = random.Random(1)
    chunk = {"c": [format(rng.getrandbits(20), "020b") for _ in range(10_000)]}
    _, shots, data = pack_chunk(chunk)
    assert shots == 10_000
    assert len(data) < 10_000 * 20 // 8 * 1.05


def test_a_chunk_without_registers() -> None:
    layout, shots, data = pack_chunk({})
    assert (layout, shots, data) == ([], 0, b"")
    assert unpack_results(layout, [(shots, data)]) == {}
