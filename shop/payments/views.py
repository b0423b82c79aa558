"""Payment routes: changing the way to pay, the Stripe webhook, staff confirming transfers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop import access
from shop.access import staff_required
from shop.enums import PaymentMethod
from shop.extensions import csrf, db
from shop.orders.models import Order
from shop.payments import services

bp = Blueprint("payments", __name__)


def _order(number: str) -> Order:
    found = db.session.scalar(sa.select(Order).where(Order.number == number))
    if found is None:
        abort(404)
    return found


@bp.post("/orders/<number>/payment-method")
def switch(number: str):
    """After a declined or abandoned card payment, pay the same order another way."""
    order = _order(number)
    if not access.may_see_order(order):
        abort(404)
    try:
        method = PaymentMethod(request.form.get("method", ""))
        if method == PaymentMethod.CARD:
            raise ValueError
        services.switch_method(order, method)
    except ValueError:
        flash(_("Choose a payment method from the list."), "error")
    except services.PaymentError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Payment method changed."), "success")
    return redirect(url_for("checkout.order", number=order.number))


@bp.post("/payments/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Stripe's signed events: verified, recorded once, then applied to the order."""
    from shop.payments import stripe_gateway

    status = stripe_gateway.handle_webhook(
        request.get_data(), request.headers.get("Stripe-Signature", "")
    )
    return ("", status)


@bp.post("/staff/orders/<number>/confirm-transfer")
@staff_required
def confirm_transfer(number: str):
    """Staff record that the bank transfer for an order has arrived."""
    order = _order(number)
    try:
        services.confirm_transfer(order, current_user)
    except services.PaymentError as error:
        flash(str(error.message), "error")
    else:
        flash(_("Transfer confirmed: order %(number)s is paid.", number=order.number), "success")
    return redirect(url_for("orders.staff_order", number=order.number))
