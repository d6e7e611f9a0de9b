"""One error shape for the whole API: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException

from mall.i18n import N_, current_language, translate
from mall.i18n import lazy_gettext as _l

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


# The error page's heading and a plain sentence per status, in the reader's language.
_PAGE_TITLES = {
    400: _l("The request could not be understood"), 401: _l("Please log in"),
    403: _l("Not allowed"), 404: _l("Page not found"), 405: _l("Not allowed here"),
    409: _l("Conflict"), 413: _l("Too large"), 415: _l("Unsupported file type"),
    422: _l("Not possible"), 429: _l("Too many attempts"),
    500: _l("Something went wrong"), 503: _l("Temporarily unavailable"),
}
_PAGE_MESSAGES = {
    400: _l("The page or form sent something the mall cannot read. Go back and try again."),
    401: _l("Log in to see this page."),
    403: _l("Your account may not open this page."),
    404: _l("There is no page at this address. It may have moved, or the link is wrong."),
    405: _l("This address does not accept that kind of request."),
    413: _l("What was sent is larger than the mall accepts."),
    415: _l("The mall cannot read this kind of file."),
    429: _l("Too many attempts in a short time. Wait a moment and try again."),
    500: _l("An unexpected error occurred; it has been logged."),
    503: _l("The mall is temporarily unavailable; try again shortly."),
}
_CSRF_MESSAGE = _l("The form expired or was sent from elsewhere. Reload the page and send "
                   "it again.")


# A sentence per error code for refusals whose English message is built at run time (with
# ids and statuses in it) and so has no catalog entry: readers of another language get this
# instead of English. English readers keep the precise original.
CODE_MESSAGES = {
    "not_awaiting_approval": _l("This requisition is no longer awaiting approval."),
    "competition_not_open": _l("This competition is no longer open."),
    "unknown_quote": _l("That quote is not part of this competition."),
    "not_in_cart": _l("That item is not in the cart."),
    "quantity_above_limit": _l("The quantity is above the limit for one line."),
    "insufficient_stock": _l("Not enough in stock for that quantity."),
    "competition_not_found": _l("This competition does not exist or is not yours to see."),
    "order_not_found": _l("This order does not exist or is not yours to see."),
    "requisition_not_found": _l("This requisition does not exist or is not yours to see."),
    "offer_not_found": _l("This offer does not exist or is not available to you."),
    "product_not_found": _l("This product is not available to you under that agreement."),
    "wrong_party": _l("The other party makes this change to the order."),
    "illegal_transition": _l("That change is not possible from the current status."),
    "review_already_decided": _l("This price change has already been decided."),
    # a quote's problems, line by line
    "above_ceiling": _l("A unit price is above your ceiling for that line."),
    "not_positive": _l("A unit price must be above zero."),
    "line_missing": _l("Every line needs a unit price."),
    "duplicate_line": _l("A line is priced twice."),
    "unknown_line": _l("A price names a line that is not in this competition."),
    "answer_missing": _l("Every criterion needs a technical answer."),
    "unknown_criterion": _l("An answer names a criterion that is not in this competition."),
    "not_expected": _l("This competition asks for no technical answers."),
    "rotation_no_eligible_supplier": _l(
        "No awarded supplier can take this order now (stock, region or status); nothing was "
        "saved. Try a smaller quantity or later."),
}


def refusal_text(message: Any, code: str | None = None) -> str:
    """A refusal in the reader's language: its catalog translation, else the sentence for
    its code, else the message as it is."""
    text = str(message or "")
    translated = translate(text)
    if translated != text or current_language() == "en" or not code:
        return translated
    fallback = CODE_MESSAGES.get(code)
    return str(fallback) if fallback is not None else text


def error_page(status: int, message: Any = None, code: str | None = None) -> Response:
    """The app's own error page, in the reader's language."""
    title = _PAGE_TITLES.get(status) or _PAGE_TITLES[500 if status >= 500 else 400]
    text = refusal_text(message, code) if message else str(_PAGE_MESSAGES.get(status, ""))
    return Response(render_template("error.html", status=status, title=str(title),
                                    message=text), status=status, mimetype="text/html")


def _respond(status: int, code: str, message: str,
             details: dict[str, Any] | None = None) -> Any:
    """The error shape for API callers, the error page for browsers."""
    if _wants_json():
        return error_response(status, code, message, details)
    return add_retry_after(error_page(status, message, code), details)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Any:
        return _respond(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        if status < 400:
            return exc  # a redirect (e.g. the trailing-slash one) is not an error
        if not _wants_json():
            # Werkzeug's own description is English prose for developers; the page says
            # what happened in the reader's language.
            csrf = status == 400 and "CSRF" in (exc.description or "")
            page = error_page(status, _CSRF_MESSAGE if csrf else None)
            if status == 405 and exc.response is None:
                valid = getattr(exc, "valid_methods", None)
                if valid:
                    page.headers["Allow"] = ", ".join(valid)
            return page
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
                        N_("The request contains a value that cannot be stored or searched "
                           "for."))

    @app.errorhandler(UnicodeEncodeError)
    def _unencodable_text(exc: UnicodeEncodeError) -> Any:
        # Text that is not a sequence of characters (a lone surrogate from a \u escape) that
        # got past the body checks: the client's input, refused before anything was stored.
        log.info("refused unencodable text on %s %s: %s", request.method, request.path, exc)
        return _respond(400, "invalid_value",
                        N_("The request contains text that is not valid Unicode."))

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeoutError)
    def _database_down(exc: Exception) -> Any:
        if is_transient_conflict(exc):
            # A deadlock victim that was not (or could not be) run again: the database is
            # fine, the client may simply resend (the guards retry most writes first).
            log.warning("transient conflict on %s %s: %s", request.method, request.path, exc)
            retry = ConflictRetry(N_("The change collided with another one at the same "
                                     "moment; nothing was saved. Send it again."))
            return _respond(retry.status, retry.code, retry.message)
        log.exception("database unavailable")
        return _respond(503, "database_unavailable",
                        N_("The database is temporarily unavailable; try again shortly."))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, "internal_error",
                        N_("An unexpected error occurred; it has been logged."))
