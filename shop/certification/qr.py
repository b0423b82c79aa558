"""QR codes (segno, inline SVG) that lead a buyer to the public verification page."""

from __future__ import annotations

from functools import lru_cache

import segno
from flask import url_for
from markupsafe import Markup


def verification_qr(number: str) -> Markup:
    """An inline SVG QR code of the absolute verification URL of a certificate number."""
    return Markup(_svg(url_for("certification.verify", number=number, _external=True)))


@lru_cache(maxsize=512)
def _svg(url: str) -> str:
    """segno's SVG for a URL, kept: encoding it is a third of a product page's time."""
    return segno.make(url, error="m").svg_inline(scale=3, dark="#1f2328", title=url)
