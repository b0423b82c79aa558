"""axe-core 4 on 17 pages of a running demo shop, as a phone sees them (390x844).

Setup (once, outside the repository; nothing is fetched while the shop runs):

    npm install --prefix /tmp/lh lighthouse@12 axe-core@4

Serve the demo shop (see docs/ux.md), then:

    .venv/bin/python bench/axe_pages.py http://127.0.0.1:5113 --axe /tmp/lh/node_modules/axe-core/axe.min.js

It walks a buyer's journey (catalogue, search, product, cart, checkout details and review,
the order page it places, verify, account), a producer's (dashboard, a product form) and a
staff member's (the certificate review queue) with Playwright and Debian's Chromium, injects
axe.min.js into each page, runs the WCAG 2.0/2.1 A and AA rules plus best practices, and prints
one row per page: violations by impact, and each serious or critical rule with its node count.
`--json FILE` writes every violation. It places one order on the demo shop it is pointed at.
Exit status 1 when any page has a serious or critical violation.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
CUSTOMER = ("khach@demo.cho-ocop.vn", "demo-khach-2026")
PRODUCER = ("htx.caphe@demo.cho-ocop.vn", "demo-caphe-2026")
STAFF = ("staff@demo.cho-ocop.vn", "demo-staff-2026")
PRODUCT = "/p/ca-phe-robusta-rang-moc-cu-m-gar"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
IMPACTS = ("critical", "serious", "moderate", "minor")


def run_axe(page: Page, axe_source: str) -> list[dict]:
    page.wait_for_load_state("load")
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]],
        }
        for v in result["violations"]
    ]


def log_in(page: Page, base: str, who: tuple[str, str]) -> None:
    page.goto(base + "/login")
    page.locator("#email").fill(who[0])
    page.locator("#password").fill(who[1])
    page.locator("main form[method=post] button[type=submit]").click()
    page.wait_for_load_state("load")


def walk(base: str, axe_source: str) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {}

    def check(page: Page, name: str, path: str | None = None) -> None:
        if path is not None:
            page.goto(base + path)
        results[f"{name} ({page.url.removeprefix(base)})"] = run_axe(page, axe_source)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])

        def phone():
            context = browser.new_context(
                viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True
            )
            return context.new_page()

        visitor = phone()
        check(visitor, "home", "/")
        check(visitor, "catalogue", "/products")
        check(visitor, "search results", "/search?q=ca+phe")
        check(visitor, "product", PRODUCT)
        check(visitor, "producer", "/producers/htx-ca-phe-ea-tul")
        check(visitor, "province", "/provinces/dak-lak")
        check(visitor, "verify", "/verify/OCOP-QG-2025-0001")
        check(visitor, "log-in", "/login")
        check(visitor, "register", "/register")

        buyer = phone()
        log_in(buyer, base, CUSTOMER)
        buyer.goto(base + PRODUCT)
        buyer.get_by_test_id("add-to-cart").click()
        buyer.wait_for_load_state("load")
        check(buyer, "cart", "/cart")
        check(buyer, "checkout details", "/checkout")
        buyer.locator("#full_name").fill("Trần Thị Mai")
        buyer.locator("#phone").fill("0912 345 678")
        buyer.locator("#province_code").select_option("46")
        buyer.locator("#ward_code").select_option("19786")
        buyer.locator("#street").fill("25 Lê Lợi")
        buyer.locator("input[name=payment_method][value=bank_transfer]").check()
        buyer.get_by_test_id("continue").click()
        buyer.wait_for_url(re.compile(r"/checkout/review$"))
        check(buyer, "checkout review")
        buyer.get_by_test_id("place-order").click()
        buyer.wait_for_url(re.compile(r"/orders/"))
        check(buyer, "order")
        check(buyer, "account", "/account")

        producer = phone()
        log_in(producer, base, PRODUCER)
        check(producer, "producer dashboard", "/producer/")
        check(producer, "producer product form", "/producer/products/new")

        staff = phone()
        log_in(staff, base, STAFF)
        check(staff, "staff review queue", "/staff/certificates")
        browser.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the running shop, e.g. http://127.0.0.1:5113")
    parser.add_argument("--axe", default="/tmp/lh/node_modules/axe-core/axe.min.js")
    parser.add_argument("--json", type=Path, help="write every violation to this file")
    args = parser.parse_args()
    axe_source = Path(args.axe).read_text()
    version = re.search(r"axe v([\d.]+)", axe_source[:300])
    results = walk(args.base.rstrip("/"), axe_source)

    print(f"axe-core {version.group(1) if version else '?'}, tags {', '.join(TAGS)}, 390x844")
    print(f"| page | {' | '.join(IMPACTS)} | serious or critical rules |")
    print("|---|" + "---|" * (len(IMPACTS) + 1))
    bad = 0
    for name, violations in results.items():
        counts = [sum(1 for v in violations if v["impact"] == i) for i in IMPACTS]
        serious = [
            f"{v['id']} ({len(v['nodes'])})"
            for v in violations
            if v["impact"] in ("critical", "serious")
        ]
        bad += bool(serious)
        cells = " | ".join(str(c) for c in counts)
        print(f"| {name} | {cells} | {', '.join(serious) or '—'} |")
    others = sorted({v["id"] for vs in results.values() for v in vs if v["impact"] in IMPACTS[2:]})
    print(f"moderate/minor rules: {', '.join(others) or 'none'}")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
