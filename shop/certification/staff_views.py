"""Staff review of certificates (/staff/certificates…): the queue, one certificate beside its
scan, the decisions (approve, ask for changes, reject, revoke), expiring and all certificates.

The routes join the certification blueprint; the use cases are in
shop/certification/services.py (`decide` commits, or refuses having written nothing).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shop.access import owns, staff_required
from shop.certification import scan_shown, services
from shop.certification.downloads import send_scan, send_scan_page
from shop.certification.forms import ReviewForm
from shop.certification.models import Certificate
from shop.certification.scans import drawn_pages
from shop.certification.views import bp
from shop.errors import Refused, attach_error, flash_error
from shop.extensions import db
from shop.labels import CERTIFICATE_STATUS_LABELS, ISSUING_LEVEL_SHORT

DONE = {
    "approve": _l("Certificate approved: the product can now be sold."),
    "request-changes": _l("The producer has been asked for changes."),
    "reject": _l("Certificate rejected."),
    "revoke": _l("Certificate revoked: the product is off the shop."),
}

CONFIRM_FIRST = {
    "request-changes": _l("Tick the box to confirm: the producer will be asked for changes."),
    "reject": _l("Tick the box to confirm the rejection."),
}


@bp.get("/staff/certificates")
@staff_required
def review_queue():
    """Pending certificates, oldest first."""
    return render_template("staff/queue.html", certificates=services.review_queue())


@bp.get("/staff/certificates/<int:certificate_id>")
@staff_required
def review(certificate_id: int):
    """One certificate beside its scan, with the review decisions."""
    certificate = db.get_or_404(Certificate, certificate_id)
    pages = drawn_pages(certificate.scan_path) if certificate.scan_path else []
    return render_template(
        "staff/review.html",
        certificate=certificate,
        history=services.other_certificates(certificate),
        form=ReviewForm(),
        pages=pages,
        # issued only with the drawn pages on this page: approving needs the scan shown
        scan_token=scan_shown.issue(current_user, certificate) if pages else None,
        labels=CERTIFICATE_STATUS_LABELS,
        level_labels=ISSUING_LEVEL_SHORT,
        conflict=owns(certificate.producer_id),
    )


@bp.post("/staff/certificates/<int:certificate_id>/<action>")
@staff_required
def decide(certificate_id: int, action: str):
    """Approve, ask for changes, reject or revoke; each is audit-logged."""
    if action not in services.DECISIONS:
        abort(404)
    certificate = db.get_or_404(Certificate, certificate_id)
    back = url_for(".review", certificate_id=certificate.id)
    form = ReviewForm()
    if not form.validate():
        flash_error(" ".join(str(e) for e in form.reason.errors), "reason")
        return redirect(back)
    if action == "revoke" and not form.confirm.data:
        flash_error(_l("Tick the box to confirm the revocation."), "confirm")
        return redirect(back)
    if action in ("request-changes", "reject") and not form.confirm_refusal.data:
        flash_error(CONFIRM_FIRST[action], "confirm_refusal")
        return redirect(back)
    try:
        if action == "approve" and not owns(certificate.producer_id):  # else decide refuses
            scan_shown.check(request.form.get("scan_shown"), current_user, certificate)
        services.decide(
            certificate,
            current_user,
            action,
            reason=form.reason.data or "",
            # approve: on the product's certified facts the reviewer saw
            seen_facts=request.form.get("facts") or None,
        )
    except Refused as error:  # the review page's decision forms have the field `reason`
        attach_error(None, error, field_id=error.field)
        return redirect(back)
    flash(str(DONE[action]), "success")
    if action == "revoke":
        return redirect(back)
    return redirect(url_for(".review_queue"))


@bp.get("/staff/certificates/<int:certificate_id>/scan")
@staff_required
def staff_scan(certificate_id: int):
    """The original scan, downloaded as a file (never shown inline)."""
    return send_scan(db.get_or_404(Certificate, certificate_id))


@bp.get("/staff/certificates/<int:certificate_id>/scan/pages/<int:page>.png")
@staff_required
def scan_page(certificate_id: int, page: int):
    """One page of the scan, drawn as an image, for the review page."""
    return send_scan_page(db.get_or_404(Certificate, certificate_id), page)


@bp.get("/staff/certificates/expiring")
@staff_required
def expiring():
    """Approved certificates expiring in the next 30 days."""
    return render_template(
        "staff/expiring.html",
        certificates=services.expiring_soon(),
        days=services.STAFF_EXPIRING_DAYS,
    )


@bp.get("/staff/certificates/all")
@staff_required
def all_certificates():
    """Every certificate, filterable by status, newest first (to find one to revoke)."""
    status = request.args.get("status", "approved")
    q = request.args.get("q", "").strip()
    return render_template(
        "staff/certificates.html",
        certificates=services.find_certificates(status, q),
        status=status,
        q=q,
        labels=CERTIFICATE_STATUS_LABELS,
    )
