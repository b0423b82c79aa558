"""The back office's own pages: its front page (what waits, across domains) and the audit log.

Each staff action lives beside its domain, under the same /staff/ URLs:
certificates in shop/certification/staff_views.py, orders and refunds by hand in
shop/orders/staff_views.py, confirming a bank transfer in shop/payments/views.py, producers
in shop/producers/staff_views.py, product changes in shop/catalog/revision_views.py and
reviews in shop/reviews/views.py. Who may open them is shop/access.py.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from shop import clock
from shop.access import staff_required
from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.certification import services as certificates
from shop.errors import render_error_page
from shop.extensions import db
from shop.paging import page_arg
from shop.urls import db_int

bp = Blueprint("staff", __name__, url_prefix="/staff")
AUDIT_PAGE_SIZE = 50


@bp.get("/")
@staff_required
def index():
    """The back office's front page: what is waiting."""
    return render_template(
        "staff/index.html",
        queue_size=len(certificates.review_queue()),
        expiring=len(certificates.expiring_soon()),
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
