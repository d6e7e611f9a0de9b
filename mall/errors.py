"""One error shape for the whole API: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error a client can act on; raised by services and views alike."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details or {}


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class RuleViolation(ApiError):
    """Valid shape, but it breaks a business rule."""

    status, code = 422, "rule_violation"


class ConflictRetry(Conflict):
    """The write lost a race with another one (several times); the client may resend it."""

    code = "conflict_retry"


# SQLSTATEs of a transaction that lost a race and may simply be run again.
DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"
TRANSIENT_SQLSTATES = frozenset({DEADLOCK_DETECTED, SERIALIZATION_FAILURE})


def is_transient_conflict(exc: BaseException) -> bool:
    """A deadlock victim or serialization failure: the same work may succeed if run again."""
    if not isinstance(exc, DBAPIError):
        return False
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return sqlstate in TRANSIENT_SQLSTATES


class TooManyRequests(ApiError):
    """Answered with Retry-After when ``details["retry_after_seconds"]`` is set."""

    status, code = 429, "too_many_requests"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class ServiceUnavailable(ApiError):
    status, code = 503, "service_unavailable"


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response:
    response = jsonify(error_body(code, message, details))
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="mall"'
    add_retry_after(response, details)
    return response


def add_retry_after(response: Response, details: dict[str, Any] | None) -> Response:
    """Retry-After from ``details["retry_after_seconds"]``, when an error names one."""
    seconds = (details or {}).get("retry_after_seconds")
    if isinstance(seconds, int) and seconds > 0:
        response.headers["Retry-After"] = str(seconds)
    return response


def _wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "rule_violation",
    429: "too_many_requests",
    503: "service_unavailable",
}


def _respond(status: int, code: str, message: str,
             details: dict[str, Any] | None = None) -> Any:
    """The error shape for API callers, the error page for browsers."""
    if _wants_json():
        return error_response(status, code, message, details)
    page = Response(render_template("error.html", status=status, message=message),
                    status=status, mimetype="text/html")
    return add_retry_after(page, details)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Any:
        return _respond(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        if not _wants_json():
            return exc
        code = _HTTP_CODES.get(status, "http_error")
        message = exc.description or exc.name
        if status == 400 and "CSRF" in (exc.description or ""):
            code = "csrf_failed"
        return error_response(status, code, message)

    @app.errorhandler(DataError)
    def _unstorable_value(exc: DataError) -> Any:
        # A value the database refuses (a NUL character, a number out of range) is the
        # client's input, not a server fault; nothing was written.
        log.info("refused unstorable value on %s %s: %s", request.method, request.path,
                 exc.orig)
        return _respond(400, "invalid_value",
                        "The request contains a value that cannot be stored or searched for.")

    @app.errorhandler(UnicodeEncodeError)
    def _unencodable_text(exc: UnicodeEncodeError) -> Any:
        # Text that is not a sequence of characters (a lone surrogate from a \u escape) that
        # got past the body checks: the client's input, refused before anything was stored.
        log.info("refused unencodable text on %s %s: %s", request.method, request.path, exc)
        return _respond(400, "invalid_value",
                        "The request contains text that is not valid Unicode.")

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeoutError)
    def _database_down(exc: Exception) -> Any:
        if is_transient_conflict(exc):
            # A deadlock victim that was not (or could not be) run again: the database is
            # fine, the client may simply resend (the guards retry most writes first).
            log.warning("transient conflict on %s %s: %s", request.method, request.path, exc)
            retry = ConflictRetry("The change collided with another one at the same moment; "
                                  "nothing was saved. Send it again.")
            return _respond(retry.status, retry.code, retry.message)
        log.exception("database unavailable")
        return _respond(503, "database_unavailable",
                        "The database is temporarily unavailable; try again shortly.")

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, "internal_error",
                        "An unexpected error occurred; it has been logged.")
