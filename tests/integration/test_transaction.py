"""on_commit(): work that follows a commit runs once after it, and never after a rollback."""

from __future__ import annotations

import pytest

from shop import transaction
from shop.accounts.models import User


def _user(email: str) -> User:
    user = User(email=email, full_name="Lan", password_hash="x")
    return user


def test_work_hung_on_a_commit_runs_once_after_it_in_order(db):
    ran = []
    db.session.add(_user("a@example.vn"))
    transaction.on_commit(ran.append, "first")
    transaction.on_commit(ran.append, "second")
    assert ran == []
    db.session.commit()
    assert ran == ["first", "second"]
    db.session.add(_user("b@example.vn"))
    db.session.commit()
    assert ran == ["first", "second"]


def test_work_hung_on_a_rolled_back_transaction_never_runs(db):
    ran = []
    db.session.add(_user("c@example.vn"))
    transaction.on_commit(ran.append, "never")
    db.session.rollback()
    db.session.commit()
    assert ran == []
    assert transaction.pending() == 0


def test_a_savepoint_rolled_back_keeps_the_outer_transactions_work(db):
    ran = []
    transaction.on_commit(ran.append, "outer")
    with db.session.begin_nested() as savepoint:
        db.session.add(_user("d@example.vn"))
        savepoint.rollback()
    db.session.commit()
    assert ran == ["outer"]


def test_a_failing_callback_does_not_undo_the_commit_or_stop_the_next(db):
    ran = []

    def boom():
        raise RuntimeError("provider down")

    db.session.add(_user("e@example.vn"))
    transaction.on_commit(boom)
    transaction.on_commit(ran.append, "after")
    db.session.commit()
    assert ran == ["after"]
    assert db.session.query(User).filter_by(email="e@example.vn").count() == 1


def test_a_use_case_called_inside_another_joins_its_transaction(db):
    @transaction.use_case
    def open_account(email):
        db.session.add(_user(email))

    @transaction.use_case
    def open_two_then_fail():
        open_account("f@example.vn")
        open_account("g@example.vn")
        raise RuntimeError("the machine stopped")

    with pytest.raises(RuntimeError):
        open_two_then_fail()
    assert db.session.query(User).count() == 0  # the inner use cases did not commit

    with transaction.one_transaction():
        open_account("h@example.vn")
        assert transaction.pending() == 0
    db.session.rollback()
    assert db.session.query(User).filter_by(email="h@example.vn").count() == 1
