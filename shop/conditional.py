"""A state change as one conditional UPDATE, whose row count says whether this call made it.

    UPDATE sub_orders SET status = 'cancelled' WHERE id = :id AND status = 'placed'

Two requests racing for the same change both send it; the database lets one change the row
and tells the other it changed nothing (on PostgreSQL the second waits for the first to
commit and then finds the condition false; SQLite runs one writer at a time). Whatever must
follow the change — stock back, an event, an e-mail, a refund — is done only by the caller
for whom `change()` returned True.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import object_session
from sqlalchemy.orm.attributes import set_committed_value

from shop.extensions import db


def change(instance: Any, *conditions: sa.ColumnElement[bool], **values: Any) -> bool:
    """Set `values` on the instance's row if it still meets `conditions`; True if it did.

    The instance then holds the new values (nothing left to flush). If the row did not meet
    the conditions any more, the instance is refreshed from the database, so the caller can
    say what it found instead, and nothing was written.
    """
    model = type(instance)
    session = object_session(instance) or db.session()
    result = session.execute(
        sa.update(model)
        .where(model.id == instance.id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(instance)
        return False
    for key, value in values.items():
        set_committed_value(instance, key, value)
    return True
