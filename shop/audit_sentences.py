"""The audit log in words: one sentence template per action code the shop records, in the
reader's language ("Staff Trần An rejected certificate OCOP-QG-2025-0001: scan unreadable").

`SENTENCES` holds every code passed to `audit.record` anywhere in shop/ (a unit test walks the
code and checks it); `sentence(entry)` fills one in for an entry, with what changed ("the
price from 120.000 ₫ to 135.000 ₫") and the reason. `codes_matching(word)` tells the log's
word filter which actions a (folded) word names, in either language.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from shop.enums import Role
from shop.formatting import format_vnd
from shop.text import fold

# One template per action code. %(actor)s is who ("Staff Trần An"), %(subject)s the record
# (a certificate or order number, a product or producer name), %(detail)s a variant or page.
SENTENCES = {
    "certificate.submitted": _l("%(actor)s submitted certificate %(subject)s for review"),
    "certificate.resubmitted": _l("%(actor)s sent certificate %(subject)s again for review"),
    "certificate.approved": _l("%(actor)s approved certificate %(subject)s"),
    "certificate.changes_requested": _l("%(actor)s asked for changes to certificate %(subject)s"),
    "certificate.rejected": _l("%(actor)s rejected certificate %(subject)s"),
    "certificate.revoked": _l("%(actor)s revoked certificate %(subject)s"),
    "product.created": _l("%(actor)s created the product %(subject)s"),
    "product.updated": _l("%(actor)s changed the details of %(subject)s"),
    "product.publish": _l("%(actor)s published %(subject)s"),
    "product.hide": _l("%(actor)s hid %(subject)s from the shop"),
    "product.show": _l("%(actor)s put %(subject)s back on the shop"),
    "product.variant_added": _l("%(actor)s added the variant %(detail)s to %(subject)s"),
    "product.variant_updated": _l("%(actor)s changed the variant %(detail)s of %(subject)s"),
    "product.variant_deleted": _l("%(actor)s removed the variant %(detail)s from %(subject)s"),
    "product.photo_added": _l("%(actor)s added a photo to %(subject)s"),
    "product.photo_updated": _l("%(actor)s changed a photo description of %(subject)s"),
    "product.photos_reordered": _l("%(actor)s reordered the photos of %(subject)s"),
    "product.photo_deleted": _l("%(actor)s removed a photo from %(subject)s"),
    "product.revision_proposed": _l(
        "%(actor)s proposed a change to the certified details of %(subject)s"
    ),
    "product.revision_updated": _l(
        "%(actor)s updated the proposed change to the certified details of %(subject)s"
    ),
    "product.revision_withdrawn": _l(
        "%(actor)s withdrew the proposed change to the certified details of %(subject)s"
    ),
    "product.revision_approved": _l(
        "%(actor)s approved the change to the certified details of %(subject)s"
    ),
    "product.revision_refused": _l(
        "%(actor)s refused the change to the certified details of %(subject)s"
    ),
    "sub_order.refunded_by_hand": _l("%(actor)s recorded a refund made by hand for %(subject)s"),
    "review.hidden": _l("%(actor)s hid a buyer’s review (%(subject)s)"),
    "inspection.planned": _l("%(actor)s planned an inspection of %(subject)s"),
    "inspection.recorded": _l("%(actor)s recorded the inspection of %(subject)s"),
    "inspection.fix_confirmed": _l(
        "%(actor)s confirmed the fix asked for by the inspection of %(subject)s"
    ),
    "certificate.renewal_reminded": _l(
        "%(actor)s reminded the producer to renew certificate %(subject)s"
    ),
    "producer.suspended": _l("%(actor)s suspended the producer %(subject)s"),
    "producer.reactivated": _l("%(actor)s reactivated the producer %(subject)s"),
    "payout_account.changed": _l(
        "%(actor)s changed the bank account for payouts of %(subject)s (payouts held)"
    ),
    "payout_batch.created": _l("%(actor)s created the payout batch %(subject)s"),
    "payout_line.paid": _l("%(actor)s marked the payout %(subject)s as paid"),
    "payout_line.failed": _l(
        "%(actor)s marked the payout %(subject)s as failed (the money is back on the balance)"
    ),
    "ledger.adjusted": _l(
        "%(actor)s adjusted the balance of the producer %(subject)s by %(detail)s"
    ),
    "cod.remittance_recorded": _l(
        "%(actor)s recorded the cash a carrier remitted for cash on delivery (%(subject)s)"
    ),
    "order.transfer_confirmed": _l("%(actor)s confirmed the bank transfer for order %(subject)s"),
    "privacy.erasure_requested": _l("%(actor)s asked to erase the personal data of %(subject)s"),
    "privacy.erasure_completed": _l("%(actor)s erased the personal data of %(subject)s"),
    "privacy.guest_data_erased": _l(
        "%(actor)s erased the guest’s delivery details of order %(subject)s after the retention time"
    ),
    "privacy.staff_viewed.order": _l(
        "%(actor)s opened order %(subject)s, with the buyer’s name and address"
    ),
    "label_report.received": _l(
        "%(actor)s received a buyer’s report about the OCOP label of %(subject)s"
    ),
    "label_report.inspection_opened": _l(
        "%(actor)s opened an inspection from a buyer’s report about %(subject)s"
    ),
    "label_report.closed": _l("%(actor)s closed a buyer’s report about %(subject)s"),
    "event.published": _l("%(actor)s published the event %(subject)s"),
    "event.cancelled": _l("%(actor)s cancelled the event %(subject)s"),
    "event.product_signed_up": _l("%(actor)s signed %(detail)s up for the event %(subject)s"),
    "event.product_withdrawn": _l("%(actor)s withdrew %(detail)s from the event %(subject)s"),
    "mark.recorded": _l("%(actor)s recorded the collective mark %(subject)s"),
    "mark.producer_allowed": _l("%(actor)s allowed %(detail)s to use the mark %(subject)s"),
    "mark.producer_withdrawn": _l(
        "%(actor)s withdrew the permission of %(detail)s to use the mark %(subject)s"
    ),
    "mark.product_marked": _l("%(actor)s marked %(subject)s with %(detail)s"),
    "mark.product_unmarked": _l("%(actor)s removed the mark %(detail)s from %(subject)s"),
    "privacy.staff_viewed.producers": _l(
        "%(actor)s opened the producers list, with the owners’ names and contacts"
    ),
}

# A single change said in full: "… changed the price of Nước mắm (Chai 500ml) from … to …".
ONE_CHANGE = _l("%(actor)s changed %(field)s of %(subject)s from %(before)s to %(after)s")
CHANGE = _l("%(field)s from %(before)s to %(after)s")
UNKNOWN = _l("%(actor)s did “%(code)s” on %(subject)s")
NOBODY = _l("The shop")
EMPTY = _l("(empty)")

ROLE_NAMES = {
    Role.STAFF: _l("Staff %(name)s"),
    Role.ADMIN: _l("Administrator %(name)s"),
    Role.PRODUCER: _l("Producer %(name)s"),
    Role.CUSTOMER: _l("Buyer %(name)s"),
}

FIELDS = {
    "name": _l("the name"),
    "product_set_code": _l("the OCOP product set"),
    "net_content": _l("the net content"),
    "ingredients": _l("the ingredients"),
    "shelf_life": _l("the shelf life"),
    "description": _l("the description"),
    "price": _l("the price"),
    "stock": _l("the stock"),
    "label": _l("the pack"),
    "sku": _l("the SKU"),
    "weight_grams": _l("the weight (grams)"),
    "alt_text": _l("the photo description"),
    "stars": _l("the stars"),
    "expires_on": _l("the expiry date"),
    "number": _l("the number"),
}
# Facts that name a record rather than a change to it.
# (A status change is the action itself: "published", "hid", "revoked".)
_NOT_CHANGES = {"sku", "photo", "number", "orders_kept", "refund_ref", "status"}
_LONG = 60  # characters of a changed text shown before "…"


def actor_name(actor) -> str:
    """Who, in words: "Staff Trần An", "Producer Lê Hồng"; "The shop" for the system."""
    if actor is None:
        return str(NOBODY)
    name = actor.full_name or actor.email
    template = ROLE_NAMES.get(Role(actor.role)) if actor.role else None
    return str(template % {"name": name}) if template else name


def subject_of(entry) -> str:
    """The record in words: the summary's first part (its number or name), else type #id."""
    summary = (entry.summary or "").split(" · ")[0].strip()
    if entry.action.startswith("privacy.erasure"):
        return str(_l("account #%(id)s", id=entry.subject_id))
    if entry.action == "privacy.guest_data_erased":
        return summary.split(":")[0]  # "<order number>: guest delivery details erased …"
    if entry.action == "privacy.staff_viewed.order" or not summary:
        return f"#{entry.subject_id}"
    return summary


def _value(field: str, value: Any) -> str:
    if value is None or value == "":
        return str(EMPTY)
    if field == "price" and isinstance(value, int):
        return format_vnd(value)
    text = str(value)
    return text if len(text) <= _LONG else text[: _LONG - 1] + "…"


def changes_of(entry) -> list[tuple[str, str, str]]:
    """(field in words, before, after) of each fact the entry changed."""
    if entry.action in ("product.variant_added", "product.variant_deleted"):
        return []
    before, after = entry.before_data, entry.after_data
    found = []
    for name in after:
        if name in _NOT_CHANGES or name not in FIELDS or name not in before:
            continue
        if before[name] != after[name]:
            found.append((str(FIELDS[name]), _value(name, before[name]), _value(name, after[name])))
    return found


def sentence(entry) -> str:
    """The entry as one sentence in the current language, with its changes and reason."""
    detail = entry.after_data.get("label") or entry.before_data.get("label") or ""
    if entry.action == "ledger.adjusted" and isinstance(entry.after_data.get("amount"), int):
        amount = entry.after_data["amount"]
        detail = ("+" if amount > 0 else "") + format_vnd(amount)
    subject = subject_of(entry)
    if entry.action.startswith("product.variant_") and detail:
        variant_subject = f"{subject} ({detail})"
    else:
        variant_subject = subject
    values = {"actor": actor_name(entry.actor), "subject": subject, "detail": detail}
    changes = [] if entry.action.startswith("certificate.") else changes_of(entry)
    if entry.action in ("product.updated", "product.variant_updated") and len(changes) == 1:
        field, old, new = changes[0]
        text = str(ONE_CHANGE) % {
            **values,
            "subject": variant_subject,
            "field": field,
            "before": old,
            "after": new,
        }
    else:
        template = SENTENCES.get(entry.action)
        if template is None:
            text = str(UNKNOWN) % {**values, "code": entry.action}
        else:
            text = str(template) % values
        if entry.action.startswith("product.") and changes:
            said = [str(CHANGE) % {"field": f, "before": b, "after": a} for f, b, a in changes]
            text += ": " + "; ".join(said)
    if entry.reason:
        text += ": " + entry.reason
    return text


def codes_matching(word: str) -> set[str]:
    """The action codes whose sentence (in Vietnamese or English, folded) holds `word` (folded),
    leaving out the placeholders: "tu choi" → certificate.rejected, product.revision_refused."""
    found = set()
    for code, template in SENTENCES.items():
        for language in ("vi", "en"):
            with force_locale(language):
                words = str(template) % {"actor": "", "subject": "", "detail": ""}
            if word in fold(words):
                found.add(code)
                break
    return found
