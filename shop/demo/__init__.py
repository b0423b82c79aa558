"""The demo catalogue that `flask demo load` puts in the shop, as a client of the shop.

`data` holds the accounts, producers and products; `plan` dates each product's story;
`loader` plays it through the same services producers and staff use; `pictures` and `scans`
draw the product photos and the certificate scans with Pillow (nothing is downloaded).
"""

from shop.demo.data import (
    DEMO_ACCOUNTS,
    EXPIRED,
    MINISTRY_MERGED,
    NEVER_LISTED_SLUGS,
    PENDING,
    PROVINCES_MERGED,
    REJECT_REASON,
    REJECTED,
    REVOKE_REASON,
    REVOKED,
    DemoAccount,
)
from shop.demo.loader import DemoError, load_demo

__all__ = [
    "DEMO_ACCOUNTS",
    "EXPIRED",
    "MINISTRY_MERGED",
    "NEVER_LISTED_SLUGS",
    "PENDING",
    "PROVINCES_MERGED",
    "REJECTED",
    "REJECT_REASON",
    "REVOKED",
    "REVOKE_REASON",
    "DemoAccount",
    "DemoError",
    "load_demo",
]
