"""The page number of a list page, from the query string, kept within what SQL can offset."""

from __future__ import annotations

from flask import request

MAX_PAGE = 100_000  # as browse.parse_filters and the API; beyond it OFFSET overflows an integer


def page_arg(name: str = "page") -> int:
    """?page= as 1..MAX_PAGE: missing, unreadable or out of range reads as the nearest end."""
    value = request.args.get(name, 1, type=int) or 1
    return min(max(value, 1), MAX_PAGE)
