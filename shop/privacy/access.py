"""Staff looking at a person's data leave a trace: each opening of a page that shows a buyer's
or a producer owner's personal details (an order with its address, the producers list with
their phones and addresses) is an entry in the audit log, with who, when and which record.

This is the one deliberate write behind a GET: the entry is the record of the read itself.
It is its own small use case, committed before the page renders.
"""

from __future__ import annotations

from typing import Any

from shop import audit
from shop.accounts.models import User
from shop.transaction import use_case


@use_case
def staff_viewed(staff: User, subject: Any, what: str) -> None:
    """Record that `staff` opened `what` (a page name) showing `subject`'s personal data."""
    audit.record(f"privacy.staff_viewed.{what}", subject, actor=staff, summary=what)
