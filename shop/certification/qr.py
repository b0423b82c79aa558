"""QR codes (segno, inline SVG) that lead a buyer to the public verification page."""

from __future__ import annotations

import segno
from flask import url_for
from markupsafe import Markup


def verification_qr(number: str) -> Markup:
    """An inline SVG QR code of the absolute verification URL of a certificate number."""
    url = url_for("certification.verify", number=number, _external=True)
    svg = segno.make(url, error="m").svg_inline(scale=3, dark="#1f2328", title=url)
    return Markup(svg)  # noqa: S704 - segno's own SVG output, no user markup
