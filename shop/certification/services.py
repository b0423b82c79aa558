"""Certificate logic: submission, staff review, revocation, verification, expiry reminders.

Each action (submit, resubmit, approve, request changes, reject, revoke) is one use case in
one transaction, committed (`shop.transaction.use_case`); it refuses with
`shop.errors.Refused` and then wrote nothing. A decision is one conditional UPDATE from the
status it expects (`shop.conditional.change`): only the call whose UPDATE changed the row
writes the audit entry, queues the producer's e-mail and marks the product for the search
index, so two staff deciding at once make one decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from shop import audit, clock
from shop.access import is_owner
from shop.accounts.models import User
from shop.catalog import revisions
from shop.catalog.models import Product
from shop.certification import rules
from shop.certification.models import Certificate, CertificateReminder
from shop.certification.scans import store_scan
from shop.conditional import change
from shop.enums import CertificateStatus, IssuingLevel
from shop.errors import Refused
from shop.extensions import db
from shop.formatting import format_day
from shop.labels import CERTIFICATE_STATUS_LABELS
from shop.mail import queue_mail
from shop.producers.models import Producer
from shop.search.hooks import mark_products
from shop.transaction import use_case
from shop.urls import external_url

EXPIRY_WARNING_DAYS = 60
REMINDER_DAYS = (60, 30, 7)
STAFF_EXPIRING_DAYS = 30


@dataclass(frozen=True)
class Submission:
    """What a producer declares about a certificate."""

    number: str
    decision_number: str
    decision_date: dt.date
    issuing_body: str
    issuing_level: IssuingLevel
    stars: int
    renews_id: int | None = None  # "this renews certificate X" (issue #17): same product


def _check_submission(submission: Submission, exclude_id: int | None = None) -> None:
    today = clock.today()
    if submission.stars not in rules.STAR_RANGE:
        raise Refused(
            _l("OCOP certificates have 3, 4 or 5 stars; 1 or 2 stars is not an OCOP rating."),
            field="stars",
        )
    if submission.decision_date > today:
        raise Refused(_l("The decision date cannot be in the future."), "decision_date")
    expires_on = rules.expiry_for(submission.decision_date)
    if expires_on < today:
        raise Refused(
            _l(
                "This certificate expired on %(day)s (36 months after its decision). "
                "Submit the renewed certificate instead.",
                day=format_day(expires_on),
            ),
            field="decision_date",
        )
    duplicate = sa.select(Certificate.id).where(
        Certificate.number_key == rules.number_key(submission.number),
        Certificate.issuing_body_key == rules.number_key(submission.issuing_body),
    )
    if exclude_id is not None:
        duplicate = duplicate.where(Certificate.id != exclude_id)
    if db.session.scalar(duplicate) is not None:
        raise Refused(
            _l("A certificate with this number from this issuing body is already registered."),
            field="number",
        )


def renewable(product: Product) -> list[Certificate]:
    """The product's approved certificates a new one may say it renews, newest first."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(
                Certificate.product_id == product.id,
                Certificate.status == CertificateStatus.APPROVED,
            )
            .order_by(Certificate.expires_on.desc(), Certificate.id.desc())
        )
    )


def _check_renews(product: Product, renews_id: int | None) -> None:
    if renews_id is None:
        return
    if renews_id not in {c.id for c in renewable(product)}:
        raise Refused(
            _l("Choose one of this product's approved certificates, or none."), field="renews"
        )


def _store(scan: bytes) -> tuple[str, str]:
    stored = store_scan(scan)  # or ScanRejected, a refusal of the scan field
    return stored.path, stored.content_type


def _snapshot(certificate: Certificate) -> dict:
    return {
        "status": certificate.status.value if certificate.status else None,
        "number": certificate.number,
        "stars": certificate.stars,
        "expires_on": certificate.expires_on.isoformat() if certificate.expires_on else None,
    }


@use_case
def submit(
    producer: Producer, product: Product, submission: Submission, scan: bytes
) -> Certificate:
    """File a new certificate for one of the producer's products; it waits for review."""
    if product.producer_id != producer.id:
        raise LookupError("not this producer's product")
    _check_submission(submission)
    _check_renews(product, submission.renews_id)
    scan_path, scan_type = _store(scan)
    certificate = Certificate(
        renews_id=submission.renews_id,
        product=product,
        producer=producer,
        number=submission.number,
        decision_number=submission.decision_number.strip(),
        decision_date=submission.decision_date,
        issuing_body=submission.issuing_body,
        issuing_level=submission.issuing_level,
        stars=submission.stars,
        scan_path=scan_path,
        scan_type=scan_type,
        status=CertificateStatus.PENDING,
    )
    db.session.add(certificate)
    db.session.flush()
    audit.record(
        "certificate.submitted",
        certificate,
        actor=producer.owner,
        after=_snapshot(certificate),
        summary=f"{certificate.number} · {product.name}",
    )
    return certificate


@use_case
def resubmit(certificate: Certificate, submission: Submission, scan: bytes | None) -> Certificate:
    """Correct a certificate that staff sent back; it returns to the review queue."""
    sent_back = _l("Only a certificate sent back for changes can be edited.")
    if certificate.status != CertificateStatus.CHANGES_REQUESTED:
        raise Refused(sent_back)
    _check_submission(submission, exclude_id=certificate.id)
    before = _snapshot(certificate)
    if not change(
        certificate,
        Certificate.status == CertificateStatus.CHANGES_REQUESTED,
        status=CertificateStatus.PENDING,
        submitted_at=clock.utcnow(),
    ):
        raise Refused(sent_back)
    if scan:
        certificate.scan_path, certificate.scan_type = _store(scan)
    certificate.number = submission.number
    certificate.decision_number = submission.decision_number.strip()
    certificate.decision_date = submission.decision_date
    certificate.issuing_body = submission.issuing_body
    certificate.issuing_level = submission.issuing_level
    certificate.stars = submission.stars
    audit.record(
        "certificate.resubmitted",
        certificate,
        actor=certificate.producer.owner,
        before=before,
        after=_snapshot(certificate),
        summary=certificate.number,
    )
    return certificate


# --- staff review ---------------------------------------------------------------------------

_REVIEW_FROM = {
    "approve": CertificateStatus.PENDING,
    "request_changes": CertificateStatus.PENDING,
    "reject": CertificateStatus.PENDING,
    "revoke": CertificateStatus.APPROVED,
}


def _review(certificate: Certificate, reviewer: User, action: str, reason: str | None) -> dict:
    if not reviewer.is_staff:
        raise PermissionError("only staff review certificates")
    if is_owner(reviewer, certificate.producer_id):
        raise Refused(
            _l("You belong to this producer, so another staff member must review its certificate.")
        )
    if certificate.status != _REVIEW_FROM[action]:
        raise _no_longer_waiting(certificate)
    if action != "approve" and not (reason or "").strip():
        raise Refused(_l("Please give a reason or a message for the producer."), "reason")
    return _snapshot(certificate)


@use_case
def approve(certificate: Certificate, reviewer: User, seen_facts: str | None = None) -> None:
    """Staff checked the scan against the record: the product may be listed.

    The certificate records the product's name and set as they are now (what the scan was
    compared with), and the product's certified facts are frozen from here on. `seen_facts`
    is the fingerprint of the facts the reviewer's page showed: if the producer changed them
    meanwhile, nothing is approved.
    """
    before = _review(certificate, reviewer, "approve", None)
    product = revisions.lock_product(certificate.product)
    if seen_facts is not None and seen_facts != revisions.fingerprint(product):
        raise Refused(
            _l(
                "The producer changed the product's name, set or claims while you were "
                "reviewing. Nothing was approved: check them against the scan again."
            )
        )
    _decide(
        certificate,
        "approve",
        status=CertificateStatus.APPROVED,
        reviewer_id=reviewer.id,
        reviewed_at=clock.utcnow(),
        review_reason=None,
        product_name=product.name,  # what the scan was compared with (record_certification)
        product_set_code=product.product_set_code,
    )
    revisions.record_certification(certificate, product)
    _after_review(certificate, reviewer, "certificate.approved", before, None)


@use_case
def request_changes(certificate: Certificate, reviewer: User, message: str) -> None:
    """Send the certificate back to the producer with a message; nothing is listed meanwhile."""
    before = _review(certificate, reviewer, "request_changes", message)
    _decide(
        certificate,
        "request_changes",
        status=CertificateStatus.CHANGES_REQUESTED,
        reviewer_id=reviewer.id,
        reviewed_at=clock.utcnow(),
        review_reason=message.strip(),
    )
    _after_review(certificate, reviewer, "certificate.changes_requested", before, message)


@use_case
def reject(certificate: Certificate, reviewer: User, reason: str) -> None:
    """Refuse the certificate for good (for example, the scan does not match the record)."""
    before = _review(certificate, reviewer, "reject", reason)
    _decide(
        certificate,
        "reject",
        status=CertificateStatus.REJECTED,
        reviewer_id=reviewer.id,
        reviewed_at=clock.utcnow(),
        review_reason=reason.strip(),
    )
    _after_review(certificate, reviewer, "certificate.rejected", before, reason)


@use_case
def revoke(certificate: Certificate, reviewer: User, reason: str) -> None:
    """Withdraw an approved certificate: the product leaves the shop at once."""
    before = _review(certificate, reviewer, "revoke", reason)
    _decide(
        certificate,
        "revoke",
        status=CertificateStatus.REVOKED,
        revoked_at=clock.utcnow(),
        revoke_reason=reason.strip(),
    )
    _after_review(certificate, reviewer, "certificate.revoked", before, reason)


# The staff's decisions, by the name in the review page's URL.
DECISIONS = ("approve", "request-changes", "reject", "revoke")


@use_case
def decide(
    certificate: Certificate,
    reviewer: User,
    decision: str,
    reason: str = "",
    seen_facts: str | None = None,
) -> None:
    """One staff decision on a certificate, in its own transaction (committed here, or nothing
    written when refused): approve (on the facts the reviewer saw), ask for changes, reject or
    revoke (each with a reason for the producer)."""
    if decision == "approve":
        approve(certificate, reviewer, seen_facts)
    elif decision == "request-changes":
        request_changes(certificate, reviewer, reason)
    elif decision == "reject":
        reject(certificate, reviewer, reason)
    elif decision == "revoke":
        revoke(certificate, reviewer, reason)
    else:
        raise ValueError(f"unknown certificate decision {decision!r}")


def _decide(certificate: Certificate, action: str, **values) -> None:
    """The decision as one conditional UPDATE from the status it expects; refused (nothing
    written, nothing sent) if another decision changed the certificate first."""
    if not change(certificate, Certificate.status == _REVIEW_FROM[action], **values):
        raise _no_longer_waiting(certificate)
    if "reviewer_id" in values:
        db.session.expire(certificate, ["reviewer"])  # the relationship follows the new id
    mark_products(certificate.product_id)  # the UPDATE bypassed the session's change tracking


def _no_longer_waiting(certificate: Certificate) -> Refused:
    return Refused(
        _l(
            "This certificate is no longer waiting for this action (it is now: %(status)s).",
            status=status_label(certificate.status),
        )
    )


def _after_review(certificate, reviewer, action, before, reason) -> None:
    audit.record(
        action,
        certificate,
        actor=reviewer,
        before=before,
        after=_snapshot(certificate),
        reason=(reason or "").strip() or None,
        summary=f"{certificate.number} · {certificate.product.name}",
    )
    _notify_producer(certificate, action)


def _notify_producer(certificate: Certificate, action: str) -> None:
    owner = certificate.producer.owner
    with force_locale(owner.preferred_language or "vi"):
        link = external_url("certification.product_certificates", product_id=certificate.product_id)
        subject = str(EMAIL_SUBJECTS[action])
        body = render_template(
            "certification/email/review.txt",
            certificate=certificate,
            action=action,
            link=link,
            user=owner,
        )
    queue_mail(owner.email, subject, body)


EMAIL_SUBJECTS = {
    "certificate.approved": _l("Your OCOP certificate was approved"),
    "certificate.changes_requested": _l("Your OCOP certificate needs changes"),
    "certificate.rejected": _l("Your OCOP certificate was rejected"),
    "certificate.revoked": _l("Your OCOP certificate was revoked"),
}


def status_label(status: CertificateStatus) -> str:
    """The status in the reader's language."""
    return str(CERTIFICATE_STATUS_LABELS[status])


def review_queue() -> list[Certificate]:
    """Pending certificates, oldest submission first, with product and producer."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.status == CertificateStatus.PENDING)
            .options(joinedload(Certificate.product), joinedload(Certificate.producer))
            .order_by(Certificate.submitted_at, Certificate.id)
        )
    )


def expiring_soon(days: int = STAFF_EXPIRING_DAYS) -> list[Certificate]:
    """Approved certificates whose last valid day falls within the next `days` days."""
    today = clock.today()
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(
                Certificate.status == CertificateStatus.APPROVED,
                Certificate.expires_on >= today,
                Certificate.expires_on <= today + dt.timedelta(days=days),
            )
            .options(joinedload(Certificate.product), joinedload(Certificate.producer))
            .order_by(Certificate.expires_on, Certificate.id)
        )
    )


def other_certificates(certificate: Certificate) -> list[Certificate]:
    """The product's other certificates, newest decision first (the review page's history)."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(
                Certificate.product_id == certificate.product_id,
                Certificate.id != certificate.id,
            )
            .order_by(Certificate.decision_date.desc())
        )
    )


def find_certificates(status: str, q: str, limit: int = 200) -> list[Certificate]:
    """Certificates in `status` (any status when it names none) whose number contains `q`,
    newest submission first: how staff find one to revoke."""
    query = sa.select(Certificate).options(
        joinedload(Certificate.product), joinedload(Certificate.producer)
    )
    if status in {s.value for s in CertificateStatus}:
        query = query.where(Certificate.status == status)
    if q:
        query = query.where(Certificate.number_key.contains(rules.number_key(q), autoescape=True))
    return list(db.session.scalars(query.order_by(Certificate.submitted_at.desc()).limit(limit)))


# --- public verification ----------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The public answer about one certificate."""

    certificate: Certificate
    state: str  # valid, expiring, expired, revoked
    days_left: int
    on_sale: bool = False  # the product is listable today (its link on the page works)

    def as_json(self) -> dict:
        c = self.certificate
        return {
            "number": c.number,
            "status": self.state,
            "days_left": max(self.days_left, 0) if self.state in ("valid", "expiring") else None,
            "product": {
                "name": c.product_name,
                "slug": c.product.slug,
                "product_set": c.product_set_code,
                "sold_as": c.product.name if self.on_sale else None,
            },
            "producer": {
                "name": c.producer.name,
                "slug": c.producer.slug,
                "province": c.producer.province_name,
            },
            "stars": c.stars,
            "issuing_body": c.issuing_body,
            "issuing_level": c.issuing_level.value,
            "decision_number": c.decision_number,
            "decision_date": c.decision_date.isoformat(),
            "expires_on": c.expires_on.isoformat(),
            "verified_at": c.reviewed_at.isoformat() + "Z" if c.reviewed_at else None,
            "revoked_on": _local_day(c.revoked_at).isoformat() if c.revoked_at else None,
        }


def _local_day(moment: dt.datetime) -> dt.date:
    return moment.replace(tzinfo=dt.UTC).astimezone(clock.SHOP_TZ).date()


def verify(number: str) -> list[Verification]:
    """Every staff-verified certificate with this number (any issuing body), newest first.

    Certificates never approved (pending, sent back, rejected) are not public: for them the
    answer is the same as for an unknown number.
    """
    key = rules.number_lookup_key(number)
    if not key:
        return []
    stored = Certificate.number_key  # spaces and case already gone; drop the separators too
    for separator in rules.NUMBER_SEPARATORS:
        stored = sa.func.replace(stored, separator, "")
    today = clock.today()
    certificates = db.session.scalars(
        sa.select(Certificate)
        .where(
            stored == key,
            Certificate.status.in_([CertificateStatus.APPROVED, CertificateStatus.REVOKED]),
        )
        .options(
            joinedload(Certificate.product),
            joinedload(Certificate.producer),
            joinedload(Certificate.product_set),
        )
        .order_by(Certificate.decision_date.desc(), Certificate.id.desc())
    )
    found = list(certificates)
    from shop.catalog.services import listable_products

    product_ids = {c.product_id for c in found}
    on_sale = (
        set(
            db.session.scalars(
                listable_products(today)
                .where(Product.id.in_(product_ids))
                .with_only_columns(Product.id)
            )
        )
        if product_ids
        else set()
    )
    return [_verification(c, today, c.product_id in on_sale) for c in found]


def _verification(certificate: Certificate, today: dt.date, on_sale: bool = False) -> Verification:
    days_left = certificate.days_left(today)
    if certificate.status == CertificateStatus.REVOKED:
        state = "revoked"
    elif days_left < 0:
        state = "expired"
    elif days_left <= EXPIRY_WARNING_DAYS:
        state = "expiring"
    else:
        state = "valid"
    return Verification(certificate, state, days_left, on_sale)


# --- expiry reminders -------------------------------------------------------------------------


def expiry_warnings(producer: Producer) -> list[Verification]:
    """The producer's approved certificates that expire within 60 days (or have expired)."""
    today = clock.today()
    certificates = db.session.scalars(
        sa.select(Certificate)
        .where(
            Certificate.producer_id == producer.id,
            Certificate.status == CertificateStatus.APPROVED,
            Certificate.expires_on <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS),
            Certificate.expires_on >= today - dt.timedelta(days=30),
        )
        .options(joinedload(Certificate.product))
        .order_by(Certificate.expires_on)
    )
    return [_verification(c, today) for c in certificates if not _renewed(c)]


def _renewed(certificate: Certificate) -> bool:
    """A later approved certificate of the same product outlives this one."""
    return (
        db.session.scalar(
            sa.select(Certificate.id).where(
                Certificate.product_id == certificate.product_id,
                Certificate.status == CertificateStatus.APPROVED,
                Certificate.expires_on > certificate.expires_on,
            )
        )
        is not None
    )


def send_expiry_reminders() -> int:
    """E-mail producers 60, 30 and 7 days before an expiry, each reminder once only.

    Safe to run as often as cron likes: a sent reminder is a row, unique per certificate and
    threshold. If runs were missed, only the most urgent due reminder goes out and the
    earlier thresholds are marked as covered.
    """
    today = clock.today()
    horizon = today + dt.timedelta(days=max(REMINDER_DAYS))
    sent = 0
    candidates = db.session.scalars(
        sa.select(Certificate)
        .where(
            Certificate.status == CertificateStatus.APPROVED,
            Certificate.expires_on >= today,
            Certificate.expires_on <= horizon,
        )
        .options(joinedload(Certificate.product), joinedload(Certificate.producer))
    ).all()
    for certificate in candidates:
        days_left = certificate.days_left(today)
        due = [d for d in REMINDER_DAYS if days_left <= d]
        already = set(
            db.session.scalars(
                sa.select(CertificateReminder.days_before).where(
                    CertificateReminder.certificate_id == certificate.id
                )
            )
        )
        if not due or min(due) in already or _renewed(certificate):
            continue
        for threshold in due:
            if threshold not in already:
                db.session.add(
                    CertificateReminder(certificate_id=certificate.id, days_before=threshold)
                )
        _queue_reminder(certificate, days_left)
        sent += 1
    return sent


def _queue_reminder(certificate: Certificate, days_left: int) -> None:
    owner = certificate.producer.owner
    with force_locale(owner.preferred_language or "vi"):
        from flask_babel import gettext

        subject = gettext("Your OCOP certificate expires in %(n)s days", n=days_left)
        body = render_template(
            "certification/email/reminder.txt",
            certificate=certificate,
            days_left=days_left,
            user=owner,
        )
    queue_mail(owner.email, subject, body)
