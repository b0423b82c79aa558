"""A certificate's scan sent to someone allowed to see it (the guard is the caller's: the
producer's own certificate, or staff): the original as a download, or one drawn page."""

from __future__ import annotations

from flask import abort

from shop.certification.models import Certificate
from shop.certification.scans import kept_scans, page_name
from shop.media import send_stored

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
    response = send_stored(
        kept_scans(),
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
    name = page_name(certificate.scan_path, page) if certificate.scan_path else None
    if name is None:
        abort(404)
    response = send_stored(kept_scans(), name, mimetype="image/png")
    response.headers["Cache-Control"] = "private, no-cache"
    return response
