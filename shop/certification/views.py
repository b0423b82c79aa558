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
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from shop import clock
from shop.catalog.models import Product
from shop.catalog.services import unlisted_reason
from shop.catalog.views import UNLISTED_REASONS
from shop.certification import services
from shop.certification.forms import ISSUING_LEVEL_SHORT, CertificateForm, VerifyForm
from shop.certification.models import Certificate
from shop.certification.scans import page_file, scans_root
from shop.enums import CertificateStatus, IssuingLevel
from shop.extensions import db
from shop.producers.views import producer_required

bp = Blueprint("certification", __name__)


def own_product(product_id: int) -> Product:
    """The signed-in producer's product, or 404 (another producer's product does not exist)."""
    product = db.session.get(Product, product_id)
    if product is None or product.producer_id != current_user.producer.id:
        abort(404)
    return product


def own_certificate(certificate_id: int) -> Certificate:
    """The signed-in producer's certificate, or 404."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.producer_id != current_user.producer.id:
        abort(404)
    return certificate


def _submission(form: CertificateForm) -> services.Submission:
    return services.Submission(
        number=form.number.data,
        decision_number=form.decision_number.data,
        decision_date=form.decision_date.data,
        issuing_body=form.issuing_body.data,
        issuing_level=IssuingLevel(form.issuing_level.data),
        stars=form.stars.data,
    )


def _attach(form, error: services.CertificateError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(str(error.message), "error")


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
        labels=services.STATUS_LABELS,
        today=clock.today(),
    )


@bp.route("/producer/products/<int:product_id>/certificates/new", methods=["GET", "POST"])
@producer_required
def submit(product_id: int):
    """Submit a (new or renewed) certificate with its scan; it waits for staff review."""
    product = own_product(product_id)
    form = CertificateForm()
    if form.validate_on_submit():
        try:
            services.submit(current_user.producer, product, _submission(form), _scan_bytes(form))
        except services.CertificateError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
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
    if request.method == "GET":
        form.issuing_level.data = certificate.issuing_level.value
    if form.validate_on_submit():
        try:
            services.resubmit(certificate, _submission(form), _scan_bytes(form) or None)
        except services.CertificateError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
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


# The original scan is never shown by the browser: it is saved as a file, and were a browser
# to display it anyway, the sandbox forbids scripts, plugins, forms and same-origin access.
DOWNLOAD_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "private, no-store",
}


def send_scan(certificate: Certificate):
    """The original scan, as sent, as an attachment, to someone allowed to see it."""
    if not certificate.scan_path:
        abort(404)
    extension = certificate.scan_path.rsplit(".", 1)[-1]
    response = send_from_directory(
        scans_root(),
        certificate.scan_path,
        mimetype=certificate.scan_type,
        as_attachment=True,
        download_name=f"ocop-certificate-{certificate.id}.{extension}",
    )
    response.headers.update(DOWNLOAD_HEADERS)
    response.headers.pop("Expires", None)
    return response


def send_scan_page(certificate: Certificate, page: int):
    """One page of the scan, drawn as a PNG when it was stored: what staff look at."""
    path = page_file(certificate.scan_path, page) if certificate.scan_path else None
    if path is None:
        abort(404)
    response = send_from_directory(path.parent, path.name, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-cache"
    return response


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


@bp.get("/verify/<path:number>")
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


@bp.get("/api/v1/certificates/<path:number>")
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
