"""Why a queueing service refused: one code per kind of answer the API gives."""
from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "not_found"  # no such queue or reservation (for this caller)
    INVALID = "invalid"  # the request itself is wrong
    CONFLICT = "conflict"  # the reservation is not in a state that allows it


class QueueingError(Exception):
    def __init__(self, code: ErrorCode, detail: str):
        super().__init__(detail)
        self.code = code
        self.detail = detail
