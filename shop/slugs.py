"""Unique, stable slugs for the rows that have a public URL."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from shop.extensions import db
from shop.text import slugify


def unique_slug(column: InstrumentedAttribute, text: str) -> str:
    """slugify(text), with -2, -3… appended when another row already has it."""
    base = slugify(text)
    taken = set(
        db.session.scalars(
            sa.select(column).where(sa.or_(column == base, column.like(f"{base}-%")))
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
