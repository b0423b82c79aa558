"""A buyer searches, in a real browser, over the real demo catalogue: types "ca phe" without
accents into the header box, picks a suggestion with the keyboard, searches, narrows the
results to 4 stars with a facet, opens a product; a misspelt query without accents still
finds the fish sauce, and a query that finds nothing says what to try instead.

The Whoosh index lives in the live app's instance folder and is built from the database by
the first search. Texts are translated, so elements are found by data-testid, id, role or
href, and names are compared without diacritics (`fold`) where the query had none.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Locator, Page, expect

from shop.text import fold

PHONE_SCREEN = {"width": 390, "height": 844}
TYPING_DELAY_MS = 60  # a person typing, so the suggestions follow keystroke by keystroke


@pytest.fixture
def live_app(demo_live_app: Flask) -> Flask:
    """Search needs a real catalogue: the demo one (see conftest.demo_live_app)."""
    return demo_live_app


def cards(page: Page) -> Locator:
    return page.locator("main").get_by_test_id("product-card")


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def shown_count(page: Page) -> int:
    text = page.get_by_test_id("result-count").inner_text()
    return int(re.sub(r"\D", "", text))


def search_from_header(page: Page, text: str) -> None:
    """Type into the header box and press its button (the header form's own submit)."""
    box = page.locator("#header-q")
    box.fill(text)
    page.locator("form.search-box button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/search\?"))
    assert query_of(page)["q"] == [text]


def expect_no_sideways_scroll(page: Page, what: str) -> None:
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"{what} scrolls sideways: {width}px wide on a {viewport}px screen"


def test_a_buyer_searches_without_accents_picks_a_suggestion_narrows_by_stars_and_misspells(
    page: Page, live_server: str, shot
):
    page.goto(live_server + "/")
    box = page.locator("#header-q")
    suggestions = page.locator("ul.suggestions[role=listbox]")
    expect(suggestions).to_be_hidden()

    # Typing "ca phe", letter by letter, opens the suggestions: coffees, with their accents.
    box.click()
    box.press_sequentially("ca phe", delay=TYPING_DELAY_MS)
    expect(suggestions).to_be_visible()
    expect(box).to_have_attribute("aria-controls", "header-q-suggestions")
    options = suggestions.get_by_role("option")
    products = suggestions.locator("a[data-kind=product]")
    expect(products.first).to_be_visible()
    for name in products.all_inner_texts():
        words = fold(name.lower()).split()
        assert "ca" in words and any(w.startswith("phe") for w in words), name
    shot(page, "suggestions-open")

    # ArrowDown marks the first suggestion (a product), Enter opens it.
    expect(options.first).to_have_attribute("data-kind", "product")
    picked_name = options.first.inner_text().strip()
    picked_href = options.first.get_attribute("href")
    assert picked_href.startswith("/p/")
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    shot(page, "suggestion-marked")
    box.press("Enter")
    expect(page).to_have_url(live_server + picked_href)
    expect(page.locator("h1")).to_have_text(picked_name)
    expect(page.get_by_test_id("variants")).to_be_visible()
    shot(page, "suggested-product")

    # Searching "ca phe": results with the matching words marked, coffee first.
    search_from_header(page, "ca phe")
    expect(page.locator("h1")).to_contain_text("ca phe")
    total = shown_count(page)
    assert total >= 3
    expect(cards(page)).to_have_count(min(24, total))
    first_marks = cards(page).first.locator("h3 mark").all_inner_texts()
    assert [fold(m.lower()) for m in first_marks] == ["ca", "phe"], first_marks
    expect(page.locator("main .card h3 mark").first).to_be_visible()
    expect(box).to_have_value("ca phe")  # the box keeps what was searched
    shot(page, "results-ca-phe")

    # The 4-star facet: only 4-star products are left, as many as the facet said.
    stars_facet = page.get_by_test_id("facet-stars")
    four = stars_facet.locator("a").filter(has_text=re.compile(r"^\s*★★★★\s*\("))
    expect(four).to_have_count(1)
    facet_count = int(re.search(r"\((\d+)\)", four.inner_text()).group(1))
    assert 0 < facet_count < total
    four.click()
    expect(page).to_have_url(re.compile(r"[?&]stars=4\b"))
    assert query_of(page)["q"] == ["ca phe"]
    assert shown_count(page) == facet_count
    expect(cards(page)).to_have_count(facet_count)
    expect(cards(page).locator(".ocop-badge.ocop-4")).to_have_count(facet_count)
    for stars in cards(page).locator(".ocop-stars").all_inner_texts():
        assert stars.strip() == "★★★★"
    expect(stars_facet.locator("a[aria-current=true]")).to_have_count(1)
    expect(stars_facet.locator("a[aria-current=true]")).to_contain_text("★★★★")
    shot(page, "results-ca-phe-4-stars")

    # Opening one of them.
    first = cards(page).first
    name = first.locator("h3").inner_text().strip()
    href = first.locator(".card-link").get_attribute("href")
    first.locator(".card-link").click()
    expect(page).to_have_url(live_server + href)
    expect(page.locator("h1")).to_have_text(name)
    expect(page.locator(".details").get_by_test_id("ocop-badge")).to_have_class(
        re.compile(r"\bocop-4\b")
    )
    shot(page, "result-product")

    # No accents and a typo ("quok"): the fish sauce from Phú Quốc still comes first.
    search_from_header(page, "nuoc mam phu quok")
    expect(cards(page).first.locator("h3")).to_contain_text("Nước mắm")
    expect(cards(page).first.locator("h3")).to_contain_text("Phú Quốc")
    expect(page.get_by_test_id("empty")).to_have_count(0)
    shot(page, "results-typo")

    # Nothing found: the empty state explains what to try and links to the whole catalogue.
    search_from_header(page, "iphone")
    empty = page.get_by_test_id("empty")
    expect(empty).to_be_visible()
    expect(cards(page)).to_have_count(0)
    assert shown_count(page) == 0
    expect(empty.locator("li")).to_have_count(3)
    expect(empty.locator("a[href='/products']")).to_be_visible()
    expect(empty).to_contain_text("iphone")
    shot(page, "results-empty")

    # On a phone: the suggestions and the results, without sideways scrolling.
    page.set_viewport_size(PHONE_SCREEN)
    box.fill("")
    box.press_sequentially("mat ong", delay=TYPING_DELAY_MS)
    expect(suggestions.locator("a[data-kind=product]").first).to_be_visible()
    expect_no_sideways_scroll(page, "the open suggestions")
    shot(page, "suggestions-open-phone")
    box.press("Escape")
    expect(suggestions).to_be_hidden()
    page.goto(live_server + "/search?q=ca+phe")
    expect(cards(page).first).to_be_visible()
    expect_no_sideways_scroll(page, "the results")
    shot(page, "results-ca-phe-phone")
