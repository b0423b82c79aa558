"""The search page. A simple folded-word match over listable products until the full
search (Whoosh / PostgreSQL, see docs/architecture.md) replaces it."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from shop.catalog import services
from shop.catalog.models import Product
from shop.extensions import db
from shop.text import slugify

bp = Blueprint("search", __name__)


@bp.get("/search")
def results():
    """Listable products whose name contains every word of the query (diacritics folded)."""
    q = request.args.get("q", "").strip()[:100]
    rows = []
    if q:
        query = services.listable_products()
        for word in slugify(q, max_length=100).split("-")[:6]:
            query = query.where(Product.slug.contains(word, autoescape=True))
        query = services.with_card_data(query.order_by(Product.created_at.desc()).limit(48))
        rows = db.session.execute(query).unique().all()
    return render_template("search/results.html", q=q, rows=rows)
