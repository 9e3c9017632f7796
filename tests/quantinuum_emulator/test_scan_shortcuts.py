"""The program scans' shortcuts find exactly what their plain regular expressions find.

`_bounds` matches keywords without a leading `\\b` and checks the word boundary itself;
`_execution._classical` skips its regex when no alternative's literal occurs. Both are
compared with the patterns they stand for (with `\\b`, the regex alone) on generated
texts made of the tokens that matter: keywords inside and outside words, comments,
brackets, non-ASCII letters."""

from __future__ import annotations

import random
import re

from quantinuum_emulator import _bounds, _qasm
from quantinuum_emulator._execution import _CLASSICAL, _classical

TOKENS = [
    *("gate", "opaque", "qreg", "creg", "if", "RNGseed", "RNGnum", "JOB_shotnum", "OPENQASM"),
    *(" ", "\n", "\t", "x", "_", "é", "q", "c", "3", "12", "[", "]", "{", "}", ";", "(", ")"),
    *(",", "=", "==", "!=", "<", ">", "//c\n", "/*c*/", "->", "measure", "cx", "rz(0.1)"),
]


def texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(TOKENS, k=rng.randint(1, 60))) for _ in range(n)]


def test_keyword_matches_are_those_of_the_patterns_with_a_word_boundary() -> None:
    decl = re.compile(r"\b" + _bounds._DECL.pattern)
    gate = re.compile(r"\b" + _bounds._GATE.pattern)
    samples = texts(5000, 19)
    samples += ["xqreg q[2];qreg r[3];", "mygate g a { gate h b { x b; } }", "éqreg q[1];"]
    for text in samples:
        found = [m.groups("") for m in _bounds._at_word(_bounds._DECL, text)]
        assert found == decl.findall(text), text
        gates = _bounds._at_word(_bounds._GATE, text)
        assert [m.groups("") for m in gates] == gate.findall(text), text
        assert _bounds._without(text, gates) == gate.sub(" ", text), text


def test_the_classical_shortcut_decides_as_the_regex() -> None:
    for text in texts(5000, 22):
        assert _classical(text) == bool(_CLASSICAL.search(text)), text


def test_the_parsers_rewrites_are_skipped_only_where_they_change_nothing() -> None:
    # `_load` skips renaming native gates when no native name occurs, and rewriting
    # native `opaque` declarations when "opaque" does not: their patterns must then
    # find nothing (e.g. were one made case-insensitive, the shortcut would be wrong).
    natives = [*_qasm._NATIVE_NAMES, "rz", "zz", "u1q", "hqs_rz", "opaque Rz(a) q;"]
    rng = random.Random(7)
    for text in texts(3000, 5):
        text = text.replace("x", rng.choice(natives))
        if not any(name in text for name in _qasm._NATIVE_NAMES):
            assert _qasm._NATIVE_TOKEN.search(text) is None, text
            assert _qasm._rename_natives(text) == text
        if "opaque" not in text:
            assert _qasm._NATIVE_OPAQUE.search(text) is None, text
