"""The load client of bench/run.py for what wrk cannot do alone: flows with a session.

    .venv/bin/python bench/client.py --port 8000 --flow checkout --data plan.json \
        --connections 8 --duration 10 --warmup 1

Runs in its own process (bench/run.py starts it), standard library only: asyncio with a
minimal HTTP/1.1 client (gunicorn's sync workers close the connection after each response, so
every request opens one, as wrk's do). Each of `--connections` virtual buyers loops its flow
until the time is up; the first `--warmup` seconds are not counted. Prints one JSON line.

Flows:
- `get`: GET a random path of the plan (the same job as wrk: measures this client's own ceiling).
- `add`: POST /cart/add (quantity 1, a random variant, Accept: application/json, as the
  product page's script sends it) with a session and CSRF token made before the clock starts;
  every 10 lines the buyer starts again from its fresh session, so carts stay small.
- `checkout`: a new guest each time: add to cart, the cart, the checkout form (GET, then POST
  with cash on delivery), the review page, place the order; a flow counts only if the order
  page is where it ends.
- `race`: many buyers racing for scarce stock. Untimed, `--buyers` guests each put one of the
  plan's `race_variants` in the cart and go as far as the review page (cash on delivery);
  then, timed, they all press "Place the order" at once (`--connections` at a time). Reports
  orders placed per second, refusals (out of stock) and errors; bench/run.py then checks in
  the database that no stock went below zero and that what was sold is what left the stock.

Cookies are kept by hand: the production config marks them Secure (the shop runs behind TLS),
which a client on plain http://127.0.0.1 would otherwise refuse to send back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import re
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

HOST = "127.0.0.1"
LINES_PER_CART = 10
TIMEOUT = 30.0
CSRF = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


# What the review page's "Place the order" form sends back: what the buyer reviewed.
PLACE_FIELDS = ("idempotency_key", "expected_total", "cart_revision", "details_key")


def hidden(name: str, html: bytes) -> str | None:
    """The value of a hidden input, whatever the order of its attributes."""
    for tag in re.finditer(rb"<input[^>]*>", html):
        if f'name="{name}"'.encode() in tag.group(0):
            found = re.search(rb'value="([^"]*)"', tag.group(0))
            return found.group(1).decode() if found else None
    return None


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str:
        return (self.headers.get(name.lower()) or [""])[0]


@dataclass
class Session:
    cookies: dict[str, str] = field(default_factory=dict)

    def header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def update(self, response: Response) -> None:
        for raw in response.headers.get("set-cookie", []):
            pair = raw.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if value == "" or "Max-Age=0" in raw or "expires=Thu, 01 Jan 1970" in raw:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()

    def copy(self) -> Session:
        return Session(dict(self.cookies))


async def fetch(
    port: int,
    method: str,
    path: str,
    session: Session | None = None,
    form: dict | None = None,
    accept: str = "text/html",
) -> Response:
    """One request on its own connection; the whole answer is read (until the server closes)."""
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        body = urlencode(form).encode() if form is not None else b""
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {HOST}:{port}",
            "Connection: close",
            f"Accept: {accept}",
            "User-Agent: bench-client",
        ]
        if session is not None and session.cookies:
            lines.append(f"Cookie: {session.header()}")
        if form is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded"]
        if method != "GET":
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head, _, content = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, list[str]] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    if "chunked" in (headers.get("transfer-encoding") or [""])[0]:
        content = _dechunk(content)
    response = Response(int(status_line.split()[1]), headers, content)
    if session is not None:
        session.update(response)
    return response


def _dechunk(data: bytes) -> bytes:
    out, rest = b"", data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2 :]
    return out


class FlowError(Exception):
    """A step answered something other than what a buyer would get."""


@dataclass
class Tally:
    """Latencies (ms) of the counted requests and flows, and the errors."""

    counting: bool = False
    requests: list[float] = field(default_factory=list)
    flows: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        if self.counting:
            self.errors[what] = self.errors.get(what, 0) + 1


class Buyer:
    """One virtual buyer: its flow, its fresh session, its tally."""

    def __init__(self, port: int, plan: dict, tally: Tally, rng: random.Random):
        self.port, self.plan, self.tally, self.rng = port, plan, tally, rng
        self.fresh: Session | None = None
        self.token = ""

    async def timed(self, method: str, path: str, session=None, **kwargs) -> Response:
        started = time.perf_counter()
        response = await asyncio.wait_for(
            fetch(self.port, method, path, session, **kwargs), TIMEOUT
        )
        if self.tally.counting:
            self.tally.requests.append((time.perf_counter() - started) * 1000)
        return response

    async def start_session(self) -> None:
        """A product page, as a buyer lands on: the session cookie and its CSRF token."""
        session = Session()
        page = await fetch(self.port, "GET", self.rng.choice(self.plan["product_paths"]), session)
        found = CSRF.search(page.body)
        if page.status != 200 or not found or not session.cookies:
            raise SystemExit(f"no session from a product page (status {page.status})")
        self.fresh, self.token = session, found.group(1).decode()

    async def add(self, session: Session) -> None:
        response = await self.timed(
            "POST",
            "/cart/add",
            session,
            form={
                "variant_id": self.rng.choice(self.plan["variants"]),
                "quantity": 1,
                "csrf_token": self.token,
            },
            accept="application/json",
        )
        if response.status != 200 or b'"ok":true' not in response.body.replace(b" ", b""):
            raise FlowError(f"add {response.status}")

    async def run_get(self, deadline: float) -> None:
        paths = self.plan["get_paths"]
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                response = await self.timed("GET", self.rng.choice(paths))
                if response.status >= 400:
                    raise FlowError(f"get {response.status}")
            except (TimeoutError, FlowError, OSError, ValueError, IndexError) as error:
                self.tally.error(_kind(error))
                continue
            if self.tally.counting:
                self.tally.flows.append((time.perf_counter() - started) * 1000)

    async def run_add(self, deadline: float) -> None:
        await self.start_session()
        session, lines = self.fresh.copy(), 0
        while time.perf_counter() < deadline:
            if lines >= LINES_PER_CART:
                session, lines = self.fresh.copy(), 0
            started = time.perf_counter()
            try:
                await self.add(session)
            except (TimeoutError, FlowError, OSError, ValueError, IndexError) as error:
                self.tally.error(_kind(error))
                session, lines = self.fresh.copy(), 0
                continue
            lines += 1
            if self.tally.counting:
                self.tally.flows.append((time.perf_counter() - started) * 1000)

    async def run_checkout(self, deadline: float) -> None:
        await self.start_session()
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                await self.checkout(self.fresh.copy())
            except (TimeoutError, FlowError, OSError, ValueError, IndexError) as error:
                self.tally.error(_kind(error))
                continue
            if self.tally.counting:
                self.tally.flows.append((time.perf_counter() - started) * 1000)

    async def checkout(self, session: Session) -> None:
        """Add, cart, checkout form, details posted (cash on delivery), review, place."""
        await self.add(session)
        cart = await self.timed("GET", "/cart", session)
        if cart.status != 200:
            raise FlowError(f"cart {cart.status}")
        form_page = await self.timed("GET", "/checkout", session)
        token = CSRF.search(form_page.body)
        if form_page.status != 200 or not token:
            raise FlowError(f"checkout form {form_page.status}")
        address = self.plan["address"]
        posted = await self.timed(
            "POST",
            "/checkout",
            session,
            form={
                "csrf_token": token.group(1).decode(),
                "full_name": "Nguyễn Thị Bench",
                "phone": f"09{self.rng.randrange(10**8):08d}",
                "email": f"buyer{self.rng.randrange(10**6)}@bench.cho-ocop.vn",
                "province_code": address["province"],
                "ward_code": address["ward"],
                "street": "12 Đường Benchmark",
                "note": "",
                "payment_method": "cod",
                "privacy_consent": "y",
            },
        )
        if posted.status != 302 or "/checkout/review" not in posted.header("location"):
            raise FlowError(f"checkout details {posted.status}")
        review = await self.timed("GET", "/checkout/review", session)
        fields = {name: hidden(name, review.body) for name in PLACE_FIELDS}
        token = CSRF.search(review.body)
        if review.status != 200 or not all(fields.values()) or not token:
            raise FlowError(f"review {review.status}")
        placed = await self.timed(
            "POST",
            "/checkout/place",
            session,
            form={"csrf_token": token.group(1).decode(), **fields},
        )
        if placed.status != 302 or "/orders/" not in placed.header("location"):
            raise FlowError(f"place {placed.status} → {placed.header('location')}")

    async def ready_to_place(self) -> tuple[Session, dict] | None:
        """A guest with one scarce variant in the cart, at the review page: its place form."""
        session = Session()
        page = await fetch(self.port, "GET", self.rng.choice(self.plan["product_paths"]), session)
        found = CSRF.search(page.body)
        if page.status != 200 or not found:
            return None
        self.token = found.group(1).decode()
        response = await fetch(
            self.port,
            "POST",
            "/cart/add",
            session,
            form={
                "variant_id": self.rng.choice(self.plan["race_variants"]),
                "quantity": 1,
                "csrf_token": self.token,
            },
            accept="application/json",
        )
        if response.status != 200:
            return None
        form_page = await fetch(self.port, "GET", "/checkout", session)
        token = CSRF.search(form_page.body)
        if form_page.status != 200 or not token:
            return None
        address = self.plan["address"]
        posted = await fetch(
            self.port,
            "POST",
            "/checkout",
            session,
            form={
                "csrf_token": token.group(1).decode(),
                "full_name": "Nguyễn Văn Đua",
                "phone": f"09{self.rng.randrange(10**8):08d}",
                "email": f"racer{self.rng.randrange(10**6)}@bench.cho-ocop.vn",
                "province_code": address["province"],
                "ward_code": address["ward"],
                "street": "1 Đường Benchmark",
                "note": "",
                "payment_method": "cod",
                "privacy_consent": "y",
            },
        )
        if posted.status != 302:
            return None
        review = await fetch(self.port, "GET", "/checkout/review", session)
        fields = {name: hidden(name, review.body) for name in PLACE_FIELDS}
        token = CSRF.search(review.body)
        if review.status != 200 or not all(fields.values()) or not token:
            return None
        return session, {"csrf_token": token.group(1).decode(), **fields}

    async def place(self, session: Session, form: dict) -> str:
        """Press "Place the order": "placed", "refused" (the shop said no) or an error kind."""
        try:
            placed = await self.timed("POST", "/checkout/place", session, form=form)
        except (TimeoutError, OSError, ValueError) as error:
            return type(error).__name__
        if placed.status == 302 and "/orders/" in placed.header("location"):
            return "placed"
        if placed.status in (200, 302, 409, 422):
            return "refused"
        return f"place {placed.status}"


async def race(args, plan: dict) -> dict:
    """Buyers made ready untimed, then all placing their orders at once (timed)."""
    tally = Tally()
    rng = random.Random(args.seed)
    gate = asyncio.Semaphore(args.connections)

    async def prepare(buyer: Buyer):
        async with gate:
            try:
                return buyer, await buyer.ready_to_place()
            except (TimeoutError, OSError, ValueError, IndexError):
                return buyer, None

    buyers = [
        Buyer(args.port, plan, tally, random.Random(rng.random())) for _ in range(args.buyers)
    ]
    started = time.perf_counter()
    ready = [(b, r) for b, r in await asyncio.gather(*(prepare(b) for b in buyers)) if r]
    prepare_s = time.perf_counter() - started

    async def press(buyer: Buyer, session: Session, form: dict) -> str:
        async with gate:
            return await buyer.place(session, form)

    tally.counting = True
    started = time.perf_counter()
    outcomes = await asyncio.gather(*(press(b, s, f) for b, (s, f) in ready))
    seconds = time.perf_counter() - started
    requests = sorted(tally.requests)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    placed = counts.pop("placed", 0)
    refused = counts.pop("refused", 0)
    return {
        "flow": "race",
        "buyers": args.buyers,
        "ready": len(ready),
        "prepare_s": prepare_s,
        "seconds": seconds,
        "requests": len(requests),
        "requests_per_s": len(requests) / seconds if seconds else 0.0,
        "placed": placed,
        "refused": refused,
        "orders_per_s": placed / seconds if seconds else 0.0,
        "flows": placed,
        "flows_per_s": placed / seconds if seconds else 0.0,
        "p50_ms": percentile(requests, 50),
        "p95_ms": percentile(requests, 95),
        "p99_ms": percentile(requests, 99),
        "max_ms": requests[-1] if requests else 0.0,
        "errors": sum(counts.values()) + (args.buyers - len(ready)),
        "error_kinds": counts
        | ({"not ready": args.buyers - len(ready)} if len(ready) < args.buyers else {}),
    }


def _kind(error: Exception) -> str:
    if isinstance(error, FlowError):
        return str(error).split(" →")[0]
    return type(error).__name__


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of a sorted list (0 when empty)."""
    if not values:
        return 0.0
    return values[max(0, min(len(values) - 1, math.ceil(p / 100 * len(values)) - 1))]


async def drive(args, plan: dict) -> dict:
    tally = Tally()
    rng = random.Random(args.seed)
    buyers = [
        Buyer(args.port, plan, tally, random.Random(rng.random())) for _ in range(args.connections)
    ]
    started = time.perf_counter()
    deadline = started + args.warmup + args.duration
    run = {"get": Buyer.run_get, "add": Buyer.run_add, "checkout": Buyer.run_checkout}[args.flow]
    tasks = [asyncio.create_task(run(buyer, deadline)) for buyer in buyers]
    await asyncio.sleep(args.warmup)
    tally.counting = True
    counted_from = time.perf_counter()
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - counted_from
    requests, flows = sorted(tally.requests), sorted(tally.flows)
    return {
        "flow": args.flow,
        "seconds": seconds,
        "requests": len(requests),
        "flows": len(flows),
        "requests_per_s": len(requests) / seconds,
        "flows_per_s": len(flows) / seconds,
        "p50_ms": percentile(requests, 50),
        "p95_ms": percentile(requests, 95),
        "p99_ms": percentile(requests, 99),
        "max_ms": requests[-1] if requests else 0.0,
        "flow_p50_ms": percentile(flows, 50),
        "flow_p95_ms": percentile(flows, 95),
        "flow_p99_ms": percentile(flows, 99),
        "errors": sum(tally.errors.values()),
        "error_kinds": tally.errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--flow", choices=("get", "add", "checkout", "race"), required=True)
    parser.add_argument("--buyers", type=int, default=300, help="race: buyers placing at once")
    parser.add_argument("--data", required=True, help="the plan: JSON written by bench/run.py")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    args.connections = max(1, min(args.connections, 256))
    args.duration = max(0.5, min(args.duration, 600.0))  # bounded: it always stops by itself
    args.warmup = max(0.0, min(args.warmup, 60.0))
    with open(args.data, encoding="utf-8") as handle:
        plan = json.load(handle)
    args.buyers = max(1, min(args.buyers, 5_000))
    if args.flow == "race":
        print(json.dumps(asyncio.run(race(args, plan))))
    else:
        print(json.dumps(asyncio.run(drive(args, plan))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
