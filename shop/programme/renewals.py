"""Re-recognition before expiry: the certificates that run out within six months, each with
the state of its renewal and the producer's contact, and the staff's reminder.

A renewal is a certificate submitted as renewing an earlier one (`Certificate.renews_id`).
Its state, for the old certificate, is the newest such certificate's: none yet (or only
rejected ones), submitted (waiting for review), asked for changes, approved. An approved
renewal has a later decision date, so it expires later and keeps the product listed by the
listable rule itself (shop/catalog/rules.py) the day after the old one ends: no gap.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from shop import audit, clock
from shop.accounts.models import User
from shop.certification.models import Certificate
from shop.conditional import change
from shop.enums import CertificateStatus
from shop.errors import Refused
from shop.extensions import db
from shop.mail import queue_mail
from shop.producers.models import Producer
from shop.transaction import use_case
from shop.urls import external_url

HORIZON_MONTHS = 6

_STATE = {
    CertificateStatus.PENDING: "submitted",
    CertificateStatus.CHANGES_REQUESTED: "changes_requested",
    CertificateStatus.APPROVED: "approved",
}


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Due:
    """One certificate expiring soon and where its re-recognition stands."""

    certificate: Certificate
    days_left: int
    state: str  # none, submitted, changes_requested, approved
    renewal: Certificate | None  # the newest certificate submitted as its renewal

    @property
    def producer(self) -> Producer:
        return self.certificate.producer


def due(*, producer_id: int | None = None, day: dt.date | None = None) -> list[Due]:
    """Approved certificates whose last valid day falls from `day` (today) to six months
    later, soonest first, with their renewal state; one producer's only when given."""
    day = day or clock.today()
    query = (
        sa.select(Certificate)
        .where(
            Certificate.status == CertificateStatus.APPROVED,
            Certificate.expires_on >= day,
            Certificate.expires_on <= months_later(day, HORIZON_MONTHS),
        )
        .options(
            joinedload(Certificate.product),
            joinedload(Certificate.producer).joinedload(Producer.owner),
        )
        .order_by(Certificate.expires_on, Certificate.id)
    )
    if producer_id is not None:
        query = query.where(Certificate.producer_id == producer_id)
    certificates = list(db.session.scalars(query))
    renewals: dict[int, Certificate] = {}
    if certificates:
        for renewal in db.session.scalars(
            sa.select(Certificate)
            .where(
                Certificate.renews_id.in_([c.id for c in certificates]),
                Certificate.status != CertificateStatus.REJECTED,
            )
            .order_by(Certificate.id)
        ):
            renewals[renewal.renews_id] = renewal  # the newest wins
    found = []
    for certificate in certificates:
        renewal = renewals.get(certificate.id)
        state = _STATE.get(renewal.status, "none") if renewal is not None else "none"
        found.append(Due(certificate, certificate.days_left(day), state, renewal))
    return found


def _reminded_today() -> sa.ColumnElement[bool]:
    return sa.or_(
        Certificate.renewal_reminded_at.is_(None),
        Certificate.renewal_reminded_at < clock.start_of_day_utc(clock.today()),
    )


@use_case
def remind(certificate: Certificate, actor: User) -> None:
    """E-mail the producer to renew the certificate; once a day at most, so a double click
    (or two staff at once) sends one e-mail and writes one audit entry."""
    if not actor.is_staff:
        raise PermissionError("only staff remind producers")
    if certificate.status != CertificateStatus.APPROVED:
        raise Refused(_l("Only an approved certificate can be renewed."))
    if not change(certificate, _reminded_today(), renewal_reminded_at=clock.utcnow()):
        error = Refused(_l("The producer was already reminded today."))
        error.category = "info"
        raise error
    owner = certificate.producer.owner
    days_left = certificate.days_left()
    with force_locale(owner.preferred_language or "vi"):
        link = external_url(
            "certification.submit", product_id=certificate.product_id, renews=certificate.id
        )
        subject = _("Please renew your OCOP certificate %(number)s", number=certificate.number)
        body = render_template(
            "programme/email/renewal_reminder.txt",
            certificate=certificate,
            days_left=days_left,
            user=owner,
            link=link,
        )
    queue_mail(owner.email, subject, body)
    audit.record(
        "certificate.renewal_reminded",
        certificate,
        actor=actor,
        after={"expires_on": certificate.expires_on.isoformat(), "to": owner.email},
        summary=f"{certificate.number} · {certificate.product.name}",
    )
