"""localstripe, the stateful fake Stripe server, run in-process on loopback for tests.

Its command line binds every interface and pickles its store into the system temp folder, so
tests start `localstripe.server.app` themselves: an aiohttp AppRunner on 127.0.0.1 (a free
port) in a daemon thread with its own event loop, and `Store.dump_to_disk` writing into a
test folder. `FakeStripe.reset()` forgets every object, webhook and pending delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import stripe

START_TIMEOUT = 10  # seconds
CALL_TIMEOUT = 5


@dataclass
class FakeStripe:
    """A running localstripe: its base URL and the event loop it runs on."""

    url: str
    loop: asyncio.AbstractEventLoop

    @contextlib.contextmanager
    def client(self, api_key: str = "sk_test_12345") -> Iterator[stripe.StripeClient]:
        """The real stripe library pointed at localstripe (for what a test does as Stripe)."""
        http = stripe.RequestsClient(timeout=CALL_TIMEOUT)
        try:
            yield stripe.StripeClient(api_key, base_addresses={"api": self.url}, http_client=http)
        finally:
            http.close()

    def register_webhook(self, url: str, secret: str, name: str = "shop") -> None:
        """Have localstripe post its signed events to `url`."""
        self._post(f"/_config/webhooks/{name}", {"url": url, "secret": secret})

    def reset(self) -> None:
        """Drop pending deliveries, registered webhooks and every stored object."""
        self._run(_forget_webhooks())
        request = urllib.request.Request(self.url + "/_config/data", method="DELETE")
        with urllib.request.urlopen(request, timeout=CALL_TIMEOUT) as answer:
            assert answer.status == 200

    def _post(self, path: str, data: dict) -> None:
        body = urllib.parse.urlencode(data).encode()
        with urllib.request.urlopen(self.url + path, body, timeout=CALL_TIMEOUT) as answer:
            assert answer.status == 200

    def _run(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=CALL_TIMEOUT)


async def _forget_webhooks() -> None:
    """Unregister every webhook (localstripe has no route for it) and drop pending posts."""
    from localstripe import webhooks

    webhooks._webhooks.clear()
    await _cancel_deliveries()


async def _cancel_deliveries() -> None:
    """Cancel the webhook posts localstripe scheduled but has not sent yet."""
    for task in asyncio.all_tasks():
        if getattr(task.get_coro(), "__name__", "") == "_send_webhook":
            task.cancel()


def _redirect_dumps(folder: Path):
    """A Store.dump_to_disk that pickles into `folder` instead of /tmp."""
    target = folder / "localstripe.pickle"

    def dump_to_disk(store) -> None:
        with open(target, "wb") as file:
            pickle.dump(store, file, protocol=pickle.HIGHEST_PROTOCOL)

    return dump_to_disk


@contextlib.contextmanager
def running(folder: Path) -> Iterator[FakeStripe]:
    """Serve localstripe on 127.0.0.1 (a free port) until the block ends."""
    from localstripe.resources import Store
    from localstripe.server import app

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "dump_to_disk", _redirect_dumps(folder))
        loop = asyncio.new_event_loop()
        started: dict = {}
        ready = threading.Event()
        thread = threading.Thread(
            target=_serve, args=(app, loop, started, ready), name="localstripe", daemon=True
        )
        thread.start()
        if not ready.wait(START_TIMEOUT) or "error" in started:
            raise RuntimeError(f"localstripe did not start: {started.get('error')!r}")
        try:
            yield FakeStripe(url=f"http://127.0.0.1:{started['port']}", loop=loop)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(START_TIMEOUT)


def _serve(app, loop: asyncio.AbstractEventLoop, started: dict, ready: threading.Event) -> None:
    """The thread's body: bind, report the port, run until stopped, then clean up."""
    from aiohttp import web

    asyncio.set_event_loop(loop)
    runner = web.AppRunner(app, access_log=None)
    try:
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        started["port"] = runner.addresses[0][1]
    except Exception as error:  # reported to the starting thread
        started["error"] = error
    ready.set()
    try:
        if "error" not in started:
            loop.run_forever()
    finally:
        loop.run_until_complete(_cancel_deliveries())
        loop.run_until_complete(runner.cleanup())
        loop.close()
