"""Views never import another domain's views.

The rule, literally: no module under shop/ imports a views module (any module whose name
ends in "views") of another domain, where a module's domain is the first package under shop/
(shop/orders/buyer_views.py is in "orders"; a module directly in shop/, like shop/seo.py, is
its own domain). The app factory (shop/__init__.py) is the one module that mounts every
domain's blueprint, so it is the only one allowed to.

What views share (guards, the session's order numbers, showing a refusal, a scan download)
lives in a module that is not a view: shop/access.py, shop/errors.py,
shop/certification/downloads.py.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SHOP = Path(__file__).resolve().parents[2] / "shop"
APP_FACTORY = "shop/__init__.py"


def module_name(path: Path) -> str:
    """shop/orders/buyer_views.py -> shop.orders.buyer_views; shop/cart/__init__.py -> shop.cart"""
    parts = list(path.relative_to(SHOP.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def domain_of(module: str) -> str:
    """The first package (or module) under shop: shop.orders.buyer_views -> orders."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def is_views(module: str) -> bool:
    return module.rsplit(".", 1)[-1].endswith("views")


def imported_modules(path: Path) -> set[str]:
    """Every module the file imports: `import a.b`, `from a.b import c` (a.b, and a.b.c in
    case c is a module), relative imports resolved against the file's package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    )
    found: set[str] = set()
    for node in ast.walk(tree):  # imports inside functions count too
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return found


def violations() -> set[tuple[str, str]]:
    found = set()
    for path in sorted(SHOP.rglob("*.py")):
        where = path.relative_to(SHOP.parent).as_posix()
        if where == APP_FACTORY:
            continue
        own = domain_of(module_name(path))
        for imported in imported_modules(path):
            if imported.startswith("shop.") and is_views(imported) and domain_of(imported) != own:
                found.add((where, imported))
    return found


def test_the_rule_reads_modules_and_domains_as_written():
    assert domain_of("shop.orders.buyer_views") == "orders"
    assert domain_of("shop.seo") == "seo"
    assert is_views("shop.catalog.revision_views")
    assert is_views("shop.staff.views")
    assert not is_views("shop.orders.producer_services")
    assert module_name(SHOP / "orders" / "__init__.py") == "shop.orders"


def test_it_sees_an_import_of_another_domains_views(tmp_path, monkeypatch):
    shop = tmp_path / "shop"
    (shop / "reviews").mkdir(parents=True)
    (shop / "orders").mkdir()
    (shop / "reviews" / "views.py").write_text(
        "from shop.staff.views import staff_required\n"
        "from shop.orders import staff_views\n"
        "from . import views\n"
        "def f():\n    import shop.checkout.views\n"
    )
    (shop / "orders" / "staff_views.py").write_text("from shop.orders.views import bp\n")
    monkeypatch.setattr(sys.modules[__name__], "SHOP", shop)
    assert violations() == {
        ("shop/reviews/views.py", "shop.staff.views"),
        ("shop/reviews/views.py", "shop.orders.staff_views"),
        ("shop/reviews/views.py", "shop.checkout.views"),
    }


def test_no_module_imports_another_domains_views():
    assert violations() == set()
