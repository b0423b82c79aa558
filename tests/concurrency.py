"""Race real threads against the real database, and let them all go at the same moment.

`Race` starts each racer in its own thread; a racer sends real requests (its own test client,
so its own app context and database session) or calls a service in its own app context.
While the racers start, the race holds what they need before they can change anything:
the database's write lock on SQLite (BEGIN IMMEDIATE), the given rows on PostgreSQL
(SELECT … FOR UPDATE). It lets go only once every racer is queued behind it, so each one
has read the state it acts on before any of them can change it — the window in which a
"check, then write" goes wrong — whatever the scheduler does. Then it waits for them all.

    with Race(db, rows=[(Order, order.id)]) as race:
        for client in clients:
            race.start(cancel, client)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

WRITES = ("INSERT", "UPDATE", "DELETE")
QUEUE_WITHIN = 30  # seconds for every racer to get queued behind the held lock
FINISH_WITHIN = 60


class Race:
    """Threads that read first and write together (see the module's docstring)."""

    def __init__(self, db, rows: Iterable[tuple[type, int]] = ()):
        self.engine = db.engine
        self.rows = list(rows)
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []
        self._writers: set[int] = set()
        self._arrived = threading.Condition()
        self._holder: Any = None

    # --- the racers ---------------------------------------------------------------------------

    def start(self, target: Callable[..., Any], *args: Any) -> None:
        """Run `target(*args)` in a new thread; an exception it raises fails the race."""

        def run() -> None:
            try:
                target(*args)
            except BaseException as error:  # reported by __exit__, with the others
                self.errors.append(error)

        thread = threading.Thread(target=run, daemon=True)
        self.threads.append(thread)
        thread.start()

    # --- holding and letting go ---------------------------------------------------------------

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def __enter__(self) -> Race:
        if self.is_sqlite:
            event.listen(self.engine, "before_cursor_execute", self._count_writer)
            self._holder = self.engine.raw_connection()
            self._holder.cursor().execute("BEGIN IMMEDIATE")
        else:
            self._holder = self.engine.connect()
            for model, row_id in self.rows:
                self._holder.execute(
                    sa.select(model.id).where(model.id == row_id).with_for_update()
                )
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        try:
            if exc_type is None:
                self._wait_until_queued(len(self.threads))
        finally:
            self._holder.rollback()
            self._holder.close()
            for thread in self.threads:
                thread.join(FINISH_WITHIN)
            if self.is_sqlite:
                event.remove(self.engine, "before_cursor_execute", self._count_writer)
        if exc_type is None:
            assert not any(t.is_alive() for t in self.threads), "a racer never finished"
            if self.errors:
                raise self.errors[0]

    def _count_writer(self, conn, cursor, statement: str, *args) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            with self._arrived:
                self._writers.add(threading.get_ident())
                self._arrived.notify_all()

    def _wait_until_queued(self, racers: int) -> None:
        deadline = time.monotonic() + QUEUE_WITHIN
        while self._queued() < racers:
            if time.monotonic() > deadline or self.errors:
                raise AssertionError(
                    f"only {self._queued()} of {racers} racers queued behind the held lock"
                    + (f": {self.errors[0]!r}" if self.errors else "")
                )
            if self.is_sqlite:
                with self._arrived:
                    self._arrived.wait(0.05)
            else:
                time.sleep(0.05)

    def _queued(self) -> int:
        """Racers waiting: on SQLite, threads that tried to write; on PostgreSQL, backends
        of this database waiting for a lock."""
        if self.is_sqlite:
            with self._arrived:
                return len(self._writers)
        with self.engine.connect() as connection:  # a new transaction: a fresh snapshot
            return connection.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
