"""robots.txt and the sitemaps, listing only what the listable rule lets the public see."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, url_for

from shop import clock, geo
from shop.catalog.models import ListingSummary, Product
from shop.catalog.rules import listable_ids, listed_on
from shop.extensions import db
from shop.producers.models import Producer

bp = Blueprint("seo", __name__)
URLS_PER_SITEMAP = 10_000
PRIVATE_PATHS = (
    "/staff/",
    "/producer/",
    "/cart",
    "/login",
    "/register",
    "/reset",
    "/account/",
    "/language",
    "/api/",
)


@bp.get("/robots.txt")
def robots():
    """Let crawlers in everywhere public; point them to the sitemap."""
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in PRIVATE_PATHS),
        "",
        f"Sitemap: {url_for('.sitemap_index', _external=True)}",
        "",
    ]
    return Response("\n".join(lines), mimetype="text/plain")


def _listed_producers() -> sa.Select:
    """The producers with a listed product today (from the listing summary)."""
    return sa.select(ListingSummary.producer_id).where(*listed_on(clock.today()))


@bp.get("/sitemap.xml")
def sitemap_index():
    """The sitemap index: one page of fixed pages, producers and provinces, then products."""
    count = db.session.scalar(sa.select(sa.func.count()).select_from(listable_ids().subquery()))
    count = count or 0
    chunks = max(1, -(-count // URLS_PER_SITEMAP))
    urls = [url_for(".sitemap_pages", _external=True)] + [
        url_for(".sitemap_products", n=n, _external=True) for n in range(1, chunks + 1)
    ]
    return _xml("seo/sitemap_index.xml", urls=urls)


@bp.get("/sitemap-pages.xml")
def sitemap_pages():
    """Home, catalogue, verification, and every producer and province with a listed product."""
    producer_slugs = db.session.scalars(
        sa.select(Producer.slug).where(Producer.id.in_(_listed_producers())).order_by(Producer.slug)
    ).all()
    province_codes = db.session.scalars(
        sa.select(ListingSummary.province_code).distinct().where(*listed_on(clock.today()))
    ).all()
    urls = [
        url_for("catalog.home", _external=True),
        url_for("catalog.catalogue", _external=True),
        url_for("certification.verify_search", _external=True),
    ]
    urls += [url_for("catalog.producer", slug=slug, _external=True) for slug in producer_slugs]
    urls += [
        url_for("catalog.province", slug=geo.province_slug(code), _external=True)
        for code in sorted(province_codes)
    ]
    return _xml("seo/sitemap.xml", entries=[(url, None) for url in urls])


@bp.get("/sitemap-products-<int:n>.xml")
def sitemap_products(n: int):
    """Listed products, URLS_PER_SITEMAP at a time, with their last change."""
    if n < 1:
        abort(404)
    rows = db.session.execute(
        sa.select(Product.slug, Product.updated_at)
        .where(Product.id.in_(listable_ids()))
        .order_by(Product.id)
        .offset((n - 1) * URLS_PER_SITEMAP)
        .limit(URLS_PER_SITEMAP)
    ).all()
    if not rows and n > 1:
        abort(404)
    entries = [
        (url_for("catalog.product", slug=slug, _external=True), updated.date())
        for slug, updated in rows
    ]
    return _xml("seo/sitemap.xml", entries=entries)


def _xml(template: str, **context) -> Response:
    response = Response(render_template(template, **context), mimetype="application/xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
