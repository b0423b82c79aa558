"""Account logic with plain arguments: registration, log-in, passwords, reset tokens, sessions.

`create_user` adds to the session without committing (producer sign-up and the `users`
command build more around it); every use case a page calls (`register_customer`,
`change_password`, `request_password_reset`, `reset_password`, `end_all_sessions`) owns its
transaction and commits. A password is replaced by one conditional UPDATE that also replaces
the account's session token, so two racing requests (two uses of one reset link) cannot both
win, and every other log-in of the account ends.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from shop.accounts.models import User, hash_password, new_session_token, normalize_email
from shop.enums import Role
from shop.errors import Refused
from shop.extensions import db
from shop.mail import queue_mail

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


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
    """Add a new account; raises Refused if the e-mail is taken or the password too short."""
    if find_by_email(email) is not None:
        raise Refused(_l("An account with this e-mail already exists."), field="email")
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


def register_customer(
    *,
    email: str,
    password: str,
    full_name: str,
    phone: str | None,
    preferred_language: str,
    accepted_notice: bool = False,
    marketing: bool = False,
) -> User:
    """Open a customer account (the visitor then logs in on it), recording the privacy
    notice's acceptance and, only if ticked, the separate marketing opt-in (shop.privacy)."""
    from shop.privacy import consents

    try:
        user = create_user(
            email=email,
            password=password,
            full_name=full_name,
            phone=phone,
            preferred_language=preferred_language,
        )
        if accepted_notice:
            consents.record_notice_consent(user=user, source="registration")
        if marketing:
            consents.opt_in_at_registration(user)
    except Refused:
        db.session.rollback()
        raise
    db.session.commit()
    return user


def check_password_rules(password: str) -> None:
    """Raise Refused unless the password has 8 to 128 characters."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise Refused(_l("The password must have 8 to 128 characters."), field="password")


def authenticate(email: str, password: str) -> User | None:
    """The active account matching e-mail and password, or None (same answer for both faults)."""
    user = find_by_email(email)
    if user is None or not user.check_password(password) or not user.active:
        return None
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Replace the password after checking the current one; every log-in of the account ends
    (the caller keeps its own browser logged in with `sessions.renew`)."""
    if not user.check_password(current):
        raise Refused(_l("The current password is not correct."), field="current_password")
    _replace_password(user, new, _l("Your password was changed a moment ago. Please log in again."))


def end_all_sessions(user: User) -> None:
    """Log the account out everywhere: every session and remember-me cookie stops working."""
    db.session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(session_token=new_session_token())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _replace_password(user: User, new_password: str, lost_race_message) -> None:
    """Set the new password and a new session token, only if the password is still the one
    this request checked (a concurrent change or reset wins, and this one is refused)."""
    check_password_rules(new_password)
    replaced = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, User.password_hash == user.password_hash)
        .values(password_hash=hash_password(new_password), session_token=new_session_token())
        .execution_options(synchronize_session=False)
    ).rowcount
    if replaced != 1:
        db.session.rollback()
        raise Refused(lost_race_message)
    db.session.commit()


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
    db.session.commit()


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through a reset token (once); every log-in of the account ends.
    Raises Refused if the token is bad, expired or already used."""
    used = _l("This reset link is invalid or has expired. Please ask for a new one.")
    user = user_for_reset_token(token)
    if user is None:
        raise Refused(used)
    _replace_password(user, new_password, used)
    return user
