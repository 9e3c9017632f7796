from enum import StrEnum


class JobStatus(StrEnum):
    CANCELED = "canceled"
    CANCELING = "canceling"
    CANCELLING = "cancelling"
    COMPLETED = "completed"
    DEPLETED = "depleted"
    FAILED = "failed"
    QUEUED = "queued"
    RETRYING = "retrying"
    RUNNING = "running"
    TERMINATED = "terminated"

    def __str__(self) -> str:
        return str(self.value)
