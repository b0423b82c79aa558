"""One use case, one transaction, and what must follow its commit.

A service function owns its use case's transaction: it writes through `db.session`, and
commits (or its single caller does, e.g. a command looping over many). Work that must happen
only once the data is durable — e-mail delivery, a refund at the payment provider, the search
index, a cache version — is hung on the transaction with `on_commit(fn, *args)`: it runs after
the commit, in the order registered, and a rollback forgets it.

The callbacks run after SQLAlchemy's `after_commit` event, when the session can no longer
emit SQL on that transaction: a callback that reads or writes the database opens its own
session (`Session(db.engine)`) or starts a new transaction on `db.session` explicitly. A
failing callback is logged and never undoes the commit (retry commands pick up what failed).
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from shop.extensions import db

log = logging.getLogger(__name__)
_KEY = "on_commit"
_DEPTH = "use_case_depth"


def on_commit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run `fn(*args, **kwargs)` once the current transaction of `db.session` commits."""
    session = db.session()
    session.info.setdefault(_KEY, []).append(functools.partial(fn, *args, **kwargs))


def pending(session: Session | None = None) -> int:
    """How many callbacks wait on the current transaction (for tests)."""
    session = session or db.session()
    return len(session.info.get(_KEY, ()))


def _run(session: Session) -> None:
    callbacks = session.info.pop(_KEY, None)
    for callback in callbacks or ():
        try:
            callback()
        except Exception:  # the commit stands; retries pick up what a callback left undone
            log.exception("after-commit work %r failed", callback)


def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)


def register_session_hooks() -> None:
    """Listen to every session's commits and rollbacks (once per process)."""
    for name, handler in (("after_commit", _run), ("after_soft_rollback", _forget_soft)):
        if not event.contains(Session, name, handler):
            event.listen(Session, name, handler)


def _forget_soft(session: Session, previous_transaction) -> None:
    # Only the outermost transaction's rollback discards the work (a savepoint's does not).
    if previous_transaction.parent is None:
        _forget(session)


def use_case(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Make `fn` one use case in one transaction: commit when it returns, roll back when it
    raises (a refusal or anything else) and re-raise, so a refused use case wrote nothing.

    Use cases nest: one called inside another (or inside `one_transaction()`) joins the
    caller's transaction, and only the outermost commits or rolls back — so a caller that must
    make several use cases one all-or-nothing step (the demo loader, a command) can."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with one_transaction():
            return fn(*args, **kwargs)

    return run


@contextlib.contextmanager
def one_transaction() -> Iterator[None]:
    """The block is one transaction: committed at its end, rolled back if it raises; inside
    another one (or a use case) it joins that one instead."""
    session = db.session()
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield
    except BaseException:
        if depth == 0:
            db.session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth
    if depth == 0:
        db.session.commit()
