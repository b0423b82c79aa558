"""The search results page and the autocomplete endpoint."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from shop import geo
from shop.catalog import browse
from shop.errors import render_error_page
from shop.search import query_for, search_products, suggest
from shop.search.base import PRICE_BANDS, SORTS, Terms

bp = Blueprint("search", __name__)
SUGGEST_LIMIT = 8


@bp.get("/search")
def results():
    """Listable products matching the words typed, with facets that narrow the results."""
    text = request.args.get("q", "").strip()[:100]
    try:
        filters = browse.parse_filters(request.args, sorts=SORTS)
    except browse.InvalidFilter as invalid:
        message = _l(
            "The filter “%(param)s” %(message)s.", param=invalid.param, message=invalid.message
        )
        return render_error_page(400, _l("Invalid filter"), message)
    if not Terms.parse(text) and not filters.is_filtered:
        return render_template("search/results.html", q=text, page=None, result=None)
    rows, result = search_products(query_for(text, filters))
    page = browse.Page(rows=rows, total=result.total, filters=filters)
    return render_template(
        "search/results.html", q=text, page=page, result=result, facets=_facets(result, filters)
    )


def _facets(result, filters: browse.Filters) -> list[dict]:
    """Each facet with, per value: its label, count, whether active, and the link to toggle it."""
    from shop.catalog.models import ProductSet
    from shop.extensions import db

    set_names = {ps.code: ps.name for ps in db.session.query(ProductSet)}
    first = {"page": 1}
    groups = []

    def entry(label, count, active, change):
        return {
            "label": label,
            "count": count,
            "active": active,
            "url": _search_url(filters, **first, **change),
        }

    stars = [
        entry(
            "★" * int(v),
            n,
            int(v) in filters.stars,
            {"stars": () if int(v) in filters.stars else (int(v),)},
        )
        for v, n in sorted(result.facets.get("stars", []), reverse=True)
    ]
    groups.append({"name": "stars", "title": _l("OCOP stars"), "values": stars})
    sets = [
        entry(
            set_names.get(int(v), v),
            n,
            filters.product_set == int(v),
            {"product_set": None if filters.product_set == int(v) else int(v)},
        )
        for v, n in sorted(result.facets.get("product_set", []), key=lambda x: -x[1])
    ]
    groups.append({"name": "set", "title": _l("Product set"), "values": sets})
    provinces = [
        entry(
            geo.province_name(int(v)),
            n,
            filters.province == int(v),
            {"province": None if filters.province == int(v) else int(v)},
        )
        for v, n in sorted(result.facets.get("province", []), key=lambda x: -x[1])
    ]
    groups.append({"name": "province", "title": _l("Province"), "values": provinces})
    bands = []
    for band, n in sorted(result.facets.get("price_band", [])):
        low, high = PRICE_BANDS[int(band)]
        active = filters.price_min == low and filters.price_max == high
        bands.append(
            entry(
                _band_label(low, high),
                n,
                active,
                {"price_min": None, "price_max": None}
                if active
                else {"price_min": low, "price_max": high},
            )
        )
    groups.append({"name": "price", "title": _l("Price"), "values": bands})
    return [g for g in groups if g["values"]]


def _band_label(low: int, high: int | None) -> str:
    from shop.formatting import format_vnd

    if high is None:
        return str(_l("from %(low)s", low=format_vnd(low)))
    if low == 0:
        return str(_l("under %(high)s", high=format_vnd(high + 1)))
    return f"{format_vnd(low)} – {format_vnd(high + 1)}"


def _search_url(filters: browse.Filters, **change) -> str:
    args = filters.query_args(**change)
    args["q"] = request.args.get("q", "")
    return url_for("search.results", **args)


@bp.get("/search/suggest")
def suggestions():
    """Autocomplete for the header box: a handful of product and producer names (JSON)."""
    text = request.args.get("q", "").strip()[:100]
    items = suggest(text, SUGGEST_LIMIT) if len(text) >= 2 else []
    payload = [
        {
            "kind": item.kind,
            "name": item.name,
            "url": url_for(
                "catalog.product" if item.kind == "product" else "catalog.producer", slug=item.slug
            ),
        }
        for item in items
    ]
    response = jsonify(query=text, suggestions=payload)
    response.headers["Cache-Control"] = "public, max-age=60"
    return response
