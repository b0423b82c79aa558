"""The staff back office: the certificate review queue, expiring certificates, the audit log."""

from __future__ import annotations

import contextlib
import datetime as dt
from functools import wraps

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from shop import clock
from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.certification import services
from shop.certification.forms import ISSUING_LEVEL_SHORT, ReviewForm
from shop.certification.models import Certificate
from shop.certification.views import send_scan
from shop.extensions import db

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
        else:
            handler(certificate, current_user)
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
    """The scan, inline (images) or embedded (PDF) on the review page."""
    return send_scan(_certificate(certificate_id))


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
        if ident.isdigit():
            query = query.where(AuditEntry.subject_id == int(ident))
    since, until = _parse_day(filters["since"]), _parse_day(filters["until"])
    if since:
        query = query.where(AuditEntry.at >= clock.start_of_day_utc(since))
    if until:
        query = query.where(AuditEntry.at < clock.start_of_day_utc(until + dt.timedelta(days=1)))
    page = max(request.args.get("page", 1, type=int) or 1, 1)
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


def _parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


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
    payments = db.session.scalars(
        sa.select(Payment).where(Payment.order_id == found.id).order_by(Payment.id)
    ).all()
    return render_template("staff/order.html", order=found, payments=payments)
