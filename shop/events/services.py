"""Trade fairs and promotion events: publishing, cancelling, producers' sign-ups, and what
the storefront shows.

An event is upcoming until its last day has passed in Vietnam (`clock.today()`), so a past
event leaves every page by itself, with no job. Cancelling is one conditional UPDATE; a
product is signed up once (a unique key decides between two tabs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from shop import audit, clock, geo
from shop.accounts.models import User
from shop.catalog.models import Product
from shop.catalog.rules import listable_ids
from shop.conditional import change
from shop.errors import Refused
from shop.events.models import KINDS, MAX_DESCRIPTION, MAX_NAME, MAX_PLACE, EventEntry, TradeEvent
from shop.extensions import db
from shop.labels import EVENT_KIND_LABELS as KIND_LABELS  # noqa: F401  (views read it here)
from shop.transaction import use_case

HOME_EVENTS = 3


@dataclass(frozen=True)
class EventDetails:
    """What staff fill in for an event."""

    name: str
    kind: str
    province_code: int | None
    place: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    description: str = ""


def _checked(details: EventDetails) -> dict:
    name, place = (details.name or "").strip(), (details.place or "").strip()
    description = (details.description or "").strip()
    if not 2 <= len(name) <= MAX_NAME:
        raise Refused(_l("Between 2 and %(n)s characters.", n=MAX_NAME), "name")
    if details.kind not in KINDS:
        raise Refused(_l("Choose the kind of event."), "kind")
    if details.province_code is None or not geo.is_valid_province(details.province_code):
        raise Refused(_l("Choose the province or city."), "province_code")
    if not 2 <= len(place) <= MAX_PLACE:
        raise Refused(_l("Between 2 and %(n)s characters.", n=MAX_PLACE), "place")
    if details.starts_on is None:
        raise Refused(_l("Enter a date such as 24/11/2025."), "starts_on")
    if details.ends_on is None:
        raise Refused(_l("Enter a date such as 24/11/2025."), "ends_on")
    if details.ends_on < details.starts_on:
        raise Refused(_l("The last day cannot be before the first."), "ends_on")
    if details.ends_on < clock.today():
        raise Refused(_l("This event is already over."), "ends_on")
    if len(description) > MAX_DESCRIPTION:
        raise Refused(_l("At most %(n)s characters.", n=MAX_DESCRIPTION), "description")
    return {
        "name": name,
        "kind": details.kind,
        "province_code": details.province_code,
        "place": place,
        "starts_on": details.starts_on,
        "ends_on": details.ends_on,
        "description": description,
    }


def _summary(event: TradeEvent) -> str:
    return f"{event.name} · {event.starts_on.isoformat()}–{event.ends_on.isoformat()}"


@use_case
def publish(details: EventDetails, staff: User) -> TradeEvent:
    """Staff publish a fair or promotion event; it shows on the storefront until it ends."""
    event = TradeEvent(**_checked(details), created_by_id=staff.id)
    db.session.add(event)
    db.session.flush()
    audit.record(
        "event.published",
        event,
        actor=staff,
        after={"place": event.place, "province": event.province_code},
        summary=_summary(event),
    )
    return event


@use_case
def cancel(event: TradeEvent, staff: User, reason: str) -> None:
    """Staff cancel an event: it leaves the storefront at once (the sign-ups stay on record)."""
    reason = (reason or "").strip()[:MAX_DESCRIPTION]
    if not reason:
        raise Refused(_l("Give the reason for cancelling."), "reason")
    if not change(event, TradeEvent.cancelled.is_(False), cancelled=True):
        raise Refused(_l("This event is already cancelled."))
    audit.record("event.cancelled", event, actor=staff, reason=reason, summary=_summary(event))


def _is_upcoming(event: TradeEvent) -> bool:
    return not event.cancelled and event.ends_on >= clock.today()


@use_case
def sign_up(event: TradeEvent, product: Product, owner: User) -> EventEntry:
    """A producer brings one of its products on sale to an upcoming event."""
    if owner.producer is None or product.producer_id != owner.producer.id:
        raise Refused(_l("You can sign up only your own products."), "product_id")
    if not _is_upcoming(event):
        raise Refused(_l("This event is over or cancelled."))
    listed = db.session.scalar(listable_ids().where(Product.id == product.id))
    if listed is None:
        raise Refused(_l("Only a product on sale on the shop can be signed up."), "product_id")
    already = _l("This product is already signed up for this event.")
    entry = EventEntry(event_id=event.id, product_id=product.id, producer_id=product.producer_id)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        raise Refused(already, "product_id") from None
    audit.record(
        "event.product_signed_up",
        event,
        actor=owner,
        after={"label": product.name},
        summary=f"{_summary(event)} · {product.name}",
    )
    return entry


@use_case
def withdraw(entry: EventEntry, owner: User) -> None:
    """A producer takes a product back from an event."""
    event, product = entry.event, entry.product
    deleted = db.session.execute(sa.delete(EventEntry).where(EventEntry.id == entry.id)).rowcount
    if deleted != 1:
        raise Refused(_l("This product is no longer signed up."))
    audit.record(
        "event.product_withdrawn",
        event,
        actor=owner,
        before={"label": product.name},
        summary=f"{_summary(event)} · {product.name}",
    )


def _upcoming() -> sa.Select:
    return (
        sa.select(TradeEvent)
        .where(TradeEvent.cancelled.is_(False), TradeEvent.ends_on >= clock.today())
        .order_by(TradeEvent.starts_on, TradeEvent.id)
    )


def upcoming(limit: int | None = None) -> list[TradeEvent]:
    """Events not over (in Vietnam's date) nor cancelled, soonest first."""
    query = _upcoming().options(
        selectinload(TradeEvent.entries).joinedload(EventEntry.product),
        selectinload(TradeEvent.entries).joinedload(EventEntry.producer),
    )
    return list(db.session.scalars(query.limit(limit) if limit else query))


def listed_entries(event: TradeEvent) -> list[EventEntry]:
    """The event's sign-ups whose product is on sale today (what the storefront names)."""
    ids = [entry.product_id for entry in event.entries]
    if not ids:
        return []
    listed = set(db.session.scalars(listable_ids().where(Product.id.in_(ids))))
    return [entry for entry in event.entries if entry.product_id in listed]


def producer_upcoming(producer_id: int) -> list[TradeEvent]:
    """The upcoming events the producer brings products to (for its products' pages)."""
    query = _upcoming().where(
        TradeEvent.id.in_(
            sa.select(EventEntry.event_id).where(EventEntry.producer_id == producer_id)
        )
    )
    return list(db.session.scalars(query.limit(HOME_EVENTS)))


def all_events() -> list[TradeEvent]:
    """Every event, the newest first day first (for staff)."""
    return list(
        db.session.scalars(
            sa.select(TradeEvent).order_by(TradeEvent.starts_on.desc(), TradeEvent.id.desc())
        )
    )


def own_entries(producer_id: int) -> dict[int, list[EventEntry]]:
    """The producer's sign-ups, by event id."""
    found: dict[int, list[EventEntry]] = {}
    entries = db.session.scalars(
        sa.select(EventEntry)
        .where(EventEntry.producer_id == producer_id)
        .options(joinedload(EventEntry.product))
        .order_by(EventEntry.id)
    )
    for entry in entries:
        found.setdefault(entry.event_id, []).append(entry)
    return found
