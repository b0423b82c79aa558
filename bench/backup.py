"""Backup and restore timings: `create_backup` and `restore_backup`, as the commands run them.

    .venv/bin/python bench/backup.py                          # demo and 10,000 products, both DBs
    .venv/bin/python bench/backup.py --db sqlite --products 2000 --photos 200

For each database (`--db sqlite|postgres`) and size (the demo catalogue, then `--products`):
1. Seeds a source shop migrated with `flask db upgrade`: the demo catalogue with its drawn
   pictures, or the search benchmark's generated catalogue (bench/generate.py, same seed) with
   `--photos` product photos. The generated photos are synthetic renditions of realistic sizes
   (random, so as incompressible as real WebP and JPEG: 16 + 64 + 200 KB WebP and a 96 KB
   JPEG per photo), written straight into the media folder: what a backup costs depends on
   bytes and files, not on pixels.
2. Times `create_backup()` into bench/results/backup-<db>-<size>/archives/, then
   `restore_backup()` into a new, empty instance (a new SQLite file, or the PostgreSQL database
   `<base>_dst`): verify, database, files, migrations, search rebuild.
3. Prints the figures with the load average and writes bench/results/backup.json.

PostgreSQL databases are `<base>_src` and `<base>_dst` from `--pg-url` (the name must contain
"bench"; both are dropped and created again). Nothing here runs in the test suites.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `shop` and `bench` importable
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import generate  # noqa: E402
from bench import search as search_bench  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/ocop_bench_backup"
RENDITION_BYTES = {"-320.webp": 16_000, "-800.webp": 64_000, "-1600.webp": 200_000, ".jpg": 96_000}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), nargs="+")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--photos", type=int, default=2_000, help="photos of the generated shop")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--seed", type=int, default=search_bench.SEED)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.db = args.db or ["sqlite", "postgres"]
    args.products = max(100, min(args.products, 1_000_000))
    args.photos = max(0, min(args.photos, 100_000))
    return args


def urls(db: str, args, folder: Path) -> tuple[str, str]:
    """(source, target) database URLs, PostgreSQL ones freshly created."""
    if db == "sqlite":
        return (
            f"sqlite:///{folder / 'source' / 'shop.db'}",
            f"sqlite:///{folder / 'target' / 'shop.db'}",
        )
    base = search_bench._checked_pg_url(args.pg_url)
    made = []
    for suffix in ("src", "dst"):
        url = base.set(database=f"{base.database}_{suffix}")
        search_bench.reset_postgres(url)
        made.append(url.render_as_string(hide_password=False))
    return made[0], made[1]


def make_app(url: str, instance: Path, db: str):
    from shop import create_app

    return create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=url,
        INSTANCE_PATH=str(instance),
        SEARCH_BACKEND="postgres" if db == "postgres" else "whoosh",
        RATELIMIT_ENABLED=False,
    )


def seed_demo() -> dict:
    from shop.demo import load_demo
    from shop.extensions import db

    load_demo()
    db.session.commit()
    return {"products": "demo"}


def seed_generated(products: int, photos: int, seed: int) -> dict:
    from shop import clock
    from shop.catalog.models import ProductImage
    from shop.extensions import db
    from shop.media import media_root, rendition_paths

    producers = min(2_000, max(20, products // 50))
    catalogue = generate.build(products, producers, seed, clock.today())
    generate.load(db.engine, catalogue)
    rows = []
    for n in range(photos):
        key = hashlib.sha1(f"bench-photo-{seed}-{n}".encode()).hexdigest()
        for path, (suffix, size) in zip(rendition_paths(key), RENDITION_BYTES.items(), strict=True):
            assert path.endswith(suffix)
            target = media_root() / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(os.urandom(size))
        rows.append({"product_id": n % products + 1, "key": key, "width": 1600, "height": 1200})
    with db.engine.begin() as connection:
        if rows:
            connection.execute(sa.insert(ProductImage.__table__), rows)
    search_bench.analyze(db.engine)
    return {"products": products, "photos": photos}


def run_one(db: str, size: str, args) -> dict:
    import flask_migrate

    from shop.backup import create_backup, restore_backup
    from shop.catalog.services import sync_product_sets
    from shop.extensions import db as database

    folder = args.out / f"backup-{db}-{size}"
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "archives").mkdir(parents=True)
    source_url, target_url = urls(db, args, folder)
    source = make_app(source_url, folder / "source", db)
    with source.app_context():
        flask_migrate.upgrade()
        sync_product_sets()
        database.session.commit()
        started = time.perf_counter()
        shape = (
            seed_demo() if size == "demo" else seed_generated(args.products, args.photos, args.seed)
        )
        seeded = time.perf_counter() - started
        load = os.getloadavg()[0]
        created = create_backup(folder / "archives")
        database.engine.dispose()
    target = make_app(target_url, folder / "target", db)
    with target.app_context():
        restored = restore_backup(created.path)
        database.engine.dispose()
    figures = {
        "db": db,
        **shape,
        "seed_s": round(seeded, 1),
        "rows": sum(created.manifest.tables.values()),
        "files": created.files,
        "archive_mb": round(created.size / 1e6, 1),
        "create_s": {k: round(v, 2) for k, v in created.seconds.items()},
        "restore_s": {k: round(v, 2) for k, v in restored.seconds.items()},
        "restore_total_s": round(sum(restored.seconds.values()), 2),
        "indexed": restored.indexed,
        "load_average": round(load, 1),
    }
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results = []
    for db in args.db:
        if not args.skip_demo:
            results.append(run_one(db, "demo", args))
        results.append(run_one(db, str(args.products), args))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "backup.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(f"{'db':<9}{'size':>8}{'rows':>9}{'files':>7}{'MB':>8}{'create s':>10}{'restore s':>11}")
    for r in results:
        print(
            f"{r['db']:<9}{r['products']!s:>8}{r['rows']:>9}{r['files']:>7}{r['archive_mb']:>8}"
            f"{r['create_s']['total']:>10}{r['restore_total_s']:>11}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
