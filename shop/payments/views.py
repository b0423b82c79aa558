"""Payment routes: paying by card, changing the way to pay, provider webhooks, staff
confirming transfers. Each parses the request, calls one service and redirects."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop import access
from shop.access import staff_required
from shop.enums import PaymentMethod
from shop.errors import Refused
from shop.extensions import csrf, db
from shop.orders.models import Order
from shop.payments import services

bp = Blueprint("payments", __name__)


def _order(number: str) -> Order:
    found = db.session.scalar(sa.select(Order).where(Order.number == number))
    if found is None:
        abort(404)
    return found


def _buyers_order(number: str) -> Order:
    order = _order(number)
    if not access.may_see_order(order):
        abort(404)
    return order


@bp.post("/orders/<number>/payment/start")
def start(number: str):
    """Open the order's payment at its provider again (the card form could not be shown, or
    asks for an amount no longer due); the order page then shows the form."""
    order = _buyers_order(number)
    services.start_payment(order)
    return redirect(url_for("checkout.order", number=order.number))


@bp.post("/orders/<number>/payment-method")
def switch(number: str):
    """After a declined or abandoned card payment, pay the same order another way."""
    order = _buyers_order(number)
    try:
        method = PaymentMethod(request.form.get("method", ""))
        if method == PaymentMethod.CARD:
            raise ValueError
        services.switch_method(order, method)
    except ValueError:
        flash(_("Choose a payment method from the list."), "error")
    except Refused as error:
        flash(str(error.message), "error")
    else:
        flash(_("Payment method changed."), "success")
    return redirect(url_for("checkout.order", number=order.number))


@bp.post("/payments/<provider>/webhook")
@csrf.exempt
def webhook(provider: str):
    """A provider's signed events (Stripe's at /payments/stripe/webhook): verified, recorded
    once, then applied to the order."""
    status = services.apply_webhook(provider, request.get_data(), request.headers)
    return ("", status)


@bp.post("/staff/orders/<number>/confirm-transfer")
@staff_required
def confirm_transfer(number: str):
    """Staff record that the bank transfer for an order has arrived."""
    order = _order(number)
    try:
        services.confirm_transfer(order, current_user)
    except Refused as error:
        flash(str(error.message), "error")
    else:
        flash(_("Transfer confirmed: order %(number)s is paid.", number=order.number), "success")
    return redirect(url_for("orders.staff_order", number=order.number))
