"""Account logic with plain arguments: registration, log-in, passwords, reset tokens.

Functions add to the session but never commit; the caller (a view or command) owns the
transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from shop.accounts.models import User, normalize_email
from shop.enums import Role
from shop.extensions import db
from shop.mail import queue_mail

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


class AccountError(Exception):
    """A refused account action; `message` is shown to the person, `field` marks the input."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def find_by_email(email: str) -> User | None:
    """The account with this e-mail, whatever its case."""
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def create_user(
    *,
    email: str,
    password: str,
    full_name: str,
    role: Role = Role.CUSTOMER,
    phone: str | None = None,
    preferred_language: str = "vi",
) -> User:
    """Add a new account; raises AccountError if the e-mail is taken or the password too short."""
    if find_by_email(email) is not None:
        raise AccountError(_l("An account with this e-mail already exists."), field="email")
    check_password_rules(password)
    user = User(
        email=email,
        full_name=full_name.strip(),
        role=role,
        phone=phone,
        preferred_language=preferred_language,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def check_password_rules(password: str) -> None:
    """Raise AccountError unless the password has 8 to 128 characters."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise AccountError(_l("The password must have 8 to 128 characters."), field="password")


def authenticate(email: str, password: str) -> User | None:
    """The active account matching e-mail and password, or None (same answer for both faults)."""
    user = find_by_email(email)
    if user is None or not user.check_password(password) or not user.active:
        return None
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one."""
    if not user.check_password(current):
        raise AccountError(_l("The current password is not correct."), field="current_password")
    check_password_rules(new)
    user.set_password(new)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    """A signed, expiring token; it stops working once the password changes."""
    return _reset_serializer().dumps({"id": user.id, "h": user.password_hash[-16:]})


def user_for_reset_token(token: str) -> User | None:
    """The account a valid, unexpired and unused token belongs to, else None."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or user.password_hash[-16:] != data.get("h") or not user.active:
        return None
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset e-mail if the account exists; say nothing either way (no enumeration)."""
    user = find_by_email(email)
    if user is None or not user.active:
        return
    link = url_for("accounts.reset_password", token=make_reset_token(user), _external=True)
    body = render_template("accounts/email/reset_password.txt", user=user, link=link)
    queue_mail(user.email, str(_l("Reset your password")), body)


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset token; raises AccountError if the token is bad."""
    user = user_for_reset_token(token)
    if user is None:
        raise AccountError(
            _l("This reset link is invalid or has expired. Please ask for a new one.")
        )
    check_password_rules(new_password)
    user.set_password(new_password)
    return user
