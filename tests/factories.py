"""Factories that build a valid world in one call; a test passes only what differs."""

from __future__ import annotations

import datetime as dt
import itertools

from stdnum.vn import mst

from shop import clock
from shop.accounts.models import User
from shop.catalog.models import Product, Variant
from shop.certification.models import Certificate
from shop.enums import (
    CertificateStatus,
    IssuingLevel,
    LegalForm,
    ProducerStatus,
    ProductStatus,
    Role,
)
from shop.extensions import db
from shop.producers.models import Producer

_seq = itertools.count(1)
PASSWORD = "mat-khau-123"
HANOI, HOAN_KIEM = 1, 70  # Thành phố Hà Nội, Phường Hoàn Kiếm


def valid_tax_code(n: int) -> str:
    """A 10-digit tax code with a correct check digit, distinct for each n."""
    for candidate in itertools.count(n * 7 + 100000000):
        base = f"{candidate % 1_000_000_000:09d}"
        digit = mst.calc_check_digit(base)
        if len(digit) == 1:
            return base + digit
    raise AssertionError("unreachable")


def make_user(role: Role = Role.CUSTOMER, **fields) -> User:
    n = next(_seq)
    user = User(
        email=fields.pop("email", f"user{n}@example.vn"),
        full_name=fields.pop("full_name", f"Người dùng {n}"),
        role=role,
        **fields,
    )
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


def make_producer(**fields) -> Producer:
    n = next(_seq)
    owner = fields.pop("owner", None) or make_user(Role.PRODUCER)
    producer = Producer(
        owner=owner,
        name=fields.pop("name", f"Hợp tác xã Thử nghiệm {n}"),
        slug=fields.pop("slug", f"htx-thu-nghiem-{n}"),
        legal_form=fields.pop("legal_form", LegalForm.COOPERATIVE),
        tax_code=fields.pop("tax_code", valid_tax_code(n)),
        province_code=fields.pop("province_code", HANOI),
        ward_code=fields.pop("ward_code", HOAN_KIEM),
        street=fields.pop("street", "12 Hàng Bạc"),
        phone=fields.pop("phone", "+84901234567"),
        status=fields.pop("status", ProducerStatus.ACTIVE),
        **fields,
    )
    db.session.add(producer)
    db.session.flush()
    return producer


def make_certificate(product: Product, **fields) -> Certificate:
    """A certificate of `product`, approved unless `status` says otherwise.

    An approved (or revoked) one records the product's name and set, as the approval does,
    and marks the product certified.
    """
    n = next(_seq)
    status = fields.pop("status", CertificateStatus.APPROVED)
    if status in (CertificateStatus.APPROVED, CertificateStatus.REVOKED):
        fields.setdefault("product_name", product.name)
        fields.setdefault("product_set_code", product.product_set_code)
        product.certified_at = product.certified_at or clock.utcnow()
    certificate = Certificate(
        product=product,
        producer=product.producer,
        number=fields.pop("number", f"OCOP-{n:05d}"),
        decision_number=fields.pop("decision_number", f"{n}/QĐ-UBND"),
        decision_date=fields.pop("decision_date", dt.date(2025, 6, 1)),
        issuing_body=fields.pop("issuing_body", "UBND thành phố Hà Nội"),
        issuing_level=fields.pop("issuing_level", IssuingLevel.PROVINCE),
        stars=fields.pop("stars", 4),
        status=status,
        **fields,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def make_product(
    producer: Producer | None = None,
    *,
    certificate: dict | None = None,
    variants: list[dict] | None = None,
    **fields,
) -> Product:
    """A product with one variant and, unless certificate=False, an approved certificate."""
    n = next(_seq)
    producer = producer or make_producer()
    product = Product(
        producer=producer,
        product_set_code=fields.pop("product_set_code", 13),
        name=fields.pop("name", f"Cà phê thử nghiệm {n}"),
        slug=fields.pop("slug", f"ca-phe-thu-nghiem-{n}"),
        description=fields.pop("description", "Mô tả sản phẩm."),
        status=fields.pop("status", ProductStatus.ACTIVE),
        **fields,
    )
    db.session.add(product)
    for i, variant in enumerate(variants or [{}]):
        db.session.add(
            Variant(
                product=product,
                sku=variant.get("sku", f"SKU-{n}-{i}"),
                label=variant.get("label", "Hộp 500g"),
                price=variant.get("price", 150_000),
                stock=variant.get("stock", 10),
                weight_grams=variant.get("weight_grams", 500),
                position=i,
            )
        )
    db.session.flush()
    if certificate is not False:
        make_certificate(product, **(certificate or {}))
    return product
