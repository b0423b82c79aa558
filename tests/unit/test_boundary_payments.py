"""Payment providers' libraries stay behind shop/payments: no other module imports stripe."""

from __future__ import annotations

import ast
from pathlib import Path

SHOP = Path(__file__).resolve().parents[2] / "shop"
PAYMENTS = SHOP / "payments"


def imports_stripe(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        if any(name == "stripe" or name.startswith("stripe.") for name in names):
            return True
    return False


def test_only_shop_payments_imports_stripe():
    modules = sorted(SHOP.rglob("*.py"))
    assert len(modules) > 50  # the walk found the package
    leaks = [
        str(path.relative_to(SHOP.parent))
        for path in modules
        if PAYMENTS not in path.parents and imports_stripe(path)
    ]
    assert leaks == []


def test_the_check_sees_every_way_of_importing_stripe(tmp_path):
    for source in (
        "import stripe",
        "import stripe as s",
        "from stripe import Webhook",
        "from stripe.error import CardError",
        "def f():\n    import stripe\n",
    ):
        module = tmp_path / "m.py"
        module.write_text(source)
        assert imports_stripe(module), source
    for source in ("import stripes", "from shop.payments import providers", "x = 'stripe'"):
        module = tmp_path / "m.py"
        module.write_text(source)
        assert not imports_stripe(module), source


def test_the_stripe_provider_itself_imports_stripe():
    assert imports_stripe(PAYMENTS / "providers" / "stripe_card.py")
