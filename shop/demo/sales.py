"""A month of sales for the money pages: the demo buyer orders, week after week, from a
cooperative (Hợp tác xã Cà phê, no tax withheld: it declares its own) and a household
business (Bánh tráng Út Nga, whose 1 % VAT and 0.5 % PIT the shop withholds), cash on
delivery; each producer delivers; both gave a bank account long before; staff paid a first
batch ten days ago. So a producer's balances are pending, available and paid at once, the
two statements differ by the tax withheld, and /staff/payouts has a batch ready to make.

Everything goes through the shop's services on past moments (`clock.frozen`), as in the
rest of the demo. Placing an order commits by itself (checkout.services.place), so these
sales are loaded after the catalogue's transaction, and only when none were made yet.
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa

from shop import clock, geo
from shop.accounts.services import find_by_email
from shop.cart import services as carts
from shop.cart.models import Cart
from shop.catalog.models import Product, Variant
from shop.catalog.rules import listable_products
from shop.checkout.services import Delivery, place
from shop.demo.data import DEMO_ACCOUNTS
from shop.enums import OrderStatus, PaymentMethod
from shop.extensions import db
from shop.orders import states
from shop.orders.models import Order
from shop.payouts.account import set_payout_account
from shop.payouts.batches import batch_lines, create_batch, mark_paid
from shop.transaction import one_transaction

COOPERATIVE = "htx.caphe@demo.cho-ocop.vn"
HOUSEHOLD = "banhtrang.utnga@demo.cho-ocop.vn"
BUYER = "khach@demo.cho-ocop.vn"
STAFF = "staff@demo.cho-ocop.vn"
# Days before today each order was placed, and how many of each producer's first pack.
ORDERS = [(34, 2), (30, 3), (26, 1), (22, 4), (18, 2), (14, 3), (10, 2), (6, 5), (3, 2)]
PAID_BATCH_DAYS_AGO = 10
ACCOUNTS = {
    COOPERATIVE: ("970446", "100214356789", "HOP TAC XA CA PHE"),  # Co-opBank
    HOUSEHOLD: ("970405", "3407205123456", "PHAM THI NGA"),  # Agribank
}
S = OrderStatus


def load_sales_month() -> int:
    """The month of sales, if the demo buyer has not ordered yet; how many orders were made."""
    buyer = find_by_email(BUYER)
    if buyer is None or db.session.scalar(sa.select(Order.id).where(Order.user_id == buyer.id)):
        return 0
    today = clock.today()
    owners = [find_by_email(COOPERATIVE), find_by_email(HOUSEHOLD)]
    packs = [_first_pack(owner.producer.id) for owner in owners]
    for owner in owners:
        with clock.frozen(_at(today, 45)), one_transaction():
            bank, number, holder = ACCOUNTS[owner.email]
            set_payout_account(
                owner.producer,
                owner,
                password=_password(owner.email),
                bank_bin=bank,
                account_number=number,
                holder_name=holder,
            )
    for days_ago, quantity in ORDERS:
        order = _order(buyer, packs, quantity, _at(today, days_ago))
        _deliver(order, owners, _at(today, days_ago - 2))
    staff = find_by_email(STAFF)
    with clock.frozen(_at(today, PAID_BATCH_DAYS_AGO)), one_transaction():
        batch = create_batch(staff)
        for line in batch_lines(batch.id):
            mark_paid(line, staff)
    return len(ORDERS)


def _at(today: dt.date, days_ago: int) -> dt.datetime:
    day = today - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=clock.SHOP_TZ)


def _password(email: str) -> str:
    return next(a.password for a in DEMO_ACCOUNTS if a.email == email)


def _first_pack(producer_id: int) -> Variant:
    """The producer's listed pack with the most in stock (the sales leave none sold out)."""
    products = db.session.scalars(
        listable_products().where(Product.producer_id == producer_id).order_by(Product.id)
    ).all()
    return max((v for p in products for v in p.variants), key=lambda v: (v.stock, -v.id))


def _order(buyer, packs: list[Variant], quantity: int, moment: dt.datetime) -> Order:
    with clock.frozen(moment):
        cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == buyer.id))
        if cart is None:
            cart = Cart(token=secrets.token_urlsafe(32), user_id=buyer.id)
            db.session.add(cart)
        for pack in packs:
            carts.add(cart, pack.id, quantity)
        db.session.flush()
        ward = geo.wards(1)[0][0]
        delivery = Delivery(buyer.full_name, "+84912345678", buyer.email, "25 Tràng Tiền", ward, 1)
        total = carts.view(cart).total
        return place(
            cart, delivery, PaymentMethod.COD, secrets.token_hex(16), total, buyer.id
        ).order


def _deliver(order: Order, owners, moment: dt.datetime) -> None:
    """Each producer confirms, packs and ships its parcel, and records the delivery."""
    with clock.frozen(moment), one_transaction():
        for sub in order.sub_orders:
            actor = next(o.id for o in owners if o.producer.id == sub.producer_id)
            for target in (S.CONFIRMED, S.PACKED, S.SHIPPED, S.DELIVERED):
                extra = (
                    {"carrier": "Viettel Post", "tracking_number": f"VTP{order.id:06d}{sub.id}"}
                    if target == S.SHIPPED
                    else {}
                )
                states.transition(sub, target, role=states.PRODUCER, actor_id=actor, **extra)
