"""The results codec: a chunk of results (register -> one bitstring per shot) packed for
storage or a socket, and packed chunks back into the results document.

A packed chunk is (layout, shots, data): the registers' (name, width) in order, the
number of shots, and the shots x all-bits matrix, row-major, bit-packed and
zlib-compressed. numpy is imported on first use.

The packed store keeps unsigned bits; `unpack_results` gives what the cloud returns. Its
classical values are signed 64-bit integers, so a 64-bit register (or a QIR 64-bit
output: a WASM result, an int or double record) whose bit 63 is set comes back negative,
written as Python's `format(value, "064b")` writes it: a `-` and 63 digits of magnitude
(`signed_results`). pytket-quantinuum's result conversion refuses it ("found negative
value"), against the cloud and the local service alike. The offline backend applies
`signed_results` when it stores a job's results.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

__all__ = ["SIGNED_WIDTH", "Layout", "pack_chunk", "signed_results", "unpack_results"]

#: Registers of this width are reported as the cloud reports them: signed.
SIGNED_WIDTH = 64

#: Register layout of packed results: (register name, width in bits), in order.
Layout = list[tuple[str, int]]


def pack_chunk(chunk: Mapping[str, list[str]]) -> tuple[Layout, int, bytes]:
    """(layout, shots, data): a chunk's bitstrings as one bit matrix (shots x all the
    registers' bits, row-major), bit-packed and zlib-compressed."""
    import numpy as np

    layout: Layout = []
    columns = []
    shots = max((len(values) for values in chunk.values()), default=0)
    for name, values in chunk.items():
        width = len(values[0]) if values else 0
        layout.append((name, width))
        if width and shots:
            raw = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8)
            columns.append((raw.reshape(shots, width) - ord("0")).astype(np.uint8))
    if columns:
        bits = np.concatenate(columns, axis=1)
        data = zlib.compress(np.packbits(bits, axis=None).tobytes(), 6)
    else:
        data = b""
    return layout, shots, data


def unpack_results(layout: Layout, chunks: list[tuple[int, bytes]]) -> dict[str, list[str]]:
    """The results document (register -> one bitstring per shot) of packed chunks."""
    import numpy as np

    results: dict[str, list[str]] = {name: [] for name, _ in layout}
    total = sum(width for _, width in layout)
    for shots, data in chunks:
        if not total:
            for name, _ in layout:
                results[name].extend([""] * shots)
            continue
        flat = np.unpackbits(np.frombuffer(zlib.decompress(data), dtype=np.uint8))
        bits = flat[: shots * total].reshape(shots, total) + ord("0")
        start = 0
        for name, width in layout:
            if not width:
                results[name].extend([""] * shots)
                continue
            text = bits[:, start : start + width].tobytes().decode("ascii")
            results[name] += [text[i : i + width] for i in range(0, len(text), width)]
            start += width
    # 64-bit values signed, as the cloud reports them (only a 64-bit register has any)
    wide = {name: results[name] for name, width in layout if width == SIGNED_WIDTH}
    return {**results, **signed_results(wide)} if wide else results


def signed_results(results: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """A results document with 64-bit values written signed, as the cloud writes them."""
    out: dict[str, list[str]] = {}
    for name, shots in results.items():
        if any(len(s) == SIGNED_WIDTH and s[:1] == "1" for s in shots):
            out[name] = [_signed(s) for s in shots]
        else:
            out[name] = shots
    return out


def _signed(bits: str) -> str:
    if len(bits) != SIGNED_WIDTH or bits[0] != "1":
        return bits
    return format(int(bits, 2) - (1 << SIGNED_WIDTH), f"0{SIGNED_WIDTH}b")
