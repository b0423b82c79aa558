"""A large, deterministic, realistic catalogue for the search benchmark, inserted in bulk.

`build()` makes every row in memory from a seeded random generator (the same seed and size
give the same catalogue, on any machine and either database); `load()` inserts them with
SQLAlchemy Core executemany batches in foreign-key order, so the ORM session hooks that keep
the search index in step never fire: the benchmark builds the index afterwards, on purpose.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from itertools import accumulate

import sqlalchemy as sa

from bench.vocab import (
    CLOSINGS,
    EXTRA_PACKS,
    FAMILY,
    GIVEN,
    HOUSEHOLD_TITLES,
    LEGAL_FORM_SHARE,
    MIDDLE,
    OPENINGS,
    PRODUCER_PATTERNS,
    QUALIFIERS,
    SPECIALTIES,
    Specialty,
)
from shop import geo
from shop.accounts.models import User
from shop.catalog import summary
from shop.catalog.models import Product, Variant
from shop.certification import rules
from shop.certification.models import Certificate
from shop.enums import (
    CertificateStatus,
    IssuingLevel,
    LegalForm,
    ProducerStatus,
    ProductStatus,
    Role,
)
from shop.producers.models import Producer
from shop.text import slugify

BATCH = 5_000
EXPIRED_SHARE = 0.03  # products whose only current certificate is past its 36 months
RENEWED_SHARE = 0.10  # products with an older, expired certificate before the current one
STARS = ((3, 55), (4, 37), (5, 8))
WARD_PREFIXES = ("Xã ", "Phường ", "Đặc khu ", "Thị trấn ")
MINISTRY = "Bộ Nông nghiệp và Môi trường"
FAKE_HASH = "bench:no-login"  # producers' owners never log in during the benchmark


@dataclass
class Catalogue:
    """The rows of each table, ready for executemany."""

    users: list[dict] = field(default_factory=list)
    producers: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    variants: list[dict] = field(default_factory=list)
    certificates: list[dict] = field(default_factory=list)

    def tables(self) -> list[tuple[sa.Table, list[dict]]]:
        return [
            (User.__table__, self.users),
            (Producer.__table__, self.producers),
            (Product.__table__, self.products),
            (Variant.__table__, self.variants),
            (Certificate.__table__, self.certificates),
        ]

    def counts(self) -> dict[str, int]:
        return {table.name: len(rows) for table, rows in self.tables()}


@dataclass
class _Maker:
    """A producer as the product generator needs it."""

    id: int
    province: int
    province_name: str
    place: str  # its ward without the "Xã"/"Phường" prefix
    main: Specialty
    others: tuple[Specialty, ...]


def build(products: int, producers: int, seed: int, today: dt.date) -> Catalogue:
    """Every row of a catalogue of `products` products from `producers` producers."""
    rng = random.Random(seed)
    now = dt.datetime.combine(today, dt.time(3, 0))
    catalogue = Catalogue()
    catalogue.users.append(_user(1, "Phạm Minh Quân", Role.STAFF, now))
    makers = [_producer(rng, catalogue, i + 1, now) for i in range(producers)]
    weights = list(accumulate(rng.paretovariate(1.6) for _ in makers))
    owners = rng.choices(makers, cum_weights=weights, k=products)
    for product_id, maker in enumerate(owners, start=1):
        _product(rng, catalogue, product_id, maker, today, now)
    return catalogue


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _user(user_id: int, name: str, role: Role, now: dt.datetime) -> dict:
    return {
        "id": user_id,
        "email": f"user{user_id}@bench.cho-ocop.vn",
        "password_hash": FAKE_HASH,
        "full_name": name,
        "phone": f"+8490{user_id:07d}",
        "role": role,
        "active": True,
        "preferred_language": "vi",
        "created_at": now,
    }


def _place(ward_name: str) -> str:
    for prefix in WARD_PREFIXES:
        if ward_name.startswith(prefix):
            return ward_name[len(prefix) :]
    return ward_name


def _specialty(rng: random.Random) -> Specialty:
    return rng.choices(SPECIALTIES, weights=[s.weight for s in SPECIALTIES])[0]


def _producer(rng: random.Random, catalogue: Catalogue, serial: int, now: dt.datetime) -> _Maker:
    province, province_name = rng.choice(geo.provinces())
    ward, ward_name = rng.choice(geo.wards(province))
    form = rng.choices(list(LEGAL_FORM_SHARE), weights=list(LEGAL_FORM_SHARE.values()))[0]
    main = _specialty(rng)
    place = _place(ward_name) if rng.random() < 0.6 else rng.choice(main.places)
    person = _person(rng)
    household = f"{rng.choice(HOUSEHOLD_TITLES)} {person.split()[-1]}"
    name = rng.choice(PRODUCER_PATTERNS[form]).format(
        topic=rng.choice(main.bases), place=place, person=household
    )
    user_id = serial + 1
    catalogue.users.append(_user(user_id, person, Role.PRODUCER, now))
    catalogue.producers.append(
        {
            "id": serial,
            "owner_id": user_id,
            "name": name,
            "slug": f"{slugify(name, 60)}-{serial}",
            "legal_form": LegalForm(form),
            "tax_code": f"{8_000_000_000 + serial}",
            "province_code": province,
            "ward_code": ward,
            "street": f"Thôn {rng.randint(1, 12)}, {ward_name}",
            "phone": f"+8491{serial:07d}",
            "description": f"{name} sản xuất {main.bases[0].lower()} tại {ward_name}, "
            f"{province_name}.",
            "status": ProducerStatus.ACTIVE,
            "created_at": now - dt.timedelta(days=rng.randint(400, 2000)),
        }
    )
    others = tuple(_specialty(rng) for _ in range(rng.randint(1, 2)))
    return _Maker(serial, province, province_name, _place(ward_name), main, others)


def _product_name(rng: random.Random, spec: Specialty, maker: _Maker) -> str:
    parts = [rng.choice(spec.bases)]
    if spec.subs and rng.random() < 0.8:
        parts.append(rng.choice(spec.subs))
    if rng.random() < 0.45:
        parts.append(rng.choice(spec.styles if rng.random() < 0.8 else QUALIFIERS))
    where = rng.random()
    if where < 0.55:
        parts.append(rng.choice(spec.places))
    elif where < 0.8:
        parts.append(maker.place)
    if rng.random() < 0.12:
        parts.append(rng.choice(EXTRA_PACKS))
    return " ".join(parts)


def _description(rng: random.Random, name: str, spec: Specialty, place: str, stars: int) -> str:
    text = rng.choice(OPENINGS).format(name=name, place=place)
    if rng.random() < 0.7:
        closing = rng.choice(spec.notes) if spec.notes and rng.random() < 0.5 else None
        text += " " + (closing or rng.choice(CLOSINGS).format(stars=stars))
    return text


def _product(
    rng: random.Random,
    catalogue: Catalogue,
    product_id: int,
    maker: _Maker,
    today: dt.date,
    now: dt.datetime,
) -> None:
    roll = rng.random()
    spec = maker.main if roll < 0.7 else rng.choice(maker.others) if roll < 0.95 else None
    spec = spec or _specialty(rng)
    name = _product_name(rng, spec, maker)
    stars = rng.choices([s for s, _ in STARS], weights=[w for _, w in STARS])[0]
    created = now - dt.timedelta(days=rng.randint(0, 1100), minutes=rng.randint(0, 1439))
    catalogue.products.append(
        {
            "id": product_id,
            "producer_id": maker.id,
            "product_set_code": spec.set_code,
            "name": name,
            "slug": f"{slugify(name, 60)}-{product_id}",
            "description": _description(rng, name, spec, maker.province_name, stars),
            "status": ProductStatus.ACTIVE,
            "certified_at": created,  # every generated product has an approved certificate
            "created_at": created,
            "updated_at": created,
        }
    )
    _variants(rng, catalogue, product_id, spec)
    _certificates(rng, catalogue, catalogue.products[-1], maker, stars, today, now)


def _variants(rng: random.Random, catalogue: Catalogue, product_id: int, spec: Specialty) -> None:
    count = min(rng.choices((1, 2, 3), weights=(50, 35, 15))[0], len(spec.packs))
    packs = sorted(rng.sample(spec.packs, count), key=lambda pack: pack[1])
    base = rng.randint(*spec.price)
    for position, (label, grams) in enumerate(packs):
        ratio = grams / packs[0][1]
        price = max(1_000, round(base * ratio**0.85, -3))
        catalogue.variants.append(
            {
                "id": len(catalogue.variants) + 1,
                "product_id": product_id,
                "sku": f"B{product_id}-{position + 1}",
                "label": label,
                "price": price,
                "stock": 0 if rng.random() < 0.08 else rng.randint(1, 300),
                "weight_grams": grams,
                "position": position,
            }
        )


def _issuer(stars: int, province_name: str) -> tuple[str, IssuingLevel]:
    if stars == 5:
        return MINISTRY, IssuingLevel.NATIONAL
    if province_name.startswith("Thành phố"):
        return f"UBND {province_name}", IssuingLevel.PROVINCE
    return f"UBND tỉnh {province_name}", IssuingLevel.PROVINCE


def _certificates(
    rng: random.Random,
    catalogue: Catalogue,
    product: dict,
    maker: _Maker,
    stars: int,
    today: dt.date,
    now: dt.datetime,
) -> None:
    if rng.random() < EXPIRED_SHARE:
        decided = today - dt.timedelta(days=rng.randint(1_110, 1_400))
    else:
        decided = today - dt.timedelta(days=rng.randint(5, 1_060))
    decisions = [(decided, stars)]
    if rng.random() < RENEWED_SHARE:
        decisions.append(
            (decided - dt.timedelta(days=rng.randint(1_100, 1_300)), max(3, stars - 1))
        )
    for decision, grade in decisions:
        body, level = _issuer(grade, maker.province_name)
        serial = len(catalogue.certificates) + 1
        number = f"OCOP-{decision.year}-{serial:07d}"
        reviewed = dt.datetime.combine(decision, dt.time(9, 0)) + dt.timedelta(days=7)
        catalogue.certificates.append(
            {
                "id": serial,
                "product_id": product["id"],
                "producer_id": maker.id,
                "number": number,
                "number_key": rules.number_key(number),
                "decision_number": f"{serial}/QĐ-UBND",
                "decision_date": decision,
                "issuing_body": body,
                "issuing_body_key": rules.number_key(body),
                "issuing_level": level,
                "stars": grade,
                "expires_on": rules.expiry_for(decision),
                "status": CertificateStatus.APPROVED,
                "product_name": product["name"],
                "product_set_code": product["product_set_code"],
                "submitted_at": min(now, reviewed - dt.timedelta(days=3)),
                "reviewer_id": 1,
                "reviewed_at": min(now, reviewed),
            }
        )


def load(engine: sa.Engine, catalogue: Catalogue) -> dict[str, float]:
    """Insert every row in foreign-key order, BATCH rows per executemany; seconds per table."""
    seconds: dict[str, float] = {}
    with engine.begin() as connection:
        for table, rows in catalogue.tables():
            started = time.perf_counter()
            for start in range(0, len(rows), BATCH):
                connection.execute(sa.insert(table), rows[start : start + BATCH])
            seconds[table.name] = time.perf_counter() - started
        if engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
            for table, rows in catalogue.tables():
                if rows:
                    connection.execute(
                        sa.text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :n)"),
                        {"t": table.name, "n": len(rows)},
                    )
        started = time.perf_counter()
        summary.rebuild(connection)  # Core inserts bypass the session hooks that keep it
        seconds["listing_summary"] = time.perf_counter() - started
    return seconds
