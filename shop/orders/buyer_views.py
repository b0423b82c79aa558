"""The buyer's orders: history, the order's timeline, cancelling, ordering again.

The order page itself is checkout's (/orders/<number>); the helpers it needs for the
timeline and the buttons are template globals defined here.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from shop import access
from shop.enums import OrderStatus, RefundStatus
from shop.errors import Refused, attach_error
from shop.extensions import db
from shop.formatting import format_vnd
from shop.labels import ORDER_STATUS_LABELS, ORDER_TAB_LABELS, PAYMENT_METHOD_LABELS
from shop.orders import buyer_services, states
from shop.orders.models import Order, SubOrder
from shop.orders.tracking import tracking_url
from shop.orders.views import bp
from shop.paging import page_arg

# Who placed the order (its account, or the browser it was placed from): staff see every order
# but do not act for the buyer here (their own pages change shipments as staff).
bp.add_app_template_global(access.is_order_buyer, "is_order_buyer")
bp.add_app_template_global(tracking_url)


@bp.app_template_global()
def order_progress(order: Order) -> str:
    """The order's status in words; "in progress" while its shipments are at different steps."""
    live = {sub.status for sub in order.sub_orders if sub.status != OrderStatus.CANCELLED}
    if len(live) > 1:
        return _("in progress")
    return str(ORDER_STATUS_LABELS[order.status])


@bp.app_template_global()
def buyer_may_cancel(sub: SubOrder) -> bool:
    """Whether the state machine lets the buyer cancel this shipment now."""
    return any(m.target == states.S.CANCELLED for m in states.allowed_moves(sub, states.BUYER))


def _buyers_order(number: str) -> Order:
    order = db.session.scalar(sa.select(Order).where(Order.number == number))
    if order is None or not access.is_order_buyer(order):
        abort(404)
    return order


@bp.get("/account/orders")
@login_required
def my_orders():
    """The signed-in buyer's orders, newest first."""
    page = page_arg()
    tab = request.args.get("tab", "all")
    if tab not in buyer_services.TABS:
        tab = "all"
    orders, has_more = buyer_services.orders_of(current_user.id, page, tab)
    return render_template(
        "orders/buyer_orders.html",
        orders=orders,
        page=page,
        has_more=has_more,
        tab=tab,
        tabs=[(name, ORDER_TAB_LABELS[name]) for name in buyer_services.TABS],
        counts=buyer_services.tab_counts(current_user.id),
        thumbs=buyer_services.thumbnails(orders),
        payment_labels=PAYMENT_METHOD_LABELS,
    )


@bp.post("/orders/<number>/shipments/<int:sub_order_id>/cancel")
def cancel_shipment(number: str, sub_order_id: int):
    """The buyer cancels one shipment that is not packed yet."""
    order = _buyers_order(number)
    sub = buyer_services.shipment_of(order, sub_order_id)
    if sub is None:
        abort(404)
    buyer = current_user if current_user.is_authenticated else None
    reason = (request.form.get("reason") or "").strip()[:30] or None
    try:
        cancelled = buyer_services.cancel_shipment(sub, buyer, reason)
    except Refused as refused:  # too far along, already cancelled, or an unknown reason
        attach_error(None, refused)
        return redirect(url_for("checkout.order", number=number))
    flash(
        _("The shipment from %(producer)s is cancelled.", producer=cancelled.producer_name),
        "success",
    )
    _flash_refund(cancelled.refund_status, cancelled.amount)
    return redirect(url_for("checkout.order", number=number))


def _flash_refund(refund_status: RefundStatus | None, amount: int) -> None:
    if refund_status == RefundStatus.CARD_PENDING:
        flash(_("%(amount)s will be refunded to your card.", amount=format_vnd(amount)), "info")
    elif refund_status == RefundStatus.MANUAL:
        flash(
            _(
                "Our staff will transfer %(amount)s back to you and contact you for the account.",
                amount=format_vnd(amount),
            ),
            "info",
        )


@bp.post("/orders/<number>/reorder")
def reorder(number: str):
    """Put the order's items back in the cart, skipping what can no longer be bought."""
    order = _buyers_order(number)
    result = buyer_services.reorder(order)
    if result.added:
        flash(
            ngettext(
                "%(num)s item from order %(number)s is in your cart.",
                "%(num)s items from order %(number)s are in your cart.",
                result.added,
                number=order.number,
            ),
            "success",
        )
    if result.skipped:
        flash(
            _(
                "Not added (no longer on sale, sold out or not enough left): %(items)s.",
                items=", ".join(result.skipped),
            ),
            "warning",
        )
    return redirect(url_for("cart.show"))
