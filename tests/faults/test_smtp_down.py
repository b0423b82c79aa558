"""SMTP is down: the buyer's order still goes through, and its e-mail leaves once SMTP is back.

tests/integration/test_mail.py covers the outbox itself (queue_mail, retry to the file
backend). Here a real checkout runs with MAIL_SERVER pointing at a port nothing listens on,
then `flask mail send` delivers the confirmation to a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import email
import re
from email import policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from shop import geo
from shop.mail import OutboxMessage
from shop.orders.models import Order
from tests.conftest import csrf_from
from tests.factories import make_product
from tests.load.server import free_port

DAK_LAK = 66


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A local SMTP server on a free port, stopped after the test."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


def buy_with_cash_on_delivery(client, product) -> str:
    token = csrf_from(client.get(f"/p/{product.slug}").get_data(as_text=True))
    added = client.post(
        "/cart/add", data={"variant_id": product.variants[0].id, "csrf_token": token}
    )
    assert added.status_code == 302
    details = {
        "privacy_consent": "y",
        "full_name": "Trần Thị Mai",
        "phone": "0987 654 321",
        "email": "mai@example.vn",
        "province_code": str(DAK_LAK),
        "ward_code": str(geo.wards(DAK_LAK)[0][0]),
        "street": "15 Lê Duẩn",
        "payment_method": "cod",
        "csrf_token": token,
    }
    assert client.post("/checkout", data=details).headers["Location"] == "/checkout/review"
    review = client.get("/checkout/review").get_data(as_text=True)
    form = {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]+)"', review).group(1)
        for name in ("idempotency_key", "expected_total", "cart_revision", "details_key")
    }
    placed = client.post("/checkout/place", data={**form, "csrf_token": token})
    assert placed.status_code == 302, placed.get_data(as_text=True)
    return placed.headers["Location"].removeprefix("/orders/")


def test_an_order_placed_while_smtp_is_down_is_confirmed_by_mail_once_smtp_is_back(
    app, db, client, frozen_today, smtp_server
):
    port, inbox = smtp_server
    product = make_product(name="Cà phê Robusta", slug="ca-phe-robusta")
    db.session.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)

    number = buy_with_cash_on_delivery(client, product)  # SMTP refuses: the order still goes
    order = db.session.scalar(sa.select(Order).where(Order.number == number))
    assert order is not None and order.total > 0
    page = client.get(f"/orders/{number}")
    assert page.status_code == 200 and number in page.get_data(as_text=True)
    message = db.session.scalar(sa.select(OutboxMessage))
    assert message.recipient == "mai@example.vn" and number in message.subject
    assert message.sent_at is None and message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert inbox.messages == []

    app.config["MAIL_PORT"] = port  # SMTP is back
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "1 sent, 0 failed" in result.output
    ((recipients, received),) = inbox.messages
    assert recipients == ["mai@example.vn"]
    assert number in received["Subject"] and number in received.get_content()
    db.session.refresh(message)
    assert message.sent_at is not None and message.attempts == 2 and message.last_error is None

    again = app.test_cli_runner().invoke(args=["mail", "send"])  # nothing is sent twice
    assert again.exit_code == 0 and "0 sent, 0 failed" in again.output
    assert len(inbox.messages) == 1
