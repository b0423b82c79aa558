"""The year report, against a world built through the services (sign-up, listing,
submission and review, revocation, checkout, cancellation), each step on its own moment.

The world (report year 2025, province Đắk Lắk; today is 30/11/2026):

  producer            area                 legal form           products (set, group)
  P1 HTX Cà phê Buôn  Đắk Lắk, ward W1     cooperative          A coffee (14, II), B honey (4, I),
                                                                F tea (14, II), G rice (3, I)
  P2 Cty Dược Ea      Đắk Lắk, ward W2     enterprise           C herbs (18, III), E honey (4, I)
  P3 Hộ Mây tre       Hà Nội               household business   D basket (21, IV)

  certificate  decided     stars level     story
  A            31/12/2025  4     province  approved at 23:00 on 31/12/2025 (Vietnam)
  B            15/06/2025  3     district  revoked at 00:30 on 01/01/2026 Vietnam = 17:30 UTC 31/12
  C            01/03/2025  5     national  revoked at 23:30 on 31/12/2025 Vietnam, reason given
  D            05/05/2025  5     province  approved
  E            01/02/2022  4     province  expired 01/02/2025, never renewed
  F-old        01/08/2022  3     province  expired 01/08/2025; renewed by F-new
  F-new        01/07/2025  4     province  submitted as renewing F-old, approved 05/07/2025
  G            01/01/2026  3     province  approved

  order  placed (Vietnam)     buyer                      to        lines                status
  O1     31/12/2025 23:30     account U1                 Hà Nội    A×2 (100.000)        placed
  O2     01/01/2026 00:30     account U1                 Hà Nội    A×1                  placed
  O3     20/06/2025 10:00     guest mai@example.vn       Đắk Lắk   B×1 (50.000), D×1 (80.000)
  O4     01/04/2025 09:00     account U2                 Đắk Lắk   C×3 (200.000)        cancelled
  O5     05/03/2025 09:00     guest MAI@example.vn       HCM city  C×1
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets

import pytest
from flask_babel import force_locale

from shop import clock, geo
from shop.accounts.services import create_user
from shop.cart import services as carts
from shop.cart.models import Cart
from shop.certification import services as certification
from shop.checkout.services import Delivery, place_order
from shop.enums import IssuingLevel, LegalForm, Role
from shop.orders import buyer_services
from shop.producers import listing_services as listing
from shop.producers.services import register_producer
from shop.programme import year_report
from shop.programme.year_report import Area
from tests import scans
from tests.factories import valid_tax_code

VN = clock.SHOP_TZ
DAK_LAK, HA_NOI, HCM = 66, 1, 79
TODAY = dt.date(2026, 11, 30)


def at(*parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=VN)


def ward(province: int, index: int = 0) -> int:
    return geo.wards(province)[index][0]


class World:
    pass


def _producer(n, name, legal_form, province, ward_code, when):
    with clock.frozen(when):
        return register_producer(
            email=f"p{n}@example.vn",
            password="mat-khau-123",
            full_name=f"Chủ {n}",
            producer_name=name,
            legal_form=legal_form,
            tax_code=valid_tax_code(900 + n),
            province_code=province,
            ward_code=ward_code,
            street="1 Đường Thử",
            phone=f"+8490123450{n}",
        )


def _product(producer, name, set_code, price, when):
    with clock.frozen(when):
        owner = producer.owner
        product = listing.create_product(
            producer, listing.ProductDetails(name, set_code, "Mô tả."), owner
        )
        sku = f"SKU-{secrets.token_hex(4)}"
        listing.add_variant(product, listing.VariantDetails("Gói", sku, price, 100, 500), owner)
        listing.change_status(product, "publish", owner)
    return product


def _certify(product, number, decided, stars, level, staff, *, approve_at, renews=None):
    with clock.frozen(approve_at - dt.timedelta(hours=1)):
        certificate = certification.submit(
            product.producer,
            product,
            certification.Submission(
                number=number,
                decision_number=f"{number}/QĐ",
                decision_date=decided,
                issuing_body="UBND tỉnh",
                issuing_level=level,
                stars=stars,
                renews_id=renews.id if renews else None,
            ),
            scans.png_bytes(),
        )
    with clock.frozen(approve_at):
        certification.approve(certificate, staff)
    return certificate


def _buy(db, when, items, *, user=None, email="u@example.vn", province=HA_NOI):
    with clock.frozen(when):
        cart = Cart(token=secrets.token_urlsafe(32)[:43])
        db.session.add(cart)
        for product, quantity in items:
            carts.add(cart, product.variants[0].id, quantity)
        db.session.commit()
        delivery = Delivery(
            "Người Mua", "+84987654321", email, "1 Lê Duẩn", ward(province), province, ""
        )
        return place_order(
            cart,
            delivery,
            "cod",
            secrets.token_hex(16),
            carts.view(cart).total,
            user.id if user else None,
        )


@pytest.fixture(scope="function")
def world(db, frozen_today):
    w = World()
    start = at(2021, 6, 1, 9)
    with clock.frozen(start):
        w.staff = create_user(
            email="staff@example.vn", password="mat-khau-123", full_name="Cán bộ", role=Role.STAFF
        )
        w.u1 = create_user(email="u1@example.vn", password="mat-khau-123", full_name="Mua 1")
        w.u2 = create_user(email="u2@example.vn", password="mat-khau-123", full_name="Mua 2")
    w.w1, w.w2 = ward(DAK_LAK, 0), ward(DAK_LAK, 1)
    p1 = _producer(1, "HTX Cà phê Buôn", LegalForm.COOPERATIVE, DAK_LAK, w.w1, start)
    p2 = _producer(2, "Cty Dược Ea", LegalForm.ENTERPRISE, DAK_LAK, w.w2, start)
    p3 = _producer(3, "Hộ Mây tre", LegalForm.HOUSEHOLD_BUSINESS, HA_NOI, ward(HA_NOI), start)
    a = _product(p1, "Cà phê A", 14, 100_000, start)
    b = _product(p1, "Mật ong B", 4, 50_000, start)
    f = _product(p1, "Trà F", 14, 70_000, start)
    g = _product(p1, "Gạo G", 3, 30_000, start)
    c = _product(p2, "Dược liệu C", 18, 200_000, start)
    e = _product(p2, "Mật ong E", 4, 60_000, start)
    d = _product(p3, "Giỏ mây D", 21, 80_000, start)
    P, D, N = IssuingLevel.PROVINCE, IssuingLevel.DISTRICT, IssuingLevel.NATIONAL
    s = w.staff
    _certify(e, "E-1", dt.date(2022, 2, 1), 4, P, s, approve_at=at(2022, 2, 10, 9))
    w.f_old = _certify(f, "F-1", dt.date(2022, 8, 1), 3, P, s, approve_at=at(2022, 8, 10, 9))
    w.c = _certify(c, "C-1", dt.date(2025, 3, 1), 5, N, s, approve_at=at(2025, 3, 2, 9))
    _certify(d, "D-1", dt.date(2025, 5, 5), 5, P, s, approve_at=at(2025, 5, 6, 9))
    w.b = _certify(b, "B-1", dt.date(2025, 6, 15), 3, D, s, approve_at=at(2025, 6, 16, 9))
    w.f_new = _certify(
        f, "F-2", dt.date(2025, 7, 1), 4, P, s, approve_at=at(2025, 7, 5, 9), renews=w.f_old
    )
    _certify(a, "A-1", dt.date(2025, 12, 31), 4, P, s, approve_at=at(2025, 12, 31, 23))
    _certify(g, "G-1", dt.date(2026, 1, 1), 3, P, s, approve_at=at(2026, 1, 1, 10))
    _buy(db, at(2025, 3, 5, 9), [(c, 1)], email="MAI@example.vn", province=HCM)  # O5
    o4 = _buy(db, at(2025, 4, 1, 9), [(c, 3)], user=w.u2, province=DAK_LAK)
    with clock.frozen(at(2025, 4, 1, 10)):
        buyer_services.cancel_shipment(o4.sub_orders[0], w.u2)
    _buy(db, at(2025, 6, 20, 10), [(b, 1), (d, 1)], email="mai@example.vn", province=DAK_LAK)
    _buy(db, at(2025, 12, 31, 23, 30), [(a, 2)], user=w.u1)  # O1
    _buy(db, at(2026, 1, 1, 0, 30), [(a, 1)], user=w.u1)  # O2
    with clock.frozen(at(2025, 12, 31, 23, 30)):
        certification.revoke(w.c, s, "Sai thành phần so với hồ sơ")
    with clock.frozen(at(2026, 1, 1, 0, 30)):
        certification.revoke(w.b, s, "Nhãn ghi sai số sao")
    db.session.commit()
    return w


def rows(breakdown):
    return {row.key: row.value for row in breakdown}


def test_the_province_in_2025(world):
    with force_locale("en"):
        report = year_report.build(2025, Area(DAK_LAK), TODAY)
    assert (report.certificates, report.products, report.producers) == (4, 4, 2)
    assert rows(report.by_stars) == {"3": 1, "4": 2, "5": 1}
    assert rows(report.by_level) == {"district": 1, "province": 2, "national": 1}
    assert rows(report.by_group) == {"I": 1, "II": 2, "III": 1}
    assert rows(report.by_set) == {"14": 2, "4": 1, "18": 1}
    assert rows(report.by_legal_form) == {
        "cooperative": 1,
        "enterprise": 1,
        "cooperative_group": 0,
        "household_business": 0,
    }
    assert [(c.number, renewed) for c, renewed in report.expired] == [
        ("E-1", False),
        ("F-1", True),
    ]
    # C was revoked at 23:30 on 31 December in Vietnam: in 2025. B at 00:30 on 1 January
    # in Vietnam, which is still 31 December in UTC: in 2026, not here.
    assert [(c.number, c.revoke_reason) for c in report.revoked] == [
        ("C-1", "Sai thành phần so với hồ sơ")
    ]
    assert [c.number for c in report.renewals] == ["F-2"]
    assert report.still_listed == 2  # A and F (F-2); B and C revoked
    assert report.listed_now == 3  # A, F, G
    # O1 (A×2 = 200.000, at 23:30 on 31/12), O3 (B×1 = 50.000; D is in Hà Nội), O5 (C×1 =
    # 200.000); O4 was cancelled and O2 was placed on 1 January in Vietnam.
    assert report.orders == 3
    assert report.revenue == 450_000
    assert report.quantity == 4
    assert report.buyers == 2  # U1, and the guest mai@example.vn (however it was typed)
    assert report.provinces_reached == 3  # Hà Nội, Đắk Lắk, Hồ Chí Minh
    assert [(g.key, g.label, g.orders, g.quantity, g.revenue) for g in report.sales_by_group] == [
        ("I", "Food", 1, 1, 50_000),
        ("II", "Beverages", 1, 2, 200_000),
        ("III", "Medicinal herbs and herbal products", 1, 1, 200_000),
    ]


def test_the_next_year_across_the_boundary(world):
    report = year_report.build(2026, Area(DAK_LAK), TODAY)
    assert report.certificates == 1  # G, decided 1 January 2026
    assert [c.number for c in report.revoked] == ["B-1"]
    assert (report.orders, report.revenue, report.buyers) == (1, 100_000, 1)  # O2


def test_a_commune_and_the_whole_shop(world):
    commune = year_report.build(2025, Area(DAK_LAK, world.w1), TODAY)
    assert (commune.certificates, commune.products, commune.producers) == (3, 3, 1)
    assert (commune.orders, commune.revenue) == (2, 250_000)  # O1 and O3's B
    whole = year_report.build(2025, Area(), TODAY)
    assert (whole.certificates, whole.producers) == (5, 3)
    assert rows(whole.by_legal_form)["household_business"] == 1
    assert (whole.orders, whole.revenue, whole.quantity) == (3, 530_000, 5)


def test_the_csv_starts_with_a_bom_and_holds_the_figures(world):
    with force_locale("vi"):
        data = year_report.to_csv(year_report.build(2025, Area(DAK_LAK), TODAY))
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    figures = {(r[0], r[1]): r[3] for r in table[1:]}
    assert figures[("certified", "certificates")] == "4"
    assert figures[("stars", "4")] == "2"
    assert figures[("sales", "revenue")] == "450000"
    assert figures[("revoked", "C-1")] == "2025-12-31"
    assert ["revoked", "C-1", "Dược liệu C", "2025-12-31", "Sai thành phần so với hồ sơ"] in table
    assert table[1][2] == "Đắk Lắk"
