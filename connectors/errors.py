"""One error tree for every outside system. Retryable vs permanent is a type."""
from __future__ import annotations


class ConnectorError(Exception):
    retryable = False


class NotFound(ConnectorError):
    pass


class AuthFailed(ConnectorError):
    pass


class Conflict(ConnectorError):
    """The object changed since we read it; read again before writing."""
    retryable = True


class RateLimited(ConnectorError):
    retryable = True

    def __init__(self, message: str, retry_after: float = 1.0):
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(ConnectorError):
    """Timeouts, connection failures, 5xx."""
    retryable = True


def from_status(status: int, message: str, retry_after: float | None = None) -> ConnectorError:
    """Map an HTTP status to the error tree, in one place."""
    if status == 404:
        return NotFound(message)
    if status in (401, 403):
        return AuthFailed(message)
    if status == 409:
        return Conflict(message)
    if status == 429:
        return RateLimited(message, retry_after or 1.0)
    if status >= 500 or status in (408,):
        return Unavailable(message)
    return ConnectorError(message)
