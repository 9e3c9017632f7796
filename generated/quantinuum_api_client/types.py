"""Contains some shared types for properties"""

from collections.abc import Callable, Mapping, MutableMapping
from http import HTTPStatus
from typing import IO, Any, BinaryIO, Generic, Literal, TypeVar

import httpx
from attrs import define, field


class Unset:
    def __bool__(self) -> Literal[False]:
        return False


UNSET: Unset = Unset()

# The types that `httpx.Client(files=)` can accept, copied from that library.
FileContent = IO[bytes] | bytes | str
FileTypes = (
    # (filename, file (or bytes), content_type)
    tuple[str | None, FileContent, str | None]
    # (filename, file (or bytes), content_type, headers)
    | tuple[str | None, FileContent, str | None, Mapping[str, str]]
)
RequestFiles = list[tuple[str, FileTypes]]


@define
class File:
    """Contains information for file uploads"""

    payload: BinaryIO
    file_name: str | None = None
    mime_type: str | None = None

    def to_tuple(self) -> FileTypes:
        """Return a tuple representation that httpx will accept for multipart/form-data"""
        return self.file_name, self.payload, self.mime_type


T = TypeVar("T")


def http_status(code: int) -> HTTPStatus | int:
    """The reply's status as an ``HTTPStatus``, or the bare number for a non-standard one"""
    try:
        return HTTPStatus(code)
    except ValueError:
        return code


class _NotParsed:
    pass


_NOT_PARSED = _NotParsed()


@define
class Response(Generic[T]):
    """A response from an endpoint

    ``parsed`` is decoded from the body on first access: a caller that reads only the
    status, headers or content pays nothing for decoding, and a body the models cannot read
    fails there rather than inside the call. ``http_response`` is the httpx reply.
    """

    status_code: HTTPStatus | int
    content: bytes
    headers: MutableMapping[str, str]
    _parser: Callable[[], T | None] = field(alias="parser", repr=False, eq=False)
    http_response: httpx.Response | None = field(default=None, kw_only=True, repr=False, eq=False)
    _parsed: Any = field(default=_NOT_PARSED, init=False, repr=False, eq=False)

    @property
    def parsed(self) -> T | None:
        """The body decoded into the operation's model (None for an undocumented status)"""
        if self._parsed is _NOT_PARSED:
            self._parsed = self._parser()
        value: T | None = self._parsed
        return value


__all__ = ["UNSET", "File", "FileTypes", "RequestFiles", "Response", "Unset", "http_status"]
