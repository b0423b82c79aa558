"""The OCOP certificate rules that are facts of the programme, each stated once."""

from __future__ import annotations

import calendar
import datetime as dt
import re

VALIDITY_MONTHS = 36
MIN_STARS = 3  # 1-2 stars are not a recognised OCOP product
MAX_STARS = 5
STAR_RANGE = range(MIN_STARS, MAX_STARS + 1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day-of-month `months` later, clamped to that month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last_day))


def expiry_for(decision_date: dt.date) -> dt.date:
    """The last day a certificate is valid: 36 months after its decision (inclusive)."""
    return add_months(decision_date, VALIDITY_MONTHS)


_SPACE = re.compile(r"\s+")


def number_key(text: str) -> str:
    """Certificate numbers and issuing bodies compare ignoring case and spaces."""
    return _SPACE.sub("", text).casefold()


# What a buyer may type between the parts of a number: "ocop qg 2025 0001", "OCOP-QG-2025-0001"
# and "ocop.qg/2025/0001" are one number to the verification page.
NUMBER_SEPARATORS = "-/._–—"
_SEPARATOR = re.compile("[" + re.escape(NUMBER_SEPARATORS) + r"\s]+")


def number_lookup_key(text: str) -> str:
    """A number as looked up on the verification page: no spaces, separators or case."""
    return _SEPARATOR.sub("", text).casefold()
