from enum import StrEnum


class GetJobResultsFormat(StrEnum):
    RAW = "raw"

    def __str__(self) -> str:
        return str(self.value)
