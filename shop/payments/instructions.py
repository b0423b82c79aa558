"""What the order page shows for each payment method, and what starts after placing."""

from __future__ import annotations

from flask import current_app

from shop.enums import PaymentMethod, PaymentStatus
from shop.orders.models import Order


def start_payment(order: Order) -> None:
    """Called after the order committed (never while stock rows are locked)."""
    if order.payment_method == PaymentMethod.CARD and order.payment_status == PaymentStatus.UNPAID:
        from shop.payments import stripe_gateway

        stripe_gateway.ensure_intent(order)


def for_order(order: Order) -> dict:
    """The template's payment box: VietQR details, or the card form's settings."""
    if order.payment_status != PaymentStatus.UNPAID or order.cancelled_at is not None:
        return {}
    config = current_app.config
    if order.payment_method == PaymentMethod.BANK_TRANSFER:
        from shop.payments import vietqr

        payload = vietqr.build_payload(
            config["BANK_BIN"],
            config["BANK_ACCOUNT"],
            order.amount_due,
            vietqr.transfer_note(order.number),
        )
        return {
            "kind": "transfer",
            "qr": vietqr.qr_svg(payload),
            "payload": payload,
            "bank": config["BANK_NAME"],
            "account": config["BANK_ACCOUNT"],
            "account_name": config["BANK_ACCOUNT_NAME"],
            "amount": order.amount_due,
            "note": order.number,
        }
    if order.payment_method == PaymentMethod.CARD:
        from shop.payments import stripe_gateway

        return {"kind": "card", "amount": order.amount_due, **stripe_gateway.card_form(order)}
    return {"kind": "cod", "amount": order.amount_due}
