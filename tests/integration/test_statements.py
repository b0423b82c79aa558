"""The producer's view of its money: balances on the dashboard, a monthly statement per
shipment (sale, commission, tax withheld, net) as a page, a CSV with a BOM and an A4 page.

Figures written out: honey 123 450 đ a jar from a household business (5 % commission, 1 %
VAT and 0.5 % PIT withheld), coffee 100 000 đ a bag from a cooperative (no tax withheld);
shipping 30 000 đ; available 7 days after delivery.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from shop.enums import LegalForm, OrderStatus
from shop.payouts import statements
from tests.factories import make_producer, make_product
from tests.integration.test_buyer_orders import place_for, walk

S = OrderStatus


@pytest.fixture
def sold(db, frozen_today):
    frozen_today(dt.date(2026, 11, 20))
    household = make_producer(
        name="Hộ kinh doanh Mật ong Mèo Vạc", legal_form=LegalForm.HOUSEHOLD_BUSINESS
    )
    coop = make_producer(name="HTX Cà phê Cư M'gar", legal_form=LegalForm.COOPERATIVE)
    honey = make_product(household, variants=[{"price": 123_450, "stock": 50, "label": "Hũ"}])
    coffee = make_product(coop, variants=[{"price": 100_000, "stock": 50, "label": "Túi"}])
    db.session.commit()
    order = place_for(db, None, (honey, 3), (coffee, 2))  # cash on delivery
    for sub in order.sub_orders:
        walk(sub, S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED)
    db.session.commit()
    frozen_today(dt.date(2026, 11, 30))
    return {"household": household, "coop": coop, "order": order}


def test_the_household_statement_shows_the_tax_withheld_and_the_cooperative_none(db, sold):
    month = dt.date(2026, 11, 1)
    honey = statements.statement(sold["household"].id, month).shipments
    coffee = statements.statement(sold["coop"].id, month).shipments
    number = sold["order"].number
    # 370 350 goods; commission 18 518; VAT 3 704; PIT 1 852 (rounded half up)
    assert [(r.order_number, r.sale, r.shipping, r.commission, r.tax, r.net) for r in honey] == [
        (number, 370_350, 30_000, -18_518, -5_556, 376_276)
    ]
    assert [(r.sale, r.shipping, r.commission, r.tax, r.net) for r in coffee] == [
        (200_000, 30_000, -10_000, 0, 220_000)
    ]


def test_the_balances_and_the_statement_pages_for_the_producer(db, sold, client, login):
    login(sold["household"].owner)
    dashboard = client.get("/producer/").get_data(as_text=True)
    assert "376.276" in dashboard  # available: delivered 20 November, + 7 days
    page = client.get("/producer/statements/2026-11")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "-5.556" in html and "376.276" in html
    sheet = client.get("/producer/statements/2026-11/print").get_data(as_text=True)
    assert 'data-testid="statement-sheet"' in sheet and sold["household"].tax_code in sheet


def test_the_statement_csv_is_utf8_with_a_bom_and_whole_dong(db, sold, client, login):
    login(sold["household"].owner)
    response = client.get("/producer/statements/2026-11/csv")
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == [
        "Ngày",
        "Đơn hàng",
        "Tiền hàng",
        "Phí vận chuyển",
        "Hoa hồng",
        "Thuế GTGT đã khấu trừ",
        "Thuế TNCN đã khấu trừ",
        "Thực nhận",
    ]
    assert rows[1] == [
        "20/11/2026",
        sold["order"].number,
        "370350",
        "30000",
        "-18518",
        "-3704",
        "-1852",
        "376276",
    ]
    assert rows[2][0] == "Tổng cộng" and rows[2][-1] == "376276"


def test_a_month_in_the_future_or_not_a_month_is_not_found(db, sold, client, login):
    login(sold["household"].owner)
    assert client.get("/producer/statements/2027-01").status_code == 404
    assert client.get("/producer/statements/tháng-11").status_code == 404


def test_another_producer_sees_only_its_own_statement(db, sold, client, login):
    login(sold["coop"].owner)
    html = client.get("/producer/statements/2026-11").get_data(as_text=True)
    assert "220.000" in html and "376.276" not in html
