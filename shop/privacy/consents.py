"""Consents: the privacy notice (registration, guest checkout) and marketing e-mail.

Marketing e-mail is a separate opt-in, never ticked in advance. It is withdrawn from the
account page or in one click from any marketing e-mail: the e-mail carries a signed link
(itsdangerous) that works without logging in; its GET shows a button, only the POST changes
anything. The opt-in is one conditional UPDATE of `users.marketing_opt_in`; only the call that
changed it writes the consent row (given, or withdrawn).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from shop import clock
from shop.accounts.models import User
from shop.conditional import change
from shop.errors import Refused
from shop.extensions import db
from shop.mail import OutboxMessage, queue_mail
from shop.privacy.models import PURPOSE_MARKETING, PURPOSE_NOTICE, Consent
from shop.privacy.notice import NOTICE_VERSION
from shop.transaction import use_case
from shop.urls import external_url

UNSUBSCRIBE_SALT = "marketing-unsubscribe"


def record_notice_consent(*, user: User | None = None, order=None, source: str) -> Consent:
    """Record that the person accepted the current privacy notice (joins the caller's
    transaction: the account or the order and its consent commit together)."""
    consent = Consent(
        user_id=user.id if user is not None else None,
        order_id=order.id if order is not None else None,
        purpose=PURPOSE_NOTICE,
        notice_version=NOTICE_VERSION,
        source=source,
    )
    db.session.add(consent)
    return consent


def _set_marketing(user: User, opt_in: bool, source: str) -> bool:
    """Change the opt-in if it is not already so; True if this call changed it."""
    if not change(user, User.marketing_opt_in.is_(not opt_in), marketing_opt_in=opt_in):
        return False
    if opt_in:
        db.session.add(
            Consent(
                user_id=user.id,
                purpose=PURPOSE_MARKETING,
                notice_version=NOTICE_VERSION,
                source=source,
            )
        )
    else:
        now = clock.utcnow()
        for consent in db.session.scalars(
            db.select(Consent).where(
                Consent.user_id == user.id,
                Consent.purpose == PURPOSE_MARKETING,
                Consent.withdrawn_at.is_(None),
            )
        ):
            consent.withdrawn_at = now
    return True


def opt_in_at_registration(user: User) -> None:
    """The registration form's separate marketing box was ticked (joins the caller's
    transaction)."""
    _set_marketing(user, True, "registration")


@use_case
def set_marketing(user: User, opt_in: bool) -> bool:
    """Opt in or out from the account page; True if it changed."""
    return _set_marketing(user, opt_in, "account")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user: User) -> str:
    """The signed token of the one-click unsubscribe link in every marketing e-mail."""
    return _serializer().dumps({"u": user.id})


def user_for_unsubscribe(token: str) -> User | None:
    """The account a valid unsubscribe token names, else None (a bad or forged token)."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    if not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.erased_at is None else None


@use_case
def unsubscribe(token: str) -> User:
    """Withdraw marketing consent through the e-mailed link (no log-in needed). Sent twice,
    it changes nothing the second time; a bad link is refused."""
    user = user_for_unsubscribe(token)
    if user is None:
        raise Refused(
            _l("This unsubscribe link is not valid. Log in to change your e-mail choices.")
        )
    _set_marketing(user, False, "unsubscribe")
    return user


def queue_marketing_mail(user: User, subject: str, body: str) -> OutboxMessage:
    """A marketing e-mail, only to a person who opted in, always with the one-click
    unsubscribe link (joins the caller's transaction). Refused otherwise."""
    if not user.marketing_opt_in or user.erased_at is not None or not user.active:
        raise Refused(_l("This person has not asked for news by e-mail."))
    link = external_url("privacy.unsubscribe", token=unsubscribe_token(user))
    footer = str(_l("To stop receiving these e-mails, open this link: %(link)s", link=link))
    return queue_mail(user.email, subject, f"{body.rstrip()}\n\n-- \n{footer}\n")
