"""Account pages: register, log in and out, the account page, passwords, log out everywhere.

Log-in is throttled per client address and per e-mail from that address, never per e-mail
alone: a stranger who hammers a buyer's e-mail from elsewhere cannot lock the buyer out.
How sessions begin and end is shop.accounts.sessions.
"""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from shop.accounts import services, sessions
from shop.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from shop.accounts.models import normalize_email
from shop.errors import Refused, attach_error
from shop.extensions import limiter
from shop.i18n import current_language
from shop.phones import normalize_mobile
from shop.urls import safe_next

bp = Blueprint("accounts", __name__)


def _email_and_address_key() -> str:
    """One counter per (e-mail, client address): a buyer's own attempts never share it with a
    stranger's."""
    email = normalize_email(request.form.get("email", ""))[:254]  # as long as an address gets
    return f"login:{email}|{get_remote_address()}"


def _limit(name: str):
    return lambda: current_app.config[name]


def _login_throttled(limit: RequestLimit):
    """The log-in page again, saying how long to wait (a 429; Flask-Limiter adds Retry-After)."""
    minutes = max(1, round((limit.reset_at - time.time()) / 60))
    form = LoginForm(formdata=None, data={"email": request.form.get("email", "")})
    page = render_template("accounts/login.html", form=form, throttled_minutes=minutes)
    return current_app.response_class(page, status=429, mimetype="text/html")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_LIMIT_PER_IP"), methods=["POST"], on_breach=_login_throttled)
@limiter.limit(
    _limit("LOGIN_LIMIT_PER_EMAIL_AND_IP"),
    key_func=_email_and_address_key,
    methods=["POST"],
    on_breach=_login_throttled,
)
def login():
    """Log in with e-mail and password on a new session; `next` may only point inside the site."""
    if current_user.is_authenticated:
        return redirect(safe_next())
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            sessions.start(user, remember=form.remember.data)
            flash(_("Welcome back, %(name)s.", name=user.full_name), "success")
            return redirect(safe_next())
        form.password.errors = [*form.password.errors, _("Wrong e-mail or password.")]
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    """Log out (a POST, so a link on another site cannot do it): the session is emptied and
    the remember-me cookie deleted; only the language choice stays."""
    sessions.end()
    flash(_("You have logged out."), "info")
    return redirect(url_for("catalog.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("REGISTER_LIMIT_PER_IP"), methods=["POST"])
def register():
    """Create a customer account and log in on a new session."""
    if current_user.is_authenticated:
        return redirect(url_for("catalog.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_customer(
                email=form.email.data,
                password=form.password.data,
                full_name=form.full_name.data,
                phone=normalize_mobile(form.phone.data) if form.phone.data else None,
                preferred_language=current_language(),
                accepted_notice=form.privacy_consent.data,
                marketing=form.marketing.data,
            )
        except Refused as error:
            attach_error(form, error)
        else:
            sessions.start(user)
            flash(_("Your account is ready. Welcome!"), "success")
            return redirect(safe_next())
    return render_template("accounts/register.html", form=form)


@bp.get("/account")
@login_required
def account():
    """The person's details, their password, and logging out on every device."""
    return render_template("accounts/account.html")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password, confirming the current one: every other session and remember-me
    cookie of the account stops working; this browser stays logged in."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except Refused as error:
            attach_error(form, error)
        else:
            sessions.renew(user)
            flash(
                _("Your password has been changed. You are logged out on every other device."),
                "success",
            )
            return redirect(url_for(".account"))
    return render_template("accounts/change_password.html", form=form)


@bp.post("/account/sessions/end")
@login_required
def end_all_sessions():
    """Log out on every device, this one included (a POST with CSRF, like log-out)."""
    services.end_all_sessions(current_user)
    sessions.end()
    flash(_("You are logged out on every device, this one included."), "info")
    return redirect(url_for(".login"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_IP"), methods=["POST"])
def reset_request():
    """Ask for a reset link by e-mail; the answer is the same whether the account exists."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "If an account exists for that address, we have sent it a link to choose a new password."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through the e-mailed link; every log-in of the account ends."""
    if services.user_for_reset_token(token) is None:
        flash(_("This reset link is invalid or has expired. Please ask for a new one."), "error")
        return redirect(url_for("accounts.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except Refused as error:
            if error.field is None:  # the link was used meanwhile
                flash(str(error.message), "error")
                return redirect(url_for("accounts.reset_request"))
            attach_error(form, error)
        else:
            flash(_("Your new password is set. Please log in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)
