"""Account pages: register, log in and out, change and reset the password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from shop.accounts import services
from shop.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from shop.extensions import db, limiter
from shop.i18n import current_language
from shop.phones import normalize_mobile
from shop.urls import safe_next

bp = Blueprint("accounts", __name__)


def _email_key() -> str:
    return "login-email:" + request.form.get("email", "").strip().lower()


def _limit(name: str):
    return lambda: current_app.config[name]


def attach_error(form, error: services.AccountError) -> None:
    """Show a service's refusal on the matching field, or as a message above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(str(error.message), "error")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_limit("LOGIN_LIMIT_PER_IP"), methods=["POST"])
@limiter.limit(_limit("LOGIN_LIMIT_PER_EMAIL"), key_func=_email_key, methods=["POST"])
def login():
    """Log in with e-mail and password; `next` may only point inside the site."""
    if current_user.is_authenticated:
        return redirect(safe_next())
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            flash(_("Welcome back, %(name)s.", name=user.full_name), "success")
            return redirect(safe_next())
        form.password.errors = [*form.password.errors, _("Wrong e-mail or password.")]
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    """Log out (a POST, so a link on another site cannot do it)."""
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("catalog.home"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_limit("REGISTER_LIMIT_PER_IP"), methods=["POST"])
def register():
    """Create a customer account and log in."""
    if current_user.is_authenticated:
        return redirect(url_for("catalog.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                email=form.email.data,
                password=form.password.data,
                full_name=form.full_name.data,
                phone=normalize_mobile(form.phone.data) if form.phone.data else None,
                preferred_language=current_language(),
            )
        except services.AccountError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            login_user(user)
            flash(_("Your account is ready. Welcome!"), "success")
            return redirect(safe_next())
    return render_template("accounts/register.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password, confirming the current one."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("catalog.home"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_limit("RESET_LIMIT_PER_IP"), methods=["POST"])
def reset_request():
    """Ask for a reset link by e-mail; the answer is the same whether the account exists."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
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
    """Choose a new password through the e-mailed link."""
    if services.user_for_reset_token(token) is None:
        flash(_("This reset link is invalid or has expired. Please ask for a new one."), "error")
        return redirect(url_for("accounts.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            db.session.commit()
            flash(_("Your new password is set. Please log in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)
