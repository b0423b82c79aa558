"""Every action code the shop records in its audit log has a sentence (issue #15, item 10),
and the sentences read as written here, in Vietnamese and in English."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from shop import audit_sentences
from shop.enums import Role

SHOP = Path(__file__).resolve().parents[2] / "shop"

# Written out by hand: every code recorded anywhere in shop/ today.
EXPECTED = {
    "certificate.submitted",
    "certificate.resubmitted",
    "certificate.approved",
    "certificate.changes_requested",
    "certificate.rejected",
    "certificate.revoked",
    "product.created",
    "product.updated",
    "product.publish",
    "product.hide",
    "product.show",
    "product.variant_added",
    "product.variant_updated",
    "product.variant_deleted",
    "product.photo_added",
    "product.photo_updated",
    "product.photos_reordered",
    "product.photo_deleted",
    "product.revision_proposed",
    "product.revision_updated",
    "product.revision_withdrawn",
    "product.revision_approved",
    "product.revision_refused",
    "sub_order.refunded_by_hand",
    "review.hidden",
    "producer.suspended",
    "producer.reactivated",
    "order.transfer_confirmed",
    "privacy.erasure_requested",
    "privacy.erasure_completed",
    "privacy.guest_data_erased",
    "privacy.staff_viewed.order",
    "privacy.staff_viewed.producers",
    # the programme office (issue #17)
    "certificate.renewal_reminded",
    "inspection.planned",
    "inspection.recorded",
    "inspection.fix_confirmed",
    "label_report.received",
    "label_report.inspection_opened",
    "label_report.closed",
    "event.published",
    "event.cancelled",
    "event.product_signed_up",
    "event.product_withdrawn",
    "mark.recorded",
    "mark.producer_allowed",
    "mark.producer_withdrawn",
    "mark.product_marked",
    "mark.product_unmarked",
}
# The codes built at run time, and what they are built from.
BUILT = {
    "product.": ("STATUS_MOVES", {"publish", "hide", "show"}),
    "privacy.staff_viewed.": ("staff_viewed", {"order", "producers"}),
}


def _trees():
    for path in sorted(SHOP.rglob("*.py")):
        yield ast.parse(path.read_text(encoding="utf-8"))


def _is_audit_record(node) -> bool:
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "record"
        and getattr(func.value, "id", None) == "audit"
    )


def _wrappers() -> dict[str, int]:
    """Functions that pass one of their parameters on as the code ("_after_review(…, action,
    …)", listing_services' "_record(action, …)"): name → that parameter's position."""
    found = {}
    for tree in _trees():
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            params = [a.arg for a in func.args.args]
            for node in ast.walk(func):
                if isinstance(node, ast.Call) and _is_audit_record(node) and node.args:
                    first = node.args[0]
                    if isinstance(first, ast.Name) and first.id in params:
                        found[func.name] = params.index(first.id)
    return found


def _first_args():
    """The code argument of every audit.record call, and of every call of its wrappers."""
    wrappers = _wrappers()
    assert set(wrappers) == {"_after_review", "_record"}  # the walk sees the two wrappers
    for tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if _is_audit_record(node) and node.args:
                yield node.args[0]
            name = getattr(node.func, "id", None)
            if name in wrappers and len(node.args) > wrappers[name]:
                yield node.args[wrappers[name]]


def _codes(node) -> tuple[set[str], set[str]]:
    """(literal codes, prefixes of f-string codes) in an argument."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}, set()
    if isinstance(node, ast.IfExp):
        a, pa = _codes(node.body)
        b, pb = _codes(node.orelse)
        return a | b, pa | pb
    if isinstance(node, ast.JoinedStr):
        head = node.values[0]
        return set(), {head.value if isinstance(head, ast.Constant) else ""}
    return set(), set()  # a parameter passed through (the wrappers)


def _recorded():
    literal, prefixes = set(), set()
    for node in _first_args():
        found, built = _codes(node)
        literal |= found
        prefixes |= built
    return literal, prefixes


def _built_from_code(prefix: str) -> set[str]:
    """The suffixes the code can put after `prefix` (dict keys, or call arguments)."""
    source, _expected = BUILT[prefix]
    found = set()
    for tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) == source for t in node.targets
            ):
                found |= {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == source
                and len(node.args) >= 3
                and isinstance(node.args[2], ast.Constant)
            ):
                found.add(node.args[2].value)
    return found


def test_the_walk_finds_the_recorded_codes():
    literal, prefixes = _recorded()
    assert prefixes == set(BUILT)
    built = {p + s for p, (_source, suffixes) in BUILT.items() for s in suffixes}
    assert literal | built == EXPECTED
    for prefix, (_source, suffixes) in BUILT.items():
        assert _built_from_code(prefix) == suffixes


def test_every_recorded_code_has_a_sentence_and_no_sentence_is_left_over():
    literal, _prefixes = _recorded()
    assert literal <= set(audit_sentences.SENTENCES)
    assert set(audit_sentences.SENTENCES) == EXPECTED


def _entry(action, actor=None, summary="", reason=None, before=None, after=None, subject_id=7):
    return SimpleNamespace(
        action=action,
        actor=actor,
        summary=summary,
        reason=reason,
        subject_id=subject_id,
        before_data=before or {},
        after_data=after or {},
    )


STAFF = SimpleNamespace(full_name="Trần An", email="an@cho-ocop.vn", role=Role.STAFF)
PRODUCER = SimpleNamespace(full_name="Lê Hồng", email="hong@sen.vn", role=Role.PRODUCER)


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "Staff Trần An rejected certificate OCOP-QG-2025-0001: scan unreadable"),
        ("vi", "Nhân viên Trần An đã từ chối giấy chứng nhận OCOP-QG-2025-0001: scan unreadable"),
    ],
)
def test_a_rejection_reads_as_a_sentence(app, language, expected):
    entry = _entry(
        "certificate.rejected",
        STAFF,
        "OCOP-QG-2025-0001 · Nước mắm",
        "scan unreadable",
        {"status": "pending"},
        {"status": "rejected"},
    )
    with app.test_request_context(), force_locale(language):
        assert audit_sentences.sentence(entry) == expected


@pytest.mark.parametrize(
    "language, expected",
    [
        (
            "en",
            "Producer Lê Hồng changed the price of Nước mắm (Chai 500ml) from ₫120,000 to ₫135,000",
        ),
        (
            "vi",
            "Nhà sản xuất Lê Hồng đã đổi giá của Nước mắm (Chai 500ml) từ 120.000 ₫ thành 135.000 ₫",
        ),
    ],
)
def test_a_price_change_reads_as_a_sentence(app, language, expected):
    entry = _entry(
        "product.variant_updated",
        PRODUCER,
        "Nước mắm",
        before={"sku": "NM-500", "price": 120_000},
        after={"sku": "NM-500", "price": 135_000},
    )
    entry.after_data["label"] = "Chai 500ml"
    with app.test_request_context(), force_locale(language):
        assert audit_sentences.sentence(entry).replace("\xa0", " ") == expected


def test_the_system_and_privacy_entries_read_as_sentences(app):
    guest = _entry("privacy.guest_data_erased", None, "DH-2026-000123: guest delivery details")
    viewed = _entry("privacy.staff_viewed.order", STAFF, "order", subject_id=42)
    with app.test_request_context(), force_locale("en"):
        assert audit_sentences.sentence(guest) == (
            "The shop erased the guest’s delivery details of order DH-2026-000123 after the "
            "retention time"
        )
        assert audit_sentences.sentence(viewed) == (
            "Staff Trần An opened order #42, with the buyer’s name and address"
        )


def test_action_words_name_their_codes_in_both_languages_without_accents(app):
    with app.test_request_context():
        assert "certificate.rejected" in audit_sentences.codes_matching("tu choi")
        assert "certificate.rejected" in audit_sentences.codes_matching("rejected")
        assert "certificate.revoked" in audit_sentences.codes_matching("thu hoi")
        assert "certificate.approved" not in audit_sentences.codes_matching("thu hoi")
