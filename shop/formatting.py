"""Money and dates as Vietnamese readers expect them, in the visitor's language."""

from __future__ import annotations

import datetime as dt

from babel.numbers import format_currency
from flask_babel import get_locale


def _locale() -> str:
    try:
        return str(get_locale() or "vi")
    except RuntimeError:  # outside a request: e-mails from the CLI are Vietnamese
        return "vi"


def format_vnd(amount: int, locale: str | None = None) -> str:
    """Whole đồng: 150000 → "150.000 ₫" in Vietnamese, "₫150,000" in English."""
    loc = locale or _locale()
    return format_currency(amount, "VND", locale="vi_VN" if loc == "vi" else "en_US")


def format_day(day: dt.date | dt.datetime | None, locale: str | None = None) -> str:
    """dd/mm/yyyy, the Vietnamese way; English readers get the same unambiguous order."""
    if day is None:
        return ""
    return day.strftime("%d/%m/%Y")


def format_local_day(moment: dt.datetime | None) -> str:
    """A stored UTC timestamp as the Vietnamese calendar day it fell on (dd/mm/yyyy)."""
    if moment is None:
        return ""
    from shop.clock import SHOP_TZ

    return format_day(moment.replace(tzinfo=dt.UTC).astimezone(SHOP_TZ))


def format_local_time(moment: dt.datetime | None) -> str:
    """A stored UTC timestamp in Vietnam's time: dd/mm/yyyy HH:MM."""
    if moment is None:
        return ""
    from shop.clock import SHOP_TZ

    return moment.replace(tzinfo=dt.UTC).astimezone(SHOP_TZ).strftime("%d/%m/%Y %H:%M")
