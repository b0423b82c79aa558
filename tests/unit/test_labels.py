"""Every label of a stored value is worded once, in shop/labels.py, and every value has one."""

from __future__ import annotations

import ast
from pathlib import Path

from shop import labels
from shop.enums import (
    ActorRole,
    CertificateStatus,
    IssuingLevel,
    LegalForm,
    OrderStatus,
    PaymentMethod,
    ProducerStatus,
    ProductStatus,
    RevisionStatus,
)

SHOP = Path(__file__).resolve().parents[2] / "shop"
# The payments domain words its own statuses (payments/labels.py: payment statuses, and the
# refund statuses as the buyer and the producer read them).
ELSEWHERE = {
    ("payments/labels.py", "PAYMENT_STATUS_LABELS"),
    # The programme office words its own (inspection kinds and outcomes, renewal states).
    ("programme/labels.py", "INSPECTION_KIND_LABELS"),
    ("programme/labels.py", "INSPECTION_OUTCOME_LABELS"),
    ("programme/labels.py", "RENEWAL_STATUS_LABELS"),
}


def _label_tables(path: Path) -> list[str]:
    """Module-level dictionaries named *_LABELS / *_REASONS / *_SHORT whose values are all
    `_l(...)` calls."""
    found = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Dict):
            continue
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        values = node.value.values
        is_labels = values and all(
            isinstance(v, ast.Call) and getattr(v.func, "id", "") in ("_l", "_") for v in values
        )
        for name in names:
            if is_labels and name.lstrip("_").endswith(("LABELS", "REASONS", "SHORT")):
                found.append(name)
    return found


def test_no_module_but_shop_labels_words_a_label_table():
    tables = set()
    for path in sorted(SHOP.rglob("*.py")):
        relative = path.relative_to(SHOP).as_posix()
        tables |= {(relative, name) for name in _label_tables(path)}
    assert {t for t in tables if t[0] != "labels.py"} == ELSEWHERE


def test_every_stored_value_has_a_label():
    expected = {
        "LEGAL_FORM_LABELS": LegalForm,
        "PRODUCER_STATUS_LABELS": ProducerStatus,
        "PRODUCT_STATUS_LABELS": ProductStatus,
        "CERTIFICATE_STATUS_LABELS": CertificateStatus,
        "ISSUING_LEVEL_LABELS": IssuingLevel,
        "ISSUING_LEVEL_SHORT": IssuingLevel,
        "REVISION_STATUS_LABELS": RevisionStatus,
        "ORDER_STATUS_LABELS": OrderStatus,
        "ACTOR_LABELS": ActorRole,
        "PAYMENT_METHOD_LABELS": PaymentMethod,
    }
    for name, enum in expected.items():
        assert set(getattr(labels, name)) == set(enum), name
    assert set(labels.REVISION_FIELD_LABELS) == {
        "name",
        "product_set_code",
        "net_content",
        "ingredients",
        "shelf_life",
    }
    assert set(labels.STOCK_REASONS) == {"sold_out", "not_enough"}


def test_templates_get_every_label_table(app):
    globals_ = app.jinja_env.globals
    assert globals_["shipment_status_labels"] is labels.ORDER_STATUS_LABELS
    assert globals_["payment_method_labels"] is labels.PAYMENT_METHOD_LABELS
    assert globals_["legal_forms"] is labels.LEGAL_FORM_LABELS
    assert globals_["unlisted_reasons"] is labels.UNLISTED_REASONS
    assert globals_["low_stock_threshold"] == 5
