"""Vietnamese text helpers: diacritic folding (đ → d) and URL slugs."""

from __future__ import annotations

import re
import unicodedata

_NON_SLUG = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without diacritics: "Cà phê Đắk Lắk" → "ca phe dak lak"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped).lower()


def slugify(text: str, max_length: int = 80) -> str:
    """A readable ASCII slug from a Vietnamese name: "Nước mắm Phú Quốc" → "nuoc-mam-phu-quoc"."""
    slug = _NON_SLUG.sub("-", fold(text)).strip("-")
    return slug[:max_length].rstrip("-") or "san-pham"
