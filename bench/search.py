"""Search benchmark: index rate and query latency of the Whoosh and PostgreSQL backends.

    .venv/bin/python bench/search.py                      # 100,000 products, both backends
    .venv/bin/python bench/search.py --products 2000 --queries 50   # smoke test, ~15 s
    .venv/bin/python bench/search.py --backend postgres --reuse --repeat 3 --analyse
    .venv/bin/python bench/search.py --backend whoosh --reuse --prototype fewfix+filtercache

What it does, per backend (see docs/benchmarks.md for the figures and their analysis):
1. Builds a fresh database of its own (never `test`): the SQLite file
   bench/results/whoosh-<N>/shop.db, or the PostgreSQL database `ocop_bench`
   (dropped and created again; --pg-url to change). Generates N listable products with a
   fixed seed (bench/generate.py: ~2,000 producers in the 34 provinces, 1-3 variants,
   approved certificates, a few % expired) and inserts them with Core executemany.
2. Builds the search index with shop.search.reindex() and times it (documents/s).
3. Runs a fixed query set (bench/queries.py: plain, misspelt, filtered, sorted and
   filter-only searches, plus autocomplete prefixes) once to warm up, then times each
   call of search_products() (backend search + the listable_products hydration a page
   pays) and suggest(), each in its own app context as a request would, and prints
   p50 / p95 / p99 / max in ms and queries/s per kind.
   With --repeat N, also p50/p95 of each query's best time (discounts other processes).
4. With --analyse, explains where the time of the slowest queries goes (bench/analyse.py):
   per-statement SQL times and EXPLAIN ANALYZE on PostgreSQL, cProfile on Whoosh;
   --analyse-index (or --index-only) splits the rebuild into SQL and index writing.
   With --prototype FEATURES, times candidate changes to shop/search (bench/prototypes.py)
   A/B against the shop's backend: each call on both, back to back, in alternating order,
   on the same data and queries; and reports which answers differ.

--reuse skips steps 1-2 and runs the queries on what a previous run left. Everything stays
on 127.0.0.1; results go to bench/results/search-<backend>-<N>[-<prototype>].json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `shop` and `bench` importable
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import generate  # noqa: E402
from bench import queries as query_set  # noqa: E402

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ocop_bench"
RESULTS = ROOT / "bench" / "results"
SEED = 20_260_101
SUGGEST_LIMIT = 8  # what the header box asks for (shop/search/views.py)
BACKENDS = ("whoosh", "postgres")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--products", type=int, default=100_000, help="catalogue size")
    parser.add_argument("--producers", type=int, help="default: products / 50, 20 to 2,000")
    parser.add_argument("--queries", type=int, default=240, help="searches in the set")
    parser.add_argument("--prefixes", type=int, help="suggest() inputs; default queries / 4")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes after warm-up")
    parser.add_argument("--backend", choices=BACKENDS, action="append", help="default: both")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL),
        help="the benchmark's own PostgreSQL database (its name must contain 'bench'; "
        "dropped and created again unless --reuse)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument("--seed", type=int, default=SEED, help="catalogue and query set")
    parser.add_argument("--reuse", action="store_true", help="keep the data and index")
    parser.add_argument("--analyse", action="store_true", help="explain the slowest queries")
    parser.add_argument(
        "--analyse-only",
        action="store_true",
        help="with --reuse: no timed passes, analyse the samples of the last results file",
    )
    parser.add_argument(
        "--analyse-index",
        action="store_true",
        help="split the rebuild: documents from SQL vs writing (Whoosh: one writer too)",
    )
    parser.add_argument(
        "--index-only",
        action="store_true",
        help="with --reuse: only the rebuild split of --analyse-index, no queries",
    )
    parser.add_argument("--top", type=int, default=5, help="slowest queries to analyse")
    parser.add_argument(
        "--prototype",
        help="features of bench/prototypes.py joined by '+', timed A/B against the shop's "
        "backend (postgres: serial known onepass browse suggest; "
        "whoosh: optimize fewfix filtercache known nofacets)",
    )
    args = parser.parse_args(argv)
    args.backend = args.backend or list(BACKENDS)
    args.products = max(1, min(args.products, 1_000_000))  # every loop is bounded
    args.queries = max(1, min(args.queries, 5_000))
    args.repeat = max(1, min(args.repeat, 20))
    if args.producers is None:
        args.producers = min(2_000, max(20, args.products // 50))
    args.producers = max(1, min(args.producers, args.products, 100_000))
    if args.prefixes is None:
        args.prefixes = max(10, args.queries // 4)
    args.prefixes = max(1, min(args.prefixes, 2_000))
    if args.analyse_only:
        args.analyse = args.reuse = True
    if args.index_only:
        args.analyse_index = args.reuse = True
    return args


# --- where the data lives ----------------------------------------------------------------


def _checked_pg_url(url: str) -> sa.URL:
    """The benchmark's own database on this machine, never `test` or a shared one."""
    parsed = sa.make_url(url)
    name = parsed.database or ""
    if not re.fullmatch(r"[a-z0-9_]*bench[a-z0-9_]*", name):
        raise SystemExit(f"refusing database {name!r}: its name must contain 'bench'")
    if (parsed.host or "127.0.0.1") not in LOCAL_HOSTS:
        raise SystemExit(f"refusing host {parsed.host!r}: the benchmark runs on 127.0.0.1 only")
    return parsed


def reset_postgres(url: sa.URL) -> None:
    """Drop and create the benchmark database (through the `postgres` maintenance database)."""
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    finally:
        admin.dispose()


def make_app(backend: str, args: argparse.Namespace, fresh: bool):
    from shop import create_app

    folder = args.out / f"{backend}-{args.products}"
    if backend == "postgres":
        url = _checked_pg_url(args.pg_url)
        if fresh:
            reset_postgres(url)
        database = url.render_as_string(hide_password=False)
    else:
        database = f"sqlite:///{folder / 'shop.db'}"
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=database,
        INSTANCE_PATH=str(folder),
        SEARCH_BACKEND=backend,
        RATELIMIT_ENABLED=False,
    )


# --- building the catalogue and the index ------------------------------------------------


def create_schema(app) -> None:
    from shop.catalog.services import sync_product_sets
    from shop.extensions import db

    if db.engine.dialect.name == "postgresql":
        from shop.search.postgres_backend import install

        with db.engine.begin() as connection:
            install(connection)
    db.create_all()
    sync_product_sets()
    db.session.commit()


def analyze(engine: sa.Engine) -> None:
    """Fresh planner statistics, as autovacuum would gather them after a bulk load."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))


def populate(app, catalogue: generate.Catalogue) -> dict:
    """Schema, rows and index; returns the timings."""
    from shop.extensions import db
    from shop.search import reindex

    timings: dict = {}
    with app.app_context():
        create_schema(app)
        started = time.perf_counter()
        timings["insert_by_table_s"] = generate.load(db.engine, catalogue)
        timings["insert_s"] = time.perf_counter() - started
        analyze(db.engine)
        print(f"  inserted {catalogue.counts()} in {timings['insert_s']:.1f} s", flush=True)
        started = time.perf_counter()
        documents = reindex(progress=_progress(time.perf_counter()))
        db.session.commit()
        seconds = time.perf_counter() - started
        analyze(db.engine)
    timings.update(documents=documents, index_s=seconds, docs_per_s=documents / seconds)
    print(f"  indexed {documents} documents in {seconds:.1f} s: {documents / seconds:.0f}/s")
    return timings


def _progress(started: float) -> Callable[[int, int], None]:
    step = {"next": 0.1}

    def report(done: int, total: int) -> None:
        if total and done / total >= step["next"]:
            elapsed = time.perf_counter() - started
            print(f"    {done}/{total} documents, {elapsed:.0f} s", flush=True)
            step["next"] += 0.1

    return report


def existing_count(app) -> int:
    from shop.catalog.models import Product
    from shop.extensions import db

    with app.app_context():
        try:
            return db.session.scalar(sa.select(sa.func.count()).select_from(Product)) or 0
        except sa.exc.SQLAlchemyError:
            return 0


# --- timing ----------------------------------------------------------------------------


def install_prototype(app, name: str | None) -> dict:
    """Swap the backend for a bench/prototypes.py variant (or drop a previous one's leftovers);
    returns {"shop": backend, name: prototype} for the A/B passes, or {} without one."""
    from bench import prototypes
    from shop.search import backend

    prototypes.cleanup(app)
    if not name:
        return {}
    with app.app_context():
        shop_backend = backend()
        app.extensions["search_backend"] = prototype = prototypes.make(name, app)
    return {"shop": shop_backend, name: prototype}


def search_call(query: query_set.BenchQuery, today: dt.date) -> Callable[[], dict]:
    from shop.search import search_products

    wanted = query.search_query(today)

    def call() -> dict:
        rows, result = search_products(wanted)
        return {"total": result.total, "shown": len(rows), "suggestion": result.suggestion}

    return call


def suggest_call(prefix: str, today: dt.date) -> Callable[[], dict]:
    from shop.search import suggest

    def call() -> dict:
        return {"shown": len(suggest(prefix, SUGGEST_LIMIT, today))}

    return call


def timed(app, call: Callable[[], dict]) -> tuple[float, dict]:
    """Milliseconds of one call, in its own app context (and database session) like a request."""
    with app.app_context():
        started = time.perf_counter()
        outcome = call()
        return (time.perf_counter() - started) * 1000, outcome


def run_set(app, today: dt.date, searches, prefixes, repeat: int, variants: dict) -> list[dict]:
    """Warm up with every call once, then time `repeat` passes; one sample per timed call.

    With variants (a prototype and the shop's backend), each call is timed on both, back to
    back and in alternating order, so that both see the same load on the machine.
    """
    calls = [(q.kind, q.label(), search_call(q, today)) for q in searches]
    calls += [("suggest", repr(p), suggest_call(p, today)) for p in prefixes]
    names = list(variants) or [None]
    started = time.perf_counter()
    for _kind, _label, call in calls:
        for name in names:
            _use(app, variants, name)
            timed(app, call)
    print(f"  warm-up: {len(calls)} calls in {time.perf_counter() - started:.1f} s", flush=True)
    samples = []
    for round_ in range(repeat):
        for index, (kind, label, call) in enumerate(calls):
            order = names if (index + round_) % 2 == 0 else names[::-1]
            for name in order:
                _use(app, variants, name)
                ms, outcome = timed(app, call)
                sample = {"kind": kind, "query": label, "ms": ms, **outcome}
                samples.append(sample | ({"variant": name} if name else {}))
    _use(app, variants, names[-1])  # leave the prototype installed, for --analyse
    return samples


def _use(app, variants: dict, name: str | None) -> None:
    if name is not None:
        app.extensions["search_backend"] = variants[name]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    return values[max(0, min(len(values) - 1, math.ceil(p / 100 * len(values)) - 1))]


def summarise(samples: list[dict]) -> dict[str, dict]:
    """Percentiles per kind; with several passes also p50/p95 of each query's best time,
    which discounts what other processes on the machine cost (see docs/benchmarks.md)."""
    groups: dict[str, list[float]] = {}
    best: dict[str, dict[str, float]] = {}
    for sample in samples:
        kinds = [sample["kind"]] + (["all searches"] if sample["kind"] != "suggest" else [])
        for kind in kinds:
            groups.setdefault(kind, []).append(sample["ms"])
            mine = best.setdefault(kind, {})
            mine[sample["query"]] = min(mine.get(sample["query"], math.inf), sample["ms"])
    order = [*query_set.KINDS, "all searches", "suggest"]
    table = {}
    for kind in order:
        values = sorted(groups.get(kind, []))
        if not values:
            continue
        fastest = sorted(best[kind].values())
        table[kind] = {
            "n": len(values),
            "p50": percentile(values, 50),
            "p95": percentile(values, 95),
            "p99": percentile(values, 99),
            "max": values[-1],
            "qps": len(values) / (sum(values) / 1000),
            "best_p50": percentile(fastest, 50),
            "best_p95": percentile(fastest, 95),
        }
    return table


def print_table(title: str, table: dict[str, dict]) -> None:
    print(f"\n{title}")
    head = f"{'kind':<13}{'n':>5}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}{'q/s':>8}"
    print(f"  {head}{'best p50':>10}{'best p95':>10}   (ms)")
    for kind, row in table.items():
        print(
            f"  {kind:<13}{row['n']:>5}{row['p50']:>9.1f}{row['p95']:>9.1f}"
            f"{row['p99']:>9.1f}{row['max']:>9.1f}{row['qps']:>8.1f}"
            f"{row['best_p50']:>10.1f}{row['best_p95']:>10.1f}"
        )


def print_ab(tables: dict[str, dict]) -> None:
    """Prototype against the shop, per kind: p50 and p95 (raw, and of each query's best)."""
    shop, prototype = list(tables.values())
    print("\n  prototype / shop, same interleaved passes:")
    print(f"    {'kind':<13}{'p50':>16}{'p95':>18}{'best p95':>18}   (ms)")
    for kind, row in prototype.items():
        base = shop[kind]
        cells = "".join(
            f"{base[key]:>8.1f} →{row[key]:>7.1f}" for key in ("p50", "p95", "best_p95")
        )
        print(f"    {kind:<13}{cells}")


def print_slowest(samples: list[dict], count: int) -> None:
    print("  slowest:")
    for sample in sorted(samples, key=lambda s: -s["ms"])[:count]:
        total = sample.get("total")
        found = f"{total} found" if total is not None else f"{sample['shown']} shown"
        print(f"    {sample['ms']:8.1f} ms  {sample['kind']:<9} {sample['query']}  ({found})")


# --- the machine -------------------------------------------------------------------------


def machine(apps: dict) -> dict:
    import whoosh

    info = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": _cpuinfo("model name") or platform.processor(),
        "ram_gb": round(_meminfo_kb("MemTotal") / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlalchemy": sa.__version__,
        "sqlite": sqlite3.sqlite_version,
        "whoosh": whoosh.versionstring(),
        "load_average": os.getloadavg(),
        **_git(),
    }
    if "postgres" in apps:
        from shop.extensions import db

        with apps["postgres"].app_context():
            info["postgresql"] = db.session.scalar(sa.text("SHOW server_version"))
    return info


def _git() -> dict:
    """The commit measured, and whether shop/search differed from it (others edit it too)."""
    import subprocess

    def git(*command: str) -> str:
        try:
            done = subprocess.run(
                ["git", *command], cwd=ROOT, capture_output=True, text=True, timeout=10
            )
        except (OSError, subprocess.SubprocessError):
            return ""
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "search_code_modified": bool(git("status", "--porcelain", "shop/search")),
    }


def _cpuinfo(key: str) -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _meminfo_kb(key: str) -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        return 0
    return 0


# --- the run -----------------------------------------------------------------------------


def prepare(backend: str, args, catalogue: Callable[[], generate.Catalogue]) -> tuple:
    if args.reuse:
        app = make_app(backend, args, fresh=False)
        found = existing_count(app)
        if found != args.products:
            raise SystemExit(f"--reuse: {backend} holds {found} products, not {args.products}")
        return app, {}
    app = make_app(backend, args, fresh=True)
    return app, populate(app, catalogue())


def run_backend(backend: str, args, catalogue, searches, prefixes) -> tuple:
    print(f"\n== {backend}: {args.products} products", flush=True)
    app, setup = prepare(backend, args, catalogue)
    if args.index_only:
        from bench import analyse

        folder = args.out / f"{backend}-{args.products}"
        return app, {"setup": {"index_breakdown": analyse.index_breakdown(app, backend, folder)}}
    variants = install_prototype(app, args.prototype)
    try:
        return app, measure(app, backend, args, setup, searches, prefixes, variants)
    finally:
        if args.prototype:
            from bench import prototypes

            prototypes.cleanup(app)


def measure(app, backend: str, args, setup: dict, searches, prefixes, variants) -> dict:
    from shop import clock

    if args.analyse_only:
        previous = json.loads(results_path(args, backend).read_text())
        samples, setup = previous["samples"], previous["setup"]
    else:
        load_before = os.getloadavg()
        samples = run_set(app, clock.today(), searches, prefixes, args.repeat, variants)
        setup["load_average"] = {"before": load_before, "after": os.getloadavg()}
        print(f"  load average before {load_before}, after {setup['load_average']['after']}")
    differences = compare_prototype(app, args, searches, prefixes)
    tables = {}
    for variant in list(variants) or [None]:
        mine = [s for s in samples if s.get("variant") == variant]
        tables[variant or backend] = table = summarise(mine)
        name = backend + (f" ({variant})" if variant else "")
        print_table(f"{name}, {args.products} products, {len(mine)} timed calls", table)
        print_slowest(mine, args.top)
    if variants:
        print_ab(tables)
    table = tables[args.prototype] if variants else tables[backend]
    analysis = None
    if args.analyse:
        from bench import analyse

        analysis = analyse.run(app, backend, samples, searches, args)
    if args.analyse_index:
        from bench import analyse

        setup["index_breakdown"] = analyse.index_breakdown(
            app, backend, args.out / f"{backend}-{args.products}"
        )
    return {
        "setup": setup,
        "summary": table,
        "ab_summaries": tables if variants else None,
        "samples": samples,
        "analysis": analysis,
        "differences_from_shop": differences,
    }


def compare_prototype(app, args, searches, prefixes) -> dict | None:
    """How many searches a prototype answers differently from the shop's backend."""
    if not args.prototype:
        return None
    from bench import prototypes
    from shop import clock

    differ = prototypes.compare(app, searches, prefixes, clock.today())
    print(
        f"  answers differing from the shop's backend ({len(searches)} searches, "
        f"{len(prefixes)} prefixes): "
        + ", ".join(f"{part} {len(labels)}" for part, labels in differ.items())
    )
    for label in differ["total"][:8]:
        print(f"    total differs: {label}")
    return differ


def main(argv: list[str] | None = None) -> int:
    from shop import clock

    args = parse_args(argv)
    searches = query_set.searches(args.seed, args.queries)
    prefixes = query_set.prefixes(args.seed, args.prefixes)
    print(f"{len(searches)} searches and {len(prefixes)} prefixes; backends: {args.backend}")
    built: list[generate.Catalogue] = []

    def catalogue() -> generate.Catalogue:  # built once, shared by both backends
        if not built:
            started = time.perf_counter()
            built.append(generate.build(args.products, args.producers, args.seed, clock.today()))
            print(f"  generated the catalogue in {time.perf_counter() - started:.1f} s")
        return built[0]

    apps, results = {}, {}
    for backend in args.backend:
        apps[backend], results[backend] = run_backend(backend, args, catalogue, searches, prefixes)
    info = machine(apps)
    args.out.mkdir(parents=True, exist_ok=True)
    for backend, result in results.items():
        path = results_path(args, backend)
        if args.index_only:
            path = path.with_name(f"index-{backend}-{args.products}.json")
        payload = {"machine": info, "args": _jsonable(vars(args)), **result}
        path.write_text(json.dumps(payload, indent=1, ensure_ascii=False, default=str))
        print(f"\nwrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(f"load average now: {info['load_average']}")
    return 0


def results_path(args, backend: str) -> Path:
    suffix = f"-{args.prototype}" if args.prototype else ""
    return args.out / f"search-{backend}-{args.products}{suffix}.json"


def _jsonable(values: dict) -> dict:
    return {key: str(value) if isinstance(value, Path) else value for key, value in values.items()}


if __name__ == "__main__":
    sys.exit(main())
