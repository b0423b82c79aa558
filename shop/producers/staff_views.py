"""Staff and producers (/staff/producers…): every producer with its status, suspending one
(its products leave the shop at once) and reactivating it.

The routes join the producers blueprint; the use case is services.set_producer_status
(it commits, or refuses having written nothing).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shop.access import staff_required
from shop.enums import ProducerStatus
from shop.errors import Refused, attach_error, flash_error
from shop.extensions import db
from shop.labels import PRODUCER_STATUS_LABELS
from shop.privacy.access import staff_viewed
from shop.producers import services
from shop.producers.forms import ProducerStatusForm
from shop.producers.models import Producer
from shop.producers.views import bp


@bp.get("/staff/producers")
@staff_required
def all_producers():
    """Every producer with its status, searchable by name or tax code."""
    q = request.args.get("q", "").strip()[:160]
    staff = current_user._get_current_object()
    staff_viewed(staff, staff, "producers")  # the owners' names and e-mails
    return render_template(
        "staff/producers.html",
        rows=services.find_producers(q),
        q=q,
        labels=PRODUCER_STATUS_LABELS,
        tax_code=services.display_tax_code,
        shown=services.PRODUCERS_SHOWN,
    )


def _change_status(status: ProducerStatus):
    form = ProducerStatusForm()
    back = url_for(".all_producers", q=request.form.get("q") or None)
    if not form.validate():
        row = form.producer_id.data if isinstance(form.producer_id.data, int) else None
        flash_error(
            " ".join(str(e) for errors in form.errors.values() for e in errors),
            f"reason-{row}" if row and "reason" in form.errors else None,
        )
        return redirect(back)
    producer = db.get_or_404(Producer, form.producer_id.data)
    try:
        services.set_producer_status(producer, status, current_user, form.reason.data)
    except Refused as error:
        attach_error(None, error)
        return redirect(back)
    if status == ProducerStatus.SUSPENDED:
        done = _l("%(name)s is suspended: all its products are off the shop.", name=producer.name)
    else:
        done = _l(
            "%(name)s is active again: its certified products are back on the shop.",
            name=producer.name,
        )
    flash(str(done), "success")
    return redirect(back)


@bp.post("/staff/producers/suspend")
@staff_required
def suspend_producer():
    """Suspend a producer: its products leave the shop at once."""
    return _change_status(ProducerStatus.SUSPENDED)


@bp.post("/staff/producers/reactivate")
@staff_required
def reactivate_producer():
    """Reactivate a suspended producer: its listable products come back."""
    return _change_status(ProducerStatus.ACTIVE)
