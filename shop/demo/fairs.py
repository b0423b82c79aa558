"""The demo's buyers' label reports, trade fairs and collective marks (issue #17, items 4–6),
made through the shop's own use cases like the rest of the demo; a second run adds nothing."""

from __future__ import annotations

import contextlib
import datetime as dt

import sqlalchemy as sa

from shop import clock
from shop.accounts.models import User
from shop.catalog.models import Product
from shop.errors import Refused
from shop.events import services as events
from shop.events.models import TradeEvent
from shop.extensions import db
from shop.marks import services as marks
from shop.marks.models import CollectiveMark
from shop.producers.models import Producer
from shop.reports import services as reports
from shop.reports.models import LabelReport
from shop.text import slugify

BUYER = "khach@demo.cho-ocop.vn"
MARKS = (
    (
        marks.MarkDetails(
            "Cà phê Buôn Ma Thuột",
            "gi",
            "00005",
            "UBND tỉnh Đắk Lắk",
            "Chỉ dẫn địa lý cho cà phê nhân Robusta trồng trên đất đỏ bazan quanh Buôn Ma Thuột.",
        ),
        "htx-ca-phe-ea-tul",
        ("Cà phê Robusta rang mộc Cư M'gar", "Cà phê phin Buôn Ma Thuột"),
    ),
    (
        marks.MarkDetails(
            "Nước mắm Phú Quốc",
            "gi",
            "00001",
            "Hội Sản xuất nước mắm Phú Quốc",
            "Nước mắm ủ từ cá cơm và muối trong thùng gỗ trên đảo Phú Quốc.",
        ),
        "nuoc-mam-bien-ngoc-phu-quoc",
        ("Nước mắm nhĩ cá cơm Phú Quốc 43 độ đạm", "Nước mắm cá cơm Phú Quốc 35 độ đạm"),
    ),
)
EVENTS = (
    (
        events.EventDetails(
            "Hội chợ OCOP và đặc sản vùng miền Đắk Lắk 2026",
            "fair",
            66,
            "Quảng trường 10/3, phường Buôn Ma Thuột",
            None,
            None,
            "Hơn 200 gian hàng OCOP của Tây Nguyên: nếm thử cà phê, mật ong và mắc ca.",
        ),
        (10, 14),
        "htx-ca-phe-ea-tul",
        ("Cà phê Robusta rang mộc Cư M'gar", "Cà phê phin Buôn Ma Thuột"),
    ),
    (
        events.EventDetails(
            "Tuần lễ nước mắm truyền thống Phú Quốc",
            "promotion",
            91,
            "Chợ đêm Phú Quốc, đường Bạch Đằng",
            None,
            None,
            "Tham quan nhà thùng và học cách chọn nước mắm nhĩ.",
        ),
        (20, 26),
        "nuoc-mam-bien-ngoc-phu-quoc",
        ("Nước mắm nhĩ cá cơm Phú Quốc 43 độ đạm",),
    ),
)


def load(staff: User) -> None:
    """Marks with their producers and products, upcoming events with sign-ups, and three
    buyers' reports (one closed), joining the demo's transaction."""
    _marks(staff)
    _events(staff)
    _reports(staff)


def _producer(slug: str) -> Producer:
    return db.session.scalar(sa.select(Producer).where(Producer.slug == slug))


def _product(name: str) -> Product | None:
    return db.session.scalar(sa.select(Product).where(Product.slug == slugify(name)))


def _marks(staff: User) -> None:
    for details, producer_slug, product_names in MARKS:
        number = details.registration_number
        if db.session.scalar(
            sa.select(CollectiveMark.id).where(CollectiveMark.registration_number == number)
        ):
            continue
        mark = marks.record(details, staff)
        producer = _producer(producer_slug)
        marks.allow(mark, producer, staff)
        for name in product_names:
            product = _product(name)
            if product is not None:
                marks.set_product_mark(product, mark, producer.owner)


def _events(staff: User) -> None:
    today = clock.today()
    for details, (first, last), producer_slug, product_names in EVENTS:
        if db.session.scalar(sa.select(TradeEvent.id).where(TradeEvent.name == details.name)):
            continue
        dated = events.EventDetails(
            **{
                **details.__dict__,
                "starts_on": today + dt.timedelta(days=first),
                "ends_on": today + dt.timedelta(days=last),
            }
        )
        event = events.publish(dated, staff)
        owner = _producer(producer_slug).owner
        for name in product_names:
            product = _product(name)
            if product is None:
                continue
            with contextlib.suppress(Refused):  # not on sale in this demo: no sign-up
                events.sign_up(event, product, owner)


def _reports(staff: User) -> None:
    if db.session.scalar(sa.select(LabelReport.id).limit(1)):
        return
    buyer = db.session.scalar(sa.select(User).where(User.email == BUYER))
    coffee = _product("Cà phê phin Buôn Ma Thuột")
    if coffee is not None and coffee.certificates:
        reports.report_product(
            coffee,
            coffee.certificates[0],
            reports.NewReport(
                "wrong_stars",
                "Gói cà phê mua ở chợ in 5 sao, nhưng trang này ghi 4 sao.",
                contact_email=BUYER,
            ),
            buyer,
        )
    reports.report_number(
        "OCOP-DL-2024-0999",
        reports.NewReport(
            "differs", "Chai mật ong bán ở bến xe ghi số này, tra không thấy.", language="vi"
        ),
        None,
    )
    fish_sauce = _product("Nước mắm cá cơm Phú Quốc 35 độ đạm")
    if fish_sauce is not None and fish_sauce.certificates:
        old = reports.report_product(
            fish_sauce,
            fish_sauce.certificates[0],
            reports.NewReport("expired_label", "Nhãn in hạn 2023.", contact_email=BUYER),
            buyer,
        )
        reports.close(
            old,
            staff,
            "not_confirmed",
            "Nhãn in năm sản xuất 2023, không phải hạn của giấy chứng nhận; giấy còn hiệu lực.",
        )
