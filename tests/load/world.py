"""The catalogue the load and fault tests sell from, and the SQL checks run afterwards."""

from __future__ import annotations

import sqlalchemy as sa

from shop import geo
from shop.catalog.models import Variant
from shop.enums import OrderStatus
from shop.orders.models import Order, OrderLine, SubOrder
from shop.payments.models import Payment
from tests.factories import make_producer, make_product
from tests.load.shoppers import Catalogue, Item

DAK_LAK = 66
PLENTY = 1_000_000
SCARCE = 3  # a few units that many shoppers compete for

PRODUCTS = [  # (producer, product, price, scarce)
    ("HTX Cà phê Ea Tu", "Cà phê Robusta Ea Tu", 150_000, False),
    ("HTX Cà phê Ea Tu", "Cà phê Arabica Cầu Đất", 210_000, True),
    ("HTX Mật ong Tây Nguyên", "Mật ong hoa cà phê", 120_000, False),
    ("HTX Mật ong Tây Nguyên", "Mật ong rừng U Minh", 320_000, True),
    ("Công ty Chè Thái Nguyên", "Chè Shan tuyết cổ thụ", 180_000, False),
    ("Công ty Chè Thái Nguyên", "Chè Tân Cương đặc biệt", 260_000, False),
    ("Hộ kinh doanh Nước mắm Phú Quốc", "Nước mắm Phú Quốc 40 độ đạm", 95_000, False),
    ("Hộ kinh doanh Nước mắm Phú Quốc", "Nước mắm nhĩ cá cơm", 140_000, True),
    ("HTX Gạo Sóc Trăng", "Gạo ST25 túi 5kg", 190_000, False),
    ("HTX Gạo Sóc Trăng", "Hạt điều rang muối Bình Phước", 230_000, False),
    ("HTX Gạo Sóc Trăng", "Tỏi Lý Sơn cô đơn", 280_000, True),
    ("Công ty Chè Thái Nguyên", "Bánh tráng Trảng Bàng", 60_000, False),
]
SEARCHES = ["ca phe", "mật ong", "che shan tuyet", "nuoc mam", "gao st25", "hat dieu", "toi ly son"]
DELIVERY = {
    "privacy_consent": "y",
    "full_name": "Trần Thị Mai",
    "phone": "0987 654 321",
    "email": "mai@example.vn",
    "province_code": str(DAK_LAK),
    "ward_code": str(geo.wards(DAK_LAK)[0][0]),
    "street": "15 Lê Duẩn",
    "note": "",
    "payment_method": "cod",
}


def build_catalogue(app, db) -> tuple[Catalogue, dict[int, int]]:
    """Create the producers and products (searchable in PostgreSQL); returns the catalogue
    and every variant's initial stock."""
    app.config["SEARCH_BACKEND"] = "postgres"  # rows of product_search written on commit
    app.extensions.pop("search_backend", None)
    producers = {}
    items = []
    for n, (producer_name, name, price, scarce) in enumerate(PRODUCTS, start=1):
        if producer_name not in producers:
            producers[producer_name] = make_producer(
                name=producer_name, slug=f"load-producer-{len(producers) + 1}"
            )
        product = make_product(
            producers[producer_name],
            name=name,
            slug=f"load-product-{n}",
            variants=[{"price": price, "stock": SCARCE if scarce else PLENTY, "sku": f"LOAD-{n}"}],
        )
        items.append(Item(product.slug, product.variants[0].id, low_stock=scarce))
    db.session.commit()
    initial = dict(db.session.execute(sa.select(Variant.id, Variant.stock)).all())
    return Catalogue(items=items, searches=SEARCHES, delivery=DELIVERY), initial


def consistency_problems(db, initial_stock: dict[int, int]) -> list[str]:
    """Everything wrong with the orders and the stock, by SQL (an empty list when whole)."""
    db.session.expire_all()
    return [*_order_problems(db), *_sub_order_problems(db), *_stock_problems(db, initial_stock)]


def _order_problems(db) -> list[str]:
    subs = (
        sa.select(
            SubOrder.order_id,
            sa.func.count().label("n"),
            sa.func.sum(SubOrder.subtotal).label("subtotal"),
            sa.func.sum(SubOrder.shipping_fee).label("shipping"),
        )
        .group_by(SubOrder.order_id)
        .subquery()
    )
    pays = (
        sa.select(
            Payment.order_id,
            sa.func.count().label("n"),
            sa.func.sum(Payment.amount).label("amount"),
        )
        .group_by(Payment.order_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(
            Order.number,
            Order.subtotal,
            Order.shipping_total,
            Order.total,
            subs.c.n,
            subs.c.subtotal,
            subs.c.shipping,
            pays.c.n,
            pays.c.amount,
        )
        .outerjoin(subs, subs.c.order_id == Order.id)
        .outerjoin(pays, pays.c.order_id == Order.id)
    ).all()
    problems = []
    for number, subtotal, shipping, total, n_subs, s_sub, s_ship, n_pay, paid in rows:
        if not number.startswith("OCOP-"):
            problems.append(f"order {number}: no final number")
        if not n_subs:
            problems.append(f"order {number}: no sub-order")
        elif (s_sub, s_ship) != (subtotal, shipping):
            problems.append(f"order {number}: sub-orders add up to {s_sub}+{s_ship}")
        if total != subtotal + shipping:
            problems.append(f"order {number}: total {total} != {subtotal}+{shipping}")
        if n_pay != 1 or paid != total:
            problems.append(f"order {number}: {n_pay} payment rows for {paid}")
    keys = db.session.execute(
        sa.select(sa.func.count(Order.id), sa.func.count(sa.distinct(Order.idempotency_key)))
    ).one()
    if keys[0] != keys[1]:
        problems.append(f"{keys[0]} orders but {keys[1]} idempotency keys")
    return problems


def _sub_order_problems(db) -> list[str]:
    rows = db.session.execute(
        sa.select(
            SubOrder.id,
            SubOrder.subtotal,
            SubOrder.shipping_fee,
            SubOrder.total,
            sa.func.count(OrderLine.id),
            sa.func.coalesce(sa.func.sum(OrderLine.line_total), 0),
            sa.func.count(OrderLine.id).filter(
                OrderLine.line_total != OrderLine.unit_price * OrderLine.quantity
            ),
        )
        .outerjoin(OrderLine, OrderLine.sub_order_id == SubOrder.id)
        .group_by(SubOrder.id)
    ).all()
    problems = []
    for sub_id, subtotal, fee, total, n_lines, lines_total, wrong_lines in rows:
        if not n_lines:
            problems.append(f"sub-order {sub_id}: no line")
        if lines_total != subtotal or total != subtotal + fee or wrong_lines:
            problems.append(f"sub-order {sub_id}: lines {lines_total}, {subtotal}+{fee}={total}")
    return problems


def _stock_problems(db, initial_stock: dict[int, int]) -> list[str]:
    """initial − Σ quantity of lines in shipments not cancelled == stock, for every variant.

    Cash-on-delivery orders hold no stock to release; a cancelled shipment (by the buyer, the
    producer or release_expired_holds) gives its lines back, so it does not count.
    """
    sold = dict(
        db.session.execute(
            sa.select(OrderLine.variant_id, sa.func.sum(OrderLine.quantity))
            .join(SubOrder, SubOrder.id == OrderLine.sub_order_id)
            .where(SubOrder.status != OrderStatus.CANCELLED)
            .group_by(OrderLine.variant_id)
        ).all()
    )
    stock = dict(db.session.execute(sa.select(Variant.id, Variant.stock)).all())
    return [
        f"variant {vid}: {initial} - {sold.get(vid, 0)} sold != {stock[vid]} in stock"
        for vid, initial in sorted(initial_stock.items())
        if initial - sold.get(vid, 0) != stock[vid]
    ]


def order_numbers(db) -> dict[str, str]:
    """Every order in the database: idempotency key -> number."""
    return dict(db.session.execute(sa.select(Order.idempotency_key, Order.number)).all())
