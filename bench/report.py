"""Markdown tables of bench/run.py results, as docs/benchmarks.md shows them.

    .venv/bin/python bench/report.py --tags before after final
    .venv/bin/python bench/report.py --tags final --db postgres --products 100000

One table per database and catalogue size: per endpoint, requests/s, p50/p95/p99 (ms), errors,
the ratio to the bare-Flask ceiling (wrk) and RSS per worker, for each tag (results file
bench/results/shop-<db>-<N>-<tag>.json), then the load average before each run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def load(db: str, products: int, tag: str, folder: Path) -> dict | None:
    path = folder / f"shop-{db}-{products}-{tag}.json"
    return json.loads(path.read_text()) if path.exists() else None


def cell(row: dict | None) -> str:
    if row is None:
        return "—"
    if not row["requests"]:
        return "none finished"
    return f"{row['requests_per_s']:.1f}"


def table(db: str, products: int, tags: list[str], folder: Path) -> str:
    runs = {tag: load(db, products, tag, folder) for tag in tags}
    runs = {tag: run for tag, run in runs.items() if run}
    if not runs:
        return ""
    lines = [f"**{db}, {products:,} products**", ""]
    head = "| endpoint | " + " | ".join(
        f"{tag}: req/s | p50 / p95 / p99 ms | errors | × ceiling" for tag in runs
    )
    lines.append(head + " |")
    lines.append("|---|" + "---|---|---|---|" * len(runs))
    endpoints: list[str] = []
    for run in runs.values():
        for row in run["endpoints"]:
            if row["endpoint"] not in endpoints:
                endpoints.append(row["endpoint"])
    by_tag = {tag: {row["endpoint"]: row for row in run["endpoints"]} for tag, run in runs.items()}
    ceilings = {}
    for tag, run in runs.items():
        if run.get("ceiling"):
            ceilings[tag] = run["ceiling"]["wrk"]["requests_per_s"]
            by_tag[tag]["ceiling (hello, wrk)"] = run["ceiling"]["wrk"]
            by_tag[tag]["client's ceiling (hello)"] = run["ceiling"]["client"]
    for name in ["ceiling (hello, wrk)", "client's ceiling (hello)", *endpoints]:
        cells = [cells_of(by_tag[tag].get(name), ceilings.get(tag)) for tag in runs]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("")
    lines += footnotes(runs)
    return "\n".join(lines)


def cells_of(row: dict | None, ceiling: float | None) -> str:
    if row is None or not row["requests"]:
        return f"{cell(row)} | | |"
    ratio = f"{row['requests_per_s'] / ceiling:.3f}" if ceiling else "—"
    return (
        f"{cell(row)} | {row['p50_ms']:.0f} / {row['p95_ms']:.0f} / {row['p99_ms']:.0f} "
        f"| {row['errors']} | {ratio}"
    )


def footnotes(runs: dict) -> list[str]:
    lines = []
    for tag, run in runs.items():
        loads = ", ".join(
            f"{row['endpoint']} {row['load_before'][0]:.1f}" for row in run["endpoints"]
        )
        rss = max((max(row.get("rss_mb") or [0]) for row in run["endpoints"]), default=0)
        flows = next((r for r in run["endpoints"] if r["endpoint"] == "checkout"), None)
        extra = f"; checkout {flows['flows_per_s']:.1f} orders/s" if flows else ""
        lines.append(
            f"{tag} ({run['machine']['date']}, commit {run['machine'].get('commit', '?')}): "
            f"RSS per worker up to {rss:.0f} MB{extra}; load average before each run: {loads}."
        )
        lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tags", nargs="+", required=True)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--products", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    for db in args.db:
        for products in args.products:
            text = table(db, products, args.tags, args.out)
            if text:
                print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
