"""The public catalogue API: read-only JSON under /api/v1/, no login, described by openapi.py.

Views stay thin: parse the parameters with the catalogue's own parser, ask services.py,
shape the answer with serializers.py.
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, jsonify, request, url_for

from shop import geo
from shop.api import openapi, serializers, services
from shop.catalog import browse
from shop.catalog.services import get_listable_by_slug
from shop.search.base import SORTS as SEARCH_SORTS

bp = Blueprint("api", __name__, url_prefix="/api/v1")

LIST_CACHE = "public, max-age=60"
PRODUCER_PARAMS = ("province", "page", "per_page")


@bp.errorhandler(browse.InvalidFilter)
def invalid_parameter(error: browse.InvalidFilter):
    """400 naming the parameter, in the shape of every API error."""
    body = {"code": 400, "message": f"{error.param} {error.message}", "param": error.param}
    return jsonify(error=body), 400


def _refuse_nul(args) -> None:
    """PostgreSQL cannot compare text holding NUL: such a value is a bad parameter, not a 500."""
    for name, value in args.items(multi=True):
        if "\x00" in value:
            raise browse.InvalidFilter(name, "must not contain NUL characters")


def _slug(slug: str) -> str:
    if "\x00" in slug:
        abort(404)
    return slug


def _cached(response):
    response.headers["Cache-Control"] = LIST_CACHE
    return response


def _page_json(items: list, page: browse.Page, **extra):
    """The paged envelope: items, counts and links that keep the request's other parameters.

    A keyset page (the product list without `q`) links to the next by its cursor (`after`);
    one asked for by cursor has no number (`page` null) and no `prev`.
    """
    filters = page.filters

    def link(number: int, **more) -> str:
        args = {**filters.query_args(page=number), **extra, **more}
        if filters.per_page != services.DEFAULT_PER_PAGE:
            args["per_page"] = filters.per_page
        return url_for(request.endpoint, **args, _external=True)

    if page.keyset:
        following = link(1, after=page.next_after) if page.next_after else None
    else:
        following = link(filters.page + 1) if page.has_next else None
    links = {
        "self": request.url if page.by_cursor else link(filters.page),
        "next": following,
        "prev": link(min(filters.page - 1, page.pages)) if page.has_prev else None,
    }
    if page.by_cursor:
        links["prev"] = None
    return _cached(
        jsonify(
            items=items,
            page=None if page.by_cursor else filters.page,
            per_page=filters.per_page,
            total=page.total,
            pages=page.pages,
            links=links,
        )
    )


@bp.get("/products")
def products():
    """Listable products with the catalogue's filters, sorting and paging (and `q`)."""
    _refuse_nul(request.args)
    q = request.args.get("q", "").strip() or None
    filters = browse.parse_filters(
        request.args, per_page=services.DEFAULT_PER_PAGE, allow_per_page=True, sorts=SEARCH_SORTS
    )
    if q is None and filters.sort == "relevance":  # without words, "best match" is "newest"
        filters = replace(filters, sort="newest")
    after = request.args.get("after") or None
    if after is not None and q is not None:
        raise browse.InvalidFilter("after", "pages by cursor only without q; use page")
    page = services.browse_products(filters, q, after)
    sets = services.product_sets()
    items = [serializers.product_summary(p, c, sets) for p, c in page.rows]
    return _page_json(items, page, **({"q": q} if q else {}))


@bp.get("/products/<slug>")
def product(slug: str):
    """One listable product with its variants, images and certificate."""
    found = get_listable_by_slug(_slug(slug))
    if found is None:
        abort(404)
    return jsonify(serializers.product(*found))


@bp.get("/producers")
def producers():
    """Active producers with at least one listed product, by slug."""
    _refuse_nul(request.args)
    args = {name: request.args[name] for name in PRODUCER_PARAMS if name in request.args}
    filters = browse.parse_filters(args, per_page=services.DEFAULT_PER_PAGE, allow_per_page=True)
    page = services.listed_producers(filters)
    return _page_json([serializers.producer(p, n) for p, n in page.rows], page)


@bp.get("/producers/<slug>")
def producer(slug: str):
    """One active producer that has listed products."""
    found = services.listed_producer(_slug(slug))
    if found is None:
        abort(404)
    return jsonify(serializers.producer(*found))


@bp.get("/product-sets")
def product_sets():
    """The OCOP product sets, by code."""
    items = [serializers.product_set(ps) for ps in services.product_sets().values()]
    return _cached(jsonify(items=items))


@bp.get("/provinces")
def provinces():
    """The 34 provinces and centrally-run cities."""
    return _cached(jsonify(items=[{"code": c, "name": n} for c, n in geo.provinces()]))


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document describing this API."""
    return _cached(jsonify(openapi.DOCUMENT))
