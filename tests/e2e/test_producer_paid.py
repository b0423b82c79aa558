"""A producer gets paid, in real browsers, on a frozen clock: the buyer pays by bank transfer
and staff confirm it arrived, the producer (a household business) gives its bank account and
delivers, seven days pass, staff make a payout batch, download its file for the bank and mark
the line paid, and the producer sees the money paid and its statement with the tax withheld.

Ba Miền (conftest.seed_products) is made a household business for this test: the shop then
withholds 1 % VAT and 0.5 % PIT of its revenue (Decree 117/2025/ND-CP) besides the 5 %
commission. Two bottles of fish sauce at 120 000 đ: goods 240 000, shipping 30 000, commission
12 000, VAT 2 400, PIT 1 200, net 254 400.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, expect

from shop import clock
from shop.enums import LegalForm, OrderStatus, PayoutLineStatus, Role
from shop.extensions import db
from shop.ledger.models import EntryKind, LedgerEntry
from shop.payouts.models import PayoutLine
from shop.producers.models import Producer
from tests.e2e.test_checkout_journey import (
    BA_MIEN,
    FISH_SAUCE,
    HANOI,
    HOAN_KIEM,
    SHIPPING_FEE,
    add_to_cart,
    expect_order_page,
    fill_details,
    packs,  # noqa: F401  (a fixture: the packs' stock and variant ids)
    shot,  # noqa: F401
    vietnamese,
    vnd,
)
from tests.e2e.test_order_life import BUYER, log_in, move, owner_email, seed_buyer
from tests.factories import PASSWORD, make_user

S = OrderStatus
GOODS = 2 * FISH_SAUCE.price
COMMISSION, VAT, PIT = 12_000, 2_400, 1_200
NET = GOODS + SHIPPING_FEE - COMMISSION - VAT - PIT
STAFF_EMAIL = "ketoan@cho-ocop.vn"


def prepare(app: Flask) -> None:
    with app.app_context():
        producer = db.session.scalar(sa.select(Producer).where(Producer.name == BA_MIEN))
        producer.legal_form = LegalForm.HOUSEHOLD_BUSINESS
        make_user(Role.STAFF, full_name="Phạm Kế Toán", email=STAFF_EMAIL)
        db.session.commit()
        db.session.remove()


def test_a_household_business_is_paid_and_sees_the_tax_withheld_on_its_statement(
    page: Page,
    another_page,
    live_server: str,
    live_app: Flask,
    packs,  # noqa: F811
    shot,  # noqa: F811
):
    seed_buyer(live_app)
    prepare(live_app)
    start = clock.now().replace(hour=9, minute=0, second=0, microsecond=0)
    with contextlib.ExitStack() as frozen:
        frozen.enter_context(clock.frozen(start))

        # 1. The producer gives the bank account its payouts go to (password asked again).
        producer = another_page()
        log_in(producer, live_server, owner_email(live_app, BA_MIEN))
        producer.goto(live_server + "/producer/payouts")
        expect(producer.get_by_test_id("no-account")).to_be_visible()
        producer.goto(live_server + "/producer/payouts/account")
        producer.locator("#bank_bin").select_option("970405")
        producer.locator("#account_number").fill("1500 2050 12345")
        producer.locator("#holder_name").fill("Nguyễn Thị Ba")
        producer.locator("#password").fill(PASSWORD)
        producer.get_by_test_id("save-account").click()
        expect(producer.get_by_test_id("payout-account")).to_contain_text(
            "Agribank ••••2345 – NGUYEN THI BA"
        )
        expect(producer.get_by_test_id("account-held")).to_be_visible()
        shot(producer, "producer-account-saved")

        # 2. The buyer orders two bottles and pays by bank transfer.
        log_in(page, live_server, BUYER["email"], BUYER["full_name"])
        add_to_cart(page, live_server, packs[FISH_SAUCE], FISH_SAUCE, 2, count=2)
        page.goto(live_server + "/cart")
        page.get_by_test_id("checkout").click()
        fill_details(page, HANOI, HOAN_KIEM, "bank_transfer")
        page.get_by_test_id("continue").click()
        page.get_by_test_id("place-order").click()
        number = expect_order_page(page, [(FISH_SAUCE, 2)], GOODS + SHIPPING_FEE)

        # 3. Staff see the transfer arrive and confirm it.
        staff = another_page()
        log_in(staff, live_server, STAFF_EMAIL)
        staff.goto(f"{live_server}/staff/orders/{number}")
        staff.get_by_test_id("confirm-transfer").click()
        expect(staff.locator(".flash-success")).to_be_visible()

        # 4. The producer sends the parcel and records the delivery.
        producer.goto(live_server + "/producer/orders")
        producer.get_by_test_id("order-row").first.locator("a", has_text=number).click()
        move(producer, S.CONFIRMED, "Order confirmed. Pack it next.")
        move(producer, S.PACKED, "Marked as packed. Hand it to the carrier next.")
        move(
            producer,
            S.SHIPPED,
            "Marked as shipped. The buyer received the tracking number.",
            carrier="Viettel Post",
            tracking_number="VTP-0099-1207",
        )
        move(producer, S.DELIVERED, "Marked as delivered. The buyer was told.")
        producer.goto(live_server + "/producer/payouts")
        expect(producer.get_by_test_id("balance-pending")).to_have_text(vnd(NET))
        expect(producer.get_by_test_id("balance-available")).to_have_text(vnd(0))

        # 5. Seven days after the delivery the money is available, and staff pay it.
        frozen.enter_context(clock.frozen(start + dt.timedelta(days=7, hours=1)))
        staff.goto(live_server + "/staff/payouts")
        expect(staff.get_by_test_id("next-batch")).to_contain_text(BA_MIEN)
        expect(staff.get_by_test_id("next-batch")).to_contain_text(vnd(NET))
        shot(staff, "staff-next-batch")
        staff.get_by_test_id("create-batch").click()
        expect(staff).to_have_url(re.compile(r"/staff/payouts/\d+$"))
        line = staff.get_by_test_id("payout-line").filter(has_text=BA_MIEN)
        expect(line).to_contain_text(vnd(NET))
        with staff.expect_download() as download:
            staff.get_by_test_id("bank-file").click()
        bank_file = Path(download.value.path()).read_text(encoding="ascii")
        assert f"1500205012345,NGUYEN THI BA,970405,AGRIBANK,{NET}," in bank_file
        shot(staff, "staff-batch")
        line.get_by_test_id("mark-paid").click()
        expect(
            staff.get_by_test_id("payout-line")
            .filter(has_text=BA_MIEN)
            .get_by_test_id("line-status")
        ).to_have_text(vietnamese("Paid"))

        # 6. The producer sees the money paid, and the month's statement with the tax withheld.
        producer.goto(live_server + "/producer/")
        expect(producer.get_by_test_id("balance-paid")).to_have_text(vnd(NET))
        expect(producer.get_by_test_id("balance-available")).to_have_text(vnd(0))
        producer.goto(live_server + "/producer/payouts")
        producer.get_by_test_id("statement-months").locator("a").last.click()
        row = producer.get_by_test_id("statement-row").filter(has_text=number)
        expect(row).to_contain_text(vnd(GOODS))
        expect(row.get_by_test_id("row-tax")).to_have_text(vnd(-(VAT + PIT)))
        expect(row).to_contain_text(vnd(NET))
        shot(producer, "producer-statement")
        producer.get_by_test_id("statement-print").click()
        expect(producer.get_by_test_id("statement-sheet")).to_contain_text(vnd(-(VAT + PIT)))

    with live_app.app_context():
        kinds = db.session.execute(
            sa.select(LedgerEntry.kind, LedgerEntry.amount).order_by(LedgerEntry.id)
        ).all()
        assert [(k, a) for k, a in kinds] == [
            (EntryKind.SALE, GOODS),
            (EntryKind.SHIPPING, SHIPPING_FEE),
            (EntryKind.COMMISSION, -COMMISSION),
            (EntryKind.TAX_VAT, -VAT),
            (EntryKind.TAX_PIT, -PIT),
            (EntryKind.PAYOUT, -NET),
        ]
        assert db.session.scalar(sa.select(PayoutLine.status)) == PayoutLineStatus.PAID
        db.session.remove()
