"""Refusals of other apps' services, as the protocol's error reasons."""
from functools import wraps

from chat.protocol import ActionError, Reason
from queueing.errors import ErrorCode, QueueingError
from surveys.services import SurveyError

QUEUEING_REASONS = {ErrorCode.NOT_FOUND: Reason.NOT_FOUND, ErrorCode.INVALID: Reason.INVALID,
                    ErrorCode.CONFLICT: Reason.FORBIDDEN}
SURVEY_REASONS = {"not_found": Reason.NOT_FOUND, "invalid": Reason.INVALID,
                  "already_answered": Reason.FORBIDDEN, "expired": Reason.FORBIDDEN}


def as_action_errors(function):
    @wraps(function)
    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except QueueingError as error:
            raise ActionError(QUEUEING_REASONS[error.code], error.detail)
        except SurveyError as error:
            raise ActionError(SURVEY_REASONS.get(error.code, Reason.INVALID), error.detail)
    return call
