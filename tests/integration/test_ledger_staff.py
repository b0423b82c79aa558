"""Staff and the money: adjustments, the monthly tax list (page and CSV), and cash on delivery
reconciled with what the carriers remitted. Figures written out (see test_ledger.py's prices:
honey 123 450 đ from a household business, coffee 100 000 đ from a cooperative)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from shop import clock
from shop.audit import AuditEntry
from shop.enums import OrderStatus, PaymentMethod
from shop.ledger import services as ledger
from shop.ledger.models import CodRemittance, EntryKind, LedgerEntry
from shop.ledger.staff_services import tax_list
from shop.orders import states
from shop.payments.services import confirm_transfer
from tests.conftest import csrf_from
from tests.integration import test_ledger
from tests.integration.test_buyer_orders import place_for, walk
from tests.integration.test_ledger import subs

S = OrderStatus
shop_world = test_ledger.shop_world  # the fixture, shared


def deliver(sub, tracking: str) -> None:
    walk(sub, S.CONFIRMED, S.PACKED)
    states.transition(
        sub, S.SHIPPED, role=states.PRODUCER, actor_id=None, carrier="GHN", tracking_number=tracking
    )
    walk(sub, S.DELIVERED)


@pytest.fixture
def november(db, shop_world, frozen_today):
    """Household honey in November 2026: COD 1 bottle (delivered 10/11), COD 2 bottles
    (delivered 30/11 at 23:30, Vietnam), 1 bottle by transfer confirmed 30/11 and cancelled on
    1/12 at 00:30 (Vietnam: still 30/11 in UTC); and coffee from the cooperative, COD."""
    w = shop_world
    frozen_today(dt.datetime(2026, 11, 10, 9, 0, tzinfo=clock.SHOP_TZ))
    one = place_for(db, None, (w["honey"], 1), (w["coffee"], 1))
    coffee_sub, honey_sub = subs(one, w)
    deliver(honey_sub, "HONEY1")
    deliver(coffee_sub, "COFFEE1")
    db.session.commit()
    frozen_today(dt.datetime(2026, 11, 30, 23, 30, tzinfo=clock.SHOP_TZ))
    two = place_for(db, None, (w["honey"], 2))
    deliver(two.sub_orders[0], "HONEY2")
    transfer = place_for(db, None, (w["honey"], 1), method=PaymentMethod.BANK_TRANSFER)
    confirm_transfer(transfer, w["staff"])
    frozen_today(dt.datetime(2026, 12, 1, 0, 30, tzinfo=clock.SHOP_TZ))
    states.transition(transfer.sub_orders[0], S.CANCELLED, role=states.STAFF, actor_id=None)
    db.session.commit()
    return w


def test_the_tax_list_counts_household_sales_by_vietnamese_month_with_cancellations_offset(
    db, november
):
    household = november["household"]
    (nov,) = tax_list(2026, 11)
    assert nov.producer_id == household.id  # the cooperative is not listed
    # sales 123 450 + 246 900 + 123 450; VAT 1 235 + 2 469 + 1 235; PIT 617 + 1 235 + 617
    assert (nov.sales, nov.offset, nov.revenue, nov.vat, nov.pit) == (
        493_800,
        0,
        493_800,
        4_939,
        2_469,
    )
    (dec,) = tax_list(2026, 12)
    assert (dec.sales, dec.offset, dec.revenue, dec.vat, dec.pit) == (
        0,
        -123_450,
        -123_450,
        -1_235,
        -617,
    )
    assert tax_list(2026, 10) == []


def staff_client(app, db, user):
    from tests.integration.test_buyer_orders import sign_in

    return sign_in(app, db, user)


def test_the_tax_list_page_and_its_csv_for_the_accountant(app, db, november):
    client = staff_client(app, db, november["staff"])
    page = client.get("/staff/money/tax?month=2026-11").get_data(as_text=True)
    assert "Hộ Mật ong Mèo Vạc" in page
    assert "HTX Cà phê" not in page
    assert "₫4,939" in page and "₫2,469" in page and "₫493,800" in page
    answer = client.get("/staff/money/tax.csv?month=2026-11")
    assert answer.mimetype == "text/csv"
    assert 'filename="thue-khau-tru-2026-11.csv"' in answer.headers["Content-Disposition"]
    body = answer.get_data()
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    code = november["household"].tax_code
    assert lines == [
        "Month,Seller,Tax code or ID number,Legal form,Sales paid (₫),Cancelled or returned (₫),"
        "Revenue (₫),VAT withheld (₫),PIT withheld (₫)",
        f"11/2026,Hộ Mật ong Mèo Vạc,{code},Household business (hộ kinh doanh),"
        "493800,0,493800,4939,2469",
        "11/2026,Total,,,493800,0,493800,4939,2469",
    ]
    bad = client.get("/staff/money/tax?month=2026-13")
    assert bad.status_code == 400
    assert "Choose a month, like 2026-11." in bad.get_data(as_text=True)


def test_the_tax_list_csv_is_in_vietnamese_by_default(app, db, november):
    client = staff_client(app, db, november["staff"])
    client.set_cookie("lang", "vi")
    text = client.get("/staff/money/tax.csv?month=2026-12").get_data().decode("utf-8-sig")
    first, row, total = text.splitlines()
    assert first.startswith("Tháng,Người bán,Mã số thuế hoặc số định danh,")
    assert row.endswith(",0,-123450,-123450,-1235,-617")


def post_form(client, path: str, data: dict, page: str, **extra):
    html = client.get(page).get_data(as_text=True)
    return client.post(path, data={**data, "csrf_token": csrf_from(html)}, **extra)


def test_an_adjustment_with_its_reason_is_written_once_and_audited(app, db, shop_world):
    client = staff_client(app, db, shop_world["staff"])
    coop = shop_world["coop"]
    form = {
        "producer_id": coop.id,
        "amount": "-25.000",
        "reason": "Hộp vỡ, shop chịu 1 nửa",
        "key": "k" * 20,
    }
    first = post_form(client, "/staff/money/adjustments", form, "/staff/money")
    again = post_form(client, "/staff/money/adjustments", form, "/staff/money")
    assert (first.status_code, again.status_code) == (302, 302)
    db.session.expire_all()
    assert ledger.balances(coop.id) == ledger.Balances(pending=0, available=-25_000, paid=0)
    (entry,) = db.session.scalars(sa.select(LedgerEntry)).all()
    assert (entry.kind, entry.note, entry.actor_id) == (
        EntryKind.ADJUSTMENT,
        "Hộp vỡ, shop chịu 1 nửa",
        shop_world["staff"].id,
    )
    (audit,) = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "ledger.adjusted")
    )
    assert audit.reason == "Hộp vỡ, shop chịu 1 nửa"
    log = client.get("/staff/audit").get_data(as_text=True)
    assert "adjusted the balance of the producer HTX Cà phê Cư M&#39;gar by -₫25,000: Hộp vỡ" in log


@pytest.mark.parametrize(
    "change, message",
    [
        ({"amount": "0"}, "Give an amount other than 0"),
        ({"amount": "12,5"}, "Give a whole amount in đồng"),
        ({"reason": "hm"}, "Say why, in a few words"),
    ],
)
def test_a_bad_adjustment_is_refused_and_writes_nothing(app, db, shop_world, change, message):
    client = staff_client(app, db, shop_world["staff"])
    form = {"producer_id": shop_world["coop"].id, "amount": "10.000", "reason": "Phí đã thoả thuận"}
    answer = post_form(
        client, "/staff/money/adjustments", {**form, "key": "x" * 20, **change}, "/staff/money"
    )
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "ledger.adjusted")
        )
        == 0
    )


def test_cod_remittances_show_what_differs_from_what_the_shipments_were_to_collect(
    app, db, november
):
    client = staff_client(app, db, november["staff"])
    # to collect: HONEY1 123 450 + 30 000; COFFEE1 100 000 + 30 000; HONEY2 246 900 + 30 000
    page = client.get("/staff/money/cod").get_data(as_text=True)
    assert page.count('data-testid="cod-row"') == 3
    form = {
        "carrier": "GHN",
        "reference": "DS-2026-11-30",
        "received_on": "2026-12-01",
        "lines": "tracking,amount\nHONEY1, 153.450\nCOFFEE1;100000\nHONEY2\t276.900\n",
    }
    answer = post_form(client, "/staff/money/cod", form, "/staff/money/cod")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    page = client.get("/staff/money/cod").get_data(as_text=True)
    assert page.count('data-testid="cod-row"') == 1  # only COFFEE1 differs
    assert "COFFEE1" in page and "-₫30,000" in page
    everything = client.get("/staff/money/cod?all=1").get_data(as_text=True)
    assert everything.count('data-testid="cod-row"') == 3
    twice = post_form(client, "/staff/money/cod", form, "/staff/money/cod")
    assert twice.status_code == 400
    assert "recorded already" in twice.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(CodRemittance.id))) == 1


@pytest.mark.parametrize(
    "lines, message",
    [
        ("HONEY1, 153.450\nNOPE9, 1000", "Lines 2 name no single cash-on-delivery shipment"),
        ("HONEY1, 153.450\nHONEY1, 1", "A tracking number is given twice."),
        ("HONEY1 one hundred", "Lines 1 are not “tracking number, amount”."),
        ("", "Give at least one line"),
    ],
)
def test_a_remittance_that_cannot_be_read_is_refused_whole(app, db, november, lines, message):
    client = staff_client(app, db, november["staff"])
    form = {"carrier": "GHN", "reference": "DS-1", "received_on": "2026-12-01", "lines": lines}
    answer = post_form(client, "/staff/money/cod", form, "/staff/money/cod")
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(CodRemittance.id))) == 0


def test_a_remittance_csv_upload_is_read_and_a_binary_file_refused(app, db, november):
    client = staff_client(app, db, november["staff"])
    csv_bytes = "\ufeffmã vận đơn,số tiền\nHONEY2,276900\n".encode()
    form = {"carrier": "GHN", "reference": "DS-2", "received_on": "2026-12-01"}
    binary = post_form(
        client,
        "/staff/money/cod",
        {**form, "upload": (io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), "x.csv")},
        "/staff/money/cod",
        content_type="multipart/form-data",
    )
    assert binary.status_code == 400
    assert "not a CSV text file" in binary.get_data(as_text=True)
    good = post_form(
        client,
        "/staff/money/cod",
        {**form, "upload": (io.BytesIO(csv_bytes), "ghn.csv")},
        "/staff/money/cod",
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    (remittance,) = db.session.scalars(sa.select(CodRemittance)).all()
    assert [(line.sub_order.tracking_number, line.amount) for line in remittance.lines] == [
        ("HONEY2", 276_900)
    ]


def test_the_balances_page_lists_each_producer(app, db, november):
    client = staff_client(app, db, november["staff"])
    page = client.get("/staff/money").get_data(as_text=True)
    assert page.count('data-testid="balance-row"') == 2
