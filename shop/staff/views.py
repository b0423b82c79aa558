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
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from shop import audit_sentences, clock
from shop.access import staff_required
from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.certification import services as certificates
from shop.errors import render_error_page
from shop.extensions import db
from shop.paging import page_arg
from shop.text import fold
from shop.urls import db_int

bp = Blueprint("staff", __name__, url_prefix="/staff")
AUDIT_PAGE_SIZE = 50


@bp.get("/")
@staff_required
def index():
    """The back office's front page: what is waiting."""
    from shop.search.size import staff_message, whoosh_oversize

    too_large = whoosh_oversize()
    return render_template(
        "staff/index.html",
        queue_size=len(certificates.review_queue()),
        expiring=len(certificates.expiring_soon()),
        search_warning=staff_message(too_large) if too_large is not None else None,
    )


@bp.get("/audit")
@staff_required
def audit_log():
    """The audit log in sentences, newest first, filterable by words (who, what, which record,
    why; accents optional), by record (?subject=Product:12) and by days (dd/mm/yyyy)."""
    query = sa.select(AuditEntry).options(joinedload(AuditEntry.actor))
    filters = {
        "q": request.args.get("q", "").strip()[:200],
        "subject": request.args.get("subject", "").strip(),
        "since": request.args.get("since", "").strip(),
        "until": request.args.get("until", "").strip(),
    }
    words = fold(filters["q"]).split()
    if words:
        actors = _actors()
        query = query.where(*[_mentions(word, actors) for word in words])
    if filters["subject"]:
        kind, _sep, ident = filters["subject"].partition(":")
        query = query.where(AuditEntry.subject_type == kind)
        if ident:
            query = query.where(AuditEntry.subject_id == (db_int(ident) or -1))
    from shop.orders.producer_services import InvalidOrderFilter, parse_range

    try:
        since, until = parse_range(filters)
    except InvalidOrderFilter as error:  # a day that is not a day
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
    shown = entries[:AUDIT_PAGE_SIZE]
    return render_template(
        "staff/audit.html",
        entries=[(entry, audit_sentences.sentence(entry)) for entry in shown],
        has_more=len(entries) > AUDIT_PAGE_SIZE,
        page=page,
        filters={key: value for key, value in filters.items() if value},
    )


def _actors() -> list[tuple[int, str]]:
    """(id, folded "role name e-mail" in both languages) of everyone with an entry in the log."""
    ids = sa.select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None)).distinct()
    found = []
    for user in db.session.scalars(sa.select(User).where(User.id.in_(ids))):
        said = []
        for language in ("vi", "en"):
            with force_locale(language):
                said.append(audit_sentences.actor_name(user))
        found.append((user.id, fold(" ".join([*said, user.email]))))
    return found


def _mentions(word: str, actors: list[tuple[int, str]]):
    """The entries whose sentence holds `word` (folded): in who did it, what they did (the
    action's words in either language) or the record and reason."""
    said = [AuditEntry.search_text.contains(word, autoescape=True)]
    codes = audit_sentences.codes_matching(word)
    if codes:
        said.append(AuditEntry.action.in_(sorted(codes)))
    who = [user_id for user_id, words in actors if word in words]
    if who:
        said.append(AuditEntry.actor_id.in_(who))
    for language in ("vi", "en"):
        with force_locale(language):
            if word in fold(str(audit_sentences.NOBODY)):
                said.append(AuditEntry.actor_id.is_(None))
                break
    return sa.or_(*said)
