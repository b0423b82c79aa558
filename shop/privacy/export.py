"""Everything the shop holds about one account, for the person to see and download.

Only rows tied to the account are included: its profile, saved addresses, orders placed while
logged in (with their shipments, lines and payments), reviews, label reports, consents and log-ins, and for a
producer owner the producer's contact details. A guest order placed with the same e-mail is not
theirs to download from an account (nothing proves the account holder placed it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shop import clock, geo
from shop.accounts.models import User
from shop.checkout.models import Address
from shop.extensions import db
from shop.orders.models import Order, SubOrder
from shop.payments.models import Payment
from shop.privacy.models import Consent, LoginEvent
from shop.privacy.notice import NOTICE_VERSION
from shop.reports.models import LabelReport
from shop.reviews.models import Review


def _when(value: dt.datetime | None) -> str | None:
    return value.replace(microsecond=0).isoformat() + "Z" if value else None


def _place(ward_code: int, province_code: int) -> dict[str, str]:
    return {"ward": geo.ward_name(ward_code), "province": geo.province_name(province_code)}


def collect(user: User) -> dict[str, Any]:
    """The whole export as plain data (dates in UTC, ISO 8601; money in whole VND)."""
    data: dict[str, Any] = {
        "exported_at": _when(clock.utcnow()),
        "privacy_notice_version": NOTICE_VERSION,
        "profile": {
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "preferred_language": user.preferred_language,
            "role": user.role.value,
            "created_at": _when(user.created_at),
            "marketing_email": user.marketing_opt_in,
        },
        "addresses": [
            {
                "full_name": a.full_name,
                "phone": a.phone,
                "street": a.street,
                **_place(a.ward_code, a.province_code),
            }
            for a in db.session.scalars(
                sa.select(Address).where(Address.user_id == user.id).order_by(Address.id)
            )
        ],
        "orders": [_order(order) for order in _orders(user)],
        "reviews": [
            {
                "product": review.product.name,
                "rating": review.rating,
                "comment": review.comment,
                "created_at": _when(review.created_at),
                "hidden_by_staff": review.hidden,
                "producer_reply": review.reply,
            }
            for review in db.session.scalars(
                sa.select(Review).where(Review.user_id == user.id).order_by(Review.id)
            )
        ],
        "label_reports": label_reports(user),
        "consents": [
            {
                "purpose": c.purpose,
                "notice_version": c.notice_version,
                "source": c.source,
                "given_at": _when(c.given_at),
                "withdrawn_at": _when(c.withdrawn_at),
            }
            for c in db.session.scalars(
                sa.select(Consent).where(Consent.user_id == user.id).order_by(Consent.id)
            )
        ],
        "log_ins": [
            {"at": _when(e.at), "network": e.ip_prefix, "browser": e.user_agent}
            for e in db.session.scalars(
                sa.select(LoginEvent)
                .where(LoginEvent.user_id == user.id)
                .order_by(LoginEvent.at.desc(), LoginEvent.id.desc())
            )
        ],
    }
    producer = user.producer
    if producer is not None:
        data["producer"] = {
            "name": producer.name,
            "tax_code": producer.tax_code,
            "phone": producer.phone,
            "street": producer.street,
            **_place(producer.ward_code, producer.province_code),
            "created_at": _when(producer.created_at),
        }
    return data


def label_reports(user: User) -> list[dict[str, Any]]:
    """The reports about OCOP labels sent while signed in (what the buyer wrote, the outcome)."""
    return [
        {
            "about": report.subject,
            "kind": report.kind,
            "details": report.details,
            "photo": bool(report.photo_key),
            "contact_email": report.contact_email,
            "created_at": _when(report.created_at),
            "status": report.status,
            "outcome": report.outcome,
            "answer": report.answer or None,
        }
        for report in db.session.scalars(
            sa.select(LabelReport).where(LabelReport.user_id == user.id).order_by(LabelReport.id)
        )
    ]


def address_ids(user: User) -> list[int]:
    """The ids of the saved addresses, in the export's order (for the correct/remove links)."""
    return list(
        db.session.scalars(
            sa.select(Address.id).where(Address.user_id == user.id).order_by(Address.id)
        )
    )


def _orders(user: User) -> list[Order]:
    return list(
        db.session.scalars(
            sa.select(Order)
            .where(Order.user_id == user.id)
            .options(selectinload(Order.sub_orders).selectinload(SubOrder.lines))
            .order_by(Order.placed_at.desc(), Order.id.desc())
        )
    )


def _order(order: Order) -> dict[str, Any]:
    payments = db.session.scalars(
        sa.select(Payment).where(Payment.order_id == order.id).order_by(Payment.id)
    )
    return {
        "number": order.number,
        "placed_at": _when(order.placed_at),
        "status": order.status.value,
        "payment_method": order.payment_method.value,
        "payment_status": order.payment_status.value,
        "delivery": {
            "full_name": order.full_name,
            "phone": order.phone,
            "email": order.email,
            "street": order.street,
            **_place(order.ward_code, order.province_code),
            "note": order.note,
        },
        "subtotal": order.subtotal,
        "shipping_total": order.shipping_total,
        "total": order.total,
        "shipments": [
            {
                "producer": sub.producer_name,
                "status": sub.status.value,
                "subtotal": sub.subtotal,
                "shipping_fee": sub.shipping_fee,
                "total": sub.total,
                "carrier": sub.carrier,
                "tracking_number": sub.tracking_number,
                "lines": [
                    {
                        "product": line.product_name,
                        "variant": line.variant_label,
                        "sku": line.sku,
                        "unit_price": line.unit_price,
                        "quantity": line.quantity,
                        "line_total": line.line_total,
                    }
                    for line in sub.lines
                ],
            }
            for sub in order.sub_orders
        ],
        "payments": [
            {
                "method": p.method.value,
                "status": p.status.value,
                "amount": p.amount,
                "at": _when(p.created_at),
            }
            for p in payments
        ],
    }
