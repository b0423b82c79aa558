"""Whole-shop benchmark: gunicorn (2 workers, production config) under load, every endpoint.

    .venv/bin/python bench/run.py --quick                 # smoke test: 2,000 products, ~1 min
    .venv/bin/python bench/run.py                         # 10,000 and 100,000, SQLite and PostgreSQL
    .venv/bin/python bench/run.py --db postgres --products 10000 --reuse --endpoints search suggest
    .venv/bin/python bench/run.py --db sqlite --products 10000 --reuse --count-queries

For each database (`--db sqlite|postgres`) and catalogue size (`--products`):
1. Seeds the catalogue of the search benchmark (bench/generate.py, the same seed): the SQLite
   file bench/results/shop-sqlite-<N>/shop.db with its Whoosh index (written by one writer in
   one commit), or the PostgreSQL database `ocop_bench_shop_<N>` (the name must contain
   "bench"; dropped and created again) with the PostgreSQL search backend. --reuse keeps what
   a previous run seeded (orders placed by the checkout runs included).
2. Serves a bare Flask "hello world" (bench/hello.py) with gunicorn, 2 sync workers, and
   measures it with wrk and with this benchmark's Python client: the ceiling, and the client's
   own ceiling.
3. Serves the shop the same way with FLASK_CONFIG=production and drives each endpoint from a
   second process on 127.0.0.1 for --duration seconds after --warmup seconds: wrk
   (bench/paths.lua, random paths from a list) for home, catalogue, product, search, suggest and
   the API list; bench/client.py (asyncio, sessions and CSRF tokens) for add to cart and the
   full checkout. After each endpoint it reads VmRSS of each gunicorn worker.
4. Prints requests/s, p50/p95/p99 latency, errors, the ratio to the ceiling and the memory
   per worker, with the load average before each run; writes bench/results/shop-<db>-<N>.json.

--count-queries skips the load: it runs each endpoint's requests in-process (Flask's test
client, same data) and prints SQL statements and milliseconds per request, to find N+1s.
wrk comes from Debian (`apt-get install -y wrk`; --install-wrk does that). Nothing here runs in
the test suites: `--quick` is the smoke test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `shop` and `bench` importable
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import generate  # noqa: E402
from bench import queries as query_set  # noqa: E402
from bench import search as search_bench  # noqa: E402

RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ocop_bench_shop"
WRK_ENDPOINTS = ("home", "catalogue", "product", "search", "suggest", "api")
CLIENT_ENDPOINTS = ("add", "checkout", "race")
ENDPOINTS = WRK_ENDPOINTS + CLIENT_ENDPOINTS
WORKERS = 2
PATHS_PER_ENDPOINT = 2_000
# No endpoint measured here is rate limited (only log-in, registration and password reset
# are); the limits are raised anyway so a future limit on a measured path cannot skew figures.
HIGH_LIMIT = "1000000 per minute"
# The page cache (PAGE_CACHE, shop/pagecache.py): with it on, each cached endpoint picks from
# this many paths, so the in-process store (CACHE_THRESHOLD, 300 pages) holds them all and
# the run measures hits; the X-Cache header of every answer is counted and reported.
CACHED_PATHS = 60
CACHED_ENDPOINTS = ("home", "catalogue", "product", "api")
# The race: this many buyers, made ready at the review page, place their orders at once for
# RACE_VARIANTS variants holding RACE_STOCK each (fewer units than buyers: some must be told no).
RACE_BUYERS = 400
RACE_VARIANTS = 40
RACE_STOCK = 5


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--products", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--db", choices=("sqlite", "postgres"), nargs="+")
    parser.add_argument("--endpoints", choices=ENDPOINTS, nargs="+", default=list(ENDPOINTS))
    parser.add_argument("--duration", type=int, default=10, help="seconds per endpoint")
    parser.add_argument("--warmup", type=int, default=1, help="seconds before each measure")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers")
    parser.add_argument(
        "--timeout",
        type=int,
        default=10,
        help="seconds after which wrk counts a request as an error",
    )
    parser.add_argument("--reuse", action="store_true", help="keep the seeded data")
    parser.add_argument("--quick", action="store_true", help="smoke test: 2,000 products, 3 s")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the hello-world runs")
    parser.add_argument("--count-queries", action="store_true", help="statements per request")
    parser.add_argument("--install-wrk", action="store_true", help="apt-get install -y wrk")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_SHOP_DATABASE_URL", DEFAULT_PG_URL),
        help="base URL of the benchmark's PostgreSQL database; _<N> is appended to its name, "
        "which must contain 'bench'",
    )
    parser.add_argument("--seed", type=int, default=search_bench.SEED)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--tag", default="", help="suffix of the results file (e.g. 'before')")
    parser.add_argument(
        "--page-cache",
        choices=("on", "off"),
        nargs="+",
        default=["off"],
        help="serve with PAGE_CACHE on and/or off (one server run each; code without a page "
        "cache ignores it)",
    )
    parser.add_argument("--buyers", type=int, default=RACE_BUYERS, help="race: buyers at once")
    args = parser.parse_args(argv)
    if args.quick:
        args.products, args.duration, args.warmup = [2_000], 2, 1
    args.db = args.db or ["sqlite", "postgres"]
    args.products = [max(100, min(n, 1_000_000)) for n in args.products]  # bounded
    args.duration = max(1, min(args.duration, 300))
    args.warmup = max(0, min(args.warmup, 60))
    args.connections = max(1, min(args.connections, 64))
    args.workers = max(1, min(args.workers, 8))
    args.timeout = max(1, min(args.timeout, 120))
    return args


# --- the data --------------------------------------------------------------------------------


@dataclass
class Dataset:
    db: str
    products: int
    url: str
    folder: Path

    @property
    def backend(self) -> str:
        return "postgres" if self.db == "postgres" else "whoosh"

    @property
    def name(self) -> str:
        return f"{self.db}-{self.products}"


def dataset(db: str, products: int, args) -> Dataset:
    folder = args.out / f"shop-{db}-{products}"
    if db == "postgres":
        base = search_bench._checked_pg_url(args.pg_url)
        url = search_bench._checked_pg_url(
            base.set(database=f"{base.database}_{products}").render_as_string(hide_password=False)
        )
        return Dataset(db, products, url.render_as_string(hide_password=False), folder)
    return Dataset(db, products, f"sqlite:///{folder / 'shop.db'}", folder)


def shop_app(data: Dataset):
    from shop import create_app

    data.folder.mkdir(parents=True, exist_ok=True)
    return create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=data.url,
        INSTANCE_PATH=str(data.folder),
        SEARCH_BACKEND=data.backend,
        RATELIMIT_ENABLED=False,
    )


def seed(data: Dataset, args) -> dict:
    """A fresh database and search index with the generated catalogue; returns the timings."""
    from shop import clock
    from shop.extensions import db

    if data.folder.exists():
        shutil.rmtree(data.folder)
    if data.db == "postgres":
        search_bench.reset_postgres(sa.make_url(data.url))
    app = shop_app(data)
    timings = {}
    started = time.perf_counter()
    producers = min(2_000, max(20, data.products // 50))
    catalogue = generate.build(data.products, producers, args.seed, clock.today())
    timings["generate_s"] = time.perf_counter() - started
    with app.app_context():
        search_bench.create_schema(app)
        started = time.perf_counter()
        generate.load(db.engine, catalogue)
        timings["insert_s"] = time.perf_counter() - started
        search_bench.analyze(db.engine)
        started = time.perf_counter()
        documents = bulk_index(data)
        timings["index_s"] = time.perf_counter() - started
        search_bench.analyze(db.engine)
    print(
        f"  seeded {catalogue.counts()}: generate {timings['generate_s']:.1f} s, insert "
        f"{timings['insert_s']:.1f} s, index {documents} documents {timings['index_s']:.1f} s",
        flush=True,
    )
    with app.app_context():
        db.engine.dispose()
    return timings


def bulk_index(data: Dataset) -> int:
    """The search index of every indexable product. PostgreSQL: the shop's reindex(). Whoosh:
    one writer and one commit (one segment, about 3× the shop's reindex(), which commits every
    1,000 documents and leaves ~15 segments at 100,000: see docs/benchmarks.md)."""
    from shop.extensions import db
    from shop.search import backend, reindex

    if data.backend == "postgres":
        documents = reindex()
        db.session.commit()
        return documents
    from shop.search.documents import all_documents
    from shop.search.whoosh_backend import _fields

    engine = backend()
    engine.clear()
    writer = engine._open().writer(limitmb=256, compound=False)
    documents = 0
    try:
        for batch in all_documents():
            for document in batch:
                writer.add_document(**_fields(document))
            documents += len(batch)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return documents


def existing(data: Dataset) -> int:
    from shop.catalog.models import Product
    from shop.extensions import db

    if data.db == "sqlite" and not (data.folder / "shop.db").exists():
        return 0
    app = shop_app(data)
    with app.app_context():
        try:
            return db.session.scalar(sa.select(sa.func.count()).select_from(Product)) or 0
        except sa.exc.SQLAlchemyError:
            return 0
        finally:
            db.engine.dispose()


def add_missing_indexes(data: Dataset) -> list[str]:
    """--reuse on data seeded by an older version: create the models' tables and indexes it
    lacks (what a new migration would add; on PostgreSQL, autocomplete's tables are filled
    from product_search by migration 0003's own SQL), then refresh the planner's statistics;
    returns their names."""
    from shop.extensions import db

    app = shop_app(data)
    created = []
    with app.app_context():
        existing = sa.inspect(db.engine)
        tables = set(existing.get_table_names())
        for table in db.metadata.sorted_tables:
            if table.name not in tables:
                table.create(db.engine)
                created.append(table.name)
                created.extend(index.name for index in table.indexes)
                continue
            have = {index["name"] for index in existing.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in have:
                    index.create(db.engine)
                    created.append(index.name)
        if "search_suggestions" in created and db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                for statement in _migration("0003_search_suggestions").POSTGRES_FILL_SQL:
                    connection.execute(sa.text(statement))
        if "listing_summary" in created:  # data older than migration 0014: fill it as it does
            from shop.catalog import summary

            with db.engine.begin() as connection:
                summary.rebuild(connection)
        if created:
            search_bench.analyze(db.engine)
        db.engine.dispose()
    return created


def _migration(name: str):
    """A migration module of migrations/versions, loaded by its path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        name, ROOT / "migrations" / "versions" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plan(data: Dataset, args) -> dict:
    """The paths each endpoint's run picks from, the variants and the delivery address."""
    from shop import geo
    from shop.catalog.models import Variant
    from shop.catalog.services import listable_products
    from shop.extensions import db

    rng = random.Random(args.seed)
    app = shop_app(data)
    with app.app_context():
        listed = listable_products().subquery()
        slugs = db.session.scalars(
            sa.select(listed.c.slug).order_by(sa.func.random()).limit(PATHS_PER_ENDPOINT)
        ).all()
        variants = db.session.scalars(
            sa.select(Variant.id)
            .where(Variant.product_id.in_(sa.select(listed.c.id)), Variant.stock >= 20)
            .order_by(sa.func.random())
            .limit(PATHS_PER_ENDPOINT)
        ).all()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(listed))
        db.engine.dispose()
    pages = max(1, min(50, total // 24))
    provinces = [code for code, _name in geo.provinces()]
    catalogue = []
    for _ in range(200):
        args_ = {"page": rng.randint(1, min(pages, 20))}
        roll = rng.random()
        if roll < 0.25:
            args_["sort"] = rng.choice(("price_asc", "price_desc", "stars"))
        elif roll < 0.5:
            args_ = {"stars": rng.choice((3, 4, 5)), "page": rng.randint(1, 3)}
        elif roll < 0.7:
            args_ = {"province": rng.choice(provinces), "page": rng.randint(1, 2)}
        catalogue.append("/products?" + urlencode(args_))
    searches = [
        "/search?" + urlencode(_search_args(q), doseq=True)
        for q in query_set.searches(args.seed, 240)
    ]
    suggests = ["/search/suggest?" + urlencode({"q": p}) for p in query_set.prefixes(args.seed, 60)]
    api = [f"/api/v1/products?page={rng.randint(1, pages)}" for _ in range(200)]
    province = provinces[0]
    ward = geo.wards(province)[0][0]
    products = [f"/p/{slug}" for slug in slugs]
    return {
        "paths": {
            "home": ["/"],
            "catalogue": catalogue,
            "product": products,
            "search": searches,
            "suggest": suggests,
            "api": api,
        },
        "product_paths": products,
        "variants": variants,
        "address": {"province": province, "ward": ward},
        "listable": total,
    }


def _search_args(q: query_set.BenchQuery) -> dict:
    args: dict = {"q": q.text}
    if q.stars:
        args["stars"] = list(q.stars)
    for name, value in (
        ("set", q.product_set),
        ("province", q.province),
        ("price_min", q.price_min),
        ("price_max", q.price_max),
    ):
        if value is not None:
            args[name] = value
    if q.sort != "relevance":
        args["sort"] = q.sort
    return args


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn with N sync workers on 127.0.0.1, started and stopped by this process."""

    def __init__(self, spec: str, env: dict, workers: int, log: Path):
        self.port = free_port()
        self.spec, self.env, self.workers, self.log = spec, env, workers, log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        command = [
            str(BIN / "gunicorn"),
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--error-logfile",
            str(self.log),
            "--log-level",
            "warning",
            self.spec,
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}: see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/", timeout=30) as answer:
                    if answer.status == 200 and len(self.worker_pids()) == self.workers:
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise SystemExit(f"gunicorn did not answer within 60 s: see {self.log}")

    def __exit__(self, *_exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def drain(self, path: str = "/robots.txt", limit: float = 180.0) -> float:
        """Wait until requests queued by the previous run are served (a cheap page answers in
        under 0.2 s), so that one endpoint's backlog is not timed as the next one's; seconds."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            asked = time.monotonic()
            try:
                with urllib.request.urlopen(f"{self.url}{path}", timeout=limit) as answer:
                    answer.read()
            except OSError:
                time.sleep(0.5)
                continue
            if time.monotonic() - asked < 0.2:
                break
        return time.monotonic() - started

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return sorted(int(child) for child in children)

    def rss_mb(self) -> list[float]:
        """VmRSS of each worker, in MB."""
        sizes = []
        for pid in self.worker_pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes.append(int(line.split()[1]) / 1024)
            except OSError:
                continue
        return sizes


def shop_env(data: Dataset, page_cache: str = "off") -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MAIL_", "STRIPE_", "FLASK_")) and key != "REDIS_URL"
    }
    env.update(
        FLASK_CONFIG="production",
        SECRET_KEY="bench-only-secret-key-not-for-production",
        DATABASE_URL=data.url,
        INSTANCE_PATH=str(data.folder),
        SEARCH_BACKEND=data.backend,
        LOGIN_LIMIT_PER_IP=HIGH_LIMIT,
        LOGIN_LIMIT_PER_EMAIL_AND_IP=HIGH_LIMIT,
        REGISTER_LIMIT_PER_IP=HIGH_LIMIT,
        RESET_LIMIT_PER_IP=HIGH_LIMIT,
        PYTHONPATH=str(ROOT),
        PAGE_CACHE="1" if page_cache == "on" else "0",
    )
    return env


# --- the load --------------------------------------------------------------------------------


def ensure_wrk(install: bool) -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if install:
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is missing: apt-get install -y wrk (or run with --install-wrk)")
    return found


def run_wrk(server: Gunicorn, paths: list[str], args, folder: Path, seconds: int) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    path_file = folder / "paths.txt"
    path_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
    command = [
        args.wrk,
        "-t1",
        f"-c{args.connections}",
        f"-d{seconds}s",
        "--timeout",
        f"{args.timeout}s",
        "-s",
        str(ROOT / "bench" / "paths.lua"),
        server.url,
        "--",
        str(path_file),
        str(args.seed),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stdout[-500:]} {done.stderr}")
    raw = json.loads(line.split(" ", 1)[1])
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return {
        "tool": "wrk",
        "requests": raw["requests"],
        "seconds": raw["duration_us"] / 1e6,
        "requests_per_s": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": errors + raw["status_errors"],
        "error_kinds": {k: raw[k] for k in raw if k.endswith(("_errors", "timeouts")) and raw[k]},
        "x_cache": {k: raw.get(f"cache_{k}", 0) for k in ("hit", "miss", "bypass", "none")},
    }


def run_client(server: Gunicorn, flow: str, plan_file: Path, args) -> dict:
    command = [
        sys.executable,
        str(ROOT / "bench" / "client.py"),
        "--port",
        str(server.port),
        "--flow",
        flow,
        "--data",
        str(plan_file),
        "--connections",
        str(args.connections),
        "--duration",
        str(args.duration),
        "--warmup",
        str(args.warmup),
        "--seed",
        str(args.seed),
        "--buyers",
        str(args.buyers),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 900)
    if done.returncode != 0:
        raise SystemExit(f"bench/client.py failed: {done.stderr[-2000:]}")
    return {"tool": "client", **json.loads(done.stdout.strip().splitlines()[-1])}


def measure_endpoint(
    server: Gunicorn, endpoint: str, the_plan: dict, plan_file: Path, args, data=None, cache="off"
):
    drained = server.drain()
    load = os.getloadavg()
    if endpoint == "race":
        before = race_setup(data, the_plan, plan_file)
        result = run_client(server, endpoint, plan_file, args)
        result["stock_check"] = race_check(data, before)
    elif endpoint in CLIENT_ENDPOINTS:
        result = run_client(server, endpoint, plan_file, args)
    else:
        paths = the_plan["paths"][endpoint]
        if cache == "on" and endpoint in CACHED_ENDPOINTS:
            paths = paths[:CACHED_PATHS]
        folder = plan_file.parent / endpoint
        if args.warmup:
            run_wrk(server, paths, args, folder, args.warmup)
        result = run_wrk(server, paths, args, folder, args.duration)
    result.update(endpoint=endpoint, load_before=load, rss_mb=server.rss_mb(), drain_s=drained)
    return result


def race_setup(data: Dataset, the_plan: dict, plan_file: Path) -> dict:
    """RACE_VARIANTS variants of the plan get RACE_STOCK units each (written into the plan for
    the client); returns what the check needs: the variants, their stock, the last order line."""
    from shop.catalog.models import Variant
    from shop.extensions import db
    from shop.orders.models import OrderLine

    chosen = the_plan["variants"][:RACE_VARIANTS]
    app = shop_app(data)
    with app.app_context():
        db.session.execute(
            sa.update(Variant).where(Variant.id.in_(chosen)).values(stock=RACE_STOCK)
        )
        db.session.commit()
        last_line = db.session.scalar(sa.select(sa.func.max(OrderLine.id))) or 0
        db.engine.dispose()
    the_plan["race_variants"] = chosen
    plan_file.write_text(json.dumps(the_plan, ensure_ascii=False))
    return {"variants": chosen, "stock": RACE_STOCK, "last_line": last_line}


def race_check(data: Dataset, before: dict) -> dict:
    """After the race: no stock below zero, and the units sold (order lines since) are exactly
    what left the stock, variant by variant."""
    from shop.catalog.models import Variant
    from shop.extensions import db
    from shop.orders.models import OrderLine

    app = shop_app(data)
    with app.app_context():
        remaining = dict(
            db.session.execute(
                sa.select(Variant.id, Variant.stock).where(Variant.id.in_(before["variants"]))
            ).all()
        )
        sold = dict(
            db.session.execute(
                sa.select(OrderLine.variant_id, sa.func.sum(OrderLine.quantity))
                .where(
                    OrderLine.id > before["last_line"],
                    OrderLine.variant_id.in_(before["variants"]),
                )
                .group_by(OrderLine.variant_id)
            ).all()
        )
        db.engine.dispose()
    below_zero = [v for v, left in remaining.items() if left < 0]
    mismatched = [v for v in before["variants"] if before["stock"] - remaining[v] != sold.get(v, 0)]
    return {
        "initial_units": before["stock"] * len(before["variants"]),
        "sold_units": sum(sold.values()),
        "remaining_units": sum(remaining.values()),
        "below_zero": below_zero,
        "sold_not_initial_minus_remaining": mismatched,
        "oversell": bool(below_zero or mismatched),
    }


def ceiling(args, folder: Path) -> dict:
    """The bare Flask app under the same gunicorn: wrk's figure and the Python client's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env["PYTHONPATH"] = str(ROOT)
    plan_file = folder / "hello-plan.json"
    folder.mkdir(parents=True, exist_ok=True)
    plan_file.write_text(json.dumps({"get_paths": ["/"]}))
    with Gunicorn("bench.hello:app", env, args.workers, folder / "hello.log") as server:
        wrk_load = os.getloadavg()
        if args.warmup:
            run_wrk(server, ["/"], args, folder / "hello", args.warmup)
        by_wrk = run_wrk(server, ["/"], args, folder / "hello", args.duration)
        by_wrk.update(endpoint="hello (wrk)", load_before=wrk_load, rss_mb=server.rss_mb())
        client_load = os.getloadavg()
        by_client = run_client(server, "get", plan_file, args)
        by_client.update(endpoint="hello (client)", load_before=client_load)
        by_client["rss_mb"] = server.rss_mb()
    return {"wrk": by_wrk, "client": by_client}


# --- counting statements ----------------------------------------------------------------------


def count_queries(data: Dataset, the_plan: dict, args) -> dict:
    """In-process: SQL statements and ms per request of each GET endpoint (20 paths each)."""
    from shop.extensions import db

    app = shop_app(data)
    counts = {"n": 0}

    def count(*_args) -> None:
        counts["n"] += 1

    rng = random.Random(args.seed)
    table = {}
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
    client = app.test_client()
    for endpoint in WRK_ENDPOINTS:
        if endpoint not in args.endpoints:
            continue
        paths = the_plan["paths"][endpoint]
        sample = [rng.choice(paths) for _ in range(20)]
        for path in sample[:3]:
            client.get(path)  # warm up
        statements, millis = [], []
        for path in sample:
            counts["n"] = 0
            started = time.perf_counter()
            response = client.get(path)
            millis.append((time.perf_counter() - started) * 1000)
            statements.append(counts["n"])
            if response.status_code >= 400:
                print(f"    {endpoint} {path}: {response.status_code}")
        table[endpoint] = {
            "statements_min": min(statements),
            "statements_max": max(statements),
            "ms_median": sorted(millis)[len(millis) // 2],
            "ms_max": max(millis),
        }
        row = table[endpoint]
        print(
            f"  {endpoint:<10} statements {row['statements_min']}–{row['statements_max']}, "
            f"median {row['ms_median']:.1f} ms, max {row['ms_max']:.1f} ms",
            flush=True,
        )
    return table


# --- the report -------------------------------------------------------------------------------


def print_table(title: str, rows: list[dict], ceiling_rps: float | None) -> None:
    print(f"\n{title}")
    print(
        "| endpoint | tool | req/s | p50 ms | p95 ms | p99 ms | errors | × ceiling "
        "| flows/s | RSS/worker MB | load before |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        ratio = f"{row['requests_per_s'] / ceiling_rps:.3f}" if ceiling_rps else "—"
        flows = f"{row['flows_per_s']:.1f}" if "flows_per_s" in row else "—"
        rss = " / ".join(f"{mb:.0f}" for mb in row.get("rss_mb", [])) or "—"
        if not row["requests"]:
            print(f"| {row['endpoint']} | {row['tool']} | 0: no request finished | | | | | | | | |")
            continue
        print(
            f"| {row['endpoint']} | {row['tool']} | {row['requests_per_s']:.1f} "
            f"| {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['p99_ms']:.1f} "
            f"| {row['errors']} | {ratio} | {flows} | {rss} | {row['load_before'][0]:.2f} |"
        )
    kinds = {r["endpoint"]: r.get("error_kinds") for r in rows if r.get("errors")}
    if kinds:
        print(f"errors: {kinds}")


def machine() -> dict:
    info = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": search_bench._cpuinfo("model name"),
        "ram_gb": round(search_bench._meminfo_kb("MemTotal") / 1024 / 1024, 1),
        "python": sys.version.split()[0],
        "load_average": os.getloadavg(),
        **search_bench._git(),
    }
    if shutil.which("wrk"):
        info["wrk"] = subprocess.run(
            ["wrk", "--version"], capture_output=True, text=True, timeout=10
        ).stdout.split("\n")[0]
    return info


def run_dataset(data: Dataset, args) -> dict:
    print(f"\n== {data.db}, {data.products} products", flush=True)
    found = existing(data) if args.reuse else 0
    if args.reuse and found == data.products:
        timings = {"reused": True, "indexes_added": add_missing_indexes(data)}
        print(f"  reusing {found} products in {data.folder.relative_to(ROOT)}", flush=True)
        if timings["indexes_added"]:
            print(f"  added what the models have since: {timings['indexes_added']}")
    else:
        if args.reuse:
            print(f"  --reuse: found {found} products, not {data.products}: seeding afresh")
        timings = seed(data, args)
    the_plan = plan(data, args)
    print(f"  {the_plan['listable']} listable products", flush=True)
    work = args.out / f"work-{data.name}"
    work.mkdir(parents=True, exist_ok=True)
    plan_file = work / "plan.json"
    plan_file.write_text(json.dumps(the_plan, ensure_ascii=False))
    if args.count_queries:
        return {"setup": timings, "statements": count_queries(data, the_plan, args)}
    top = None if args.no_ceiling else ceiling(args, work)
    rows = []
    started_rss = {}
    for cache in args.page_cache:
        env = shop_env(data, cache)
        log = work / f"gunicorn-cache-{cache}.log"
        with Gunicorn("shop:create_app()", env, args.workers, log) as server:
            started_rss[cache] = server.rss_mb()
            for endpoint in args.endpoints:
                row = measure_endpoint(server, endpoint, the_plan, plan_file, args, data, cache)
                row["page_cache"] = cache
                row["endpoint"] = f"{endpoint} (cache {cache})" if cache == "on" else endpoint
                rows.append(row)
                print(
                    f"  {row['endpoint']:<18} {row['requests_per_s']:8.1f} req/s"
                    f"  p50 {row['p50_ms']:.1f}  p95 {row['p95_ms']:.1f}  p99 {row['p99_ms']:.1f}"
                    f" ms  errors {row['errors']}  load {row['load_before'][0]:.2f}"
                    + (f"  X-Cache {row['x_cache']}" if row.get("x_cache", {}).get("hit") else "")
                    + (f"  {_race_line(row)}" if "stock_check" in row else ""),
                    flush=True,
                )
    ceiling_rps = top["wrk"]["requests_per_s"] if top else None
    for row in rows:
        row["ratio_to_ceiling"] = row["requests_per_s"] / ceiling_rps if ceiling_rps else None
    title = f"{data.db}, {data.products} products, {args.workers} workers, c={args.connections}"
    print_table(title, ([top["wrk"], top["client"]] if top else []) + rows, ceiling_rps)
    return {"setup": timings, "ceiling": top, "endpoints": rows, "rss_at_start": started_rss}


def _race_line(row: dict) -> str:
    check = row["stock_check"]
    return (
        f"placed {row['placed']} ({row['orders_per_s']:.1f} orders/s), refused {row['refused']}"
        f" of {row['ready']} ready; units {check['initial_units']} → sold {check['sold_units']}"
        f", left {check['remaining_units']}; oversell: {'YES' if check['oversell'] else 'none'}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Stopped with SIGTERM: unwind, so the gunicorn it started (its own session) stops too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not args.count_queries:
        args.wrk = ensure_wrk(args.install_wrk)
    args.out.mkdir(parents=True, exist_ok=True)
    measured = search_bench._git()  # the code the servers run (others may commit meanwhile)
    for db in args.db:
        for products in args.products:
            data = dataset(db, products, args)
            result = run_dataset(data, args)
            payload = {
                "machine": machine() | measured,
                "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
                **result,
            }
            suffix = "-queries" if args.count_queries else ""
            suffix += f"-{args.tag}" if args.tag else ""
            path = args.out / f"shop-{data.name}{suffix}.json"
            path.write_text(json.dumps(payload, indent=1, ensure_ascii=False, default=str))
            print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"load average now: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
