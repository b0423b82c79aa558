"""Mark pages: the public page of a mark, staff's records, the producer's product marks."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from shop.access import own_or_404, producer_required, staff_required
from shop.catalog.models import Product
from shop.enums import ProducerStatus
from shop.errors import Refused, attach_error
from shop.extensions import db
from shop.marks import services
from shop.marks.forms import AllowForm, MarkForm, ProductMarkForm, WithdrawForm
from shop.marks.models import CollectiveMark
from shop.producers.models import Producer

bp = Blueprint("marks", __name__)


@bp.get("/marks/<slug>")
def mark(slug: str):
    """What a collective mark or GI is, who holds it, and a link to its products."""
    found = services.by_slug(slug)
    if found is None:
        abort(404)
    return render_template("marks/mark.html", mark=found, kinds=services.KIND_LABELS)


@bp.app_template_global()
def product_mark(product_id: int):
    """The mark a product carries (its page's badge)."""
    return services.mark_of(product_id)


@bp.app_template_global()
def catalogue_marks():
    """Every mark, for the catalogue's mark links; and the one filtered by, if any."""
    chosen = request.args.get("mark")
    marks = services.all_marks()
    return marks, next((m for m in marks if m.slug == chosen), None)


# --- staff -------------------------------------------------------------------------------


def _mark_or_404(mark_id: int) -> CollectiveMark:
    found = db.session.get(CollectiveMark, mark_id)
    if found is None:
        abort(404)
    return found


@bp.get("/staff/marks")
@staff_required
def staff_marks():
    """Every mark, and the form to record one."""
    return _list_page(MarkForm(formdata=None))


def _list_page(form: MarkForm, status: int = 200):
    return (
        render_template(
            "marks/staff_marks.html",
            form=form,
            marks=services.all_marks(),
            kinds=services.KIND_LABELS,
        ),
        status,
    )


@bp.post("/staff/marks")
@staff_required
def record():
    """Record a collective trademark, certification mark or GI."""
    form = MarkForm()
    if form.validate():
        details = services.MarkDetails(
            name=form.name.data,
            kind=form.kind.data,
            registration_number=form.registration_number.data,
            holder=form.holder.data,
            description=form.description.data,
        )
        try:
            found = services.record(details, current_user)
        except Refused as error:
            attach_error(form, error)
        else:
            flash(_("The mark is recorded. Now add the producers allowed to use it."), "success")
            return redirect(url_for(".staff_mark", mark_id=found.id))
    return _list_page(form, 400)


def _allow_form(mark: CollectiveMark, formdata=True) -> AllowForm:
    form = AllowForm() if formdata else AllowForm(formdata=None)
    allowed = {user.producer_id for user in mark.users}
    producers = db.session.scalars(
        sa.select(Producer).where(Producer.status == ProducerStatus.ACTIVE).order_by(Producer.name)
    )
    form.producer_id.choices = [SelectChoice("", _("Choose…"))] + [
        SelectChoice(p.id, f"{p.name} · {p.province_name}")
        for p in producers
        if p.id not in allowed
    ]
    return form


@bp.get("/staff/marks/<int:mark_id>")
@staff_required
def staff_mark(mark_id: int):
    """A mark, the producers allowed to use it, and their products carrying it."""
    found = _mark_or_404(mark_id)
    return render_template(
        "marks/staff_mark.html",
        mark=found,
        kinds=services.KIND_LABELS,
        form=_allow_form(found, formdata=False),
        withdraw_form=WithdrawForm(formdata=None),
        carrying=services.carrying_products(found.id),
    )


@bp.post("/staff/marks/<int:mark_id>/allow")
@staff_required
def allow(mark_id: int):
    """Allow a producer to use the mark."""
    found = _mark_or_404(mark_id)
    form = _allow_form(found)
    producer = (
        db.session.get(Producer, form.producer_id.data)
        if form.validate() and form.producer_id.data
        else None
    )
    try:
        if producer is None:
            raise Refused(_("Choose the producer."))
        services.allow(found, producer, current_user)
    except Refused as error:
        attach_error(None, error)
    else:
        flash(_("%(producer)s may now use the mark.", producer=producer.name), "success")
    return redirect(url_for(".staff_mark", mark_id=found.id))


@bp.post("/staff/marks/<int:mark_id>/withdraw")
@staff_required
def withdraw(mark_id: int):
    """Withdraw a producer's permission (its products stop carrying the mark)."""
    found = _mark_or_404(mark_id)
    form = WithdrawForm()
    producer = db.session.get(Producer, form.producer_id.data) if form.validate() else None
    try:
        if producer is None:
            raise Refused(_("This producer may not use the mark any more."))
        services.withdraw(found, producer, current_user, form.reason.data)
    except Refused as error:
        attach_error(None, error)
    else:
        flash(_("%(producer)s may no longer use the mark.", producer=producer.name), "success")
    return redirect(url_for(".staff_mark", mark_id=found.id))


# --- producers ---------------------------------------------------------------------------


@bp.get("/producer/marks")
@producer_required
def producer_marks():
    """The marks the producer may use, and which of its products carry one."""
    producer = current_user.producer
    products = list(
        db.session.scalars(
            sa.select(Product).where(Product.producer_id == producer.id).order_by(Product.name)
        )
    )
    return render_template(
        "marks/producer_marks.html",
        marks=services.allowed_marks(producer.id),
        products=products,
        current=services.product_marks([p.id for p in products]),
        form=ProductMarkForm(formdata=None),
        kinds=services.KIND_LABELS,
    )


@bp.post("/producer/marks")
@producer_required
def set_product_mark():
    """Say which mark one of the producer's products carries."""
    form = ProductMarkForm()
    if not form.validate():
        attach_error(None, Refused(_("The product changed meanwhile: reload the page.")))
        return redirect(url_for(".producer_marks"))
    product = own_or_404(Product, form.product_id.data)
    chosen = db.session.get(CollectiveMark, form.mark_id.data) if form.mark_id.data else None
    if form.mark_id.data and chosen is None:
        abort(404)
    try:
        services.set_product_mark(product, chosen, current_user)
    except Refused as error:
        attach_error(None, error)
    else:
        flash(_("Saved."), "success")
    return redirect(url_for(".producer_marks"))
