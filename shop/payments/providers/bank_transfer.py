"""Bank transfer by VietQR: the order page shows a QR code carrying the shop's account, the
amount and the order number; staff confirm the transfer when it arrives
(services.confirm_transfer) and send a cancelled shipment's money back by hand."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from shop.enums import PaymentMethod, RefundStatus
from shop.orders.models import Order
from shop.payments import vietqr
from shop.payments.models import Payment
from shop.payments.providers import PaymentEvent, ProviderError, WebhookRefused, register


class BankTransfer:
    method = PaymentMethod.BANK_TRANSFER
    name = "vietqr"
    csp: Mapping[str, tuple[str, ...]] = {}
    refund_when_cancelled = RefundStatus.MANUAL

    def offered(self) -> bool:
        return True

    def start(self, order: Order, payment: Payment) -> str | None:
        return None  # the buyer's bank starts it

    def page(self, order: Order, payment: Payment | None) -> dict[str, Any]:
        config = current_app.config
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

    def follow(self, provider_ref: str, amount_due: int, cancelled: bool) -> None:
        return None  # the QR code always shows what is still due

    def refund(self, payment: Payment, amount: int, key: str, note: Mapping[str, str]) -> str:
        raise ProviderError("a bank transfer is refunded by hand by staff")

    def verify_webhook(self, payload: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        raise WebhookRefused("bank transfers are confirmed by staff, not by a webhook")


register(BankTransfer())
