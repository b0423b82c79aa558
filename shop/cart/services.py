"""The cart: adding, changing and removing lines, the guest-to-user merge, and the view of it.

A guest's cart lives in the database; the browser holds only its random token, inside
Flask's signed session cookie. At log-in the guest cart is merged into the user's.

What a page does to the visitor's cart is one use case, committed (`add_to_cart`,
`change_quantity`, `remove_line`, `merge_guest_cart`); `add` and `set_quantity` are its
steps, also used by "order again". A refusal is `shop.errors.Refused`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, g, has_request_context, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from shop import clock
from shop.accounts import sessions
from shop.cart.models import Cart, CartLine
from shop.catalog.models import Product, Variant
from shop.catalog.rules import listable_products, unlisted_reasons
from shop.certification.models import Certificate
from shop.errors import Refused
from shop.extensions import db
from shop.producers.models import Producer
from shop.transaction import use_case

SESSION_KEY = sessions.GUEST_CART_KEY
MAX_QUANTITY = 99


# --- finding the cart -------------------------------------------------------------------------


def current_cart(create: bool = False) -> Cart | None:
    """The visitor's cart (the user's when signed in, else the guest's), created on demand."""
    if current_user.is_authenticated:
        cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == current_user.id))
        if cart is None and create:
            cart = Cart(token=secrets.token_urlsafe(32), user_id=current_user.id)
            db.session.add(cart)
        return cart
    token = session.get(SESSION_KEY)
    cart = db.session.scalar(sa.select(Cart).where(Cart.token == token)) if token else None
    if cart is None and create:
        cart = Cart(token=secrets.token_urlsafe(32))
        db.session.add(cart)
        session[SESSION_KEY] = cart.token
    return cart


def cart_count() -> int:
    """Number of items in the visitor's cart, for the header (one query, once per request)."""
    if not has_request_context():
        return 0
    if "cart_count" not in g:
        if current_user.is_authenticated:
            owner = Cart.user_id == current_user.id
        elif session.get(SESSION_KEY):
            owner = Cart.token == session[SESSION_KEY]
        else:
            g.cart_count = 0
            return 0
        g.cart_count = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(CartLine.quantity), 0))
            .join(Cart, Cart.id == CartLine.cart_id)
            .where(owner)
        )
    return g.cart_count


# --- changing it ----------------------------------------------------------------------------


def _changed(cart: Cart) -> None:
    """A change of the cart's lines: a checkout reviewed before it is out of date."""
    if sa.inspect(cart).persistent:
        cart.revision = Cart.revision + 1  # in SQL: two tabs changing it both count
    else:
        cart.revision = (cart.revision or 0) + 1


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= MAX_QUANTITY:
        raise Refused(_l("Choose a quantity from 1 to %(n)s.", n=MAX_QUANTITY))


def _listable_variant(variant_id: int) -> Variant:
    variant = db.session.get(Variant, variant_id)
    listed = (
        variant
        and db.session.execute(listable_products().where(Product.id == variant.product_id)).first()
    )
    if not listed:
        raise Refused(_l("This product is not on sale any more."))
    return variant


def add(cart: Cart, variant_id: int, quantity: int) -> CartLine:
    """Put `quantity` more of a listable variant in the cart, never beyond its stock."""
    _check_quantity(quantity)
    variant = _listable_variant(variant_id)
    line = next((ln for ln in cart.lines if ln.variant_id == variant.id), None)
    wanted = quantity + (line.quantity if line else 0)
    if variant.stock <= 0:
        raise Refused(_l("Sorry, this item is sold out."))
    if wanted > variant.stock:
        raise Refused(_l("Only %(n)s left in stock: you cannot add more.", n=variant.stock))
    if wanted > MAX_QUANTITY:
        raise Refused(_l("Choose a quantity from 1 to %(n)s.", n=MAX_QUANTITY))
    if line is None:
        line = CartLine(cart=cart, variant=variant, quantity=quantity)
        db.session.add(line)
    else:
        line.quantity = wanted
    _changed(cart)
    return line


def set_quantity(cart: Cart, line_id: int, quantity: int) -> None:
    """Change a line's quantity (0 removes it); capped by the stock with a message."""
    line = next((ln for ln in cart.lines if ln.id == line_id), None)
    if line is None:
        raise Refused(_l("This line is no longer in your cart."))
    if quantity == 0:
        db.session.delete(line)
        _changed(cart)
        return
    _check_quantity(quantity)
    if quantity > line.variant.stock:
        raise Refused(_l("Only %(n)s left in stock.", n=line.variant.stock))
    line.quantity = quantity
    _changed(cart)


def remove(cart: Cart, line_id: int) -> None:
    """Take a line out of the cart (a line of another cart is ignored)."""
    for line in cart.lines:
        if line.id == line_id:
            db.session.delete(line)
            _changed(cart)


@use_case
def add_to_cart(variant_id: int | None, quantity: int | None) -> CartLine:
    """The visitor adds `quantity` of a variant to their cart (made on first use).

    `None` is what the page sent when it was not a number: refused with the same message."""
    if variant_id is None:
        raise Refused(_l("This product is not on sale any more."))
    if quantity is None:
        raise Refused(_l("Choose a quantity from 1 to %(n)s.", n=MAX_QUANTITY))
    return add(current_cart(create=True), variant_id, quantity)


@use_case
def change_quantity(line_id: int, quantity: int | None) -> None:
    """The visitor changes a line of their cart (0 removes it)."""
    cart = current_cart()
    if cart is None or quantity is None or quantity < 0:
        raise Refused(_l("Choose a quantity from 1 to %(n)s.", n=MAX_QUANTITY))
    set_quantity(cart, line_id, quantity)


@use_case
def remove_line(line_id: int) -> None:
    """The visitor takes a line out of their cart (nothing happens if it is not theirs)."""
    cart = current_cart()
    if cart is not None:
        remove(cart, line_id)


@use_case
def merge_guest_cart(token: str | None, user_id: int) -> None:
    """At log-in: add the guest cart's quantities to the user's, capped at stock."""
    guest = db.session.scalar(sa.select(Cart).where(Cart.token == token)) if token else None
    if guest is None or guest.user_id is not None:
        return
    mine = db.session.scalar(sa.select(Cart).where(Cart.user_id == user_id))
    if mine is None:
        guest.user_id = user_id
        return
    for line in list(guest.lines):
        existing = next((ln for ln in mine.lines if ln.variant_id == line.variant_id), None)
        wanted = min(
            line.quantity + (existing.quantity if existing else 0), line.variant.stock, MAX_QUANTITY
        )
        if existing is not None:
            existing.quantity = max(wanted, 1) if wanted > 0 else existing.quantity
        elif wanted > 0:
            db.session.add(CartLine(cart=mine, variant_id=line.variant_id, quantity=wanted))
    _changed(mine)
    db.session.delete(guest)


# --- reading it -----------------------------------------------------------------------------


@dataclass
class LineView:
    line: CartLine
    product: Product
    certificate: Certificate | None
    reason: str | None  # why it cannot be bought, or None

    @property
    def available(self) -> bool:
        return self.reason is None

    @property
    def total(self) -> int:
        return self.line.variant.price * self.line.quantity


@dataclass
class ProducerGroup:
    producer: Producer
    lines: list[LineView] = field(default_factory=list)
    shipping_fee: int = 0
    free_shipping_from: int | None = None  # the subtotal from which this producer ships free

    @property
    def subtotal(self) -> int:
        return sum(lv.total for lv in self.lines if lv.available)

    @property
    def missing_for_free_shipping(self) -> int:
        """How much more to buy from this producer for free shipping (0 if it already is)."""
        if not self.shipping_fee or not self.free_shipping_from:
            return 0
        return max(self.free_shipping_from - self.subtotal, 0)

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping_fee


@dataclass
class CartView:
    groups: list[ProducerGroup]

    @property
    def subtotal(self) -> int:
        return sum(g.subtotal for g in self.groups)

    @property
    def shipping_total(self) -> int:
        return sum(g.shipping_fee for g in self.groups)

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping_total

    @property
    def has_problems(self) -> bool:
        return any(not lv.available for g in self.groups for lv in g.lines)

    @property
    def is_empty(self) -> bool:
        return not any(g.lines for g in self.groups)

    @property
    def can_check_out(self) -> bool:
        return not self.is_empty and not self.has_problems


def free_shipping_from(producer: Producer) -> int:
    """The subtotal from which the producer ships free (its own level or the shop's)."""
    if producer.free_shipping_from is not None:
        return producer.free_shipping_from
    return current_app.config["FREE_SHIPPING_FROM"]


def shipping_fee(producer: Producer, subtotal: int) -> int:
    """The producer's flat fee, or nothing once the subtotal reaches its free-shipping level."""
    config = current_app.config
    free_from = free_shipping_from(producer)
    fee = producer.shipping_fee if producer.shipping_fee is not None else config["SHIPPING_FEE"]
    return 0 if subtotal <= 0 or subtotal >= free_from else fee


def view(cart: Cart | None) -> CartView:
    """The cart grouped by producer, each line checked for listability and stock."""
    if cart is None or not cart.lines:
        return CartView(groups=[])
    lines = db.session.scalars(
        sa.select(CartLine)
        .where(CartLine.cart_id == cart.id)
        .options(
            selectinload(CartLine.variant)
            .selectinload(Variant.product)
            .selectinload(Product.producer),
            selectinload(CartLine.variant)
            .selectinload(Variant.product)
            .selectinload(Product.images),
        )
        .order_by(CartLine.id)
    ).all()
    product_ids = {ln.variant.product_id for ln in lines}
    today = clock.today()
    listed = {
        p.id: c
        for p, c in db.session.execute(listable_products(today).where(Product.id.in_(product_ids)))
    }
    unlisted = unlisted_reasons(product_ids - listed.keys(), today)
    groups: dict[int, ProducerGroup] = {}
    for line in lines:
        product = line.variant.product
        certificate = listed.get(product.id)
        reason = None
        if certificate is None:
            reason = unlisted.get(product.id)
        elif line.variant.stock <= 0:
            reason = "sold_out"
        elif line.quantity > line.variant.stock:
            reason = "not_enough"
        group = groups.setdefault(product.producer_id, ProducerGroup(product.producer))
        group.lines.append(LineView(line, product, certificate, reason))
    for group in groups.values():
        group.shipping_fee = shipping_fee(group.producer, group.subtotal)
        group.free_shipping_from = free_shipping_from(group.producer)
    return CartView(groups=list(groups.values()))
