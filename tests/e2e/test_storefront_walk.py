"""A buyer walks the storefront, in a real browser, over the real demo catalogue: the home
page's six OCOP groups and 5-star shelf → one group → the filter form → page 2 → a product
(gallery, packs and prices, certificate, QR code, producer) → its producer → their province.

Once on a 1280 px screen and once on a 390 × 844 phone, where no page may scroll sideways.
On every page visited, none of the demo's never-listed products (expired, revoked, pending
or rejected certificate) may appear. Counts are checked against the database, through the
same `browse()` the pages use, so the test follows the demo catalogue if it grows.
Texts are translated, so elements are found by data-testid, name, href or role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from shop import geo
from shop.catalog import browse
from shop.catalog.models import Product
from shop.demo import NEVER_LISTED_SLUGS
from shop.extensions import db

PHONE_SCREEN = {"width": 390, "height": 844}
PER_PAGE = browse.Filters().per_page
GROUPS = ("I", "II", "III", "IV", "V", "VI")
PRICE = re.compile(r"^\d{1,3}(\.\d{3})*\s₫$")  # "185.000 ₫" (a no-break space before ₫)
IMAGES_LOADED = """() => [...document.images].every(img => img.complete && img.naturalWidth > 0)"""
SCROLL_THROUGH = """async () => {
  for (let y = 0; y < document.documentElement.scrollHeight; y += window.innerHeight / 2) {
    window.scrollTo(0, y);
    await new Promise(done => requestAnimationFrame(() => setTimeout(done, 20)));
  }
  window.scrollTo(0, 0);
}"""


@pytest.fixture
def live_app(demo_live_app: Flask) -> Flask:
    """These walks need a real catalogue: the demo one (see conftest.demo_live_app)."""
    return demo_live_app


# --- the database's view --------------------------------------------------------------------


@dataclass(frozen=True)
class Unlisted:
    slug: str
    name: str
    producer_slug: str


def never_listed(app: Flask) -> list[Unlisted]:
    """The demo's never-listed products, which the database does hold (else the check is moot)."""
    with app.app_context():
        products = db.session.scalars(
            sa.select(Product).where(Product.slug.in_(NEVER_LISTED_SLUGS))
        ).all()
        found = [Unlisted(p.slug, p.name, p.producer.slug) for p in products]
        db.session.remove()
    assert sorted(u.slug for u in found) == sorted(NEVER_LISTED_SLUGS)
    return found


def listed_count(app: Flask, **filters) -> int:
    """How many products the shop lists with these filters."""
    with app.app_context():
        total = browse.browse(browse.Filters(**filters, per_page=1)).total
        db.session.remove()
    return total


def province_of(app: Flask, producer_slug: str) -> int:
    from shop.producers.models import Producer

    with app.app_context():
        code = db.session.scalar(
            sa.select(Producer.province_code).where(Producer.slug == producer_slug)
        )
        db.session.remove()
    return code


# --- the browser's view ---------------------------------------------------------------------


def cards(page: Page) -> Locator:
    return page.locator("main").get_by_test_id("product-card")


def shown_count(page: Page) -> int:
    """The number in the "N sản phẩm" line above the results."""
    text = page.get_by_test_id("result-count").inner_text()
    match = re.search(r"\d[\d.,]*", text)
    assert match, f"no number in the result count {text!r}"
    return int(re.sub(r"\D", "", match.group()))


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def stars_on_cards(page: Page) -> list[int]:
    return [len(t.strip()) for t in cards(page).locator(".ocop-stars").all_inner_texts()]


def expect_every_card_badged(page: Page, expected_cards: int) -> None:
    expect(cards(page)).to_have_count(expected_cards)
    expect(cards(page).get_by_test_id("ocop-badge")).to_have_count(expected_cards)


class Walk:
    """What is checked on every page the buyer reaches, then the page's screenshot."""

    def __init__(self, page: Page, shot, unlisted: list[Unlisted], phone: bool):
        self.page, self.shot, self.unlisted, self.phone = page, shot, unlisted, phone

    def arrive(self, name: str) -> None:
        page = self.page
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        for product in self.unlisted:
            expect(page.locator(f"a[href='/p/{product.slug}']")).to_have_count(0)
            expect(page.locator("main")).not_to_contain_text(product.name)
        # Lazy pictures load as they come near the screen: scroll through, then all must load.
        page.evaluate(SCROLL_THROUGH)
        page.wait_for_function(IMAGES_LOADED)
        # window.innerWidth grows with overflowing content on an emulated phone: compare with
        # the viewport the test asked for.
        width = page.evaluate("document.documentElement.scrollWidth")
        viewport = page.viewport_size["width"]
        assert width <= viewport, f"{name}: {width}px wide on a {viewport}px screen"
        self.shot(page, name + ("-phone" if self.phone else ""))


def walk(
    page: Page, app: Flask, base: str, shot, *, group: str, stars: tuple[int, ...], phone: bool
) -> None:
    unlisted = never_listed(app)
    makers_of_unlisted = {u.producer_slug for u in unlisted}
    here = Walk(page, shot, unlisted, phone)

    # Home: the six OCOP groups and the 5-star shelf, nothing but 5-star products on it.
    page.goto(base + "/")
    for code in GROUPS:
        expect(page.get_by_test_id(f"group-{code}")).to_be_visible()
    expect(page.locator(".group-list li")).to_have_count(len(GROUPS))
    groups_on_sale = sum(1 for g in GROUPS if listed_count(app, group=g))
    expect(page.locator(".group-list a")).to_have_count(groups_on_sale)  # empty ones don't link
    shelf = page.locator("#five-title + .grid").get_by_test_id("product-card")
    expect(shelf).to_have_count(min(8, listed_count(app, stars=(5,))))
    expect(shelf.locator(".ocop-badge:not(.ocop-5)")).to_have_count(0)
    expect(shelf.locator(".ocop-badge.ocop-5")).to_have_count(shelf.count())
    here.arrive("home")

    # A group: the catalogue filtered by it, every card with its OCOP badge.
    page.get_by_test_id(f"group-{group}").click()
    expect(page).to_have_url(re.compile(rf"/products\?group={group}$"))
    expect(page.locator("form.filters select[name=group]")).to_have_value(group)
    in_group = listed_count(app, group=group)
    assert in_group > 0, f"the demo lists nothing in group {group}"
    assert shown_count(page) == in_group
    expect_every_card_badged(page, min(PER_PAGE, in_group))
    here.arrive(f"group-{group}")

    # The filter form: tick some star ratings and apply; the group is kept. On a phone the
    # filters start folded under their summary, so the results come first.
    toggle = page.locator("details.filters-toggle")
    if phone:
        expect(toggle).not_to_have_attribute("open", "")
        toggle.locator("summary").click()
    form = page.locator("form.filters")
    for n in stars:
        form.locator(f"input[name=stars][value='{n}']").check()
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]stars="))
    assert query_of(page)["group"] == [group]
    assert sorted(query_of(page)["stars"]) == sorted(str(n) for n in stars)
    filtered = listed_count(app, group=group, stars=stars)
    assert 0 < filtered < in_group, "choose stars that narrow the group down, but not to nothing"
    assert shown_count(page) == filtered
    expect_every_card_badged(page, min(PER_PAGE, filtered))
    assert set(stars_on_cards(page)) <= set(stars)
    for n in stars:
        expect(form.locator(f"input[name=stars][value='{n}']")).to_be_checked()
    here.arrive(f"group-{group}-{'-'.join(map(str, stars))}-stars")

    # Page 2, when there is one: the pager keeps the filters.
    next_page = page.get_by_test_id("next-page")
    if filtered > PER_PAGE:
        next_page.click()
        expect(page).to_have_url(re.compile(r"[?&]page=2\b"))
        query = query_of(page)
        assert query["group"] == [group]
        assert sorted(query["stars"]) == sorted(str(n) for n in stars)
        assert shown_count(page) == filtered
        expect_every_card_badged(page, min(PER_PAGE, filtered - PER_PAGE))
        assert set(stars_on_cards(page)) <= set(stars)
        expect(page.locator("a[rel=prev]")).to_be_visible()
        here.arrive("page-2")
    else:
        expect(next_page).to_have_count(0)

    # A product: preferably one whose producer also makes a never-listed product, so the
    # producer page below would show that one if the listable rule failed.
    card = cards(page).first
    for candidate in cards(page).all():
        href = candidate.locator(".producer a").get_attribute("href") or ""
        if href.removeprefix("/producers/") in makers_of_unlisted:
            card = candidate
            break
    name = card.locator("h3").inner_text().strip()
    product_href = card.locator(".card-link").get_attribute("href")
    producer_href = card.locator(".producer a").get_attribute("href")
    producer_name = card.locator(".producer a").inner_text().strip()
    card.locator(".card-link").click()
    expect(page).to_have_url(base + product_href)
    assert product_href.startswith("/p/")
    expect(page.locator("h1")).to_have_text(name)

    picture = page.get_by_test_id("gallery").locator("img").first
    expect(picture).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
    )
    prices = page.get_by_test_id("variants").locator("tbody td.price")
    expect(prices.first).to_be_visible()
    for price in prices.all_inner_texts():
        assert PRICE.match(price.strip()), f"not a price in đồng: {price!r}"
    facts = page.get_by_test_id("certificate-facts")
    expect(facts).to_be_visible()
    verify = page.get_by_test_id("verify-link")
    expect(verify).to_have_attribute("href", re.compile(r"^/verify/OCOP-"))
    expect(page.locator(".details").get_by_test_id("ocop-badge")).to_have_attribute(
        "href", verify.get_attribute("href")
    )
    expect(facts).to_contain_text(verify.get_attribute("href").removeprefix("/verify/"))
    expect(page.get_by_test_id("verify-qr").locator("svg")).to_be_visible()
    producer_card = page.get_by_test_id("producer-card")
    expect(producer_card).to_be_visible()
    producer_link = producer_card.locator(f"a[href='{producer_href}']")
    expect(producer_link).to_have_text(producer_name)
    here.arrive("product")

    # The producer: its profile, and its products only.
    producer_link.click()
    expect(page).to_have_url(base + producer_href)
    profile = page.get_by_test_id("producer-profile")
    expect(profile.locator("h1")).to_have_text(producer_name)
    producer_slug = producer_href.removeprefix("/producers/")
    own = listed_count(app, producer=producer_slug)
    assert shown_count(page) == own
    expect_every_card_badged(page, min(PER_PAGE, own))
    makers = (
        cards(page)
        .locator(".producer a")
        .evaluate_all("links => links.map(a => a.getAttribute('href'))")
    )
    assert set(makers) == {producer_href}
    expect(page.locator(f"main a[href='{product_href}']").first).to_be_visible()
    here.arrive("producer")

    # Its province: every product there is made in that province.
    code = province_of(app, producer_slug)
    province_name = geo.province_name(code)
    province_link = profile.locator(f"a[href='/provinces/{geo.province_slug(code)}']")
    expect(province_link).to_have_text(province_name)
    province_link.click()
    expect(page).to_have_url(f"{base}/provinces/{geo.province_slug(code)}")
    expect(page.locator("h1")).to_contain_text(province_name)
    in_province = listed_count(app, province=code)
    assert shown_count(page) == in_province
    expect_every_card_badged(page, min(PER_PAGE, in_province))
    for line in cards(page).locator(".producer").all_inner_texts():
        assert line.strip().endswith(province_name), line
    expect(page.locator(f"main a[href='{producer_href}']").first).to_be_visible()
    here.arrive("province")


def test_a_buyer_walks_from_the_home_page_through_a_group_to_a_product_its_producer_and_province(
    page: Page, live_server: str, live_app: Flask, shot
):
    # 3 and 4 stars in group I (food): more than a page, so the pager is walked too.
    walk(page, live_app, live_server, shot, group="I", stars=(4, 3), phone=False)


@pytest.mark.browser_context_args(viewport=PHONE_SCREEN, is_mobile=True, has_touch=True)
def test_a_buyer_on_a_phone_walks_the_same_way_and_no_page_scrolls_sideways(
    page: Page, live_server: str, live_app: Flask, shot
):
    walk(page, live_app, live_server, shot, group="I", stars=(4,), phone=True)
