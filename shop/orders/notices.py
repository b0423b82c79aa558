"""The e-mails a move of a shipment sends, written in the move's own transaction.

states.transition calls after_move() only for a move it made, so each goes out once: the
buyer hears that a parcel left or arrived, and of a cancellation someone else made; the
producer hears of a cancellation it did not make. The buyer of an unpaid order whose hold
ran out gets one e-mail for the whole order (hold_expired). The outbox delivers them after
the commit (shop.mail).
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from shop.enums import OrderStatus
from shop.mail import queue_mail
from shop.orders import states
from shop.orders.models import Order, SubOrder, SubOrderEvent
from shop.producers.models import Producer
from shop.urls import external_url

BUYER_LOCALE = "vi"  # guests have no language of their own; the shop is Vietnamese first

_TO_BUYER = {
    OrderStatus.SHIPPED: (
        "orders/email/shipped.txt",
        lambda o, s: _l("Your order %(number)s is on its way", number=o.number),
    ),
    OrderStatus.DELIVERED: (
        "orders/email/delivered.txt",
        lambda o, s: _l("Your order %(number)s has been delivered", number=o.number),
    ),
}
_CANCELLED_TO_PRODUCER = {
    states.BUYER: lambda n: _l("Order %(number)s: the buyer cancelled your shipment", number=n),
    states.STAFF: lambda n: _l("Order %(number)s: the shop cancelled your shipment", number=n),
    states.SYSTEM: lambda n: _l(
        "Order %(number)s was not paid in time: your shipment is cancelled", number=n
    ),
}


def after_move(sub: SubOrder, event: SubOrderEvent) -> None:
    """Queue the e-mails this move sends (none for confirming and packing)."""
    if event.to_status in _TO_BUYER:
        template, subject = _TO_BUYER[event.to_status]
        _to_buyer(sub, template, subject(sub.order, sub))
    elif event.to_status == OrderStatus.CANCELLED:
        if event.actor_role in _CANCELLED_TO_PRODUCER:
            _cancelled_to_producer(sub, event.actor_role)
        if event.actor_role in (states.PRODUCER, states.STAFF):
            subject = _l(
                "Your order %(number)s: the shipment from %(producer)s is cancelled",
                number=sub.order.number,
                producer=sub.producer_name,
            )
            _to_buyer(
                sub,
                "orders/email/cancelled_to_buyer.txt",
                subject,
                role=event.actor_role,
                note=event.note,
            )


def _to_buyer(sub: SubOrder, template: str, subject, **context) -> None:
    from shop.checkout.services import order_link

    order = sub.order
    with force_locale(BUYER_LOCALE):
        body = render_template(template, order=order, sub=sub, link=order_link(order), **context)
        queue_mail(order.email, str(subject), body)


def _cancelled_to_producer(sub: SubOrder, role: str) -> None:
    from shop.extensions import db

    owner = db.session.get(Producer, sub.producer_id).owner
    with force_locale(owner.preferred_language or "vi"):
        body = render_template(
            "orders/email/cancelled_to_producer.txt",
            sub=sub,
            order=sub.order,
            owner=owner,
            role=role,
            link=external_url("orders.producer_order", sub_order_id=sub.id),
        )
        subject = str(_CANCELLED_TO_PRODUCER[role](sub.order.number))
    queue_mail(owner.email, subject, body)


def hold_expired(order: Order) -> None:
    """Tell the buyer that the order was cancelled because its payment did not arrive."""
    from shop.checkout.services import order_link

    with force_locale(BUYER_LOCALE):
        body = render_template(
            "checkout/email/hold_expired.txt", order=order, link=order_link(order)
        )
        subject = str(
            _l(
                "Your order %(number)s is cancelled: the payment did not arrive in time",
                number=order.number,
            )
        )
    queue_mail(order.email, subject, body)
