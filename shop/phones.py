"""Vietnamese mobile numbers: ten digits starting 03/05/07/08/09, stored as +84…."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^0[35789]\d{8}$")


class InvalidPhone(ValueError):
    """The text is not a Vietnamese mobile number."""


def normalize_mobile(text: str) -> str:
    """ "090 123 4567", "+84901234567" or "84901234567" → "+84901234567"; raises InvalidPhone."""
    digits = re.sub(r"[\s.\-()]", "", text or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not _MOBILE.match(digits):
        raise InvalidPhone(text)
    return "+84" + digits[1:]


def display_mobile(stored: str | None) -> str:
    """ "+84901234567" → "0901 234 567", the way Vietnamese write it."""
    if not stored:
        return ""
    local = "0" + stored[3:] if stored.startswith("+84") else stored
    return f"{local[:4]} {local[4:7]} {local[7:]}"
