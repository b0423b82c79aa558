"""The staff back office: certificates, the audit log, orders, producers and refunds."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from functools import wraps

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from shop import audit, clock
from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.catalog.models import Product
from shop.certification import services
from shop.certification.forms import ISSUING_LEVEL_SHORT, ReviewForm
from shop.certification.models import Certificate
from shop.certification.scans import drawn_pages
from shop.certification.views import send_scan, send_scan_page
from shop.enums import ProducerStatus
from shop.errors import render_error_page
from shop.extensions import db
from shop.forms_common import IdField, max_length, required
from shop.paging import page_arg
from shop.producers.models import Producer
from shop.producers.services import display_tax_code
from shop.text import fold
from shop.urls import db_int

bp = Blueprint("staff", __name__, url_prefix="/staff")
AUDIT_PAGE_SIZE = 50


def staff_required(view):
    """Staff and administrators only; everyone else signed in gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _certificate(certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    return certificate


@bp.get("/")
@staff_required
def index():
    """The back office's front page: what is waiting."""
    return render_template(
        "staff/index.html",
        queue_size=len(services.review_queue()),
        expiring=len(services.expiring_soon()),
    )


@bp.get("/certificates")
@staff_required
def queue():
    """Pending certificates, oldest first."""
    return render_template("staff/queue.html", certificates=services.review_queue())


@bp.get("/certificates/<int:certificate_id>")
@staff_required
def review(certificate_id: int):
    """One certificate beside its scan, with the review decisions."""
    certificate = _certificate(certificate_id)
    history = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.product_id == certificate.product_id, Certificate.id != certificate.id)
        .order_by(Certificate.decision_date.desc())
    ).all()
    return render_template(
        "staff/review.html",
        certificate=certificate,
        history=history,
        form=ReviewForm(),
        pages=drawn_pages(certificate.scan_path) if certificate.scan_path else [],
        labels=services.STATUS_LABELS,
        level_labels=ISSUING_LEVEL_SHORT,
        conflict=current_user.producer is not None
        and current_user.producer.id == certificate.producer_id,
    )


_ACTIONS = {
    "approve": (services.approve, False),
    "request-changes": (services.request_changes, True),
    "reject": (services.reject, True),
    "revoke": (services.revoke, True),
}
_DONE = {
    "approve": _l("Certificate approved: the product can now be sold."),
    "request-changes": _l("The producer has been asked for changes."),
    "reject": _l("Certificate rejected."),
    "revoke": _l("Certificate revoked: the product is off the shop."),
}


@bp.post("/certificates/<int:certificate_id>/<action>")
@staff_required
def decide(certificate_id: int, action: str):
    """Approve, ask for changes, reject or revoke; each is audit-logged."""
    if action not in _ACTIONS:
        abort(404)
    certificate = _certificate(certificate_id)
    form = ReviewForm()
    if not form.validate():
        flash(" ".join(str(e) for e in form.reason.errors), "error")
        return redirect(url_for(".review", certificate_id=certificate.id))
    if action == "revoke" and not form.confirm.data:
        flash(str(_l("Tick the box to confirm the revocation.")), "error")
        return redirect(url_for(".review", certificate_id=certificate.id))
    handler, needs_reason = _ACTIONS[action]
    try:
        if needs_reason:
            handler(certificate, current_user, form.reason.data or "")
        else:  # approve, on the product's certified facts the reviewer saw
            handler(certificate, current_user, request.form.get("facts") or None)
    except services.CertificateError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for(".review", certificate_id=certificate.id))
    db.session.commit()
    flash(str(_DONE[action]), "success")
    if action == "revoke":
        return redirect(url_for(".review", certificate_id=certificate.id))
    return redirect(url_for(".queue"))


@bp.get("/certificates/<int:certificate_id>/scan")
@staff_required
def scan(certificate_id: int):
    """The original scan, downloaded as a file (never shown inline)."""
    return send_scan(_certificate(certificate_id))


@bp.get("/certificates/<int:certificate_id>/scan/pages/<int:page>.png")
@staff_required
def scan_page(certificate_id: int, page: int):
    """One page of the scan, drawn as an image, for the review page."""
    return send_scan_page(_certificate(certificate_id), page)


@bp.get("/certificates/expiring")
@staff_required
def expiring():
    """Approved certificates expiring in the next 30 days."""
    return render_template(
        "staff/expiring.html",
        certificates=services.expiring_soon(),
        days=services.STAFF_EXPIRING_DAYS,
    )


@bp.get("/certificates/all")
@staff_required
def all_certificates():
    """Every certificate, filterable by status, newest first (to find one to revoke)."""
    status = request.args.get("status", "approved")
    query = sa.select(Certificate).options(
        joinedload(Certificate.product), joinedload(Certificate.producer)
    )
    if status in {s.value for s in services.STATUS_LABELS}:
        query = query.where(Certificate.status == status)
    q = request.args.get("q", "").strip()
    if q:
        query = query.where(
            Certificate.number_key.contains(services.rules.number_key(q), autoescape=True)
        )
    certificates = db.session.scalars(
        query.order_by(Certificate.submitted_at.desc()).limit(200)
    ).all()
    return render_template(
        "staff/certificates.html",
        certificates=certificates,
        status=status,
        q=q,
        labels=services.STATUS_LABELS,
    )


@bp.get("/audit")
@staff_required
def audit_log():
    """The audit log, newest first, filterable by action, actor, record and date range."""
    query = sa.select(AuditEntry).options(joinedload(AuditEntry.actor))
    filters = {
        "action": request.args.get("action", "").strip(),
        "actor": request.args.get("actor", "").strip(),
        "subject": request.args.get("subject", "").strip(),
        "since": request.args.get("since", "").strip(),
        "until": request.args.get("until", "").strip(),
    }
    if filters["action"]:
        query = query.where(AuditEntry.action.startswith(filters["action"], autoescape=True))
    if filters["actor"]:
        query = query.join(AuditEntry.actor).where(
            User.email.contains(filters["actor"].lower(), autoescape=True)
        )
    if filters["subject"]:
        kind, _sep, ident = filters["subject"].partition(":")
        query = query.where(AuditEntry.subject_type == kind)
        if ident:
            query = query.where(AuditEntry.subject_id == (db_int(ident) or -1))
    from shop.orders.producer_services import InvalidOrderFilter, parse_range

    try:
        since, until = parse_range(filters)
    except InvalidOrderFilter as error:  # a typed date the browser's date box let through
        return render_error_page(400, _l("Check the dates and filters"), error.message)
    if since:
        query = query.where(AuditEntry.at >= clock.start_of_day_utc(since))
    if until:
        query = query.where(AuditEntry.at < clock.start_of_day_utc(until + dt.timedelta(days=1)))
    page = page_arg()
    entries = db.session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * AUDIT_PAGE_SIZE)
        .limit(AUDIT_PAGE_SIZE + 1)
    ).all()
    return render_template(
        "staff/audit.html",
        entries=entries[:AUDIT_PAGE_SIZE],
        has_more=len(entries) > AUDIT_PAGE_SIZE,
        page=page,
        filters=filters,
    )


@bp.get("/orders")
@staff_required
def orders():
    """All orders, newest first, searchable by number, e-mail or phone."""
    from shop.orders.models import Order
    from shop.phones import InvalidPhone, normalize_mobile

    q = request.args.get("q", "").strip()[:254]
    query = sa.select(Order).order_by(Order.placed_at.desc(), Order.id.desc()).limit(100)
    if q:
        conditions = [Order.number == q.upper(), Order.email == q.lower()]
        with contextlib.suppress(InvalidPhone):
            conditions.append(Order.phone == normalize_mobile(q))
        query = query.where(sa.or_(*conditions))
    return render_template("staff/orders.html", orders=db.session.scalars(query).all(), q=q)


@bp.get("/orders/<number>")
@staff_required
def order(number: str):
    """One order with its shipments and payments; confirming a bank transfer happens here."""
    from shop.orders.models import Order
    from shop.payments.models import Payment

    found = db.session.scalar(sa.select(Order).where(Order.number == number))
    if found is None:
        abort(404)
    from shop.privacy.access import staff_viewed

    staff_viewed(current_user, found, "order")  # the page shows the buyer's name and address
    payments = db.session.scalars(
        sa.select(Payment).where(Payment.order_id == found.id).order_by(Payment.id)
    ).all()
    return render_template("staff/order.html", order=found, payments=payments)


PRODUCER_STATUS_LABELS = {
    ProducerStatus.ACTIVE: _l("active"),
    ProducerStatus.SUSPENDED: _l("suspended"),
}
PRODUCERS_SHOWN = 200


class ProducerStatusError(Exception):
    """A refused suspension or reactivation; the message is for staff."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class ProducerStatusForm(FlaskForm):
    producer_id = IdField(validators=[required()])
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(message=_l("This field is required.")), max_length(1000)],
    )


def set_producer_status(producer: Producer, status: ProducerStatus, staff: User, reason: str):
    """Suspend or reactivate a producer (audit-logged with the reason).

    Nothing else changes: every storefront path goes through listable_products(), which
    requires an active producer, so its products disappear and come back all at once.
    """
    if producer.status == status:
        raise ProducerStatusError(
            _l("This producer is already %(status)s.", status=PRODUCER_STATUS_LABELS[status])
        )
    if producer.owner_id == staff.id:
        raise ProducerStatusError(_l("You may not change the status of your own producer."))
    before = {"status": producer.status.value}
    producer.status = status
    audit.record(
        "producer.suspended" if status == ProducerStatus.SUSPENDED else "producer.reactivated",
        producer,
        actor=staff,
        before=before,
        after={"status": status.value},
        reason=reason.strip(),
        summary=producer.name,
    )


def _matching_producer_ids(q: str) -> list[int]:
    """Ids of producers whose name contains `q` (ignoring case and diacritics) or tax code."""
    folded, digits = fold(q), re.sub(r"\D", "", q)
    rows = db.session.execute(sa.select(Producer.id, Producer.name, Producer.tax_code))
    return [
        producer_id
        for producer_id, name, tax_code in rows
        if (folded and folded in fold(name)) or (digits and digits in tax_code)
    ]


def _find_producers(q: str) -> list[tuple[Producer, int]]:
    """Producers (with their number of products) matching `q`, by name."""
    products = (
        sa.select(sa.func.count(Product.id))
        .where(Product.producer_id == Producer.id)
        .correlate(Producer)
        .scalar_subquery()
    )
    query = sa.select(Producer, products).options(joinedload(Producer.owner))
    if q:
        query = query.where(Producer.id.in_(_matching_producer_ids(q)))
    rows = db.session.execute(query.order_by(Producer.name).limit(PRODUCERS_SHOWN)).all()
    return [(producer, count) for producer, count in rows]


@bp.get("/producers")
@staff_required
def producers():
    """Every producer with its status, searchable by name or tax code."""
    q = request.args.get("q", "").strip()[:160]
    from shop.privacy.access import staff_viewed

    staff = current_user._get_current_object()
    staff_viewed(staff, staff, "producers")  # the owners' names and e-mails
    return render_template(
        "staff/producers.html",
        rows=_find_producers(q),
        q=q,
        labels=PRODUCER_STATUS_LABELS,
        tax_code=display_tax_code,
        shown=PRODUCERS_SHOWN,
    )


def _change_producer_status(status: ProducerStatus):
    form = ProducerStatusForm()
    back = url_for(".producers", q=request.form.get("q") or None)
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    producer = db.session.get(Producer, form.producer_id.data)
    if producer is None:
        abort(404)
    try:
        set_producer_status(producer, status, current_user, form.reason.data)
    except ProducerStatusError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(back)
    if status == ProducerStatus.SUSPENDED:
        done = _l("%(name)s is suspended: all its products are off the shop.", name=producer.name)
    else:
        done = _l(
            "%(name)s is active again: its certified products are back on the shop.",
            name=producer.name,
        )
    db.session.commit()
    flash(str(done), "success")
    return redirect(back)


@bp.post("/producers/suspend")
@staff_required
def suspend_producer():
    """Suspend a producer: its products leave the shop at once."""
    return _change_producer_status(ProducerStatus.SUSPENDED)


@bp.post("/producers/reactivate")
@staff_required
def reactivate_producer():
    """Reactivate a suspended producer: its listable products come back."""
    return _change_producer_status(ProducerStatus.ACTIVE)


class ManualRefundForm(FlaskForm):
    sub_order_id = IdField(validators=[required()])
    reference = StringField(_l("Transfer reference (optional)"), validators=[max_length(100)])


@bp.get("/refunds")
@staff_required
def refunds():
    """Cancelled shipments paid by transfer, to refund by hand; card refunds still pending."""
    from shop.orders import refunds as refund_services
    from shop.orders.cancellation import CARD_REFUND_PENDING
    from shop.orders.models import SubOrder

    waiting_for_stripe = db.session.scalars(
        sa.select(SubOrder)
        .where(SubOrder.refund_status == CARD_REFUND_PENDING)
        .options(joinedload(SubOrder.order))
        .order_by(SubOrder.id)
    ).all()
    return render_template(
        "staff/refunds.html",
        manual=refund_services.manual_refunds(),
        card_pending=waiting_for_stripe,
    )


@bp.post("/refunds")
@staff_required
def refunded_by_hand():
    """Staff sent the money back: record it (audit-logged)."""
    from shop.orders import refunds as refund_services
    from shop.orders.models import SubOrder

    form = ManualRefundForm()
    if not form.validate():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for(".refunds"))
    sub = db.session.get(SubOrder, form.sub_order_id.data)
    if sub is None:
        abort(404)
    try:
        refund_services.mark_refunded_by_hand(sub, current_user, form.reference.data or "")
    except refund_services.RefundError as error:
        flash(str(error.message), "error")
        return redirect(url_for(".refunds"))
    number, producer = sub.order.number, sub.producer_name
    flash(
        str(_l("%(number)s · %(producer)s: marked as refunded.", number=number, producer=producer)),
        "success",
    )
    return redirect(url_for(".refunds"))
