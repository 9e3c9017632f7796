from enum import StrEnum


class GetReservationsMode(StrEnum):
    USER = "user"

    def __str__(self) -> str:
        return str(self.value)
