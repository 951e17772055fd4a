"""Domain errors: every error a client can see, each mapped to one JSON shape.

One middleware (``payserv.middleware``) turns a :class:`PayservError` into
``{"error": {"code", "description", "field"?}}`` with the class's HTTP status.
"""

from __future__ import annotations


class PayservError(Exception):
    """Something went wrong."""

    code = "SERVER_ERROR"
    status = 500

    def __init__(self, description: str | None = None, *, field: str | None = None) -> None:
        self.description = description or (self.__doc__ or "").strip()
        self.field = field
        super().__init__(self.description)

    def to_body(self) -> dict[str, object]:
        """The DESIGN §2 error body."""
        error: dict[str, object] = {"code": self.code, "description": self.description}
        if self.field is not None:
            error["field"] = self.field
        return {"error": error}

    def headers(self) -> dict[str, str]:
        """Extra response headers this error calls for (none by default)."""
        return {}


class AuthenticationError(PayservError):
    """Missing or invalid credentials."""

    code = "AUTHENTICATION_ERROR"
    status = 401


class BadRequestError(PayservError):
    """The request is not valid."""

    code = "BAD_REQUEST_ERROR"
    status = 400


class NotFoundError(PayservError):
    """The requested resource does not exist."""

    code = "NOT_FOUND_ERROR"
    status = 404


class InvalidVpaError(BadRequestError):
    """VPA format is invalid."""

    code = "INVALID_VPA"


class InvalidCardError(BadRequestError):
    """Card validation failed."""

    code = "INVALID_CARD"


class ExpiredCardError(BadRequestError):
    """Card expiry date is invalid."""

    code = "EXPIRED_CARD"


class InsufficientRefundAmountError(BadRequestError):
    """Refund amount exceeds what is left to refund."""

    code = "INSUFFICIENT_REFUND_AMOUNT"


class IdempotencyKeyMismatchError(PayservError):
    """This Idempotency-Key was used with a different request body."""

    code = "IDEMPOTENCY_KEY_MISMATCH"
    status = 422


class SignatureError(BadRequestError):
    """The signature does not verify."""

    code = "SIGNATURE_ERROR"


class MethodNotAllowedError(PayservError):
    """This method is not allowed on this resource."""

    code = "METHOD_NOT_ALLOWED"
    status = 405


class PayloadTooLargeError(PayservError):
    """The request body is too large."""

    code = "PAYLOAD_TOO_LARGE"
    status = 413


class ConfigurationError(PayservError):
    """A provider is not configured."""

    code = "CONFIGURATION_ERROR"
    status = 503


class UpstreamError(PayservError):
    """A payment provider failed or timed out."""

    code = "UPSTREAM_ERROR"
    status = 502


class ServiceUnavailableError(PayservError):
    """The database is unreachable; try again shortly."""

    code = "SERVICE_UNAVAILABLE"
    status = 503


class ServerError(PayservError):
    """Internal server error."""


class StartupError(PayservError):
    """A process cannot start; the message is one line that names the cause.

    Raised before any request is served, so its code and status never reach a client.
    """


class SettingsError(StartupError):
    """A configuration variable has a bad value (raised at start-up, not over HTTP)."""


class ForbiddenError(PayservError):
    """This form was not sent from payserv's own page; reload the page and try again."""

    code = "FORBIDDEN"
    status = 403


class TooManyRequestsError(PayservError):
    """Too many failed attempts; try again later."""

    code = "TOO_MANY_REQUESTS"
    status = 429

    def __init__(self, description: str | None = None, *, retry_after: int) -> None:
        super().__init__(description)
        self.retry_after = retry_after  # seconds, for the Retry-After header

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}
