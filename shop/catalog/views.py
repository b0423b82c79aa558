"""Storefront pages: home, catalogue, province and producer pages, product page.

Every list here is built on `listable_products()` (through `browse`), so nothing unlisted
can be reached.
"""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from shop import access, geo
from shop.catalog import browse, rules, services
from shop.catalog.models import Product, ProductSet
from shop.certification.qr import verification_qr
from shop.enums import ProducerStatus
from shop.errors import render_error_page
from shop.extensions import db
from shop.labels import UNLISTED_REASONS
from shop.producers.models import Producer

bp = Blueprint("catalog", __name__)

HOME_SHELF = 8


@bp.get("/")
def home():
    """5-star picks, new arrivals and the six OCOP groups."""
    return render_template(
        "catalog/home.html",
        five_stars=browse.shelf(browse.Filters(stars=(5,), per_page=HOME_SHELF)),
        newest=browse.shelf(browse.Filters(per_page=HOME_SHELF)),
        groups=_groups(),
        group_counts=browse.cached_group_counts(),
    )


def _groups() -> list[ProductSet]:
    """One ProductSet per group (carrying the group's names), in group order."""
    seen: dict[str, ProductSet] = {}
    for product_set in db.session.scalars(sa.select(ProductSet).order_by(ProductSet.code)):
        seen.setdefault(product_set.group_code, product_set)
    return list(seen.values())


def _filters_or_400(**fixed):
    """The visitor's filters plus those fixed by the page, or a 400 page naming the bad one."""
    try:
        filters = browse.parse_filters(request.args)
    except browse.InvalidFilter as invalid:
        message = _l(
            "The filter “%(param)s” %(message)s.", param=invalid.param, message=invalid.message
        )
        return None, render_error_page(400, _l("Invalid filter"), message)
    return replace(filters, **fixed), None


@bp.get("/products")
def catalogue():
    """All listable products, filtered, sorted and paged."""
    filters, error = _filters_or_400()
    if error:
        return error
    choices = _filter_choices()
    group = next((g for g in choices["groups"] if g.group_code == filters.group), None)
    return render_template(
        "catalog/catalogue.html", page=browse.browse(filters), group=group, **choices
    )


def _filter_choices() -> dict:
    sets = db.session.scalars(sa.select(ProductSet).order_by(ProductSet.code)).all()
    return {"product_sets": sets, "groups": _groups(), "provinces": geo.provinces()}


@bp.get("/provinces/<slug>")
def province(slug: str):
    """The listable products of one province."""
    code = geo.province_by_slug(slug)
    if code is None:
        abort(404)
    filters, error = _filters_or_400(province=code)
    if error:
        return error
    return render_template(
        "catalog/province.html",
        page=browse.browse(filters),
        province_name=geo.province_name(code),
        province_slug=slug,
        **_filter_choices(),
    )


@bp.get("/producers/<slug>")
def producer(slug: str):
    """A producer's profile and its listed products (404 when suspended)."""
    found = db.session.scalar(
        sa.select(Producer).where(Producer.slug == slug, Producer.status == ProducerStatus.ACTIVE)
    )
    if found is None:
        abort(404)
    filters, error = _filters_or_400(producer=slug)
    if error:
        return error
    return render_template("catalog/producer.html", producer=found, page=browse.browse(filters))


@bp.get("/p/<slug>")
def product(slug: str):
    """A product page; the public sees only listable products, the owner sees why not."""
    found = services.get_listable_by_slug(slug)
    if found:
        item, certificate = found
        more = browse.shelf(browse.Filters(producer=item.producer.slug, per_page=5))
        return render_template(
            "catalog/product.html",
            product=item,
            certificate=certificate,
            reason=None,
            verify_qr=verification_qr(certificate.number),
            more=[(p, c) for p, c in more if p.id != item.id][:4],
        )
    item = db.session.scalar(sa.select(Product).where(Product.slug == slug))
    if item is None or not _owns(item):
        abort(404)
    reason = rules.unlisted_reason(item)
    return render_template(
        "catalog/product.html",
        product=item,
        certificate=None,
        reason=reason,
        reason_text=UNLISTED_REASONS.get(reason, ""),
        more=[],
    )


def _owns(item: Product) -> bool:
    return access.owns(item.producer_id)


_PATH_FILTERS = {"catalog.province": "province", "catalog.producer": "producer"}


def list_url(filters: browse.Filters, **change) -> str:
    """This list's URL with some filters changed (paging, sorting), keeping the others."""
    args = filters.query_args(**change)
    args.pop(_PATH_FILTERS.get(request.endpoint, ""), None)
    if request.args.get("q"):
        args["q"] = request.args["q"]
    return url_for(request.endpoint, **(request.view_args or {}), **args)


bp.add_app_template_global(list_url)

_VISITOR_FILTERS = ("set", "group", "province", "stars", "price_min", "price_max", "mark")


@bp.app_template_global()
def visitor_filtered() -> bool:
    """Whether the visitor chose a filter (a province or producer page's own one doesn't count)."""
    fixed = _PATH_FILTERS.get(request.endpoint or "")
    return any(request.args.get(name) for name in _VISITOR_FILTERS if name != fixed)
