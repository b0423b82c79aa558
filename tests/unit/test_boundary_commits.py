"""Views never commit: a view parses the request, calls one service (which owns the use case's
transaction) and renders or redirects. Every module under shop/ whose name ends in `views` is
read as source (no import) and walked for a call to `db.session.commit`.
"""

from __future__ import annotations

import ast
from pathlib import Path

SHOP = Path(__file__).resolve().parents[2] / "shop"


def commits_in(source: str) -> list[int]:
    """The line of every `db.session.commit(...)` call in the source."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "session"
            and isinstance(node.func.value.value, ast.Name)
            and node.func.value.value.id == "db"
        ):
            lines.append(node.lineno)
    return lines


def view_modules() -> list[Path]:
    return sorted(p for p in SHOP.rglob("*.py") if p.stem.endswith("views"))


def _name(path: Path) -> str:
    return path.relative_to(SHOP.parent).as_posix()


def test_the_checker_finds_a_commit_and_nothing_else():
    source = (
        "def view():\n"
        "    services.place()\n"
        "    db.session.commit()\n"
        "    other.session.commit()\n"
        "    db.session.rollback()\n"
        "    # db.session.commit() in a comment\n"
        "    text = 'db.session.commit()'\n"
        "\n"
        "def helper():\n"
        "    db.session.commit()\n"
    )
    assert commits_in(source) == [3, 10]


def test_the_sweep_reads_the_view_modules():
    names = {_name(p) for p in view_modules()}
    assert {
        "shop/cart/views.py",
        "shop/certification/views.py",
        "shop/checkout/views.py",
        "shop/orders/buyer_views.py",
        "shop/orders/producer_views.py",
        "shop/catalog/revision_views.py",
        "shop/reviews/views.py",
        "shop/producers/views.py",
    } <= names


def test_no_view_module_commits():
    committing = {
        _name(path): commits_in(path.read_text(encoding="utf-8")) for path in view_modules()
    }
    committing = {name: lines for name, lines in committing.items() if lines}
    assert sorted(committing) == []
