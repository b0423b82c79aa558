"""One error page for every HTTP error, in the visitor's language."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from shop.extensions import db


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


def register(app: Flask) -> None:
    """Install render_error for HTTP errors and for any unexpected exception."""

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        return render_error(error)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        db.session.rollback()
        return render_error(InternalServerError())
