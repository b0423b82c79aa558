"""The producer's order pages: list, detail and moves, packing slip, CSV export, sales figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets

import pytest
import sqlalchemy as sa

from shop import clock, geo
from shop.cart import services as carts
from shop.cart.models import Cart, CartLine
from shop.catalog.models import Variant
from shop.checkout.services import Delivery, place_order
from shop.enums import OrderStatus, PaymentMethod, ProductStatus, Role
from shop.mail import OutboxMessage
from shop.orders import charts, producer_services, states
from shop.orders.models import Order, SubOrder, SubOrderEvent
from tests.conftest import csrf_from
from tests.factories import make_producer, make_product, make_user

S = OrderStatus
VN = clock.SHOP_TZ
DAK_LAK = 66


def ward(province: int) -> int:
    return geo.wards(province)[0][0]


@pytest.fixture
def producer(db, frozen_today):
    producer = make_producer(name="Hợp tác xã Mật ong Bắc Hà", phone="+84912345678")
    db.session.commit()
    return producer


@pytest.fixture
def honey(db, producer):
    """Two variants with plenty of stock: 120.000 ₫ and 200.000 ₫."""
    product = make_product(
        producer,
        name="Mật ong bạc hà",
        variants=[
            {"sku": "MO-500", "label": "Hũ 500g", "price": 120_000, "stock": 100},
            {"sku": "MO-1KG", "label": "Hũ 1kg", "price": 200_000, "stock": 100},
        ],
    )
    db.session.commit()
    return product


def buy(db, *items, name="Nguyễn Thị Mai", at=None, method=PaymentMethod.COD, note=""):
    """Place an order of (variant, quantity) pairs through place_order, at `at` (Vietnam time)."""
    cart = Cart(token=secrets.token_urlsafe(32)[:43])
    db.session.add(cart)
    for variant, quantity in items:
        db.session.add(CartLine(cart=cart, variant_id=variant.id, quantity=quantity))
    db.session.commit()
    delivery = Delivery(
        name, "+84987654321", "mai@example.vn", "1 Lê Duẩn", ward(DAK_LAK), DAK_LAK, note
    )
    moment = at.replace(tzinfo=VN) if at else clock.now()
    with clock.frozen(moment):
        return place_order(cart, delivery, method, secrets.token_hex(16), carts.view(cart).total)


def own_sub(order: Order, producer) -> SubOrder:
    return next(sub for sub in order.sub_orders if sub.producer_id == producer.id)


def set_status(db, sub: SubOrder, status: OrderStatus) -> None:
    sub.status = status
    db.session.commit()


def page_of(sub: SubOrder) -> str:
    return f"/producer/orders/{sub.id}"


def move(client, sub: SubOrder, target: str, **form):
    token = csrf_from(client.get(page_of(sub)).get_data(as_text=True))
    return client.post(
        f"{page_of(sub)}/move",
        data={"target": target, "csrf_token": token, **form},
        follow_redirects=True,
    )


def fresh(db, sub: SubOrder) -> SubOrder:
    db.session.expire_all()
    return db.session.get(SubOrder, sub.id)


def mails(db) -> list[OutboxMessage]:
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def row_numbers(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/producer/orders/\d+">([^<]+)</a>', html)


def test_the_list_shows_new_orders_first_then_the_others_newest_first(
    db, client, english, login, producer, honey
):
    small, big = honey.variants
    old = buy(db, (small, 2), at=dt.datetime(2026, 11, 1, 9, 0))
    newer = buy(db, (small, 1), (big, 1), at=dt.datetime(2026, 11, 20, 9, 0))
    confirmed = buy(db, (big, 3), name="Trần Văn Bình", at=dt.datetime(2026, 11, 25, 15, 5))
    set_status(db, own_sub(confirmed, producer), S.CONFIRMED)
    login(producer.owner)
    html = client.get("/producer/orders").get_data(as_text=True)
    assert row_numbers(html) == [newer.number, old.number, confirmed.number]
    row = html[html.index(confirmed.number) :].split("</tr>")[0]
    assert "25/11/2026 15:05" in row and "Trần Văn Bình" in row
    assert ">3</td>" in row  # items
    assert "₫600,000" in row and ">confirmed<" in row
    assert "3 orders" in html


def test_the_list_filters_by_status_and_by_the_days_orders_were_placed(
    db, client, english, login, producer, honey
):
    small = honey.variants[0]
    first = buy(db, (small, 1), at=dt.datetime(2026, 10, 31, 23, 30))
    second = buy(db, (small, 1), at=dt.datetime(2026, 11, 1, 0, 30))
    third = buy(db, (small, 1), at=dt.datetime(2026, 11, 15, 8, 0))
    set_status(db, own_sub(third, producer), S.PACKED)
    login(producer.owner)

    def numbers(query: str) -> list[str]:
        return row_numbers(client.get(f"/producer/orders?{query}").get_data(as_text=True))

    assert numbers("status=packed") == [third.number]
    assert numbers("status=placed") == [second.number, first.number]
    assert numbers("since=01/11/2026") == [second.number, third.number]
    assert numbers("until=2026-10-31") == [first.number]
    assert numbers("since=2026-11-01&until=14/11/2026") == [second.number]
    assert "No order matches these filters." in client.get(
        "/producer/orders?status=delivered"
    ).get_data(as_text=True)


def test_the_list_is_paged_and_the_pager_keeps_the_filters(
    db, client, english, login, producer, honey, monkeypatch
):
    monkeypatch.setattr(producer_services, "PAGE_SIZE", 2)
    orders = [
        buy(db, (honey.variants[0], 1), at=dt.datetime(2026, 11, day, 10, 0)) for day in (1, 2, 3)
    ]
    login(producer.owner)
    first = client.get("/producer/orders?status=placed").get_data(as_text=True)
    assert row_numbers(first) == [orders[2].number, orders[1].number]
    assert "Page 1 of 2" in first
    assert 'href="/producer/orders?status=placed&amp;page=2"' in first
    second = client.get("/producer/orders?status=placed&page=2").get_data(as_text=True)
    assert row_numbers(second) == [orders[0].number]


@pytest.mark.parametrize(
    "query, message",
    [
        ("status=lost", "Choose a status from the list."),
        ("since=31/02/2026", "31/02/2026 is not a date in the calendar."),
        ("until=tomorrow", "Write dates as dd/mm/yyyy"),
        ("since=2026-12-01&until=2026-11-01", "The start date must not be after the end date."),
        ("page=0", "The page number must be a whole number from 1."),
    ],
)
def test_a_nonsense_filter_is_a_400_page_that_says_what_is_wrong(
    db, client, english, login, producer, query, message
):
    login(producer.owner)
    response = client.get(f"/producer/orders?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_the_list_runs_the_same_number_of_queries_whatever_the_page_size(
    db, client, login, producer, honey, count_queries
):
    small, big = honey.variants
    buy(db, (small, 1))
    login(producer.owner)
    client.get("/producer/orders")
    with count_queries() as one:
        assert client.get("/producer/orders").status_code == 200
    for _ in range(7):
        buy(db, (small, 1), (big, 2))
    with count_queries() as eight:
        html = client.get("/producer/orders").get_data(as_text=True)
    assert len(row_numbers(html)) == 8
    assert eight["n"] == one["n"], "\n".join(eight["sql"])


def test_another_producers_orders_are_not_in_the_list_the_export_or_the_sales(
    db, client, english, login, producer, honey
):
    buy(db, (honey.variants[0], 1))
    other = make_producer()
    db.session.commit()
    login(other.owner)
    assert row_numbers(client.get("/producer/orders").get_data(as_text=True)) == []
    lines = client.get("/producer/orders.csv").get_data(as_text=True).splitlines()
    assert len(lines) == 1  # the header only
    sales = client.get("/producer/orders/sales").get_data(as_text=True)
    assert "No sales in the last 12 months yet." in sales


def test_the_detail_shows_where_it_goes_what_is_in_it_and_how_it_is_paid(
    db, client, english, login, producer, honey
):
    other_product = make_product(variants=[{"price": 50_000}])
    order = buy(
        db, (honey.variants[0], 2), (other_product.variants[0], 1), note="Giao giờ hành chính"
    )
    sub = own_sub(order, producer)
    login(producer.owner)
    html = client.get(page_of(sub)).get_data(as_text=True)
    assert f"Order {order.number}" in html
    assert "Nguyễn Thị Mai" in html and "0987 654 321" in html
    assert f"1 Lê Duẩn, {geo.ward_name(ward(DAK_LAK))}, {geo.province_name(DAK_LAK)}" in html
    assert "Giao giờ hành chính" in html
    assert "Mật ong bạc hà · Hũ 500g" in html and "MO-500" in html
    assert other_product.name not in html  # the other producer's part of the order
    assert "₫240,000" in html and "₫30,000" in html and "₫270,000" in html
    assert "Cash on delivery · not paid yet" in html
    assert "The buyer placed the order." in html


@pytest.mark.parametrize(
    "status, buttons",
    [
        (S.PLACED, {"confirmed", "cancelled"}),
        (S.CONFIRMED, {"packed", "cancelled"}),
        (S.PACKED, {"shipped", "cancelled"}),
        (S.SHIPPED, {"delivered"}),
        (S.DELIVERED, set()),
        (S.CANCELLED, set()),
    ],
)
def test_the_detail_offers_only_the_moves_the_state_machine_allows(
    db, client, login, producer, honey, status, buttons
):
    sub = own_sub(buy(db, (honey.variants[0], 1)), producer)
    set_status(db, sub, status)
    login(producer.owner)
    html = client.get(page_of(sub)).get_data(as_text=True)
    assert set(re.findall(r'data-testid="move-(\w+)"', html)) == buttons
    assert ('name="tracking_number"' in html) == (status == S.PACKED)


def test_a_producer_takes_a_shipment_from_placed_to_delivered_and_the_buyer_hears_of_it(
    db, client, english, login, producer, honey
):
    order = buy(db, (honey.variants[0], 2))
    sub = own_sub(order, producer)
    before = len(mails(db))
    login(producer.owner)
    assert "Order confirmed." in move(client, sub, "confirmed").get_data(as_text=True)
    move(client, sub, "packed")
    assert len(mails(db)) == before  # confirming and packing send nothing
    shipped = move(client, sub, "shipped", carrier=" GHN ", tracking_number="GHN-123456")
    assert "Marked as shipped." in shipped.get_data(as_text=True)
    sent = mails(db)[before:]
    assert len(sent) == 1 and sent[0].recipient == "mai@example.vn"
    assert order.number in sent[0].subject
    assert "GHN" in sent[0].body and "GHN-123456" in sent[0].body
    assert "Xin chào Nguyễn Thị Mai" in sent[0].body  # Vietnamese, whatever the producer reads
    delivered = move(client, sub, "delivered").get_data(as_text=True)
    assert "Marked as delivered." in delivered
    sent = mails(db)[before:]
    assert len(sent) == 2 and order.number in sent[1].subject
    sub = fresh(db, sub)
    assert sub.status == S.DELIVERED and (sub.carrier, sub.tracking_number) == ("GHN", "GHN-123456")
    events = [(e.to_status, e.actor_role, e.actor_id) for e in sub.events]
    assert events == [
        (s, "producer", producer.owner_id) for s in (S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED)
    ]
    assert sub.order.payment_status.value == "paid"  # cash collected on delivery


def test_a_refused_move_says_why_and_changes_nothing(db, client, english, login, producer, honey):
    sub = own_sub(buy(db, (honey.variants[0], 1)), producer)
    before = len(mails(db))
    login(producer.owner)
    html = move(client, sub, "shipped", carrier="GHN", tracking_number="X1").get_data(as_text=True)
    assert "A shipment that is placed cannot become shipped." in html
    sub = fresh(db, sub)
    assert sub.status == S.PLACED and sub.events == [] and sub.carrier is None
    assert len(mails(db)) == before


def test_shipping_needs_both_a_carrier_and_a_tracking_number(
    db, client, english, login, producer, honey
):
    sub = own_sub(buy(db, (honey.variants[0], 1)), producer)
    set_status(db, sub, S.PACKED)
    before = len(mails(db))
    login(producer.owner)
    for form in (
        {"carrier": "GHN"},
        {"tracking_number": "GHN1"},
        {"carrier": " ", "tracking_number": " "},
    ):
        html = move(client, sub, "shipped", **form).get_data(as_text=True)
        assert "Give the carrier and the tracking number." in html
    sub = fresh(db, sub)
    assert sub.status == S.PACKED and sub.events == [] and len(mails(db)) == before


def test_cancelling_keeps_the_reason_and_puts_the_stock_back(
    db, client, english, login, producer, honey
):
    sub = own_sub(buy(db, (honey.variants[0], 4)), producer)
    login(producer.owner)
    html = move(client, sub, "cancelled", note="Hết hàng mùa này").get_data(as_text=True)
    assert "Order cancelled." in html and "Hết hàng mùa này" in html
    assert fresh(db, sub).status == S.CANCELLED
    assert db.session.get(Variant, honey.variants[0].id).stock == 100


def test_an_unknown_target_is_a_bad_request(db, client, login, producer, honey):
    sub = own_sub(buy(db, (honey.variants[0], 1)), producer)
    login(producer.owner)
    assert move(client, sub, "lost").status_code == 400
    assert fresh(db, sub).status == S.PLACED


OWN_ROUTES = [
    ("GET", "/producer/orders/{id}"),
    ("GET", "/producer/orders/{id}/packing-slip"),
    ("POST", "/producer/orders/{id}/move"),
]
ALL_ROUTES = [
    *OWN_ROUTES,
    ("GET", "/producer/orders"),
    ("GET", "/producer/orders.csv"),
    ("GET", "/producer/orders/sales"),
]


def attempt(client, method: str, path: str):
    if method == "GET":
        return client.get(path)
    token = csrf_from(client.get("/").get_data(as_text=True))
    return client.post(path, data={"target": "confirmed", "csrf_token": token})


def snapshot(db) -> list:
    db.session.expire_all()
    subs = db.session.execute(sa.select(SubOrder.id, SubOrder.status)).all()
    return [*subs, db.session.scalar(sa.select(sa.func.count(SubOrderEvent.id)))]


@pytest.fixture
def placed(db, producer, honey) -> SubOrder:
    return own_sub(buy(db, (honey.variants[0], 1)), producer)


@pytest.mark.parametrize("method, template", OWN_ROUTES)
def test_the_owner_reaches_every_shipment_route(
    db, client, login, producer, placed, method, template
):
    """The control for the next test: its 404s come from ownership, not from a wrong URL."""
    login(producer.owner)
    response = attempt(client, method, template.format(id=placed.id))
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("method, template", OWN_ROUTES)
def test_another_producer_gets_404_on_every_shipment_route(
    db, client, login, placed, method, template
):
    other = make_producer()
    db.session.commit()
    login(other.owner)
    before = snapshot(db)
    assert attempt(client, method, template.format(id=placed.id)).status_code == 404
    assert snapshot(db) == before


@pytest.mark.parametrize("method, template", ALL_ROUTES)
def test_a_customer_gets_403_and_a_visitor_is_sent_to_log_in(
    app, db, client, login, placed, method, template
):
    path = template.format(id=placed.id)
    visitor = app.test_client()
    response = visitor.get(path) if method == "GET" else visitor.post(path)
    if method == "GET":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code in (302, 400)  # log in first, or no CSRF token
    customer = make_user(Role.CUSTOMER)
    db.session.commit()
    login(customer)
    before = snapshot(db)
    assert attempt(client, method, path).status_code == 403
    assert snapshot(db) == before


def test_the_packing_slip_has_the_number_the_address_the_lines_and_the_sender(
    db, client, english, login, producer, honey
):
    small, big = honey.variants
    order = buy(db, (small, 2), (big, 1))
    sub = own_sub(order, producer)
    login(producer.owner)
    html = client.get(f"{page_of(sub)}/packing-slip").get_data(as_text=True)
    slip = html[html.index('data-testid="packing-slip"') :]
    assert order.number in slip
    assert "Nguyễn Thị Mai" in slip and "1 Lê Duẩn" in slip and geo.province_name(DAK_LAK) in slip
    assert re.search(r"<td[^>]*>MO-500</td><td>Mật ong bạc hà · Hũ 500g</td><td[^>]*>2</td>", slip)
    assert re.search(r"<td[^>]*>MO-1KG</td><td>Mật ong bạc hà · Hũ 1kg</td><td[^>]*>1</td>", slip)
    assert "Hợp tác xã Mật ong Bắc Hà" in slip and "0912 345 678" in slip
    assert "Cash on delivery: collect ₫470,000." in slip
    assert 'class="no-print"' in html  # the back link and hint are hidden in print


def read_csv(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_export_is_a_csv_with_a_bom_one_row_per_line_and_vietnamese_intact(
    db, client, english, login, producer, honey
):
    small, big = honey.variants
    order = buy(db, (small, 2), (big, 1), at=dt.datetime(2026, 11, 2, 8, 15))
    login(producer.owner)
    response = client.get("/producer/orders.csv?since=01/11/2026&until=2026-11-30")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    header, *rows = read_csv(response)
    assert header == [
        "Order number", "Placed at", "Status", "Buyer", "Phone", "Province", "Product",
        "Variant", "SKU", "Quantity", "Unit price", "Line total", "Shipping fee",
    ]  # fmt: skip
    province = geo.province_name(DAK_LAK)
    assert rows == [
        [order.number, "02/11/2026 08:15", "placed", "Nguyễn Thị Mai", "0987 654 321",
         province, "Mật ong bạc hà", "Hũ 500g", "MO-500", "2", "120000", "240000", "30000"],
        [order.number, "02/11/2026 08:15", "placed", "Nguyễn Thị Mai", "0987 654 321",
         province, "Mật ong bạc hà", "Hũ 1kg", "MO-1KG", "1", "200000", "200000", ""],
    ]  # fmt: skip


def test_the_export_neutralises_cells_that_a_spreadsheet_would_run_as_formulas(
    db, client, login, producer
):
    product = make_product(
        producer, name="@SUM(A1:A9)", variants=[{"label": "-2+3", "sku": "+SKU", "stock": 5}]
    )
    db.session.commit()
    buy(db, (product.variants[0], 1), name='=HYPERLINK("http://evil.example","x")')
    login(producer.owner)
    _header, row = read_csv(client.get("/producer/orders.csv"))
    assert row[3] == '\'=HYPERLINK("http://evil.example","x")'
    assert row[6:9] == ["'@SUM(A1:A9)", "'-2+3", "'+SKU"]
    assert producer_services.csv_cell(-5) == -5  # numbers stay numbers


def test_the_export_keeps_only_orders_placed_in_the_range_of_vietnamese_days(
    db, client, login, producer, honey
):
    small = honey.variants[0]
    buy(db, (small, 1), at=dt.datetime(2026, 10, 31, 23, 59))
    inside = buy(db, (small, 1), at=dt.datetime(2026, 11, 1, 0, 1))  # still 31/10 in UTC
    last = buy(db, (small, 1), at=dt.datetime(2026, 11, 3, 23, 59))
    buy(db, (small, 1), at=dt.datetime(2026, 11, 4, 0, 0))
    login(producer.owner)
    _header, *rows = read_csv(client.get("/producer/orders.csv?since=01/11/2026&until=03/11/2026"))
    assert [row[0] for row in rows] == [inside.number, last.number]
    _header, *everything = read_csv(client.get("/producer/orders.csv"))
    assert len(everything) == 4


@pytest.mark.parametrize(
    "query, message",
    [
        ("since=2026-13-01", "2026-13-01 is not a date in the calendar."),
        ("until=1/1/26", "Write dates as dd/mm/yyyy"),
        ("since=9999-12-31", "Choose a date between the years 2000 and 2999."),
        ("since=30/11/2026&until=01/11/2026", "The start date must not be after the end date."),
    ],
)
def test_bad_export_dates_give_a_clear_400_page(
    db, client, english, login, producer, query, message
):
    login(producer.owner)
    response = client.get(f"/producer/orders.csv?{query}")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)


@pytest.fixture
def year_of_sales(db, producer, honey):
    """Sales over a year, with the edges that matter: VN month starts, cancelled, too old."""
    small, big = honey.variants
    tea = make_product(
        producer, name="Trà <script>alert(1)</script>", variants=[{"price": 50_000, "stock": 50}]
    )
    db.session.commit()
    buy(db, (small, 1), at=dt.datetime(2025, 11, 30, 23, 0))  # before the 12 months
    buy(db, (small, 2), at=dt.datetime(2025, 12, 1, 0, 30))  # 30/11 in UTC, December in VN
    buy(db, (big, 1), (tea.variants[0], 4), at=dt.datetime(2026, 3, 31, 23, 30))
    buy(db, (big, 2), at=dt.datetime(2026, 4, 1, 0, 30))
    cancelled = buy(db, (big, 5), at=dt.datetime(2026, 4, 10, 12, 0))
    states.transition(own_sub(cancelled, producer), S.CANCELLED, role="producer", actor_id=None)
    delivered = buy(db, (small, 3), at=dt.datetime(2026, 11, 29, 10, 0))
    sub = own_sub(delivered, producer)
    for target in (S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED):
        states.transition(
            sub, target, role="producer", actor_id=None, carrier="GHN", tracking_number="1"
        )
    db.session.commit()
    return tea


def test_sales_by_month_count_live_orders_in_vietnamese_months_and_skip_cancelled_ones(
    db, producer, year_of_sales
):
    months = producer_services.monthly_sales(producer.id, dt.date(2026, 11, 30))
    assert [m.month for m in months][:2] == [dt.date(2025, 12, 1), dt.date(2026, 1, 1)]
    assert months[-1].month == dt.date(2026, 11, 1) and len(months) == 12
    figures = {m.month.strftime("%Y-%m"): (m.orders, m.revenue) for m in months if m.orders}
    assert figures == {
        "2025-12": (1, 240_000),
        "2026-03": (1, 400_000),
        "2026-04": (1, 400_000),
        "2026-11": (1, 360_000),
    }


def test_top_products_are_ranked_by_revenue_with_their_quantities(db, producer, year_of_sales):
    top = producer_services.top_products(producer.id, dt.date(2026, 11, 30))
    assert [(p.name, p.quantity, p.revenue) for p in top] == [
        ("Mật ong bạc hà", 8, 1_200_000),
        ("Trà <script>alert(1)</script>", 4, 200_000),
    ]


def test_the_sales_page_draws_a_bar_per_month_and_escapes_product_names(
    db, client, english, login, producer, year_of_sales
):
    login(producer.owner)
    response = client.get("/producer/orders/sales")
    html = response.get_data(as_text=True)
    month_chart = html[html.index('id="sales-by-month-title"') : html.index("</svg>")]
    assert month_chart.count('class="bar"') == 12
    assert "<script>" not in html
    assert "Trà &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'data-month="2026-04"><th scope="row">04/2026</th><td class="num">1</td>' in html
    assert "₫1,400,000" in html  # the year's total
    assert " style=" not in html[html.index("<svg") :]


def test_a_chart_is_an_accessible_image_without_inline_style_or_unescaped_text():
    bars = [charts.Bar("<b>&", 10, "10 ₫"), charts.Bar("Cà phê", 0, "0 ₫")]
    svg = str(charts.column_chart(bars, chart_id="c", title="T <1>", description="D & d"))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="c-title c-desc"' in svg
    assert '<title id="c-title">T &lt;1&gt;</title><desc id="c-desc">D &amp; d</desc>' in svg
    assert "&lt;b&gt;&amp;" in svg and "<b>" not in svg
    assert "style=" not in svg and "<script" not in svg
    assert svg.count('class="bar"') == 2
    rows = str(charts.row_chart(bars, chart_id="r", title="T", description="D"))
    assert rows.count('class="bar"') == 2 and "&lt;b&gt;&amp;" in rows


def test_the_dashboard_links_to_the_orders_and_warns_of_low_stock_on_active_products(
    db, client, english, login, producer
):
    make_product(
        producer,
        name="Cà phê Ea Tu",
        variants=[
            {"label": "Gói 250g", "stock": 3},
            {"label": "Gói 1kg", "stock": 0},
            {"label": "Gói 500g", "stock": 6},
        ],
    )
    make_product(producer, name="Trà ẩn", status=ProductStatus.HIDDEN, variants=[{"stock": 0}])
    db.session.commit()
    login(producer.owner)
    html = client.get("/producer/").get_data(as_text=True)
    assert 'href="/producer/orders"' in html and 'href="/producer/orders/sales"' in html
    warnings = html[html.index('data-testid="low-stock"') :].split("</ul>")[0]
    assert "“Cà phê Ea Tu” (Gói 250g): only 3 left." in warnings
    assert "“Cà phê Ea Tu” (Gói 1kg) is sold out." in warnings
    assert "Gói 500g" not in warnings and "Trà ẩn" not in warnings
