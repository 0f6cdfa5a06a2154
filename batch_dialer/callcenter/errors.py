"""Typed call-centre failures: every non-success answer becomes one of these, never a bare string.

Messages are a single line naming the centre by its origin only; they never carry the query string
(it holds ``pwd`` and the callee), the password, or an unmasked phone number.
"""

from __future__ import annotations

__all__ = [
    "DEFAULT_BUSY_RETRY_AFTER",
    "DEFAULT_UNAVAILABLE_RETRY_AFTER",
    "DOCUMENTED_CODES",
    "BadParameters",
    "BadPassword",
    "CallCenterError",
    "CenterBusy",
    "CenterServerError",
    "CenterUnavailable",
    "CenterUnreachable",
    "DuplicateSubmission",
    "NotFound",
    "OperationRefused",
    "PaymentRequired",
    "UnexpectedResponse",
    "error_for_status",
]

#: Seconds to wait after a 486 when the centre sends no Retry-After header (the document gives none).
DEFAULT_BUSY_RETRY_AFTER = 2.0
#: Seconds to wait after a 480/503 when the centre sends no Retry-After header.
DEFAULT_UNAVAILABLE_RETRY_AFTER = 5.0

#: Every status code the document gives a meaning to (§3, §18, §19, §20, §24 and the monitor sections).
DOCUMENTED_CODES = frozenset({200, 400, 401, 403, 404, 420, 421, 480, 483, 486, 500, 503})


class CallCenterError(Exception):
    """Base of every call-centre failure; ``retryable``: sending the same request again may work."""

    retryable: bool = False

    def __init__(self, message: str, *, code: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


class CenterUnreachable(CallCenterError):
    """No HTTP answer at all: connection refused, DNS failure, timeout, broken connection."""

    retryable = True


class CenterBusy(CallCenterError):
    """486: the centre is busy (channels or waiting line full); slow down and try again."""

    retryable = True


class CenterUnavailable(CallCenterError):
    """480 / 503: the centre is temporarily unavailable."""

    retryable = True


class DuplicateSubmission(CallCenterError):
    """483: the token / id / contact / opportunity is already known to the centre."""


class BadPassword(CallCenterError):
    """401: missing or wrong ``pwd``."""


class BadParameters(CallCenterError):
    """400 / 420: the centre rejected the parameters."""


class NotFound(CallCenterError):
    """404: the id is unknown to the centre."""


class PaymentRequired(CallCenterError):
    """421: the feature must be paid for and enabled on the centre."""


class CenterServerError(CallCenterError):
    """500 (or another 5xx): an internal error of the centre; worth a later retry."""

    retryable = True


class OperationRefused(CallCenterError):
    """The centre answered with its documented failure value (e.g. ``0`` from a tone-file save)."""


class UnexpectedResponse(CallCenterError):
    """An answer the document does not describe (unknown status, unparsable body)."""


_MEANING: dict[int, tuple[type[CallCenterError], str]] = {
    400: (BadParameters, "bad parameters"),
    401: (BadPassword, "wrong or missing password"),
    403: (BadParameters, "not permitted"),
    404: (NotFound, "not found"),
    420: (BadParameters, "bad parameters"),
    421: (PaymentRequired, "the feature must be paid for and enabled"),
    480: (CenterUnavailable, "temporarily unavailable, try again later"),
    483: (DuplicateSubmission, "duplicate submission"),
    486: (CenterBusy, "busy, try again later"),
    500: (CenterServerError, "internal error"),
    503: (CenterUnavailable, "unavailable, try again later"),
}


def error_for_status(
    code: int, *, origin: str, operation: str, retry_after: float | None = None
) -> CallCenterError:
    """The typed exception for a non-success ``code`` answered by the centre at ``origin``."""
    cls, meaning = _MEANING.get(code, (UnexpectedResponse, "an undocumented status"))
    if cls is UnexpectedResponse and 500 <= code < 600:
        cls, meaning = CenterServerError, "a server error"
    if retry_after is None and cls is CenterBusy:
        retry_after = DEFAULT_BUSY_RETRY_AFTER
    elif retry_after is None and cls is CenterUnavailable:
        retry_after = DEFAULT_UNAVAILABLE_RETRY_AFTER
    elif not cls.retryable:
        retry_after = None
    return cls(
        f"call centre at {origin} answered {code} to {operation}: {meaning}",
        code=code,
        retry_after=retry_after,
    )
