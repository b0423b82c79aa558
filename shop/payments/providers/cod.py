"""Cash on delivery: nothing to open at a gateway; the order is paid when it is delivered
(shop/orders/states.py), and cash is never refunded through the shop."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shop.enums import PaymentMethod
from shop.orders.models import Order
from shop.payments.models import Payment
from shop.payments.providers import PaymentEvent, ProviderError, WebhookRefused, register


class CashOnDelivery:
    method = PaymentMethod.COD
    name = "cod"
    csp: Mapping[str, tuple[str, ...]] = {}
    refund_when_cancelled = None

    def offered(self) -> bool:
        return True

    def start(self, order: Order, payment: Payment) -> str | None:
        return None

    def page(self, order: Order, payment: Payment | None) -> dict[str, Any]:
        return {"kind": "cod", "amount": order.amount_due}

    def follow(self, provider_ref: str, amount_due: int, cancelled: bool) -> None:
        return None

    def refund(self, payment: Payment, amount: int, key: str, note: Mapping[str, str]) -> str:
        raise ProviderError("cash on delivery is not refunded through a gateway")

    def verify_webhook(self, payload: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        raise WebhookRefused("cash on delivery has no webhook")


register(CashOnDelivery())
