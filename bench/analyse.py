"""Where the time of a search goes: per-statement SQL times, EXPLAIN ANALYZE and cProfile.

`run()` is called by bench/search.py --analyse after the timed passes:
1. every search of the set once more, with each SQL statement timed and put in a category
   (page of ids, facet counts, typo look-ups, hydration...); what is not SQL is Python: the
   Whoosh search itself, or SQLAlchemy's ORM work;
2. the slowest searches again: on PostgreSQL each statement is run under
   EXPLAIN (ANALYZE, BUFFERS); on Whoosh the call is run under cProfile.
Full plans and profiles go to bench/results/analysis-<backend>-<N>.txt.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import time
from collections import defaultdict
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import event

from bench.queries import BenchQuery

CATEGORIES = (  # first match wins
    ("page + facets, one statement", re.compile(r"UNION ALL.*GROUPING SETS", re.I | re.S)),
    ("facets: GROUPING SETS count", re.compile(r"GROUPING SETS", re.I)),
    ("few check: count(*) LIMIT 3", re.compile(r"count\(\*\).*LIMIT", re.I | re.S)),
    ("better-spelling count", re.compile(r"count\(\*\).*FROM product_search", re.I | re.S)),
    ("page: ids ordered", re.compile(r"FROM product_search.*LIMIT", re.I | re.S)),
    ("suggest: product names", re.compile(r"FROM search_suggestions", re.I)),
    ("suggest: producer names", re.compile(r"FROM search_producer_suggestions", re.I)),
    ("typo: closest term", re.compile(r"levenshtein", re.I)),
    ("typo: known term", re.compile(r"FROM search_terms", re.I)),
    ("hydration: listable_products", re.compile(r"FROM products JOIN producers", re.I)),
    ("hydration: variants", re.compile(r"FROM variants", re.I)),
    ("hydration: images", re.compile(r"FROM product_images", re.I)),
    ("pool pre-ping", re.compile(r"^\s*SELECT 1\s*$", re.I)),
)


def category(statement: str) -> str:
    for name, pattern in CATEGORIES:
        if pattern.search(statement):
            return name
    return "other SQL"


@contextmanager
def statements(engine: sa.Engine):
    """Collect (category, ms, statement, parameters) of every statement run inside."""
    log: list[tuple[str, float, str, object]] = []
    starts: list[float] = []

    def before(_conn, _cursor, _statement, _parameters, _context, _many):
        starts.append(time.perf_counter())

    def after(_conn, _cursor, statement, parameters, _context, _many):
        ms = (time.perf_counter() - starts.pop()) * 1000
        log.append((category(statement), ms, statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def _measure(app, query: BenchQuery, today):
    from shop.extensions import db
    from shop.search import search_products

    with app.app_context(), statements(db.engine) as log:
        started = time.perf_counter()
        search_products(query.search_query(today))
        total = (time.perf_counter() - started) * 1000
    return total, log


def breakdown(app, searches: list[BenchQuery], today) -> dict:
    """Mean ms per query of each SQL category and of the rest (Python), per kind and overall."""
    per_kind: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    counts: dict[str, int] = defaultdict(int)
    for query in searches:
        total, log = _measure(app, query, today)
        for kind in (query.kind, "all searches"):
            counts[kind] += 1
            per_kind[kind]["total"] += total
            sql = 0.0
            for name, ms, _statement, _parameters in log:
                per_kind[kind][name] += ms
                sql += ms
            per_kind[kind]["not SQL (Python: search engine, ORM)"] += total - sql
    return {
        kind: {name: value / counts[kind] for name, value in parts.items()}
        for kind, parts in per_kind.items()
    }


def print_breakdown(table: dict) -> None:
    overall = table.get("all searches", {})
    names = sorted((n for n in overall if n != "total"), key=lambda n: -overall[n])
    kinds = [k for k in table if k != "all searches"] + ["all searches"]
    print("\n  mean ms per search, by part (one more pass over the set):")
    print("    " + f"{'part':<40}" + "".join(f"{k[:12]:>13}" for k in kinds))
    for name in [*names, "total"]:
        cells = "".join(f"{table[k].get(name, 0.0):>13.2f}" for k in kinds)
        print(f"    {name[:40]:<40}{cells}")


def slowest_queries(samples: list[dict], searches: list[BenchQuery], top: int):
    by_label = {q.label(): q for q in searches}
    worst = sorted((s for s in samples if s["kind"] != "suggest"), key=lambda s: -s["ms"])
    chosen: list[BenchQuery] = []
    for sample in worst:
        query = by_label.get(sample["query"])
        if query and query not in chosen:
            chosen.append(query)
        if len(chosen) == top:
            break
    return chosen


def explain(app, query: BenchQuery, today, out: io.StringIO) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement a search runs; their execution times."""
    from shop.extensions import db

    total, log = _measure(app, query, today)
    out.write(f"\n\n######## {query.kind} {query.label()}: {total:.1f} ms\n")
    found = []
    with app.app_context():
        connection = db.session.connection()
        for name, ms, statement, parameters in log:
            if name == "pool pre-ping" or not re.match(r"\s*(SELECT|WITH)\b", statement, re.I):
                continue
            plan = connection.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
            ).scalars()
            text = "\n".join(plan)
            executed = re.search(r"Execution Time: ([\d.]+) ms", text)
            jit = re.search(r"JIT:.*?Timing: .*?Total ([\d.]+) ms", text, re.S)
            found.append(
                {
                    "part": name,
                    "ms": ms,
                    "execution_ms": float(executed.group(1)) if executed else None,
                    "jit_ms": float(jit.group(1)) if jit else None,
                }
            )
            out.write(f"\n--- {name}: {ms:.1f} ms as run\n{statement}\n{parameters}\n{text}\n")
        db.session.rollback()
    return found


def profile(app, query: BenchQuery, today, out: io.StringIO) -> list[tuple[str, float]]:
    """cProfile of one search: the functions with the largest cumulative time."""
    from shop.search import search_products

    with app.app_context():
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        search_products(query.search_query(today))
        profiler.disable()
        total = (time.perf_counter() - started) * 1000
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer).sort_stats("cumulative")
    stats.print_stats(40)
    out.write(f"\n\n######## {query.kind} {query.label()}: {total:.1f} ms (profiled)\n")
    out.write(buffer.getvalue())
    rows = []
    for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        if "shop/search" in filename or "whoosh" in filename:
            rows.append((f"{filename.rsplit('/', 1)[-1]}:{function}", cumulative * 1000))
    rows.sort(key=lambda row: -row[1])
    return rows[:14]


def run(app, backend: str, samples: list[dict], searches: list[BenchQuery], args) -> dict:
    from shop import clock

    today = clock.today()
    for query in searches[:: max(1, len(searches) // 20)]:  # warm caches after a restart
        _measure(app, query, today)
    table = breakdown(app, searches, today)
    print_breakdown(table)
    out = io.StringIO()
    details = []
    for query in slowest_queries(samples, searches, args.top):
        print(f"\n  {query.kind} {query.label()}")
        if backend == "postgres":
            parts = explain(app, query, today, out)
            for part in parts:
                jit = f", JIT {part['jit_ms']:.1f} ms" if part["jit_ms"] else ""
                print(
                    f"    {part['part']:<32} {part['ms']:7.1f} ms as run, "
                    f"{part['execution_ms'] or 0:7.1f} ms in EXPLAIN ANALYZE{jit}"
                )
        else:
            parts = profile(app, query, today, out)
            for function, ms in parts:
                print(f"    {ms:8.1f} ms cumulative  {function}")
        details.append({"query": query.label(), "kind": query.kind, "parts": parts})
    suffix = f"-{args.prototype}" if args.prototype else ""
    path = args.out / f"analysis-{backend}-{args.products}{suffix}.txt"
    path.write_text(out.getvalue())
    print(f"\n  plans / profiles: {path}")
    return {"breakdown": table, "slowest": details}


def index_breakdown(app, backend: str, folder) -> dict:
    """Rebuild cost split: building documents from SQL, then writing them. For Whoosh, also
    one writer for everything (the shop commits a writer per 1,000 documents), with the
    shop's schema and with a lean one, on up to SAMPLE documents."""
    from shop.search.documents import all_documents

    found: dict = {}
    with app.app_context():
        started = time.perf_counter()
        documents = [document for batch in all_documents() for document in batch]
        found["build_documents_s"] = time.perf_counter() - started
    found["documents"] = len(documents)
    print(f"\n  building {len(documents)} documents from SQL: {found['build_documents_s']:.1f} s")
    if backend == "whoosh":
        from shop.search.whoosh_backend import SCHEMA

        sample = documents[:SAMPLE]
        for name, schema in (("shop schema", SCHEMA), ("lean schema", lean_schema())):
            found[name] = _whoosh_one_writer(sample, folder / "index-experiment", schema, name)
    return found


SAMPLE = 20_000


def lean_schema():
    """The shop's schema with numeric fields indexed only as far as they are queried: exact
    terms for stars / set / province / band (shift_step=0), 8-bit tiers for the two ranges
    (valid_until, price_min), `created` for sorting only, `id` stored only."""
    from whoosh import fields

    from shop.search.whoosh_backend import SCHEMA

    schema = SCHEMA.copy()
    replacements = {
        "id": fields.STORED(),
        "stars": fields.NUMERIC(int, sortable=True, shift_step=0),
        "product_set": fields.NUMERIC(int, sortable=True, shift_step=0),
        "province": fields.NUMERIC(int, sortable=True, shift_step=0),
        "price_band": fields.NUMERIC(int, sortable=True, shift_step=0),
        "created": fields.NUMERIC(int, bits=64, sortable=True, shift_step=0),
        "price_min": fields.NUMERIC(int, bits=32, signed=False, sortable=True, shift_step=8),
        "valid_until": fields.NUMERIC(int, sortable=True, shift_step=8),
    }
    for name, field in replacements.items():
        schema.remove(name)
        schema.add(name, field)
    return schema


def _whoosh_one_writer(documents: list[dict], path, schema, name: str) -> dict:
    import shutil

    from whoosh import index

    from shop.search.whoosh_backend import _fields

    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    started = time.perf_counter()
    writer = index.create_in(path, schema).writer(limitmb=256)
    for document in documents:
        writer.add_document(**_fields(document))
    writer.commit()
    seconds = time.perf_counter() - started
    size = sum(f.stat().st_size for f in path.iterdir())
    shutil.rmtree(path)
    print(
        f"  {len(documents)} documents, one Whoosh writer, {name}: {seconds:.1f} s, "
        f"{len(documents) / seconds:.0f}/s, {size / 1e6:.0f} MB"
    )
    return {"documents": len(documents), "seconds": seconds, "bytes": size}
