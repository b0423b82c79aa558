"""The aims of issue #16, from bench/run.py's results: one table, aim / measured / met.

    .venv/bin/python bench/aims.py --cached-tag final-cached --uncached-tag final-uncached

Reads bench/results/shop-<db>-<N>-<tag>.json (the runs with --page-cache on, then off) and
prints a Markdown table. Each ratio is to the hello-world ceiling measured in the same run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
CACHED_AIMS = {"home": 0.40, "catalogue": 0.40, "product": 0.40, "api": 0.50}
MEMORY_MB = 100


def load(db: str, products: int, tag: str, folder: Path) -> dict | None:
    path = folder / f"shop-{db}-{products}-{tag}.json"
    return json.loads(path.read_text()) if path.exists() else None


def rows_by_endpoint(result: dict) -> dict[str, dict]:
    return {row["endpoint"].split(" (")[0]: row for row in result["endpoints"]}


def cached_lines(where: str, cached: dict) -> list[str]:
    lines = []
    ceiling = cached["ceiling"]["wrk"]["requests_per_s"]
    for endpoint, row in rows_by_endpoint(cached).items():
        aim = CACHED_AIMS.get(endpoint)
        if aim is None:
            continue
        ratio = row["requests_per_s"] / ceiling
        hits = row.get("x_cache", {})
        answered = sum(hits.values()) or 1
        lines.append(
            f"| cached {endpoint} ≥ {aim:.0%} of the ceiling | {where} | "
            f"{row['requests_per_s']:.0f} req/s of {ceiling:.0f} = {ratio:.1%} "
            f"({hits.get('hit', 0) / answered:.0%} hits, load {row['load_before'][0]:.1f})"
            f" | {'met' if ratio >= aim else 'missed'} |"
        )
    return lines


def uncached_lines(where: str, rows: dict[str, dict], at_100k_pg: bool) -> list[str]:
    lines = []
    if at_100k_pg and "catalogue" in rows:
        rps = rows["catalogue"]["requests_per_s"]
        lines.append(
            f"| uncached catalogue ≥ 100 req/s | {where} | {rps:.1f} req/s "
            f"(load {rows['catalogue']['load_before'][0]:.1f}) "
            f"| {'met' if rps >= 100 else 'missed'} |"
        )
    if at_100k_pg and "search" in rows:
        p95 = rows["search"]["p95_ms"]
        lines.append(
            f"| search p95 ≤ 20 ms | {where} | {p95:.0f} ms at "
            f"{rows['search']['requests_per_s']:.1f} req/s, 8 connections "
            f"| {'met' if p95 <= 20 else 'missed'} |"
        )
    if where.startswith("postgres") and "race" in rows:
        row = rows["race"]
        check = row["stock_check"]
        met = row["orders_per_s"] >= 150 and not check["oversell"]
        lines.append(
            f"| place order ≥ 150 orders/s, zero oversell | {where} | "
            f"{row['orders_per_s']:.1f} orders/s ({row['placed']} placed, {row['refused']} "
            f"refused of {row['ready']}); units {check['initial_units']} → sold "
            f"{check['sold_units']}, left {check['remaining_units']}, oversell "
            f"{'YES' if check['oversell'] else 'none'} | {'met' if met else 'missed'} |"
        )
    return lines


def table(args) -> list[str]:
    lines = ["| aim | where | measured | met? |", "|---|---|---|---|"]
    for db, products in (("sqlite", 10_000), ("postgres", 10_000), ("postgres", 100_000)):
        where = f"{db}, {products:,}"
        cached = load(db, products, args.cached_tag, args.results)
        if cached and cached.get("ceiling"):
            lines += cached_lines(where, cached)
        uncached = load(db, products, args.uncached_tag, args.results)
        if not uncached:
            continue
        at_100k_pg = db == "postgres" and products == 100_000
        lines += uncached_lines(where, rows_by_endpoint(uncached), at_100k_pg)
        if products == 10_000:
            sizes = [
                mb
                for r in uncached["endpoints"] + (cached or {}).get("endpoints", [])
                for mb in r.get("rss_mb", [])
            ]
            if sizes:
                met = "met" if max(sizes) <= MEMORY_MB else "missed"
                lines.append(
                    f"| ≤ {MEMORY_MB} MB resident per worker | {where} | up to "
                    f"{max(sizes):.0f} MB | {met} |"
                )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cached-tag", default="final-cached")
    parser.add_argument("--uncached-tag", default="final-uncached")
    parser.add_argument("--results", type=Path, default=RESULTS)
    print("\n".join(table(parser.parse_args(argv))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
