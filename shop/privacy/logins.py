"""Log-in history: each log-in's time, network (address truncated) and browser.

The address is cut to its network (IPv4 /24, IPv6 /48): enough for a person to recognise
"that was not me, from another city", not enough to point at one household.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

import sqlalchemy as sa

from shop import clock
from shop.accounts.models import User
from shop.extensions import db
from shop.privacy.models import LoginEvent
from shop.transaction import use_case

USER_AGENT_LENGTH = 200


def truncate_address(address: str | None) -> str:
    """The network of an address: 203.0.113.57 -> 203.0.113.0/24, 2001:db8:1:2::5 ->
    2001:db8:1::/48; anything unparsable -> ''."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


@use_case
def record_login(user: User, address: str | None, user_agent: str | None) -> None:
    """Add one log-in to the account's history."""
    db.session.add(
        LoginEvent(
            user_id=user.id,
            ip_prefix=truncate_address(address),
            user_agent=(user_agent or "")[:USER_AGENT_LENGTH],
        )
    )


def prune(days: int, now: dt.datetime | None = None) -> int:
    """Delete log-ins older than `days` (joins the caller's transaction); how many."""
    cutoff = (now or clock.utcnow()) - dt.timedelta(days=days)
    result = db.session.execute(
        sa.delete(LoginEvent)
        .where(LoginEvent.at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
