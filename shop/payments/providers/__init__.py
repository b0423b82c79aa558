"""Payment providers: one protocol, and a registry naming each by the payment method it serves.

The shop's payment services (shop/payments/services.py) and refunds (shop/orders/refunds.py)
talk to a provider only through `PaymentProvider`; nothing outside this package knows which
provider serves a method, and nothing outside shop/payments/ imports a provider's library.

A provider never writes to the database: it talks to its gateway and answers; the services
record what it answered in their own transaction, and call it after a commit (never while
rows are locked). To add one (MoMo, VNPay, ZaloPay): add its PaymentMethod value (and a
migration for the CHECK constraint), write a module here with a class meeting the protocol,
and list the module in BUILT_IN.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from flask import g, has_request_context

from shop.enums import PaymentMethod, RefundStatus
from shop.orders.models import Order
from shop.payments.models import Payment

# The modules holding the providers, each calling register() once when imported.
BUILT_IN = ("cod", "bank_transfer", "stripe_card")


class ProviderError(Exception):
    """The gateway could not do it (unreachable, refused, not configured): logged, retried,
    never shown to a person as it is."""


class WebhookRefused(Exception):
    """A webhook whose signature does not hold: answered 400, nothing recorded."""


class WebhookUnconfigured(Exception):
    """A webhook arrived but the provider has no secret to verify it: answered 503."""


@dataclass(frozen=True)
class PaymentEvent:
    """What a verified webhook says, in the shop's words.

    `outcome` is "paid" or "failed" for an event about a payment, None for an event that is
    only recorded. `amount` is in whole đồng, None if the payment was not in VND.
    """

    event_id: str
    event_type: str
    outcome: Literal["paid", "failed"] | None = None
    provider_ref: str | None = None
    amount: int | None = None
    order_number: str | None = None


class PaymentProvider(Protocol):
    """One way to pay. Every method may be called from a request or a command."""

    method: PaymentMethod  # the orders.payment_method value it serves
    name: str  # in its webhook's URL (/payments/<name>/webhook) and WebhookEvent.provider
    # Content-Security-Policy sources its payment form needs, added on that page only.
    csp: Mapping[str, Sequence[str]]
    # What a cancelled shipment paid this way waits for: the provider's refund (CARD_PENDING,
    # made by refund() after the commit), staff (MANUAL), or nothing (None).
    refund_when_cancelled: RefundStatus | None

    def offered(self) -> bool:
        """True if buyers may choose it now (it is configured)."""
        ...

    def start(self, order: Order, payment: Payment) -> str | None:
        """Open (or bring to the amount still due) the payment at the gateway; its reference
        to store on `payment`, or None if there is nothing to open. Raises ProviderError."""
        ...

    def page(self, order: Order, payment: Payment | None) -> dict[str, Any]:
        """What the order page shows to pay an unpaid order: read only, never a write here or
        at the gateway. A "csp": True item asks for the provider's csp on this page."""
        ...

    def follow(self, provider_ref: str, amount_due: int, cancelled: bool) -> None:
        """After a cancellation committed: the open payment asks for `amount_due`, or is
        voided when the whole order was `cancelled`. Best effort; raises ProviderError."""
        ...

    def refund(self, payment: Payment, amount: int, key: str, note: Mapping[str, str]) -> str:
        """Send `amount` of the paid `payment` back, once per `key` (also when retried after
        an answer was lost); the refund's reference. Raises ProviderError."""
        ...

    def verify_webhook(self, payload: bytes, headers: Mapping[str, str]) -> PaymentEvent:
        """The event a signed webhook carries; raises WebhookRefused or WebhookUnconfigured."""
        ...


_BY_METHOD: dict[PaymentMethod, PaymentProvider] = {}


def register(provider: PaymentProvider) -> None:
    """Serve `provider.method` with `provider` (a later registration replaces an earlier)."""
    _BY_METHOD[provider.method] = provider


def _load() -> dict[PaymentMethod, PaymentProvider]:
    for module in BUILT_IN:  # imported once; each registers its provider
        importlib.import_module(f"{__name__}.{module}")
    return _BY_METHOD


def get(method: PaymentMethod | str) -> PaymentProvider:
    """The provider serving a payment method (KeyError for an unknown one)."""
    return _load()[PaymentMethod(method)]


def by_name(name: str) -> PaymentProvider | None:
    """The provider whose webhook URL names it, if any."""
    return next((p for p in _load().values() if p.name == name), None)


def offered() -> list[PaymentMethod]:
    """The payment methods buyers may choose now, in the registry's order."""
    return [method for method, provider in _load().items() if provider.offered()]


_FORM_SHOWN = "payment_form_shown"  # flask.g: the method whose provider's form this page shows


def form_shown(provider: PaymentProvider) -> None:
    """This page shows the provider's payment form: its csp sources join the page's policy."""
    if has_request_context():
        setattr(g, _FORM_SHOWN, provider.method)


def page_csp() -> Mapping[str, Sequence[str]]:
    """The sources this page's payment form needs ({} on every page without one)."""
    method = g.get(_FORM_SHOWN)
    return get(method).csp if method else {}
