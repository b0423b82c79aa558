"""The bank account a producer is paid into, and the 48-hour hold a change puts on payouts.

Changing where the money goes is the classic fraud (a stolen password, then a new account):
the change asks for the password again, e-mails the owner, is audited, and no payout batch
includes the producer until `PAYOUT_ACCOUNT_HOLD_HOURS` have passed.
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from shop import audit, clock
from shop.accounts.models import User
from shop.conditional import change
from shop.errors import Refused
from shop.extensions import db
from shop.mail import queue_mail
from shop.payments.vietqr import VietQRError, check_account
from shop.payouts.banks import BY_BIN, short_name
from shop.payouts.models import PayoutAccount
from shop.producers.models import Producer
from shop.text import fold
from shop.transaction import use_case
from shop.urls import external_url

_ACCOUNT = re.compile(r"^[0-9]{6,19}$")
_HOLDER = re.compile(r"^[A-Z][A-Z ]{1,69}$")


def hold_hours() -> int:
    return current_app.config["PAYOUT_ACCOUNT_HOLD_HOURS"]


def normalize_account_number(text: str) -> str:
    """Digits only, 6 to 19 of them (spaces, dots and dashes typed between groups dropped)."""
    compact = re.sub(r"[\s.\-]", "", text or "")
    if not _ACCOUNT.match(compact):
        raise Refused(_l("An account number is 6 to 19 digits."), field="account_number")
    return compact


def normalize_holder_name(text: str) -> str:
    """ "Hợp tác xã Đoàn Kết" → "HOP TAC XA DOAN KET": capitals without diacritics, as banks
    hold the name of an account."""
    name = " ".join(fold(text or "").upper().split())
    if not _HOLDER.match(name):
        raise Refused(
            _l("Write the account holder’s name in letters only, as the bank shows it."),
            field="holder_name",
        )
    return name


def masked(account_number: str) -> str:
    """•••• and the last four digits, for e-mails and the audit log."""
    return "••••" + account_number[-4:]


def account_of(producer_id: int) -> PayoutAccount | None:
    return db.session.scalar(
        sa.select(PayoutAccount).where(PayoutAccount.producer_id == producer_id)
    )


def is_held(account: PayoutAccount | None, moment: dt.datetime | None = None) -> bool:
    """Whether payouts to this account must still wait (its change is younger than the hold)."""
    return account is not None and account.held_until > (moment or clock.utcnow())


@use_case
def set_payout_account(
    producer: Producer,
    user: User,
    *,
    password: str,
    bank_bin: str,
    account_number: str,
    holder_name: str,
) -> PayoutAccount:
    """Set or change the producer's payout account: password checked, owner e-mailed,
    audited, payouts held for PAYOUT_ACCOUNT_HOLD_HOURS. Refused (nothing written) otherwise."""
    if producer.owner_id != user.id:
        raise Refused(_l("Only the producer’s owner may change its bank account."))
    if not user.check_password(password or ""):
        raise Refused(_l("The password is not correct."), field="password")
    if bank_bin not in BY_BIN:
        raise Refused(_l("Choose a bank from the list."), field="bank_bin")
    number = normalize_account_number(account_number)
    try:
        check_account(bank_bin, number)
    except VietQRError:
        raise Refused(_l("An account number is 6 to 19 digits."), field="account_number") from None
    holder = normalize_holder_name(holder_name)
    now = clock.utcnow()
    held_until = now + dt.timedelta(hours=hold_hours())
    values = {"bank_bin": bank_bin, "account_number": number, "holder_name": holder}
    account = account_of(producer.id)
    if account is None:
        account = PayoutAccount(producer_id=producer.id, changed_at=now, held_until=held_until)
        for key, value in values.items():
            setattr(account, key, value)
        db.session.add(account)
        db.session.flush()
        before = None
    else:
        before = _described(account)
        if all(getattr(account, key) == value for key, value in values.items()):
            raise Refused(_l("This is already the account your payouts go to."))
        # Two changes at once: the second finds the row changed and is refused.
        if not change(
            account,
            PayoutAccount.changed_at == account.changed_at,
            changed_at=now,
            held_until=held_until,
            **values,
        ):
            raise Refused(_l("The account was changed meanwhile: look at it and try again."))
    audit.record(
        "payout_account.changed",
        producer,
        actor=user,
        before=before,
        after=_described(account),
        summary=f"{producer.name} · {short_name(bank_bin)} {masked(number)}",
    )
    _mail_owner(producer, user, account)
    return account


def _described(account: PayoutAccount) -> dict[str, str]:
    return {
        "bank": short_name(account.bank_bin),
        "account": masked(account.account_number),
        "holder": account.holder_name,
    }


def _mail_owner(producer: Producer, owner: User, account: PayoutAccount) -> None:
    with force_locale(owner.preferred_language or "vi"):
        subject = str(_l("The bank account for your payouts was changed"))
        body = render_template(
            "payouts/email/account_changed.txt",
            producer=producer,
            owner=owner,
            bank=short_name(account.bank_bin),
            account=masked(account.account_number),
            holder=account.holder_name,
            hours=hold_hours(),
            link=external_url("payouts.account"),
        )
    queue_mail(owner.email, subject, body)
