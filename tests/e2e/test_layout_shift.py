"""Pages hold still while they load on a phone (#15 item 11, docs/ux.md).

Lighthouse measured a layout shift of 0.117 on the product page: the quantity's − and +
buttons, shown by cart.js, pushed the quantity box onto a new line and the photos 70 px down.
Here the browser's own layout-shift entries (the figure Lighthouse's CLS adds up) are summed
for the four measured pages; and since a local server is so fast that cart.js may run before
the first paint (no shift for the browser to record, unlike on a throttled phone), the product
page must be laid out the same with script and without.
"""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page

PHONE = {"width": 390, "height": 844}
PHONE_CONTEXT = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
PRODUCT = "/p/ca-phe-robusta-rang-moc-cu-m-gar"

LAYOUT_SHIFT = """() => new Promise(resolve => {
  new PerformanceObserver(list => {
    resolve(list.getEntries().filter(e => !e.hadRecentInput).reduce((sum, e) => sum + e.value, 0));
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(0), 500);  // no entry at all: nothing moved
})"""


@pytest.fixture
def live_app(demo_live_app: Flask) -> Flask:
    return demo_live_app


@pytest.mark.browser_context_args(**PHONE_CONTEXT)
def test_the_measured_pages_do_not_shift_as_they_load(page: Page, live_server: str):
    for path in ("/", "/products", PRODUCT, "/verify/OCOP-QG-2025-0001"):
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        page.wait_for_timeout(200)  # the deferred scripts have run
        shift = page.evaluate(LAYOUT_SHIFT)
        assert shift < 0.01, f"{path}: layout shift {shift:.3f}"


def test_the_product_page_is_laid_out_the_same_with_and_without_script(
    browser: Browser, live_server: str
):
    tops = []
    for script in (False, True):
        context = browser.new_context(**PHONE_CONTEXT, java_script_enabled=script)
        page = context.new_page()
        page.goto(live_server + PRODUCT)
        page.wait_for_load_state("load")
        tops.append(page.get_by_test_id("gallery").evaluate("g => g.getBoundingClientRect().top"))
        context.close()
    assert abs(tops[0] - tops[1]) < 2, f"the photos moved from {tops[0]} to {tops[1]} px"
