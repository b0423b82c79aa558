"""Event pages: the storefront's list, staff's publishing page, producers' sign-ups."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from shop import clock, geo
from shop.access import own_or_404, producer_required, staff_required
from shop.catalog.models import Product
from shop.catalog.rules import listable_ids
from shop.errors import Refused, attach_error
from shop.events import services
from shop.events.forms import CancelForm, EventForm, SignUpForm, WithdrawForm
from shop.events.models import EventEntry, TradeEvent
from shop.extensions import db

bp = Blueprint("events", __name__)


@bp.get("/events")
def upcoming():
    """Fairs and promotion events to come, with the producers and products they will show."""
    events = services.upcoming()
    return render_template(
        "events/upcoming.html",
        events=[(event, services.listed_entries(event)) for event in events],
        kinds=services.KIND_LABELS,
    )


@bp.app_template_global()
def upcoming_events(limit: int = services.HOME_EVENTS):
    """The next few events (the home page's block)."""
    return services.upcoming(limit)


@bp.app_template_global()
def producer_events(producer_id: int):
    """Where to meet a producer (its product pages' block)."""
    return services.producer_upcoming(producer_id)


# --- staff -------------------------------------------------------------------------------


def _event_form(formdata=True) -> EventForm:
    form = EventForm() if formdata else EventForm(formdata=None)
    form.province_code.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(code, name) for code, name in geo.provinces()
    ]
    return form


def _staff_page(form: EventForm, status: int = 200):
    return (
        render_template(
            "events/staff_events.html",
            form=form,
            events=services.all_events(),
            kinds=services.KIND_LABELS,
            cancel_form=CancelForm(formdata=None),
            today=clock.today(),
        ),
        status,
    )


@bp.get("/staff/events")
@staff_required
def staff_events():
    """Every event, and the form to publish one."""
    return _staff_page(_event_form(formdata=False))


@bp.post("/staff/events")
@staff_required
def publish():
    """Publish a fair or promotion event."""
    form = _event_form()
    if form.validate():
        details = services.EventDetails(
            name=form.name.data,
            kind=form.kind.data,
            province_code=form.province_code.data,
            place=form.place.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            description=form.description.data,
        )
        try:
            services.publish(details, current_user)
        except Refused as error:
            attach_error(form, error)
        else:
            flash(_("The event is published on the shop."), "success")
            return redirect(url_for(".staff_events"))
    return _staff_page(form, 400)


@bp.post("/staff/events/<int:event_id>/cancel")
@staff_required
def cancel(event_id: int):
    """Cancel an event (with the reason, audit-logged)."""
    event = db.session.get(TradeEvent, event_id)
    if event is None:
        abort(404)
    form = CancelForm()
    try:
        if not form.validate():
            raise Refused(next(iter(form.reason.errors), _("Give the reason for cancelling.")))
        services.cancel(event, current_user, form.reason.data)
    except Refused as error:
        attach_error(None, error)
    else:
        flash(_("The event is cancelled."), "success")
    return redirect(url_for(".staff_events"))


# --- producers ---------------------------------------------------------------------------


def _own_listed_products() -> list[Product]:
    return list(
        db.session.scalars(
            sa.select(Product)
            .where(Product.producer_id == current_user.producer.id)
            .where(Product.id.in_(listable_ids()))
            .order_by(Product.name)
        )
    )


@bp.get("/producer/events")
@producer_required
def producer_events_page():
    """Upcoming events, the producer's products signed up, and the form to add one."""
    products = _own_listed_products()
    return render_template(
        "events/producer_events.html",
        events=services.upcoming(),
        mine=services.own_entries(current_user.producer.id),
        products=products,
        kinds=services.KIND_LABELS,
        form=SignUpForm(formdata=None),
        withdraw_form=WithdrawForm(formdata=None),
    )


@bp.post("/producer/events/sign-up")
@producer_required
def sign_up():
    """Bring one of the producer's products to an event."""
    form = SignUpForm()
    event = db.session.get(TradeEvent, form.event_id.data) if form.validate() else None
    try:
        if event is None or form.product_id.data is None:
            raise Refused(_("Choose one of your products on sale."))
        product = own_or_404(Product, form.product_id.data)
        services.sign_up(event, product, current_user)
    except Refused as error:
        attach_error(None, error)
    else:
        flash(_("Your product is signed up: buyers see where to meet you."), "success")
    return redirect(url_for(".producer_events_page"))


@bp.post("/producer/events/withdraw")
@producer_required
def withdraw():
    """Take a product back from an event."""
    form = WithdrawForm()
    if not form.validate():
        attach_error(None, Refused(_("This product is no longer signed up.")))
        return redirect(url_for(".producer_events_page"))
    entry = own_or_404(EventEntry, form.entry_id.data)
    try:
        services.withdraw(entry, current_user)
    except Refused as error:
        attach_error(None, error)
    else:
        flash(_("Your product is no longer signed up for this event."), "success")
    return redirect(url_for(".producer_events_page"))
