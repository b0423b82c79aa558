"""Erasure with the books intact.

A buyer deletes their account (confirming with the password): the account's personal fields
are replaced (a placeholder e-mail nobody can own, no name, no phone, an unusable password, a
new session token, inactive), saved addresses, cart and log-in history are deleted, reviews stay
under "a former buyer", label reports stay without their sender (account, e-mail, photo), and the orders keep what accounting and tax law require — number,
dates, statuses, payment method and status, money (totals, fees, every line with its product,
price and quantity) and the province — while name, phone, e-mail, street and note are emptied.
E-mails sent to the person are emptied in the outbox table and their .eml copies deleted.

A guest's delivery details are erased GUEST_DATA_RETENTION_DAYS after the order closed (every
shipment delivered or cancelled, and nothing changed since), by `flask privacy erase-expired`.

Each erasure is one conditional UPDATE (`erased_at IS NULL`), so two racing requests or two
runs of the command erase once; the audit log records the request and its completion (by id,
never by name).
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from shop import audit, clock
from shop.accounts.models import User, hash_password, new_session_token
from shop.cart.models import Cart, CartLine
from shop.checkout.models import Address
from shop.conditional import change
from shop.enums import OrderStatus, Role
from shop.errors import Refused
from shop.extensions import db
from shop.mail import OutboxMessage, outbox_folder
from shop.orders.models import Order, SubOrder, SubOrderEvent
from shop.privacy.models import LoginEvent
from shop.reports.models import LabelReport
from shop.transaction import on_commit, one_transaction, use_case

CLOSED = (OrderStatus.DELIVERED, OrderStatus.CANCELLED)
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: can never be a real mailbox


class ErasureRefused(Refused):
    """The account cannot be deleted (yet): the message says why."""


def _open_orders(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(SubOrder.order_id)))
        .join(Order, Order.id == SubOrder.order_id)
        .where(Order.user_id == user_id, SubOrder.status.not_in(CLOSED))
    )


@use_case
def erase_account(user: User, password: str) -> None:
    """The account holder deletes their account, confirming with the password."""
    user = db.session.get(User, user.id)
    if user is None or user.erased_at is not None:
        raise ErasureRefused(_l("This account has already been deleted."))
    if not user.check_password(password):
        raise ErasureRefused(_l("The password is not correct."), field="password")
    _erase(user, actor=user, asked_by="the account holder")


@use_case
def erase_account_for_operator(user_id: int) -> None:
    """`flask privacy erase-account ID`: a deletion asked for in writing, or done again after
    a backup older than it was restored. Same rules, no password."""
    user = db.session.get(User, user_id)
    if user is None or user.erased_at is not None:
        raise ErasureRefused(_l("This account has already been deleted."))
    _erase(user, actor=None, asked_by="an operator")


def _erase(user: User, *, actor: User | None, asked_by: str) -> None:
    """Erase the account's personal data, keeping the order records the law requires."""
    if user.role != Role.CUSTOMER:
        raise ErasureRefused(
            _l(
                "Producer and staff accounts are closed by the shop's staff: write to us and we "
                "will erase your personal data."
            )
        )
    if _open_orders(user.id):
        raise ErasureRefused(
            _l(
                "You have orders still being prepared or delivered. You can delete your account "
                "once they are delivered or cancelled."
            )
        )
    audit.record(
        "privacy.erasure_requested",
        user,
        actor=actor,
        summary=f"account {user.id}: deletion asked by {asked_by}",
    )
    old_email = user.email
    now = clock.utcnow()
    if not change(
        user,
        User.erased_at.is_(None),
        erased_at=now,
        active=False,
        email=f"erased-{user.id}@{ERASED_DOMAIN}",
        full_name="",
        phone=None,
        marketing_opt_in=False,
        password_hash=hash_password(secrets.token_urlsafe(32)),
        session_token=new_session_token(),
    ):
        raise ErasureRefused(_l("This account has already been deleted."))
    db.session.execute(sa.delete(Address).where(Address.user_id == user.id))
    db.session.execute(sa.delete(LoginEvent).where(LoginEvent.user_id == user.id))
    cart_ids = sa.select(Cart.id).where(Cart.user_id == user.id).scalar_subquery()
    db.session.execute(sa.delete(CartLine).where(CartLine.cart_id.in_(cart_ids)))
    db.session.execute(sa.delete(Cart).where(Cart.user_id == user.id))
    emails = {old_email}
    orders = db.session.scalars(sa.select(Order).where(Order.user_id == user.id)).all()
    for order in orders:
        emails.add(order.email)
        _strip_order(order, now)
    _empty_mail(OutboxMessage.recipient.in_(sorted(emails)))
    _detach_label_reports(user.id, emails)
    audit.record(
        "privacy.erasure_completed",
        user,
        actor=actor,
        after={"orders_kept": len(orders)},
        summary=f"account {user.id}: personal data erased, {len(orders)} order records kept",
    )


def _detach_label_reports(user_id: int, emails: set[str]) -> None:
    """Label reports stay (the evidence about a label), without who sent them: no account,
    no contact e-mail, and no photo (a photo may show a person or a home)."""
    db.session.execute(
        sa.update(LabelReport)
        .where(
            sa.or_(
                LabelReport.user_id == user_id,
                LabelReport.contact_email.in_(sorted(e.lower() for e in emails)),
            )
        )
        .values(user_id=None, contact_email=None, photo_key=None)
    )


def _strip_order(order: Order, now: dt.datetime) -> bool:
    """Empty an order's personal fields (one conditional UPDATE); True if this call did."""
    return change(
        order,
        Order.erased_at.is_(None),
        erased_at=now,
        email="",
        full_name="",
        phone="",
        street="",
        note="",
        browser_key=None,
    )


def _empty_mail(condition: sa.ColumnElement[bool]) -> int:
    """Empty the outbox rows matching `condition` (an unsent one is marked sent so it never
    goes out) and delete their .eml copies once the transaction commits."""
    ids = list(db.session.scalars(sa.select(OutboxMessage.id).where(condition)))
    if not ids:
        return 0
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(
            recipient="",
            subject="",
            body="",
            last_error=None,
            sent_at=sa.func.coalesce(OutboxMessage.sent_at, clock.utcnow()),
        )
        .execution_options(synchronize_session=False)
    )
    on_commit(_delete_mail_files, ids, outbox_folder())
    return len(ids)


def _delete_mail_files(ids: list[int], folder: Path) -> None:
    if not folder.is_dir():
        return
    for message_id in ids:
        for path in folder.glob(f"*-{message_id:06d}.eml"):
            path.unlink(missing_ok=True)


def _closed_at():
    """When an order last changed: its latest shipment event, else when it was placed."""
    latest = (
        sa.select(sa.func.max(SubOrderEvent.at))
        .join(SubOrder, SubOrder.id == SubOrderEvent.sub_order_id)
        .where(SubOrder.order_id == Order.id)
        .scalar_subquery()
    )
    return sa.func.coalesce(latest, Order.placed_at)


def expired_guest_orders(now: dt.datetime | None = None) -> list[int]:
    """Guest orders closed more than GUEST_DATA_RETENTION_DAYS ago, not yet erased."""
    days = current_app.config["GUEST_DATA_RETENTION_DAYS"]
    cutoff = (now or clock.utcnow()) - dt.timedelta(days=days)
    still_open = sa.exists().where(SubOrder.order_id == Order.id, SubOrder.status.not_in(CLOSED))
    return list(
        db.session.scalars(
            sa.select(Order.id)
            .where(
                Order.user_id.is_(None),
                Order.erased_at.is_(None),
                ~still_open,
                _closed_at() < cutoff,
            )
            .order_by(Order.id)
        )
    )


def erase_expired(now: dt.datetime | None = None) -> int:
    """Erase every expired guest order's details, one order per transaction; how many this
    run erased (0 when run again). Also drops log-ins older than LOGIN_HISTORY_DAYS."""
    erased = 0
    now = now or clock.utcnow()
    for order_id in expired_guest_orders(now):
        with one_transaction():
            order = db.session.get(Order, order_id)
            email, number = order.email, order.number
            if not _strip_order(order, now):
                continue  # another run got there first
            _empty_mail(
                sa.and_(
                    OutboxMessage.recipient == email,
                    OutboxMessage.body.contains(number, autoescape=True),
                )
            )
            audit.record(
                "privacy.guest_data_erased",
                order,
                actor=None,
                summary=f"{number}: guest delivery details erased after the retention time",
            )
            erased += 1
    with one_transaction():
        from shop.privacy.logins import prune

        prune(current_app.config["LOGIN_HISTORY_DAYS"], now)
    return erased
