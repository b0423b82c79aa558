"""Staff and orders (/staff/orders, /staff/refunds): every order, searchable; one order with
its shipments and payments (confirming a bank transfer is payments' route); the refunds to
make by hand, and recording one.

The routes join the orders blueprint; refunds.mark_refunded_by_hand commits, or refuses
having written nothing.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shop.access import staff_required
from shop.errors import Refused, attach_error, flash_error
from shop.extensions import db
from shop.orders import refunds, staff_services
from shop.orders.forms import ManualRefundForm
from shop.orders.models import SubOrder
from shop.orders.views import bp
from shop.privacy.access import staff_viewed


@bp.get("/staff/orders")
@staff_required
def staff_orders():
    """All orders, newest first, searchable by number, e-mail or phone."""
    q = request.args.get("q", "").strip()[:254]
    return render_template("staff/orders.html", orders=staff_services.find_orders(q), q=q)


@bp.get("/staff/orders/<number>")
@staff_required
def staff_order(number: str):
    """One order with its shipments and payments; confirming a bank transfer happens here."""
    found = staff_services.order_by_number(number)
    if found is None:
        abort(404)
    staff_viewed(current_user, found, "order")  # the page shows the buyer's name and address
    return render_template(
        "staff/order.html", order=found, payments=staff_services.payments_of(found)
    )


@bp.get("/staff/refunds")
@staff_required
def refunds_to_make():
    """Cancelled shipments paid by transfer, to refund by hand; card refunds still pending."""
    return render_template(
        "staff/refunds.html",
        manual=refunds.manual_refunds(),
        card_pending=refunds.card_refunds_pending(),
    )


@bp.post("/staff/refunds")
@staff_required
def refunded_by_hand():
    """Staff sent the money back: record it (audit-logged)."""
    form = ManualRefundForm()
    back = url_for(".refunds_to_make")
    if not form.validate():
        row = form.sub_order_id.data if isinstance(form.sub_order_id.data, int) else None
        flash_error(
            " ".join(str(e) for errors in form.errors.values() for e in errors),
            f"reference-{row}" if row and "reference" in form.errors else None,
        )
        return redirect(back)
    sub = db.get_or_404(SubOrder, form.sub_order_id.data)
    try:
        refunds.mark_refunded_by_hand(sub, current_user, form.reference.data or "")
    except Refused as error:
        attach_error(None, error)
        return redirect(back)
    number, producer = sub.order.number, sub.producer_name
    flash(
        str(_l("%(number)s · %(producer)s: marked as refunded.", number=number, producer=producer)),
        "success",
    )
    return redirect(back)
