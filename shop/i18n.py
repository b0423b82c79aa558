"""Language choice: Vietnamese by default, English on request, remembered per visitor."""

from __future__ import annotations

from flask import Blueprint, current_app, has_request_context, redirect, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shop.extensions import db
from shop.urls import is_safe_next

LANGUAGE_COOKIE = "lang"
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The visitor's explicit choice (cookie), else their account's, else Vietnamese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and e-mails outside a request: Vietnamese
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    choice = request.cookies.get(LANGUAGE_COOKIE)
    if choice in languages:
        return choice
    if (
        current_user
        and current_user.is_authenticated
        and current_user.preferred_language in languages
    ):
        return current_user.preferred_language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The language code of this request ("vi" or "en")."""
    from flask_babel import get_locale

    return str(get_locale() or "vi")


def lazy_login_message():
    """The message Flask-Login flashes when a page needs a signed-in visitor."""
    return _l("Please log in to continue.")


@bp.post("/language")
def switch_language():
    """Remember the chosen language in a cookie (and on the account), then go back."""
    language = request.form.get("language", "")
    target = request.form.get("next")
    response = redirect(target if is_safe_next(target) else "/")
    if language in current_app.config["LANGUAGES"]:
        response.set_cookie(
            LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
        if current_user.is_authenticated:
            current_user.preferred_language = language
            db.session.commit()
    return response
