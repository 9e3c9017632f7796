from enum import StrEnum


class JobStatus(StrEnum):
    CANCELED = "canceled"
    CANCELING = "canceling"
    COMPLETED = "completed"
    DEPLETED = "depleted"
    FAILED = "failed"
    QUEUED = "queued"
    RUNNING = "running"
    TERMINATED = "terminated"

    def __str__(self) -> str:
        return str(self.value)
