"""Redirect targets that stay inside the site."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for
from werkzeug.routing import IntegerConverter, Map, PathConverter, ValidationError


def is_safe_next(target: str | None) -> bool:
    """True for a path on this site ("/cart"), False for "//evil.com", "https://…" or "\\\\x"."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ch in target for ch in "\r\n\t"):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(default_endpoint: str = "catalog.home") -> str:
    """The `next` parameter if it stays on this site, else the default page."""
    target = request.values.get("next")
    return target if is_safe_next(target) else url_for(default_endpoint)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL, also outside a request (e-mails sent by commands use SHOP_URL)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["SHOP_URL"]):
        return url_for(endpoint, _external=True, **values)


# Every id column is an INTEGER: at most 2**31 - 1 on PostgreSQL (SQLite holds more, and
# refuses past 2**63 - 1 before running the query). No id, page or code the shop uses is
# larger, so a bigger number names nothing.
DB_INT_MAX = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: int() would also read "١" (Arabic-Indic) as 1


def db_int(raw: object) -> int | None:
    """`raw` (a query or form value) as an integer an id column can hold, else None."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= DB_INT_MAX else None


class AnyTextConverter(PathConverter):
    """`<anytext:…>`: the rest of the path, whatever characters it holds. The `path`
    converter's `.` stops at a line break, so `/verify/A%0AB` would match no rule and get the
    generic 404 instead of the route's own answer (for the API: its documented body)."""

    regex = r"[^/][\s\S]*?"


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits within DB_INT_MAX, else the rule does not match
    (404) — never a query the database refuses (a 500) or an int() of 5,000 digits."""

    regex = r"[0-9]+"

    def __init__(self, map: Map, *args, **kwargs) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(self.max)):
            raise ValidationError()
        return super().to_python(value)
