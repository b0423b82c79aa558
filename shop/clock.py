"""The shop's notion of "today": the calendar date in Vietnam.

Every date rule (certificate expiry, reminders, holds) asks this module, so tests
can freeze it with `frozen(date)`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

SHOP_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """The current moment as an aware datetime in Vietnam's time zone."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(SHOP_TZ)


def today() -> dt.date:
    """Today's date in Vietnam (UTC+7), whatever the server's zone."""
    return now().date()


def utcnow() -> dt.datetime:
    """The current moment in UTC, naive, for timestamps stored in the database."""
    return now().astimezone(dt.UTC).replace(tzinfo=None)


def start_of_day_utc(day: dt.date) -> dt.datetime:
    """Midnight in Vietnam at the start of `day`, as a naive UTC datetime (for stored stamps)."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=SHOP_TZ)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


@contextlib.contextmanager
def frozen(day: dt.date | dt.datetime) -> Iterator[None]:
    """Make now()/today() return a fixed moment inside the block (for tests and scripts)."""
    global _frozen
    previous = _frozen
    if isinstance(day, dt.datetime):
        moment = day.astimezone(SHOP_TZ) if day.tzinfo else day.replace(tzinfo=SHOP_TZ)
    else:
        moment = dt.datetime.combine(day, dt.time(12, 0), tzinfo=SHOP_TZ)
    _frozen = moment
    try:
        yield
    finally:
        _frozen = previous
