"""Domain errors raised by services and turned into HTTP answers by the API and the pages.

Services never return HTTP responses; they raise one of these, and `satupintu.api` maps them to
404/409/422 with a JSON body naming the field and the rule (API.md, "General rules")."""

from __future__ import annotations

_LOCATIONS = {"body", "query", "path", "header", "form", "file"}


class DomainError(Exception):
    """Base class of errors a client can cause and correct."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_detail(self) -> list[dict[str, object]] | str:
        if self.field is None:
            return self.message
        parts = self.field.split(".")
        loc = parts if parts[0] in _LOCATIONS else ["body", *parts]
        return [{"loc": loc, "msg": self.message, "type": self.code}]


class InvalidInput(DomainError):
    """Input that breaks a rule of the domain (an invalid NIK, a date in the past)."""

    status_code = 422


class Conflict(DomainError):
    """An action that the current state does not allow (a ticket already called)."""

    status_code = 409

    def __init__(self, message: str, *, field: str | None = None, code: str = "conflict") -> None:
        super().__init__(message, field=field, code=code)


class NotFound(DomainError):
    """A row that does not exist, or that the caller may not see: both look the same."""

    status_code = 404

    def __init__(self, message: str = "Not found", *, field: str | None = None) -> None:
        super().__init__(message, field=field, code="not_found")


class RateLimited(DomainError):
    """Too many calls from one client address; `retry_after` seconds until the next window."""

    status_code = 429

    def __init__(
        self, message: str = "Too many requests, try again later", *, retry_after: int = 60
    ) -> None:
        super().__init__(message, code="rate_limited")
        self.retry_after = retry_after
