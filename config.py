"""Configuration classes, read from the environment.

The defaults run the whole shop on one machine with no external services; each
setting named in the README switches one part to its scaled-out counterpart.
"""

import os
import secrets


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def engine_options(url: str | None) -> dict:
    """SQLAlchemy engine options for the database at `url`.

    Every pooled connection is tested before use (`pool_pre_ping`), so after a database
    restart or a network cut the shop reconnects by itself instead of failing on dead
    connections; on PostgreSQL a new connection gives up after DB_CONNECT_TIMEOUT seconds
    (an unreachable server then answers a quick 503 instead of hanging every worker), and
    runs without JIT compilation.
    """
    options: dict = {"pool_pre_ping": True}
    if url and url.startswith("postgresql"):
        options["connect_args"] = {
            "connect_timeout": _env_int("DB_CONNECT_TIMEOUT", 5),
            # JIT compiling cost 230-310 ms on a price-sorted page at 100,000 products in the
            # whole-shop benchmark (docs/benchmarks.md) and never paid back on these short
            # queries: off for the shop's connections.
            "options": "-c jit=off",
        }
    return options


class Config:
    """Settings shared by every environment."""

    # Never a key in the code: production refuses to start without one, tests make their own,
    # and a development server without one makes (once) and uses instance/secret_key
    # (SECRET_KEY_FROM_INSTANCE, shop/instance_secret.py).
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SECRET_KEY_FROM_INSTANCE = False
    # None means "a SQLite file in the instance folder", filled in by create_app.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = engine_options(os.environ.get("DATABASE_URL"))
    # /healthz: how long its `SELECT 1` may take (PostgreSQL statement_timeout, milliseconds).
    HEALTH_DB_TIMEOUT_MS = _env_int("HEALTH_DB_TIMEOUT_MS", 2000)
    # Retry-After (seconds) on the 503 answered while the database is unreachable.
    DB_UNAVAILABLE_RETRY_AFTER = _env_int("DB_UNAVAILABLE_RETRY_AFTER", 15)

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024  # uploads are capped at 10 MB; the form says so

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # How many reverse proxies in front of the app append to X-Forwarded-For / set
    # X-Forwarded-Proto (0: none, the client is the socket's peer). Rate limits count per
    # client address: behind a proxy without this, every visitor would share the proxy's.
    PROXY_HOPS = _env_int("PROXY_HOPS", 0)

    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Log-in attempts are counted per client address and per e-mail from that address, never
    # per e-mail alone (which would let anyone lock a buyer out of their account).
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 10 minutes")
    LOGIN_LIMIT_PER_EMAIL_AND_IP = os.environ.get(
        "LOGIN_LIMIT_PER_EMAIL_AND_IP", "5 per 10 minutes"
    )
    REGISTER_LIMIT_PER_IP = os.environ.get("REGISTER_LIMIT_PER_IP", "10 per hour")
    RESET_LIMIT_PER_IP = os.environ.get("RESET_LIMIT_PER_IP", "5 per hour")
    # Buyers' label reports: per client address, and per reported product or number from
    # all addresses together (a flood about one product is throttled wherever it comes from).
    LABEL_REPORT_LIMIT_PER_IP = os.environ.get("LABEL_REPORT_LIMIT_PER_IP", "5 per hour")
    LABEL_REPORT_LIMIT_PER_TARGET = os.environ.get("LABEL_REPORT_LIMIT_PER_TARGET", "20 per hour")

    # The page cache (shop/pagecache.py, docs/architecture.md "Page cache"): anonymous
    # storefront pages, sitemaps and the API, keyed by the database's version and Vietnam's
    # date. The store is in the process (at most CACHE_THRESHOLD pages) unless REDIS_URL is
    # set (CACHE_TYPE may name another Flask-Caching backend); CACHE_DEFAULT_TIMEOUT seconds.
    PAGE_CACHE = _env_bool("PAGE_CACHE", True)
    CACHE_TYPE = os.environ.get("CACHE_TYPE")
    CACHE_THRESHOLD = _env_int("CACHE_THRESHOLD", 300)
    CACHE_DEFAULT_TIMEOUT = _env_int("CACHE_DEFAULT_TIMEOUT", 600)
    CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "ocop-page:")

    SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "whoosh")
    # Uploaded files (shop/storage.py): product photos (public while listable) and certificate
    # scans (private). Folders default to instance/media and instance/scans; with several app
    # servers both must be folders every server mounts (docs/deploy.md). *_STORAGE names
    # another Storage class ("package.module:Class"), built with the folder.
    MEDIA_ROOT = os.environ.get("MEDIA_ROOT")
    SCANS_ROOT = os.environ.get("SCANS_ROOT")
    MEDIA_STORAGE = os.environ.get("MEDIA_STORAGE")
    SCANS_STORAGE = os.environ.get("SCANS_STORAGE")
    # Above this many products in the Whoosh index the shop warns that search is slow and
    # points to SEARCH_BACKEND=postgres (shop/search/size.py; 0: never). It keeps serving.
    WHOOSH_MAX_PRODUCTS = _env_int("WHOOSH_MAX_PRODUCTS", 20_000)
    # Where `flask backup` finds pg_dump and pg_restore (default: the PATH); their major
    # version must be at least the PostgreSQL server's.
    PG_BIN_DIR = os.environ.get("PG_BIN_DIR")
    # How long a catalogue/API filter combination's "N products" is kept (0: count each time).
    CATALOG_TOTALS_CACHE_SECONDS = _env_int("CATALOG_TOTALS_CACHE_SECONDS", 30)
    # How passwords are hashed (werkzeug methods); the test config makes it cheap.
    PASSWORD_HASH_METHOD = "scrypt"

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = _env_int("MAIL_PORT", 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "Chợ OCOP <no-reply@cho-ocop.vn>")
    # Without MAIL_SERVER, mail is written as .eml files here (default instance/outbox).
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR")

    PASSWORD_RESET_MAX_AGE = 60 * 60  # seconds a reset link stays valid
    # A guest's delivery details are erased this many days after the order closed
    # (`flask privacy erase-expired`); log-ins are kept this many days in the account's history.
    GUEST_DATA_RETENTION_DAYS = _env_int("GUEST_DATA_RETENTION_DAYS", 365)
    LOGIN_HISTORY_DAYS = _env_int("LOGIN_HISTORY_DAYS", 180)
    SHOP_NAME = os.environ.get("SHOP_NAME", "Chợ OCOP")
    SHOP_URL = os.environ.get("SHOP_URL", "http://127.0.0.1:5000")  # links in e-mails from commands
    PRODUCTS_PER_PAGE = 24

    # Shipping per producer when the producer sets nothing (whole VND).
    SHIPPING_FEE = _env_int("SHIPPING_FEE", 30_000)
    FREE_SHIPPING_FROM = _env_int("FREE_SHIPPING_FROM", 500_000)
    # Gzip text answers in the app (shop/compression.py); off when a proxy in front does it.
    COMPRESS_RESPONSES = _env_bool("COMPRESS_RESPONSES", True)
    # Unpaid card and bank-transfer orders keep their stock this long, then are released
    # (`flask orders release-expired`); staff must confirm a transfer within this window.
    PAYMENT_HOLD_MINUTES = _env_int("PAYMENT_HOLD_MINUTES", 120)
    # How many such unpaid orders an account, and a browser, may have open at once (0: any).
    MAX_UNPAID_ORDERS_PER_ACCOUNT = _env_int("MAX_UNPAID_ORDERS_PER_ACCOUNT", 2)
    MAX_UNPAID_ORDERS_PER_BROWSER = _env_int("MAX_UNPAID_ORDERS_PER_BROWSER", 2)
    # The shop's receiving account for VietQR transfers (a demo account by default).
    BANK_BIN = os.environ.get("BANK_BIN", "970436")
    BANK_ACCOUNT = os.environ.get("BANK_ACCOUNT", "1027943656")
    BANK_ACCOUNT_NAME = os.environ.get("BANK_ACCOUNT_NAME", "CONG TY CHO OCOP")
    BANK_NAME = os.environ.get("BANK_NAME", "Vietcombank")
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")  # a local fake Stripe in tests

    # The money side (shop/ledger, docs/architecture.md "Money"). Percentages are decimal
    # strings. The shop's commission on each shipment's goods, optionally per OCOP group
    # ("I=4,II=6": group code = percent; other groups take LEDGER_COMMISSION_PERCENT).
    LEDGER_COMMISSION_PERCENT = os.environ.get("LEDGER_COMMISSION_PERCENT", "5")
    LEDGER_COMMISSION_BY_GROUP = dict(
        pair.split("=", 1)
        for pair in os.environ.get("LEDGER_COMMISSION_BY_GROUP", "").replace(" ", "").split(",")
        if "=" in pair
    )
    # Tax withheld for household businesses (Decree 117/2025/ND-CP, goods: 1 % VAT, 0.5 % PIT
    # of revenue); the legal forms it applies to (cooperatives and enterprises declare their own).
    LEDGER_VAT_PERCENT = os.environ.get("LEDGER_VAT_PERCENT", "1")
    LEDGER_PIT_PERCENT = os.environ.get("LEDGER_PIT_PERCENT", "0.5")
    LEDGER_WITHHOLD_LEGAL_FORMS = tuple(
        os.environ.get("LEDGER_WITHHOLD_LEGAL_FORMS", "household_business").split(",")
    )
    # A delivered, paid shipment's money becomes available for payout this many days later.
    LEDGER_DAYS_UNTIL_AVAILABLE = _env_int("LEDGER_DAYS_UNTIL_AVAILABLE", 7)
    # Payout batches (shop/payouts): the smallest balance paid out, and how long payouts wait
    # after a producer changes the bank account.
    PAYOUT_MINIMUM = _env_int("PAYOUT_MINIMUM", 100_000)
    PAYOUT_ACCOUNT_HOLD_HOURS = _env_int("PAYOUT_ACCOUNT_HOLD_HOURS", 48)


class DevelopmentConfig(Config):
    """`make run`: one machine, SQLite, debug pages off for visitors."""

    DEBUG = False
    SECRET_KEY_FROM_INSTANCE = True


class TestConfig(Config):
    """pytest: the database URL comes from the fixtures."""

    TESTING = True
    SECRET_KEY = secrets.token_urlsafe(32)  # a new one for every test run
    WTF_CSRF_ENABLED = True
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SERVER_NAME = None
    # Tests change the catalogue between two requests of one app: count every time
    # (tests/integration/test_listable_counts.py checks the kept totals themselves).
    CATALOG_TOTALS_CACHE_SECONDS = 0
    # Hashing is deliberately slow in production (scrypt); tests hash thousands of passwords
    # (the access sweep signs in once per route), so they use a cheap salted hash.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    """gunicorn behind a proxy: secrets and the database must be given."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    def __init__(self) -> None:
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "ProductionConfig needs these environment variables: " + ", ".join(missing)
            )
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        self.SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(os.environ["DATABASE_URL"])


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
