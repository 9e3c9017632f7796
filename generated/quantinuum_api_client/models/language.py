from enum import StrEnum


class Language(StrEnum):
    OPENQASM_2_0 = "OPENQASM 2.0"
    QIR_1_0 = "QIR 1.0"

    def __str__(self) -> str:
        return str(self.value)
