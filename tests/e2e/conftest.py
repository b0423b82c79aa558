"""Browser tests: pytest-playwright drives Debian's Chromium against a live server.

Every test in this folder is marked `e2e`. Without /usr/bin/chromium the tests are skipped
with a reason, unless REQUIRE_BROWSER=1 (CI), which turns the missing browser into a failure.
`playwright install` cannot download anything here, so the browser is always the system one.

The live server is the real app (config "test", CSRF and rate limits on) on its own SQLite
file, whatever TEST_DATABASE_URL says, served by werkzeug on 127.0.0.1 in a daemon thread.
Screenshots go to tests/e2e/artifacts/<test name>/ (git-ignored) through the `shot` fixture.

`live_app` sells a few factory-made products; `demo_live_app` sells the real demo catalogue
(what `flask demo load` adds, drawn pictures included), loaded once per session into
a template SQLite file that each test copies. A test module uses it by overriding `live_app`.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page
from werkzeug.serving import BaseWSGIServer, make_server

from shop import create_app
from shop.extensions import db
from tests.factories import make_producer, make_product

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000  # a local server answers in milliseconds; fail fast, not after 30 s

# What every live server sells: name, slug, product set code, OCOP stars, variants (label, price).
SEED_PRODUCTS = [
    (
        "Cà phê Robusta rang mộc Buôn Ma Thuột",
        "ca-phe-robusta-buon-ma-thuot",
        13,
        5,
        [("Túi 500g", 185_000), ("Túi 1kg", 350_000)],
    ),
    (
        "Nước mắm cá cơm Phú Quốc 40 độ đạm",
        "nuoc-mam-phu-quoc-40-do-dam",
        9,
        4,
        [("Chai 500ml", 120_000)],
    ),
    ("Mật ong hoa bạc hà Hà Giang", "mat-ong-bac-ha-ha-giang", 4, 4, [("Hũ 350g", 230_000)]),
    (
        "Chè Shan tuyết cổ thụ",
        "che-shan-tuyet-co-thu",
        11,
        3,
        [("Hộp 200g", 260_000), ("Hộp 100g", 140_000)],
    ),
]


def _chromium_available() -> bool:
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def _missing_browser_message() -> str:
    return (
        f"Chromium not found at {CHROMIUM} (install Debian's `chromium` package, or set "
        "CHROMIUM_PATH); `playwright install` cannot download browsers here"
    )


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(item.path).resolve().parents


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests of this folder `e2e`; skip them (with a reason) if there is no browser.

    With REQUIRE_BROWSER=1 nothing is skipped: `browser_type_launch_args` fails each test.
    """
    skip = None
    if not _chromium_available() and not REQUIRE_BROWSER:
        skip = pytest.mark.skip(
            reason=_missing_browser_message() + "; REQUIRE_BROWSER=1 makes this a failure"
        )
    for item in items:
        if _in_this_folder(item):
            item.add_marker(pytest.mark.e2e)
            if skip is not None:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options, pointed at the system Chromium, headless."""
    if not _chromium_available():
        if REQUIRE_BROWSER:
            pytest.fail("REQUIRE_BROWSER=1 but " + _missing_browser_message(), pytrace=False)
        pytest.skip(_missing_browser_message())
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config) -> str | None:
    """The --base-url option, as pytest-playwright's own fixture reads it.

    Without pytest-base-url, pytest-playwright defines `base_url` as a method of a plugin
    object, which pytest 9 reports as a PytestRemovedIn10Warning (an error here, under
    filterwarnings = error). This plain function replaces it for these tests.
    """
    return pytestconfig.getoption("--base-url", None) or pytestconfig.getini("base_url") or None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """Every context: a Vietnamese visitor on a 1280 px screen, in Vietnam's time zone.

    A test changes these with `@pytest.mark.browser_context_args(viewport=..., ...)`.
    """
    return {
        **browser_context_args,
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
        "viewport": {"width": 1280, "height": 800},
    }


@pytest.fixture
def page(context):
    """A page that gives up after DEFAULT_TIMEOUT_MS instead of Playwright's 30 s."""
    page = context.new_page()
    page.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return page


@pytest.fixture
def another_page(new_context) -> Callable[..., Page]:
    """`another_page()`: a page in a fresh browser context, i.e. another person's browser.

    It has the session's context options (plus any keyword given) and the same short
    timeout as `page`; pytest-playwright closes its context at the end of the test.
    """

    def open_page(**context_args) -> Page:
        new_page = new_context(**context_args).new_page()
        new_page.set_default_timeout(DEFAULT_TIMEOUT_MS)
        return new_page

    return open_page


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[Flask]:
    """The app on a fresh SQLite file with a few listable products (not TEST_DATABASE_URL)."""
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'e2e.db'}",
        INSTANCE_PATH=str(tmp_path / "instance"),
    )
    with app.app_context():
        from shop.catalog.services import sync_product_sets

        db.create_all()
        sync_product_sets()
        db.session.commit()
        seed_products()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@dataclass(frozen=True)
class DemoTemplate:
    """The demo catalogue, loaded once: a SQLite file to copy and a media folder to share."""

    database: Path
    media: Path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> DemoTemplate:
    """`load_demo()` into a template database, once per session (5 to 10 s on 2 cores).

    The products' pictures and the certificates' scans are really drawn and stored (the
    screenshots should look like the shop), but only the first picture of each product (the
    demo adds a line-up of the packs to products with several); passwords are hashed cheaply,
    as everywhere in the test config. The media folder is shared by every test's app: they
    only read it (the scans stay in the template's instance folder, which no page shows).
    """
    from shop.demo import load_demo, pictures

    folder = tmp_path_factory.mktemp("demo-template")
    template = DemoTemplate(database=folder / "demo.db", media=folder / "media")
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{template.database}",
        INSTANCE_PATH=str(folder / "instance"),
        MEDIA_ROOT=str(template.media),
    )

    drawn = pictures.product_pictures

    with pytest.MonkeyPatch.context() as patch, app.app_context():
        patch.setattr(pictures, "product_pictures", lambda row: drawn(row)[:1])
        db.create_all()
        load_demo()
        db.session.remove()
        db.engine.dispose()
    return template


@pytest.fixture
def demo_live_app(demo_template: DemoTemplate, tmp_path: Path) -> Iterator[Flask]:
    """The app on a fresh copy of the demo catalogue (its own search index, built on use)."""
    database = tmp_path / "e2e-demo.db"
    shutil.copyfile(demo_template.database, database)
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        INSTANCE_PATH=str(tmp_path / "instance"),
        MEDIA_ROOT=str(demo_template.media),
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def seed_products() -> None:
    """Listable products from two producers, 3 to 5 stars, some with several variants."""
    producers = [
        make_producer(name="Hợp tác xã Nông sản Đắk Lắk", slug="htx-nong-san-dak-lak"),
        make_producer(name="Công ty TNHH Đặc sản Ba Miền", slug="dac-san-ba-mien"),
    ]
    for i, (name, slug, product_set, stars, variants) in enumerate(SEED_PRODUCTS):
        make_product(
            producers[i % len(producers)],
            name=name,
            slug=slug,
            product_set_code=product_set,
            certificate={"stars": stars},
            variants=[
                {"sku": f"{slug[:20]}-{n}", "label": label, "price": price}
                for n, (label, price) in enumerate(variants)
            ],
        )


@pytest.fixture
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve `live_app` on 127.0.0.1 (a free port) in a daemon thread; yields the base URL."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.05},
        name="e2e-live-server",
        daemon=True,
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name).strip("-")


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """`shot(page, name)` saves a full-page PNG as artifacts/<test>/<NN>-<name>.png.

    The test's folder is emptied first, so it holds exactly the last run's pictures.
    """
    folder = ARTIFACTS / _safe(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    count = 0

    def take(page, name: str) -> Path:
        nonlocal count
        count += 1
        path = folder / f"{count:02d}-{_safe(name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
