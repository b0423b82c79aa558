"""Checkout: delivery details, the review step, placing the order, the order page."""

from __future__ import annotations

import hashlib
import json
import secrets

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop import access, geo
from shop.accounts import sessions
from shop.cart import services as carts
from shop.checkout import holds, services
from shop.checkout.forms import DeliveryForm, PlaceOrderForm
from shop.checkout.models import Address
from shop.enums import PaymentMethod
from shop.errors import Refused, attach_error
from shop.extensions import db
from shop.labels import PAYMENT_METHOD_LABELS
from shop.orders.models import Order
from shop.payments import services as payments
from shop.phones import normalize_mobile

bp = Blueprint("checkout", __name__)
DETAILS_KEY = sessions.CHECKOUT_KEY
BROWSER_KEY = sessions.BROWSER_KEY


def _cart_or_redirect():
    cart = carts.current_cart()
    quote = carts.view(cart)
    if not quote.can_check_out:
        if quote.is_empty and access.followed_orders():
            flash(_("Your order is placed: here it is."), "info")
        else:
            flash(_("Check your cart before you check out."), "error")
        return None, None
    return cart, quote


def _back_to_cart():
    """Where to go when checkout cannot go on: the order just placed (Back button), or the cart."""
    placed = access.followed_orders()
    if placed and carts.view(carts.current_cart()).is_empty:
        return redirect(url_for(".order", number=placed[-1]))
    return redirect(url_for("cart.show"))


@bp.route("/checkout", methods=["GET", "POST"])
def details():
    """Who receives the parcels, where, and how they pay."""
    cart, quote = _cart_or_redirect()
    if cart is None:
        return _back_to_cart()
    form = DeliveryForm(
        methods=services.available_methods(),
        data=_prefill(),
        guest=not current_user.is_authenticated,
    )
    if current_user.is_authenticated:
        form.email_optional()
    if form.validate_on_submit():
        if not form.email.data and current_user.is_authenticated:
            form.email.data = current_user.email
        try:
            _delivery(form.data).check()
            holds.check_room(
                PaymentMethod(form.payment_method.data), _user_id(), session.get(BROWSER_KEY)
            )
        except holds.TooManyUnpaid as error:  # about the buyer, not a field: said at the top
            flash(str(error.message), "error")
        except Refused as error:
            attach_error(form, error)
        else:
            session[DETAILS_KEY] = {
                key: form.data[key]
                for key in (
                    "full_name",
                    "phone",
                    "email",
                    "province_code",
                    "ward_code",
                    "street",
                    "note",
                    "payment_method",
                    "save_address",
                )
            }
            session[DETAILS_KEY]["privacy_consent"] = bool(form.data.get("privacy_consent"))
            return redirect(url_for(".review"))
    return render_template("checkout/details.html", form=form, cart=quote, addresses=_addresses())


def _prefill() -> dict:
    if DETAILS_KEY in session:
        return session[DETAILS_KEY]
    data = {"payment_method": PaymentMethod.COD.value}
    if current_user.is_authenticated:
        data.update(
            full_name=current_user.full_name,
            email=current_user.email,
            phone=current_user.phone or "",
        )
        saved = _addresses()
        if saved:
            last = saved[0]
            data.update(
                full_name=last.full_name,
                phone=last.phone,
                street=last.street,
                province_code=last.province_code,
                ward_code=last.ward_code,
            )
    return data


def _addresses() -> list[Address]:
    if not current_user.is_authenticated:
        return []
    return list(
        db.session.scalars(
            sa.select(Address).where(Address.user_id == current_user.id).order_by(Address.id.desc())
        )
    )


def _delivery(data: dict) -> services.Delivery:
    return services.Delivery(
        full_name=data["full_name"],
        phone=normalize_mobile(data["phone"]),
        email=data["email"],
        street=data["street"],
        ward_code=data["ward_code"] or 0,
        province_code=data["province_code"] or 0,
        note=data.get("note") or "",
    )


@bp.get("/checkout/review")
def review():
    """Every line, every fee and the total in VND, before the order is placed."""
    cart, quote = _cart_or_redirect()
    if cart is None:
        return _back_to_cart()
    data = session.get(DETAILS_KEY)
    if not data:
        return redirect(url_for(".details"))
    form = PlaceOrderForm(
        data={
            "idempotency_key": secrets.token_hex(16),
            "expected_total": str(quote.total),
            "cart_revision": str(cart.revision),
            "details_key": details_key(data),
        }
    )
    return render_template(
        "checkout/review.html",
        cart=quote,
        details=data,
        form=form,
        payment_label=PAYMENT_METHOD_LABELS[PaymentMethod(data["payment_method"])],
        hold_window=(
            holds.hold_window_text()
            if PaymentMethod(data["payment_method"]) in holds.HELD_METHODS
            else None
        ),
        ward_name=geo.ward_name(data["ward_code"]),
        province_name=geo.province_name(data["province_code"]),
    )


@bp.post("/checkout/place")
def place():
    """Place the order. The same form sent again, or the same reviewed cart placed from
    another tab or device, shows the order it already became."""
    form = PlaceOrderForm()
    if not form.validate_on_submit() or not form.expected_total.data.isdigit():
        flash(_("Your order form was incomplete. Please review the order again."), "error")
        return redirect(url_for(".review"))
    cart = carts.current_cart()
    revision = int(form.cart_revision.data)
    placed = services.find_placed(form.idempotency_key.data, cart, revision)
    if placed is not None:  # a double click, the Back button, a second tab or device
        return _already_placed(placed, cart, revision)
    data = session.get(DETAILS_KEY)
    if not data and access.followed_orders():  # a stale tab after another order went through
        return _back_to_cart()
    if not data or cart is None:
        flash(_("Your order form was incomplete. Please review the order again."), "error")
        return redirect(url_for(".review"))
    if form.details_key.data != details_key(data):
        flash(
            _(
                "Your delivery details changed since you reviewed the order (in another tab or "
                "window?). Please check them again."
            ),
            "error",
        )
        return redirect(url_for(".review"))
    try:
        placement = services.place(
            cart,
            _delivery(data),
            PaymentMethod(data["payment_method"]),
            form.idempotency_key.data,
            int(form.expected_total.data),
            _user_id(),
            revision=revision,
            browser_key=_browser_key(),
            notice_accepted=bool(data.get("privacy_consent")) and _user_id() is None,
            save_address=bool(data.get("save_address")),
        )
    except Refused as error:
        attach_error(None, error)
        return redirect(_after_refusal(error))
    if not placement.created:
        return _already_placed(placement.order, cart, revision)
    _remember(placement.order)
    payments.start_payment(placement.order)  # its own use case, after the order committed
    return redirect(url_for(".order", number=placement.order.number))


def _after_refusal(error: Refused) -> str:
    """Where a refused placement sends the buyer: what to change is there."""
    if isinstance(error, services.OutOfStock):
        return url_for("cart.show")
    if isinstance(error, holds.TooManyUnpaid):
        return url_for(".details")
    return url_for(".review")


def _already_placed(order: Order, cart, revision: int):
    """Show the order this form or this checkout already became, saying that nothing was
    ordered twice. An order placed from this very cart (its secret token is in the checkout
    key) is this browser's or this account's: the browser may follow it from now on."""
    if cart is not None and order.checkout_key == services.checkout_key(cart, revision):
        _follow_in_this_browser(order)
    session.pop(DETAILS_KEY, None)
    flash(
        _(
            "Order %(number)s was already placed from this cart (in another tab, or by a "
            "second click): here it is. Nothing was ordered or charged twice.",
            number=order.number,
        ),
        "info",
    )
    return redirect(url_for(".order", number=order.number))


def _follow_in_this_browser(order: Order) -> None:
    access.follow_order(order.number)


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _browser_key() -> str:
    """This browser's random key (made on first use), which the unpaid-order limit counts."""
    if not session.get(BROWSER_KEY):
        session[BROWSER_KEY] = secrets.token_hex(16)
    return session[BROWSER_KEY]


def details_key(data: dict) -> str:
    """A fingerprint of the delivery details and payment method the review page showed."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _remember(order: Order) -> None:
    """This browser follows the order it placed; the reviewed details are used up."""
    _follow_in_this_browser(order)
    session.pop(DETAILS_KEY, None)


@bp.get("/orders/<number>")
def order(number: str):
    """The confirmation page: shipments, totals, and how to pay."""
    found = db.session.scalar(sa.select(Order).where(Order.number == number))
    key = request.args.get("key")
    if found is not None and key and services.order_key_opens(found.number, key):
        # The link from an e-mail: this browser may follow the order from now on.
        _follow_in_this_browser(found)
        return redirect(url_for(".order", number=found.number))
    if found is None or not access.may_see_order(found):
        abort(404)
    return render_template(
        "checkout/order.html",
        order=found,
        payment=payments.payment_box(found),
        payment_label=PAYMENT_METHOD_LABELS[found.payment_method],
    )
