"""Buyers' label reports: receiving one, the staff queue, opening an inspection, closing.

A report is received from the product page (a listable product) or the verification page
(a certificate number, verified or not: an unknown number on a package is what a fake looks
like). Nothing a reporter writes is shown back to anyone but staff. Opening an inspection and
closing are each one conditional UPDATE on the report's status, so two staff acting at once
make one change, one audit entry and one e-mail; the e-mail to the reporter leaves through
the outbox once the decision commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from shop import audit, clock
from shop.accounts.models import User
from shop.catalog.models import Product
from shop.conditional import change
from shop.errors import Refused
from shop.extensions import db
from shop.labels import REPORT_KIND_LABELS as KIND_LABELS
from shop.labels import REPORT_OUTCOME_LABELS as OUTCOME_LABELS
from shop.labels import REPORT_STATUS_LABELS as STATUS_LABELS  # noqa: F401  (views read it)
from shop.mail import queue_mail
from shop.media import store_image
from shop.reports.models import KINDS, MAX_DETAILS, MAX_NUMBER, OUTCOMES, LabelReport
from shop.transaction import use_case
from shop.urls import external_url

OPEN = ("new", "inspecting")
QUEUE_LIMIT = 200


@dataclass(frozen=True)
class NewReport:
    """What the buyer filled in (already parsed by the form)."""

    kind: str
    details: str = ""
    photo: bytes | None = None
    contact_email: str | None = None
    language: str = "vi"


def check_details(text: str | None) -> str:
    """The text trimmed, or Refused when longer than MAX_DETAILS characters."""
    text = (text or "").strip()
    if len(text) > MAX_DETAILS:
        raise Refused(
            _l("At most %(n)s characters (you wrote %(count)s).", n=MAX_DETAILS, count=len(text)),
            "details",
        )
    return text


def _report(new: NewReport, user: User | None, **target) -> LabelReport:
    if new.kind not in KINDS:
        raise Refused(_l("Choose what is wrong with the label."), "kind")
    details = check_details(new.details)
    photo_key = store_image(new.photo).key if new.photo else None
    email = (new.contact_email or "").strip().lower() or None
    report = LabelReport(
        kind=new.kind,
        details=details,
        photo_key=photo_key,
        contact_email=email,
        user_id=user.id if user is not None else None,
        language=new.language if new.language in ("vi", "en") else "vi",
        **target,
    )
    db.session.add(report)
    db.session.flush()
    audit.record(
        "label_report.received",
        report,
        actor=None,
        after={"kind": report.kind, "photo": bool(photo_key)},
        summary=report.subject,
    )
    return report


@use_case
def report_product(product: Product, certificate, new: NewReport, user: User | None):
    """A buyer reports a problem with the label of a product seen on its page."""
    return _report(
        new,
        user,
        product_id=product.id,
        certificate_id=certificate.id if certificate is not None else None,
        typed_number=certificate.number if certificate is not None else "",
    )


@use_case
def report_number(number: str, new: NewReport, user: User | None) -> LabelReport:
    """A buyer reports a label from the verification page of the number `number`: the
    newest verified certificate with that number, or the number alone if none has it."""
    from shop.certification.services import verify

    number = " ".join((number or "").split())[:MAX_NUMBER]
    if not number:
        raise Refused(_l("Type the certificate number printed on the package."), "number")
    found = verify(number)
    if not found:
        return _report(new, user, typed_number=number)
    certificate = found[0].certificate
    return _report(
        new,
        user,
        product_id=certificate.product_id,
        certificate_id=certificate.id,
        typed_number=certificate.number,
    )


def queue(status: str | None = None) -> list[LabelReport]:
    """Reports for staff: the open ones oldest first by default, or those of one status."""
    query = sa.select(LabelReport).options(
        joinedload(LabelReport.product), joinedload(LabelReport.certificate)
    )
    if status in ("new", "inspecting", "closed"):
        query = query.where(LabelReport.status == status)
    else:
        query = query.where(LabelReport.status.in_(OPEN))
    if status == "closed":
        query = query.order_by(LabelReport.closed_at.desc(), LabelReport.id.desc())
    else:
        query = query.order_by(LabelReport.created_at, LabelReport.id)
    return list(db.session.scalars(query.limit(QUEUE_LIMIT)))


def open_count() -> int:
    """How many reports wait for staff (the back office's tile)."""
    return db.session.scalar(
        sa.select(sa.func.count(LabelReport.id)).where(LabelReport.status == "new")
    )


@use_case
def open_inspection(report: LabelReport, staff: User, kind: str, planned_on: dt.date) -> int:
    """Plan an inspection of the reported product (or its producer) from the report; the
    report then waits for the inspection's outcome. Returns the inspection's id."""
    if report.status != "new":
        raise Refused(_l("This report has already been handled."))
    if report.product is None:
        raise Refused(
            _l("This report names no product on the shop: close it, or tell the authorities.")
        )
    if planned_on < clock.today():
        raise Refused(_l("Plan the inspection for today or a later day."), "planned_on")
    inspection_id = _plan(report, staff, kind, planned_on)
    if not change(
        report,
        LabelReport.status == "new",
        status="inspecting",
        inspection_id=inspection_id,
        handled_by_id=staff.id,
    ):
        raise Refused(_l("This report has already been handled."))
    audit.record(
        "label_report.inspection_opened",
        report,
        actor=staff,
        after={"inspection": inspection_id, "kind": kind, "planned_on": planned_on.isoformat()},
        summary=report.subject,
    )
    _tell_reporter(report)
    return inspection_id


def _plan(report: LabelReport, staff: User, kind: str, planned_on: dt.date) -> int:
    """The inspection, planned through the programme office (shop.programme), which
    remembers the report it came from."""
    from shop.programme.services import plan_inspection

    inspection = plan_inspection(
        report.product, kind, planned_on, staff, source_report_id=report.id
    )
    db.session.flush()
    return inspection.id


@use_case
def close(report: LabelReport, staff: User, outcome: str, answer: str) -> None:
    """Close the report with its outcome and the words the reporter receives (if they left
    an e-mail)."""
    if outcome not in OUTCOMES:
        raise Refused(_l("Choose the outcome."), "outcome")
    answer = check_details(answer)
    if not change(
        report,
        LabelReport.status.in_(OPEN),
        status="closed",
        outcome=outcome,
        answer=answer,
        closed_at=clock.utcnow(),
        handled_by_id=staff.id,
    ):
        raise Refused(_l("This report is already closed."))
    audit.record(
        "label_report.closed",
        report,
        actor=staff,
        after={"outcome": outcome},
        reason=answer or None,
        summary=report.subject,
    )
    _tell_reporter(report)


def _tell_reporter(report: LabelReport) -> None:
    """Queue the e-mail telling the reporter where their report stands (sent on commit)."""
    if not report.contact_email:
        return
    with force_locale(report.language):
        if report.status == "closed":
            subject = gettext("Your report about an OCOP label: our answer")
        else:
            subject = gettext("Your report about an OCOP label: an inspection is planned")
        body = render_template(
            "reports/email/outcome.txt",
            report=report,
            kind=KIND_LABELS[report.kind],
            outcome=OUTCOME_LABELS.get(report.outcome or ""),
            link=external_url("certification.verify_search"),
        )
    queue_mail(report.contact_email, subject, body)
