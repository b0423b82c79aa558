"""One error page for every HTTP error, in the visitor's language.

An unreachable database is not a bug: it answers 503 with Retry-After (the friendly page, or
JSON under /api/), rendered without touching the database, and the next request after the
database is back simply works (the engine tests pooled connections before use).
"""

from __future__ import annotations

import contextlib

from flask import Flask, current_app, flash, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from shop.extensions import db, login_manager


class Refused(Exception):
    """A use case that cannot be done: `message` is for the person (already translated, or
    lazily), `field` names the form field it belongs to, if any.

    Services raise it (or a subclass, only where a caller must tell the case apart) instead
    of returning error codes; views show it with `attach_error`, and nothing has been written.
    `category` is the flashed message's kind ("info" for a refusal that is no bad news: the
    thing is already done).
    """

    category = "error"

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def attach_error(form, error: Refused, field_id: str | None = None) -> None:
    """The one way a view shows a refusal: on the form field it names (the form is shown
    again), or else as a flashed message above the page. Pass `form=None` when there is no
    form on the page; `field_id` is then the id of the field in error on the page the person
    lands on, which the error summary at the top links to (templates/_form_errors.html)."""
    field = getattr(form, error.field, None) if form is not None and error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    elif error.category == "error":
        flash_error(error.message, field_id)
    else:
        flash(str(error.message), error.category)


def flash_error(message, field_id: str | None = None) -> None:
    """Flash an error for the page the person is sent back to: the error summary at its top
    shows it, as a link to the field `field_id` when given (the category "error#<id>")."""
    flash(str(message), f"error#{field_id}" if field_id else "error")


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (
            _("Bad request"),
            _("The request could not be understood. Please go back and try again."),
        ),
        403: (_("Access denied"), _("You do not have permission to open this page.")),
        404: (
            _("Page not found"),
            _("The page you are looking for does not exist or is no longer on sale."),
        ),
        405: (_("Not allowed"), _("This action is not allowed here.")),
        413: (
            _("File too large"),
            _("The file you sent is too large. Images and scans may be at most 10 MB."),
        ),
        429: (
            _("Too many attempts"),
            _("You have tried too many times. Please wait a few minutes and try again."),
        ),
        500: (
            _("Something went wrong"),
            _("An unexpected error happened on our side. Please try again in a moment."),
        ),
        503: (
            _("Temporarily unavailable"),
            _("The shop is briefly unavailable. Please try again in a moment."),
        ),
    }


def render_error(error: HTTPException):
    """Render `error` as a friendly page (or JSON under /api/)."""
    code = error.code or 500
    title, message = _messages().get(code, (_("Error"), error.description or ""))
    if isinstance(error, CSRFError):
        message = _("Your form expired or was sent from another page. Please reload and try again.")
    if request.path.startswith("/api/"):
        return jsonify(error={"code": code, "message": message}), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def render_error_page(code: int, title, message):
    """An error page with a specific message (for example, which filter was wrong)."""
    if request.path.startswith("/api/"):
        return jsonify(error={"code": code, "message": str(message)}), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def is_database_unavailable(error: BaseException | None) -> bool:
    """True for a lost or refused database connection (or one of its causes), a timeout
    waiting for a pooled connection, or an operational failure the server reports (a
    cancelled statement, a deadlock victim): the kind of error worth a 503 and a retry."""
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, sa_exc.DBAPIError) and (
            error.connection_invalidated
            or isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
        ):
            return True
        if isinstance(error, sa_exc.DisconnectionError | sa_exc.TimeoutError):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def render_database_unavailable():
    """The 503 for an unreachable database, built without any query.

    The page is the usual error page, but as seen by an anonymous visitor with no cart count:
    loading the signed-in user or counting the cart would need the database.
    """
    with contextlib.suppress(sa_exc.SQLAlchemyError):  # the connection is gone: the pool drops it
        db.session.rollback()
    g._login_user = login_manager.anonymous_user()  # what flask_login.current_user reads
    g.cart_count = ""  # shop.cart.services.cart_count() answers this without a query
    retry_after = str(current_app.config.get("DB_UNAVAILABLE_RETRY_AFTER", 15))
    error = ServiceUnavailable()
    try:
        response, code = render_error(error)
    except Exception:  # the page itself needed something else: a bare page, never a trace
        current_app.logger.exception("the 503 page could not be rendered")
        title, message = _messages()[503]
        response = current_app.response_class(
            f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"
            f"<p>{escape(message)}</p>",
            mimetype="text/html",
        )
        code = 503
    response = current_app.make_response((response, code))
    response.headers["Retry-After"] = retry_after
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    """Install render_error for HTTP errors and for any unexpected exception."""

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        if error.response is not None:  # the page was built already (the log-in page's 429)
            return error.response
        return render_error(error)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if is_database_unavailable(error):
            app.logger.warning("database unavailable on %s: %s", request.path, error)
            return render_database_unavailable()
        app.logger.exception("unhandled error on %s", request.path)
        db.session.rollback()
        return render_error(InternalServerError())
