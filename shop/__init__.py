"""The OCOP marketplace: create_app() wires configuration, extensions and blueprints."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from flask import Flask, request

from shop import compression, pagecache
from shop.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Any = None, **overrides: Any) -> Flask:
    """Build the application.

    `config` is a name ("development", "test", "production") or a Config class, defaulting
    to FLASK_CONFIG; keyword overrides win over it (INSTANCE_PATH moves the instance folder).
    """
    instance_path = overrides.pop("INSTANCE_PATH", None) or os.environ.get("INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=instance_path or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    _load_config(app, config, overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'shop.db'}"
    _load_secret_key(app)

    check_settings(app)
    trust_proxies(app)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    register_security_headers(app)
    register_static_versions(app)
    compression.init_app(app)
    pagecache.init_app(app)  # after compression: its hook must run first
    return app


def _load_config(app: Flask, config: Any, overrides: dict[str, Any]) -> None:
    from config import CONFIGS

    if config is None:
        config = os.environ.get("FLASK_CONFIG", "development")
    if isinstance(config, str):
        config = CONFIGS[config]
    app.config.from_object(config() if isinstance(config, type) else config)
    app.config.update(overrides)


def _load_secret_key(app: Flask) -> None:
    """SECRET_KEY as given; else (development only) the instance folder's own random key."""
    if app.config.get("SECRET_KEY"):
        return
    if not app.config.get("SECRET_KEY_FROM_INSTANCE"):
        raise RuntimeError("SECRET_KEY is not set: give it in the environment.")
    from shop.instance_secret import instance_secret

    app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path))


def check_settings(app: Flask) -> None:
    """Refuse to start with a receiving bank account no VietQR payload could carry."""
    from shop.payments.vietqr import VietQRError, check_account

    try:
        check_account(app.config["BANK_BIN"], app.config["BANK_ACCOUNT"])
    except VietQRError as error:
        raise RuntimeError(
            f"BANK_BIN / BANK_ACCOUNT are not a valid VietQR account: {error}"
        ) from None


def trust_proxies(app: Flask) -> None:
    """Behind PROXY_HOPS reverse proxies, take the client's address and scheme from their
    X-Forwarded-For / X-Forwarded-Proto headers (and never trust more hops than that)."""
    hops = app.config.get("PROXY_HOPS", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_extensions(app: Flask) -> None:
    """Attach each extension instance to this application."""
    from shop import mail, models, transaction  # noqa: F401  (models registers every table)
    from shop.catalog import summary as listing_summary
    from shop.i18n import select_locale
    from shop.search import hooks as search_hooks

    db.init_app(app)
    is_sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=is_sqlite)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "translations"),
    )
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    mail.register_session_hooks()
    search_hooks.register_session_hooks()
    transaction.register_session_hooks()
    listing_summary.register_session_hooks()

    from shop.i18n import lazy_login_message

    login_manager.login_message = lazy_login_message()

    from shop.accounts import sessions

    login_manager.user_loader(sessions.load_user)
    sessions.register(app)


def register_converters(app: Flask) -> None:
    """`<int:…>` in every route answers 404 beyond what an id column holds (before any rule);
    `<anytext:…>` takes any text, a line break included."""
    from shop.urls import AnyTextConverter, DatabaseIntConverter

    app.url_map.converters["int"] = DatabaseIntConverter
    app.url_map.converters["anytext"] = AnyTextConverter


def register_blueprints(app: Flask) -> None:
    """Mount each domain's blueprint."""
    from shop import media
    from shop.accounts.views import bp as accounts_bp
    from shop.api.views import bp as api_bp
    from shop.cart.views import bp as cart_bp
    from shop.catalog.revision_views import bp as revisions_bp
    from shop.catalog.views import bp as catalog_bp
    from shop.certification.views import bp as certification_bp
    from shop.checkout.views import bp as checkout_bp
    from shop.events.views import bp as events_bp
    from shop.health import bp as health_bp
    from shop.i18n import bp as i18n_bp
    from shop.ledger.views import bp as ledger_bp
    from shop.marks.views import bp as marks_bp
    from shop.orders.views import bp as orders_bp
    from shop.payments.views import bp as payments_bp
    from shop.payouts.views import bp as payouts_bp
    from shop.privacy.views import bp as privacy_bp
    from shop.producers.views import bp as producers_bp
    from shop.programme.views import bp as programme_bp
    from shop.reports.views import bp as reports_bp
    from shop.reviews.views import bp as reviews_bp
    from shop.search.views import bp as search_bp
    from shop.seo import bp as seo_bp
    from shop.staff.views import bp as staff_bp

    blueprints = (
        accounts_bp,
        api_bp,
        cart_bp,
        catalog_bp,
        certification_bp,
        checkout_bp,
        events_bp,
        health_bp,
        i18n_bp,
        ledger_bp,
        marks_bp,
        orders_bp,
        payments_bp,
        payouts_bp,
        privacy_bp,
        producers_bp,
        reports_bp,
        programme_bp,
        reviews_bp,
        revisions_bp,
        search_bp,
        seo_bp,
        staff_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    media.register(app)


def register_errorhandlers(app: Flask) -> None:
    """One friendly page for every error, in the visitor's language; never a stack trace."""
    from shop.errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals every template may use."""
    from shop.formatting import format_day, format_local_day, format_local_time, format_vnd
    from shop.i18n import current_language
    from shop.payments.labels import PAYMENT_STATUS_LABELS, REFUND_LABELS
    from shop.phones import display_mobile

    app.jinja_env.filters["vnd"] = format_vnd
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["localday"] = format_local_day
    app.jinja_env.filters["localtime"] = format_local_time
    app.jinja_env.filters["mobile"] = display_mobile

    from shop.catalog.rules import LOW_STOCK, price_from, price_to
    from shop.forms_common import failed_forms
    from shop.geo import province_slug
    from shop.labels import register_template_globals
    from shop.search.highlight import highlight

    register_template_globals(app.jinja_env.globals)
    app.jinja_env.globals.update(
        low_stock_threshold=LOW_STOCK,
        price_from=price_from,
        price_to=price_to,
        province_slug=province_slug,
        highlight=highlight,
        failed_forms=failed_forms,
        payment_status_labels=PAYMENT_STATUS_LABELS,
        refund_labels=REFUND_LABELS,
    )

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        from shop.cart.services import cart_count

        return {
            "shop_name": app.config["SHOP_NAME"],
            "current_language": current_language(),
            "cart_count": cart_count(),
        }


def register_commands(app: Flask) -> None:
    """Add the `flask` sub-commands (demo data, users, mail)."""
    from shop.cli import register

    register(app)


FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def refuse_nul_bytes() -> None:
    """No text column takes a NUL byte (PostgreSQL raises on one) and no page has a use for
    it: a path holding one names nothing (404), a query or form field holding one is a 400.
    The API names the offending parameter itself (api.views._refuse_nul)."""
    from flask import abort, request

    if "\x00" in request.path:
        abort(404)
    if request.path.startswith("/api/"):
        return
    values = [v for _, vs in request.args.lists() for v in vs]
    if request.mimetype in FORM_TYPES:
        values += [v for _, vs in request.form.lists() for v in vs]
    if any("\x00" in value for value in values):
        abort(400)


# Everything comes from the shop itself; a page with a payment provider's form adds its sources.
CSP = (
    ("default-src", ("'self'",)),
    ("img-src", ("'self'", "data:")),
    ("style-src", ("'self'",)),
    ("script-src", ("'self'",)),
    ("object-src", ("'none'",)),
    ("frame-ancestors", ("'none'",)),
    ("base-uri", ("'self'",)),
    ("form-action", ("'self'",)),
)


def content_security_policy(extra: Mapping[str, Sequence[str]]) -> str:
    """The shop's policy with `extra` sources added: to a directive it has, or (one it lacks)
    right after script-src."""
    parts = []
    for name, sources in CSP:
        merged = [*sources, *(s for s in extra.get(name, ()) if s not in sources)]
        parts.append(f"{name} {' '.join(merged)}")
        if name == "script-src":
            known = {known for known, _ in CSP}
            parts += [f"{n} {' '.join(s)}" for n, s in extra.items() if n not in known]
    return "; ".join(parts)


def register_security_headers(app: Flask) -> None:
    """Headers that make the browser refuse framing, sniffing and inline script."""
    app.before_request(refuse_nul_bytes)

    @app.after_request
    def add_headers(response):
        headers = response.headers
        from shop.payments import providers

        # A page showing a payment provider's form allows what that provider declares.
        headers.setdefault("Content-Security-Policy", content_security_policy(providers.page_csp()))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


STATIC_MAX_AGE = 365 * 24 * 3600  # a versioned URL never changes its bytes


def register_static_versions(app: Flask) -> None:
    """Static URLs carry their file's content hash (`?v=`); such a URL is cached for a year.

    A changed stylesheet or script gets a new URL, so a phone never keeps a stale copy and
    never asks again for an unchanged one. Hashes are read once per file and process; only the
    current hash earns the long lifetime (an old or made-up `v` is served as before).
    """
    versions: dict[str, str] = {}

    def version_of(filename: str) -> str:
        if filename not in versions or app.debug:  # debug: an edited file shows at once
            path = Path(app.static_folder or "") / filename
            try:
                versions[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            except OSError:
                versions[filename] = ""
        return versions[filename]

    @app.url_defaults
    def add_version(endpoint: str, values: dict[str, Any]) -> None:
        filename = values.get("filename")
        if endpoint == "static" and filename and "v" not in values and version_of(filename):
            values["v"] = version_of(filename)

    @app.after_request
    def cache_versioned(response):
        filename = (request.view_args or {}).get("filename")
        version = request.args.get("v")
        if (
            request.endpoint == "static"
            and response.status_code == 200
            and filename
            and version
            and version == version_of(filename)
        ):
            response.cache_control.public = True
            response.cache_control.max_age = STATIC_MAX_AGE
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        return response
