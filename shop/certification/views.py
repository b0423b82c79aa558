"""Certificates for producers (submit, follow, correct) and for everyone (verify)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from shop import clock
from shop.access import own_or_404, producer_required
from shop.catalog.models import Product
from shop.catalog.rules import unlisted_reason
from shop.certification import services
from shop.certification.downloads import send_scan
from shop.certification.forms import CertificateForm, VerifyForm
from shop.certification.models import Certificate
from shop.enums import CertificateStatus, IssuingLevel
from shop.errors import Refused, attach_error
from shop.formatting import format_day
from shop.labels import CERTIFICATE_STATUS_LABELS, ISSUING_LEVEL_SHORT, UNLISTED_REASONS

bp = Blueprint("certification", __name__)


def own_product(product_id: int) -> Product:
    """The signed-in producer's product, or 404 (another producer's product does not exist)."""
    return own_or_404(Product, product_id)


def own_certificate(certificate_id: int) -> Certificate:
    """The signed-in producer's certificate, or 404."""
    return own_or_404(Certificate, certificate_id)


def _submission(form: CertificateForm) -> services.Submission:
    return services.Submission(
        renews_id=form.renews.data or None,
        number=form.number.data,
        decision_number=form.decision_number.data,
        decision_date=form.decision_date.data,
        issuing_body=form.issuing_body.data,
        issuing_level=IssuingLevel(form.issuing_level.data),
        stars=form.stars.data,
    )


@bp.get("/producer/products/<int:product_id>/certificates")
@producer_required
def product_certificates(product_id: int):
    """A product's certificate history, the staff's messages, and what to do next."""
    product = own_product(product_id)
    return render_template(
        "certification/product_certificates.html",
        product=product,
        reason=unlisted_reason(product),
        unlisted_reasons=UNLISTED_REASONS,
        labels=CERTIFICATE_STATUS_LABELS,
        today=clock.today(),
    )


@bp.route("/producer/products/<int:product_id>/certificates/new", methods=["GET", "POST"])
@producer_required
def submit(product_id: int):
    """Submit a (new or renewed) certificate with its scan; it waits for staff review."""
    product = own_product(product_id)
    form = CertificateForm()
    form.renews.choices = [SelectChoice("", _("No, it is a first certificate"))] + [
        SelectChoice(
            c.id,
            _(
                "Yes, it renews %(number)s (valid until %(day)s)",
                number=c.number,
                day=format_day(c.expires_on),
            ),
        )
        for c in services.renewable(product)
    ]
    if request.method == "GET" and request.args.get("renews", "").isdigit():
        form.renews.data = int(request.args["renews"])
    if form.validate_on_submit():
        try:
            services.submit(current_user.producer, product, _submission(form), _scan_bytes(form))
        except Refused as error:
            attach_error(form, error)
        else:
            flash(
                _("Certificate sent. Staff will compare it with the scan and let you know."),
                "success",
            )
            return redirect(url_for(".product_certificates", product_id=product.id))
    return render_template(
        "certification/submit.html", form=form, product=product, certificate=None
    )


@bp.route("/producer/certificates/<int:certificate_id>/edit", methods=["GET", "POST"])
@producer_required
def edit(certificate_id: int):
    """Correct a certificate that staff sent back for changes."""
    certificate = own_certificate(certificate_id)
    if certificate.status != CertificateStatus.CHANGES_REQUESTED:
        flash(_("Only a certificate sent back for changes can be edited."), "error")
        return redirect(url_for(".product_certificates", product_id=certificate.product_id))
    form = CertificateForm(obj=certificate)
    form.renews.data = certificate.renews_id  # kept as first submitted (not shown here)
    if request.method == "GET":
        form.issuing_level.data = certificate.issuing_level.value
    if form.validate_on_submit():
        try:
            services.resubmit(certificate, _submission(form), _scan_bytes(form) or None)
        except Refused as error:
            attach_error(form, error)
        else:
            flash(_("Certificate sent again for review."), "success")
            return redirect(url_for(".product_certificates", product_id=certificate.product_id))
    return render_template(
        "certification/submit.html", form=form, product=certificate.product, certificate=certificate
    )


def _scan_bytes(form: CertificateForm) -> bytes:
    """The uploaded scan's bytes; empty when none was attached (the service says so)."""
    upload = form.scan.data
    return upload.read() if upload else b""


@bp.get("/producer/certificates/<int:certificate_id>/scan")
@producer_required
def own_scan(certificate_id: int):
    """The producer's own scan, downloaded (private: never under /media)."""
    return send_scan(own_certificate(certificate_id))


@bp.get("/verify")
def verify_search():
    """Anyone can type a certificate number and see whether it is genuine and valid."""
    form = VerifyForm(request.args)
    if request.args and form.validate():
        typed = " ".join(form.number.data.split())
        found = services.verify(typed)  # "ocop qg 2025 0001" lands on OCOP-QG-2025-0001
        return redirect(url_for(".verify", number=found[0].certificate.number if found else typed))
    return render_template(
        "certification/verify.html", form=form, number=None, results=None, level_labels={}
    )


@bp.get("/verify/<anytext:number>")
def verify(number: str):
    """The public verification page for one certificate number."""
    if len(number) > 80:
        abort(404)
    form = VerifyForm(data={"number": number})
    results = services.verify(number)
    return render_template(
        "certification/verify.html",
        form=form,
        number=number,
        results=results,
        level_labels=ISSUING_LEVEL_SHORT,
    )


@bp.get("/api/v1/certificates/<anytext:number>")
def verify_json(number: str):
    """The verification answer as JSON; 404 with status "unknown" for an unknown number."""
    results = services.verify(number) if len(number) <= 80 else []
    if not results:
        return jsonify(number=number, status="unknown", certificates=[]), 404
    best = results[0]
    return jsonify(
        number=number,
        status=best.state,
        certificates=[r.as_json() for r in results],
    )


from shop.certification import staff_views  # noqa: E402, F401  (its routes join this blueprint)
