"""Producer sign-up, the producer's dashboard, and the ward list for address forms."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shop import geo
from shop.access import producer_required
from shop.accounts import sessions
from shop.catalog.rules import unlisted_reasons
from shop.certification.services import expiry_warnings
from shop.enums import LegalForm
from shop.errors import Refused, attach_error
from shop.extensions import limiter
from shop.i18n import current_language
from shop.labels import CERTIFICATE_STATUS_LABELS, UNLISTED_REASONS
from shop.payouts.statements import balances_of
from shop.phones import normalize_mobile
from shop.producers import services
from shop.producers.forms import ProducerSignupForm

bp = Blueprint("producers", __name__)


@bp.route("/producer/join", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT_PER_IP"], methods=["POST"])
def signup():
    """Register a producer: the owner's account and the producer profile in one step."""
    if current_user.is_authenticated:
        flash(_("Log out first to register a new producer account."), "info")
        return redirect(url_for("catalog.home"))
    form = ProducerSignupForm()
    if form.validate_on_submit():
        try:
            producer = services.register_producer(
                email=form.email.data,
                password=form.password.data,
                full_name=form.full_name.data,
                producer_name=form.producer_name.data,
                legal_form=LegalForm(form.legal_form.data),
                tax_code=form.tax_code.data,
                province_code=form.province_code.data,
                ward_code=form.ward_code.data,
                street=form.street.data,
                phone=normalize_mobile(form.phone.data),
                description=form.description.data or "",
                preferred_language=current_language(),
                accepted_notice=form.privacy_consent.data,
            )
        except Refused as error:
            attach_error(form, error)
        else:
            sessions.start(producer.owner)
            flash(
                _("Your producer account is ready. Add a product and submit its OCOP certificate."),
                "success",
            )
            return redirect(url_for("producers.dashboard"))
    return render_template("producers/signup.html", form=form)


@bp.get("/producer/")
@producer_required
def dashboard():
    """The producer's products, each with whether it is on sale and why not."""
    producer = current_user.producer
    products = services.own_products(producer)
    reasons = unlisted_reasons(p.id for p in products)
    return render_template(
        "producers/dashboard.html",
        producer=producer,
        products=products,
        reasons=reasons,
        unlisted_reasons=UNLISTED_REASONS,
        warnings=expiry_warnings(producer),
        labels=CERTIFICATE_STATUS_LABELS,
        balances=balances_of(producer.id),
    )


@bp.get("/geo/wards/<int:province_code>")
def wards(province_code: int):
    """Wards and communes of a province, for the address forms' second list."""
    items = geo.wards(province_code)
    if not items:
        abort(404)
    return jsonify([{"code": code, "name": name} for code, name in items])


from shop.producers import listings, staff_views  # noqa: E402, F401  (their routes join it)
