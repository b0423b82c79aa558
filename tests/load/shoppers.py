"""Simulated shoppers for the load and fault tests: aiohttp, one cookie jar per shopper.

Each shopper is a new guest (its own session cookie): it browses (home, catalogue, a
product, search, autocomplete) or buys (product pages, add to cart, the delivery form with
cash on delivery, the review page, place the order), with short pauses. `run_shoppers`
keeps N of them busy until a deadline and returns a `Tally` of what every request and
every checkout got, which the tests compare with the database.

Nothing here starts a step after the deadline, so a run ends at most one request's
latency after it. With `tolerate_disconnects` (the SIGKILL test) a refused or dropped
connection is noted instead of failing, and an order submitted without an answer is
recorded as in flight: it may or may not have been committed.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import quote

import aiohttp

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
# The review page's "Place the order" form: what the buyer reviewed, sent back as it is.
PLACE_FIELDS = ("idempotency_key", "expected_total", "cart_revision", "details_key")
HIDDEN = {
    name: re.compile(rf'name="{name}" type="hidden" value="([^"]+)"') for name in PLACE_FIELDS
}
ORDER_PATH = re.compile(r"^/orders/(OCOP-\d{4}-\d{6})$")
ERROR_FLASH = 'data-testid="error-summary"'


@dataclass(frozen=True)
class Item:
    slug: str
    variant_id: int
    low_stock: bool = False


@dataclass
class Catalogue:
    items: list[Item]
    searches: list[str]
    delivery: dict[str, str]

    @property
    def plentiful(self) -> list[Item]:
        return [item for item in self.items if not item.low_stock]

    @property
    def scarce(self) -> list[Item]:
        return [item for item in self.items if item.low_stock]


@dataclass
class Tally:
    """What the clients saw."""

    requests: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)  # any 5xx
    failures: list[str] = field(default_factory=list)  # an answer no shopper should get
    disconnects: int = 0  # refused or dropped connections (tolerated in the SIGKILL test)
    journeys: Counter = field(default_factory=Counter)
    checkouts: int = 0  # orders submitted
    orders: dict[str, str] = field(default_factory=dict)  # idempotency key -> order number
    refusals: Counter = field(default_factory=Counter)  # why a checkout was refused
    add_refused: int = 0  # "only N left" when adding to the cart
    double_submits: int = 0  # the same form sent twice, both answers compared
    in_flight: set[str] = field(default_factory=set)  # keys submitted, no answer (a kill)
    started: float = field(default_factory=time.monotonic)
    finished: float = 0.0

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def summary(self) -> str:
        return (
            f"{self.seconds:.0f} s, {self.requests} requests "
            f"({self.requests / max(self.seconds, 1):.0f}/s), p50 {self.percentile(0.5):.3f} s, "
            f"p95 {self.percentile(0.95):.3f} s, max {self.percentile(1.0):.3f} s; "
            f"journeys {dict(self.journeys)}; {self.checkouts} orders submitted, "
            f"{len(set(self.orders.values()))} placed, refused {dict(self.refusals)}, "
            f"{self.add_refused} adds refused, {self.double_submits} double submits; "
            f"statuses {dict(sorted(self.statuses.items()))}; {self.disconnects} disconnects"
        )


class GaveUp(Exception):
    """The shopper stops this journey (deadline, or the server is unreachable)."""


@dataclass
class Answer:
    status: int
    location: str
    text: str


class Shopper:
    """One guest with its own cookie jar, sharing the keep-alive connection pool."""

    def __init__(self, run: Run, rng: random.Random):
        self.run = run
        self.rng = rng
        self.csrf = ""
        self.session = aiohttp.ClientSession(
            run.base_url,
            connector=run.connector,
            connector_owner=False,
            # production cookies are Secure: treat this loopback origin as a secure one
            cookie_jar=aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[run.base_url]),
            timeout=aiohttp.ClientTimeout(total=run.request_timeout),
        )

    async def close(self) -> None:
        await self.session.close()

    # --- one request -------------------------------------------------------------------

    async def send(self, method: str, path: str, *, finishing: bool = False, **kwargs) -> Answer:
        if not finishing and self.run.expired():
            raise GaveUp("deadline")
        tally = self.run.tally
        started = time.monotonic()
        try:
            async with self.session.request(method, path, allow_redirects=False, **kwargs) as r:
                text = await r.text()
                answer = Answer(r.status, r.headers.get("Location", ""), text)
        except (aiohttp.ClientError, TimeoutError) as error:
            if self.run.tolerate_disconnects and not isinstance(error, TimeoutError):
                tally.disconnects += 1
                raise GaveUp("disconnected") from error
            tally.failures.append(f"{method} {path}: {error!r}")
            raise GaveUp("transport error") from error
        tally.requests += 1
        tally.latencies.append(time.monotonic() - started)
        tally.statuses[answer.status] += 1
        if answer.status >= 500:
            tally.server_errors.append(f"{method} {path} -> {answer.status}: {text[:200]!r}")
            if self.run.tolerate_disconnects:
                raise GaveUp("server error")
        if token := CSRF.search(text):
            self.csrf = token.group(1)
        return answer

    async def get(self, path: str, expect: int = 200) -> Answer:
        answer = await self.send("GET", path)
        if answer.status != expect:
            self.fail(f"GET {path} -> {answer.status}")
        return answer

    def fail(self, what: str) -> None:
        self.run.tally.failures.append(what)
        raise GaveUp(what)

    async def pause(self) -> None:
        await asyncio.sleep(self.rng.uniform(*self.run.think))

    # --- journeys ----------------------------------------------------------------------

    async def browse(self) -> None:
        catalogue = self.run.catalogue
        self.run.tally.journeys["browse"] += 1
        await self.get("/")
        await self.pause()
        await self.get(self.rng.choice(["/products", "/products?sort=price_asc", "/products"]))
        await self.pause()
        await self.get(f"/p/{self.rng.choice(catalogue.items).slug}")
        await self.pause()
        words = self.rng.choice(catalogue.searches)
        await self.get(f"/search?q={quote(words)}")
        answer = await self.get(f"/search/suggest?q={quote(words[:4])}")
        if '"suggestions"' not in answer.text:
            self.fail(f"suggest {words[:4]!r}: {answer.text[:100]!r}")

    async def add(self, item: Item) -> bool:
        await self.get(f"/p/{item.slug}")
        answer = await self.send(
            "POST",
            "/cart/add",
            data={"variant_id": str(item.variant_id), "quantity": "1", "csrf_token": self.csrf},
            headers={"Accept": "application/json"},
        )
        if answer.status == 200 and '"ok":true' in answer.text.replace(" ", ""):
            return True
        if answer.status == 400 and '"message"' in answer.text:  # e.g. "Only 2 left in stock"
            self.run.tally.add_refused += 1
            return False
        self.fail(f"add {item.slug} -> {answer.status}: {answer.text[:100]!r}")
        return False

    async def refused(self, answer: Answer, reason: str) -> str:
        """A refusal must lead to a page that says why (an error message), never a bare page."""
        page = answer
        for _ in range(3):  # the review page may send on to the cart: follow to the end
            if page.location not in ("/cart", "/checkout/review", "/checkout"):
                self.fail(f"{reason}: unexpected redirect to {page.location!r}")
            page = await self.send("GET", page.location, finishing=True)
            if page.status != 302:
                break
        if page.status != 200 or ERROR_FLASH not in page.text:
            self.fail(f"{reason}: refused without a message ({answer.location})")
        self.run.tally.refusals[reason] += 1
        return "refused"

    async def buy(self) -> str:
        """Add one or two items and check out with cash on delivery; returns the outcome."""
        catalogue, tally = self.run.catalogue, self.run.tally
        tally.journeys["buy"] += 1
        wanted = [self.rng.choice(catalogue.plentiful)]
        if catalogue.scarce and self.rng.random() < self.run.scarce_share:
            wanted = [self.rng.choice(catalogue.scarce), *wanted[: self.rng.randint(0, 1)]]
        added = [item for item in wanted if await self.add(item)]
        if not added:
            return "nothing added"
        await self.pause()
        form = await self.send(
            "POST", "/checkout", data={**catalogue.delivery, "csrf_token": self.csrf}
        )
        if form.status != 302:
            self.fail(f"delivery form -> {form.status}: {form.text[:300]!r}")
        if form.location != "/checkout/review":
            return await self.refused(form, "cart changed before checkout")
        review = await self.send("GET", "/checkout/review")
        if review.status == 302:
            return await self.refused(review, "cart changed before review")
        found = {name: pattern.search(review.text) for name, pattern in HIDDEN.items()}
        if review.status != 200 or not all(found.values()):
            self.fail(f"review -> {review.status}")
        await self.pause()
        if self.run.expired():
            raise GaveUp("deadline")
        return await self.place({name: match.group(1) for name, match in found.items()})

    async def submit(self, data: dict[str, str]) -> Answer:
        """POST the review form once, or twice at once (a double click) comparing answers.

        Both answers of a double click must lead to the same order, even when the first
        submit takes the last units (tests/faults/test_double_submit.py).
        """
        post = "POST", "/checkout/place"
        if self.rng.random() >= self.run.double_share:
            return await self.send(*post, data=data, finishing=True)
        answers = await asyncio.gather(
            self.send(*post, data=data, finishing=True),
            self.send(*post, data=data, finishing=True),
            return_exceptions=True,
        )
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
        self.run.tally.double_submits += 1
        first, second = sorted(answers, key=lambda a: not ORDER_PATH.match(a.location))
        if second.location != first.location:
            self.fail(f"double submit: {first.location!r} then {second.location!r}")
        return first

    async def place(self, fields: dict[str, str]) -> str:
        tally = self.run.tally
        key = fields["idempotency_key"]
        data = {**fields, "csrf_token": self.csrf}
        tally.checkouts += 1
        tally.in_flight.add(key)
        first = await self.submit(data)
        tally.in_flight.discard(key)
        if first.status != 302:
            self.fail(f"place -> {first.status}: {first.text[:300]!r}")
        placed = ORDER_PATH.match(first.location)
        if not placed:
            return await self.refused(first, "out of stock")
        number = placed.group(1)
        if tally.orders.setdefault(key, number) != number:
            self.fail(f"key {key} gave two orders")
        if self.rng.random() < self.run.resubmit_share:  # Back, then submit the page again
            again = await self.send("POST", "/checkout/place", data=data, finishing=True)
            tally.double_submits += 1
            if again.location != first.location:
                self.fail(f"resubmit: {first.location!r} then {again.location!r}")
        confirmation = await self.send("GET", first.location, finishing=True)
        if confirmation.status != 200 or number not in confirmation.text:
            self.fail(f"order page {number} -> {confirmation.status}")
        return "order"


@dataclass
class Run:
    base_url: str
    catalogue: Catalogue
    seconds: float
    tolerate_disconnects: bool = False
    buy_share: float = 0.5
    scarce_share: float = 0.3
    double_share: float = 0.08
    resubmit_share: float = 0.05
    think: tuple[float, float] = (0.05, 0.4)
    request_timeout: float = 90
    tally: Tally = field(default_factory=Tally)
    connector: aiohttp.TCPConnector | None = None
    deadline: float = 0.0

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline


async def _slot(run: Run, number: int, seed: int) -> None:
    rng = random.Random(seed * 100_003 + number)
    await asyncio.sleep(rng.uniform(0, min(5.0, run.seconds / 5)))  # a ramp, not a wall
    while not run.expired():
        shopper = Shopper(run, rng)
        try:
            if rng.random() < run.buy_share:
                await shopper.buy()
            else:
                await shopper.browse()
        except GaveUp as stop:
            if str(stop) in ("disconnected", "server error"):
                await asyncio.sleep(0.5)  # the server is down: try again shortly
        finally:
            await shopper.close()
        await asyncio.sleep(rng.uniform(*run.think))


async def run_shoppers(run: Run, shoppers: int, seed: int = 1, during=None) -> Tally:
    """Keep `shoppers` busy until `run.seconds` have passed; `during(run)` runs alongside."""
    # idle connections are dropped here after 10 s, before gunicorn's 30 s (server.py)
    run.connector = aiohttp.TCPConnector(limit=shoppers + 10, keepalive_timeout=10)
    run.tally.started = time.monotonic()
    run.deadline = run.tally.started + run.seconds
    try:
        tasks = [_slot(run, n, seed) for n in range(shoppers)]
        if during is not None:
            tasks.append(during(run))
        await asyncio.gather(*tasks)
    finally:
        await run.connector.close()
        run.tally.finished = time.monotonic()
    return run.tally
