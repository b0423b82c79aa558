"""Links to the carriers' own tracking pages, for the tracking numbers producers give.

Producers type the carrier's name freely; it is matched without accents, case or spaces
("Giao Hàng Nhanh", "GHN", "giao hang nhanh"). An unknown carrier gets no link, only the number.
The address patterns are those of the carriers' public tracking pages as written down, not
opened from here (the build machine has no internet): check each before going live; a carrier
that changes its page needs only its line below changed.
"""

from __future__ import annotations

from urllib.parse import quote

from shop.text import fold

_PAGES = {
    ("ghn", "giaohangnhanh"): "https://donhang.ghn.vn/?order_code={}",
    ("ghtk", "giaohangtietkiem"): "https://i.ghtk.vn/{}",
    ("viettelpost", "viettel"): "https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?code={}",
    (
        "vnpost",
        "vietnampost",
        "buudienvietnam",
        "ems",
    ): "https://vnpost.vn/tra-cuu-hanh-trinh/buu-pham?key={}",
    (
        "j&t",
        "j&texpress",
        "jt",
        "jtexpress",
    ): "https://jtexpress.vn/vi/tracking?type=track&billcode={}",
    ("ninjavan",): "https://www.ninjavan.co/vi-vn/tracking?id={}",
}
_BY_NAME = {name: page for names, page in _PAGES.items() for name in names}


def tracking_url(carrier: str | None, number: str | None) -> str | None:
    """The carrier's tracking page for this number, or None for a carrier we do not know."""
    if not carrier or not number:
        return None
    page = _BY_NAME.get("".join(fold(carrier).split()))
    return page.format(quote(number.strip(), safe="")) if page else None
