"""Contains all the data models used in inputs/outputs"""

from .calendar_event import CalendarEvent
from .error_detail import ErrorDetail
from .error_response import ErrorResponse
from .get_job_results_format import GetJobResultsFormat
from .get_reservations_mode import GetReservationsMode
from .job import Job
from .job_batch_item import JobBatchItem
from .job_batch_request import JobBatchRequest
from .job_batch_request_jobs_item import JobBatchRequestJobsItem
from .job_batch_submitted import JobBatchSubmitted
from .job_documents import JobDocuments
from .job_documents_request import JobDocumentsRequest
from .job_error import JobError
from .job_list import JobList
from .job_options import JobOptions
from .job_options_tket import JobOptionsTket
from .job_request import JobRequest
from .job_request_priority import JobRequestPriority
from .job_results import JobResults
from .job_status import JobStatus
from .job_submitted import JobSubmitted
from .language import Language
from .login_password_request import LoginPasswordRequest
from .login_provider_request import LoginProviderRequest
from .login_refresh_request import LoginRefreshRequest
from .logout_result import LogoutResult
from .machine import Machine
from .machine_benchmarks import MachineBenchmarks
from .machine_state import MachineState
from .noise_specs import NoiseSpecs
from .noise_specs_1q_gate_error import NoiseSpecs1QGateError
from .noise_specs_2q_gate_error import NoiseSpecs2QGateError
from .noise_specs_crosstalk_error import NoiseSpecsCrosstalkError
from .noise_specs_memory_error import NoiseSpecsMemoryError
from .noise_specs_spam_error import NoiseSpecsSpamError
from .open_connection_request import OpenConnectionRequest
from .token_pair import TokenPair
from .websocket_error import WebsocketError
from .websocket_ticket import WebsocketTicket

__all__ = (
    "CalendarEvent",
    "ErrorDetail",
    "ErrorResponse",
    "GetJobResultsFormat",
    "GetReservationsMode",
    "Job",
    "JobBatchItem",
    "JobBatchRequest",
    "JobBatchRequestJobsItem",
    "JobBatchSubmitted",
    "JobDocuments",
    "JobDocumentsRequest",
    "JobError",
    "JobList",
    "JobOptions",
    "JobOptionsTket",
    "JobRequest",
    "JobRequestPriority",
    "JobResults",
    "JobStatus",
    "JobSubmitted",
    "Language",
    "LoginPasswordRequest",
    "LoginProviderRequest",
    "LoginRefreshRequest",
    "LogoutResult",
    "Machine",
    "MachineBenchmarks",
    "MachineState",
    "NoiseSpecs",
    "NoiseSpecs1QGateError",
    "NoiseSpecs2QGateError",
    "NoiseSpecsCrosstalkError",
    "NoiseSpecsMemoryError",
    "NoiseSpecsSpamError",
    "OpenConnectionRequest",
    "TokenPair",
    "WebsocketError",
    "WebsocketTicket",
)
