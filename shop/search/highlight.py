"""Marking the words of a product name that match the query."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from shop.search.base import Terms
from shop.text import fold

_WORDS = re.compile(r"(\w+)", re.UNICODE)


def highlight(text: str, query: str) -> Markup:
    """`text` with each word that starts like a query word wrapped in <mark> (escaped)."""
    terms = [t for t in Terms.parse(query).folded if len(t) >= 2]
    if not terms:
        return escape(text)
    pieces = []
    for part in _WORDS.split(text):
        folded = fold(part)
        if part and _WORDS.fullmatch(part) and any(folded.startswith(t) for t in terms):
            pieces.append(Markup("<mark>%s</mark>") % part)
        else:
            pieces.append(escape(part))
    return Markup("").join(pieces)
