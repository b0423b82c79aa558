"""Who may do what: the one place for roles, page guards and owner checks.

- `staff_required`: staff and administrators; anyone else signed in gets 403, a visitor is
  sent to log in.
- `producer_required`: a signed-in producer owner; anyone else signed in gets 403. The page
  then acts on the signed-in producer's own things only: `own_or_404` answers 404 for another
  producer's row (to them it does not exist), and `owns` says whether a producer is theirs.
- Orders: the buyer is the account that placed the order or the browser it was placed from
  (its number is in the session, `ORDERS_KEY`); `may_see_order` adds staff, who see every
  order but do not act for the buyer.

Views import these guards from here; no view imports another domain's views for them.
"""

from __future__ import annotations

from functools import wraps
from typing import Any, Protocol, TypeVar

from flask import abort, session
from flask_login import current_user, login_required

from shop.accounts.sessions import ORDERS_KEY
from shop.extensions import db

# How many order numbers one browser remembers (the newest win).
FOLLOWED_ORDERS_KEPT = 20


def staff_required(view):
    """Staff and administrators only; everyone else signed in gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def producer_required(view):
    """Only a signed-in producer owner may open the page; it then acts on its own producer."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.producer is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def is_owner(user, producer_id: int | None) -> bool:
    """Whether `user` owns the producer `producer_id` (what a producer may change, and what a
    staff member who is also a producer may not judge)."""
    producer = getattr(user, "producer", None)  # a visitor has none
    return producer is not None and producer.id == producer_id


def owns(producer_id: int | None) -> bool:
    """Whether the signed-in person owns the producer `producer_id`."""
    return current_user.is_authenticated and is_owner(current_user, producer_id)


class _ProducersRow(Protocol):
    producer_id: int


Row = TypeVar("Row", bound=_ProducersRow)


def own_or_404(model: type[Row], ident: Any) -> Row:
    """Row `ident` of `model` (a product, certificate, shipment…: anything with a
    `producer_id`) when it is the signed-in producer's; 404 otherwise, as if it did not exist."""
    row = db.session.get(model, ident)
    if row is None or not owns(row.producer_id):
        abort(404)
    return row


def followed_orders() -> list[str]:
    """The numbers of the orders placed from (or opened by their e-mail link in) this browser."""
    return list(session.get(ORDERS_KEY, []))


def follow_order(number: str) -> None:
    """Let this browser follow order `number` from now on (placed here, or its e-mail link)."""
    numbers = followed_orders()
    if number not in numbers:
        session[ORDERS_KEY] = [*numbers[-(FOLLOWED_ORDERS_KEPT - 1) :], number]


def is_order_buyer(order) -> bool:
    """Who placed the order: its account, or the browser it was placed from."""
    if current_user.is_authenticated and current_user.id == order.user_id:
        return True
    return order.number in followed_orders()


def may_see_order(order) -> bool:
    """The buyer (signed in, or the browser that placed it) and staff may see an order."""
    return is_order_buyer(order) or (current_user.is_authenticated and current_user.is_staff)
