"""Job documents: a stored job row rendered as the API's job document, and the job
history (`GET /v1/job`).

The document's shape is the emulator's (`quantinuum_emulator.job_document`, shared with
the SDK's offline backend); this module fills it from a row: `queue-position` is 0-based,
the number of queued jobs (of any user) that will start before this one, null once the
job left the queue; results are unpacked from the job's stored chunks
(`quantinuum_emulator.unpack_results`). `results_format=raw` is the only format and the
default (lists of bitstrings).

Job history (`list_page`, extension): keyset pagination on the insertion sequence, newest
first, so a page never shifts when jobs are submitted meanwhile. The cursor is opaque
(base64url JSON holding the last sequence number): a position in the caller's history, so
it may be combined with other filters (stateful clients, and schemathesis following the
spec's NextPage link, change them between pages).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from quantinuum_emulator import DONE_STATUSES, job_document, unpack_results

from ._errors import INVALID_REQUEST, ApiError
from ._store import Shown, Store

__all__ = ["DEFAULT_PAGE_SIZE", "LIST_FILTERS", "JobDocuments", "render_job"]

#: `GET /v1/job`'s page size when `limit` is not given (openapi.yaml's default).
DEFAULT_PAGE_SIZE = 20
#: The job-list filters (query parameters of `list_jobs`).
LIST_FILTERS = ("status", "machine", "name", "group", "submitted_after", "submitted_before")


def render_job(row: Mapping[str, Any], queue_position: int | None) -> dict[str, Any]:
    """The job document of a stored job row."""
    return job_document(
        row["id"],
        name=row.get("name"),
        status=row["status"],
        machine=row["machine"],
        count=row["count"],
        priority=row["priority"],
        group=row.get("grp"),
        results=row.get("results"),
        submit_date=row["submit_date"],
        start_date=row["start_date"],
        result_date=row["result_date"],
        queue_position=queue_position,
        cost=row["cost"],
        last_shot=row["last_shot"],
        qubits=row["qubits"],
        error=row.get("error"),
    )


class JobDocuments:
    """Renders stored jobs as documents, and pages of a user's job history."""

    def __init__(self, store: Store) -> None:
        self._store = store

    @staticmethod
    def result_bits(row: Mapping[str, Any]) -> int:
        """How many result bits (shots x classical bits) a stored job row holds."""
        layout = row.get("result_layout")
        if layout is None or row.get("last_shot") is None:
            return 0
        return (int(row["last_shot"]) + 1) * sum(int(width) for _, width in layout)

    def document(
        self, row: Mapping[str, Any], chunks: list[tuple[int, bytes]] | None = None
    ) -> dict[str, Any]:
        """The job document of a stored job row (with its results: from its `chunks`,
        read here if not given)."""
        position = None
        if row["status"] == "queued":
            position = self._store.queue_position(int(row["seq"]), str(row["priority"]))
        layout = row.get("result_layout")
        if layout is not None and row.get("results") is None:
            if chunks is None:
                chunks = self._store.job_chunks(str(row["id"]))
            results = unpack_results([(str(n), int(w)) for n, w in layout], chunks)
            row = {**row, "results": results}
        return render_job(row, position)

    def final_json(self, job_id: str, shown: Shown | None = None) -> str | None:
        """The final document of a job that has ended, as compact JSON (None while it has
        not); `shown`: the job's row and chunks as `Store.finish_job` read them back (else
        they are read here)."""
        row, chunks = shown if shown is not None else (self._store.document_row(job_id), None)
        if row is None or row["status"] not in DONE_STATUSES:
            return None
        doc = self.document(row, chunks)
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)

    def list_page(
        self, user_id: int, filters: Mapping[str, Any], cursor: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of `user_id`'s jobs (documents without results, newest first) and the
        cursor of the next page (None on the last). `filters` are the `LIST_FILTERS`
        given; a bad cursor or date is 400 code 10."""
        given = {name: filters[name] for name in LIST_FILTERS if filters.get(name) is not None}
        for name in ("submitted_after", "submitted_before"):
            if name in given:
                given[name] = _utc_second(name, given[name])
        before_seq = None if cursor is None else _decode_cursor(cursor)
        rows = self._store.list_jobs(user_id, limit + 1, before_seq=before_seq, **given)
        page = rows[:limit]
        following = None
        if len(rows) > limit:
            following = _encode_cursor(int(page[-1]["seq"]))
        return [self.document(row) for row in page], following


# -- job-list cursors -------------------------------------------------------------------
def _utc_second(name: str, value: str) -> str:
    """An RFC 3339 date-time as stored submit dates are written (UTC, to the second)."""
    try:
        moment = dt.datetime.fromisoformat(value.upper())
    except ValueError:
        raise ApiError(
            400, INVALID_REQUEST, f"Invalid request: query parameter '{name}' is not a date-time"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        moment = moment.astimezone(dt.UTC)
    except OverflowError:  # its offset moves it before year 1 or after year 9999
        return _FIRST_SECOND if moment.year < 5000 else _LAST_SECOND
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_FIRST_SECOND = "0001-01-01T00:00:00Z"
_LAST_SECOND = "9999-12-31T23:59:59Z"
_MAX_SEQ = 2**63 - 1  # SQLite's largest integer


def _encode_cursor(seq: int) -> str:
    raw = json.dumps({"s": seq}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    """The sequence number a cursor continues after; 400 code 10 for a bad cursor."""
    bad = ApiError(
        400,
        INVALID_REQUEST,
        "Invalid request: cursor is malformed (pass the next-cursor of a previous page)",
    )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        seq = json.loads(raw)["s"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise bad from None
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= _MAX_SEQ:
        raise bad
    return seq
