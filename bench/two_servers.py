"""Two app servers against one: requests/s of the catalogue (issue #16, the two-server aim).

    .venv/bin/python bench/two_servers.py --url postgresql+psycopg://postgres@127.0.0.1:5432/ocop_bench_shop_10000

Serves the shop with gunicorn (production config, --workers sync workers per server) against
one PostgreSQL database (seeded by bench/run.py: `--db postgres --products 10000`) and one
Redis (REDIS_URL, if given), then measures the catalogue (pages and sorts, bench/paths.lua)
with wrk: one server with all the connections, then two servers on two ports sharing the
database with half the connections each, summed; and one server with twice the workers (as many
processes as the two servers: on a shared machine more processes also take a larger share of
the CPUs from everything else). The runs alternate so that a change in the machine's load
touches every configuration. Every server and wrk run on this one
machine: two servers add processes, not CPUs, so on a small machine expect little gain; the
figure says what a second host's worth of processes costs and what it gives here.
Nothing here runs in the tests (tests/scaleout/test_two_servers.py proves the sharing).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import HIGH_LIMIT, Gunicorn, ensure_wrk, run_wrk  # noqa: E402

CATALOGUE = [
    *(f"/products?page={n}" for n in range(1, 21)),
    "/products?sort=price_asc",
    "/products?sort=price_desc",
    "/products?sort=stars",
    "/products?stars=5",
]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL"), required=False)
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--workers", type=int, default=2, help="sync workers per server")
    parser.add_argument("--connections", type=int, default=8, help="in all, split over servers")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2, help="one-then-two rounds")
    parser.add_argument("--timeout", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("give --url (or DATABASE_URL): a PostgreSQL database seeded by bench/run.py")
    args.wrk = ensure_wrk(False)
    return args


def environment(args, media: Path, instance: Path) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MAIL_", "STRIPE_", "FLASK_")) and key != "REDIS_URL"
    }
    env.update(
        FLASK_CONFIG="production",
        SECRET_KEY="bench-only-secret-key-not-for-production",
        DATABASE_URL=args.url,
        INSTANCE_PATH=str(instance),
        MEDIA_ROOT=str(media),
        SEARCH_BACKEND="postgres",
        LOGIN_LIMIT_PER_IP=HIGH_LIMIT,
        PYTHONPATH=str(ROOT),
    )
    if args.redis:
        env["REDIS_URL"] = args.redis
    return env


def measure(servers: list[Gunicorn], args, folder: Path) -> dict:
    """wrk against each server at once, the connections split evenly; the sum and the worst."""
    each = argparse.Namespace(**{**vars(args), "connections": args.connections // len(servers)})
    results: list[dict] = [{} for _ in servers]

    def one(index: int) -> None:
        results[index] = run_wrk(
            servers[index], CATALOGUE, each, folder / f"wrk-{index}", args.duration
        )

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(servers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "requests_per_s": sum(r["requests_per_s"] for r in results),
        "p95_ms": max(r["p95_ms"] for r in results),
        "errors": sum(r["errors"] for r in results),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="two-servers-") as scratch:
        folder = Path(scratch)
        media = folder / "media"
        servers_ = [
            Gunicorn(
                "shop:create_app()",
                environment(args, media, folder / f"instance-{name}"),
                workers,
                folder / f"gunicorn-{name}.log",
            )
            for name, workers in (("a", args.workers), ("b", args.workers), ("c", 2 * args.workers))
        ]
        with servers_[0] as a, servers_[1] as b, servers_[2] as double:
            print(f"load average before: {os.getloadavg()[0]:.1f}; {os.cpu_count()} CPUs")
            rows = []
            configurations = (
                ("one server", [a]),
                ("two servers", [a, b]),
                ("one, 2x workers", [double]),  # as many processes as the two servers
            )
            for round_ in range(1, args.rounds + 1):
                for label, servers in configurations:
                    for server in servers:
                        server.drain()
                    result = measure(servers, args, folder)
                    rows.append((round_, label, result))
                    print(
                        f"round {round_} {label:12} {result['requests_per_s']:7.1f} req/s  "
                        f"p95 {result['p95_ms']:7.1f} ms  errors {result['errors']}  "
                        f"(load {os.getloadavg()[0]:.1f})",
                        flush=True,
                    )
    mean = {
        label: sum(r["requests_per_s"] for _, x, r in rows if x == label) / args.rounds
        for label, _ in configurations
    }
    print(
        f"catalogue, {args.workers} workers per server, {args.connections} connections: "
        + ", ".join(f"{label} {rps:.1f} req/s" for label, rps in mean.items())
        + f"; two servers / one: {mean['two servers'] / mean['one server']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
