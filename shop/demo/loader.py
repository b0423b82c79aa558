"""`load_demo()`: the demo catalogue, made the way the shop's own people would make it.

The demo is a client of the shop. Accounts are created by `create_user` (as `flask users
create` does), producers sign up through `register_producer`, each producer lists its
products (draft, variants, photos through the media pipeline, publish) and submits the
certificate with a scan, and the demo staff account reviews it: approves, asks for changes,
rejects or revokes, each in the audit log. Every step is played on its own past moment
(`clock.frozen`), so an expired certificate is one that was approved while valid and has
since run out, exactly as in the shop. Nothing here writes a row or a column itself.

One transaction: `load_demo()` commits once at the end, or rolls back everything on any
failure, so the demo is either all there or not at all (the drawings it stored are files named
by their content: a second attempt reuses them). Producers and products are keyed on their
owner's e-mail and their slug, so a second run creates nothing, and a demo password someone
changed is set back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from shop import clock, media
from shop.accounts.models import User
from shop.accounts.services import (
    create_user,
    find_by_email,
    make_reset_token,
    reset_password,
)
from shop.catalog.models import Product
from shop.catalog.services import sync_product_sets
from shop.certification import services as certification
from shop.certification.models import Certificate
from shop.demo import fairs, pictures, scans
from shop.demo.data import DEMO_ACCOUNTS, PRODUCERS, PRODUCTS, DemoAccount, ProducerRow
from shop.demo.plan import Plan, Step, plan_products, sign_up_moments, tax_code, ward_code
from shop.demo.programme import load_programme
from shop.enums import Role
from shop.errors import Refused
from shop.extensions import db
from shop.phones import normalize_mobile
from shop.producers import listing_services as listing
from shop.producers.models import Producer
from shop.producers.services import register_producer
from shop.transaction import one_transaction

WORKERS = min(4, os.cpu_count() or 1)
REFUSALS = (Refused,)
ROLES = {"customer": Role.CUSTOMER, "staff": Role.STAFF}


class DemoError(Exception):
    """The shop refused a step of the demo: what was being made, and the shop's answer."""


@dataclass(frozen=True)
class Drawing:
    """A product's pictures (PNG, alt text) and its certificate's scan (JPEG)."""

    pictures: list[tuple[bytes, str]]
    scan: bytes


def load_demo() -> int:
    """Create whatever of the demo is missing, in one transaction that it commits; returns
    how many products were new. Raises DemoError when the shop refuses a step. The use cases
    it plays join this one transaction (shop.transaction.one_transaction)."""
    with one_transaction():
        return _load()


def _load() -> int:
    """Accounts, producers, then each missing product with its story; how many were new."""
    plans = plan_products(PRODUCTS, PRODUCERS, clock.today())
    existing = set(db.session.scalars(sa.select(Product.slug)))
    missing = [plan for plan in plans if plan.slug not in existing]
    with _drawings(missing) as drawings:  # drawn on other threads while accounts are made
        sync_product_sets()
        joined = iter(sign_up_moments(plans, 2 + len(PRODUCERS)))
        staff = _ensure_accounts(joined)
        producers = {row.code: _ensure_producer(row, next(joined)) for row in PRODUCERS}
        for plan, drawing in zip(missing, drawings, strict=True):
            _make_product(plan, drawing, producers[plan.producer.code], staff)
        load_programme(staff, _make_product)  # renewals due and inspections (issue #17)
        fairs.load(staff)
    return len(missing)


# --- accounts and producers -------------------------------------------------------------------


def _ensure_accounts(joined: Iterator[dt.datetime]) -> User:
    """The customer and staff demo accounts (producers sign up next); returns staff."""
    users = {a.role: _ensure_account(a, next(joined)) for a in DEMO_ACCOUNTS if a.role in ROLES}
    return users["staff"]


def _ensure_account(account: DemoAccount, joined: dt.datetime) -> User:
    """The account, created as `flask users create` does if missing; its password kept."""
    user = find_by_email(account.email)
    if user is not None:
        if user.role != ROLES[account.role]:
            raise DemoError(f"{account.email} exists as {user.role.value}, not {account.role}")
        _restore_password(user, account.password)
        return user
    with _step(f"the account {account.email}"), _on(joined):
        user = create_user(
            email=account.email,
            password=account.password,
            full_name=account.full_name,
            role=ROLES[account.role],
        )
    return user


def _ensure_producer(row: ProducerRow, joined: dt.datetime) -> Producer:
    """The producer owned by the row's e-mail, signed up through the producers' form's
    service if missing. Owners without a published password get a random one."""
    owner = find_by_email(row.owner_email)
    if owner is not None:
        if owner.producer is None:
            raise DemoError(f"{row.owner_email} exists but owns no producer: not loading over it")
        _restore_password(owner, _published_password(row.owner_email))
        return owner.producer
    with _step(f"the producer {row.name}"), _on(joined):
        producer = register_producer(
            email=row.owner_email,
            password=_published_password(row.owner_email) or secrets.token_urlsafe(18),
            full_name=row.owner_name,
            producer_name=row.name,
            legal_form=row.legal_form,
            tax_code=tax_code(row.tax_base),
            province_code=row.province,
            ward_code=ward_code(row.province, row.ward),
            street=row.street,
            phone=normalize_mobile(row.phone),
            description=row.description,
            slug=row.slug,
        )
    return producer


def _published_password(email: str) -> str | None:
    """The password README and `flask demo accounts` print for this e-mail, if any."""
    return next((a.password for a in DEMO_ACCOUNTS if a.email == email), None)


def _restore_password(user: User, password: str | None) -> None:
    """Someone changed a published password: set it back, as a password reset would."""
    if password and not user.check_password(password):
        with _step(f"the password of {user.email}"):
            reset_password(make_reset_token(user), password)


# --- products ---------------------------------------------------------------------------------


def _make_product(plan: Plan, drawing: Drawing, producer: Producer, staff: User) -> None:
    """The producer lists the product and submits its certificate; staff review it."""
    with _step(f"the product {plan.row.name}"):
        with _on(plan.listed_at):
            product = _list(plan, drawing.pictures, producer)
        certificate = None
        for step in plan.steps:
            with _on(step.at):
                certificate = _play(step, product, certificate, drawing.scan, staff)


def _list(plan: Plan, drawn: list[tuple[bytes, str]], producer: Producer) -> Product:
    """Draft, variants, photos (through the media pipeline), then publish."""
    row = plan.row
    details = listing.ProductDetails(row.name, row.set_code, row.description)
    owner = producer.owner
    product = listing.create_product(producer, details, owner)
    for position, (label, price, stock, weight) in enumerate(row.variants):
        variant = listing.VariantDetails(label, plan.sku(position), price, stock, weight)
        listing.add_variant(product, variant, owner)
    for data, alt_text in drawn:
        listing.add_image(product, data, alt_text, owner)
    listing.change_status(product, "publish", owner)
    return product


def _play(
    step: Step, product: Product, certificate: Certificate | None, scan: bytes, staff: User
) -> Certificate:
    """One step of the certificate's story, by the producer or by the demo staff account."""
    if step.action == "submit":
        return certification.submit(product.producer, product, step.submission, scan)
    if step.action == "resubmit":
        return certification.resubmit(certificate, step.submission, None)
    if step.action == "approve":
        certification.approve(certificate, staff)
    else:
        review = {
            "request_changes": certification.request_changes,
            "reject": certification.reject,
            "revoke": certification.revoke,
        }[step.action]
        review(certificate, staff, step.text)
    return certificate


# --- transactions, moments, drawings ----------------------------------------------------------


@contextlib.contextmanager
def _step(what: str) -> Iterator[None]:
    """A refusal by the shop becomes a DemoError saying what the demo was making."""
    try:
        yield
    except REFUSALS as refusal:
        raise DemoError(f"{what}: {refusal.message}") from refusal


@contextlib.contextmanager
def _on(moment: dt.datetime) -> Iterator[None]:
    """The shop's clock shows `moment` inside the block. Stamps that default to the clock
    (created_at, the audit entry's time) are taken at flush, so flush before leaving."""
    with clock.frozen(moment):
        yield
        db.session.flush()


@contextlib.contextmanager
def _drawings(plans: list[Plan]) -> Iterator[Iterator[Drawing]]:
    """The plans' drawings, in order, made on other threads from now on (Pillow releases
    the GIL); leaving the block cancels what is not started.

    The threads also put the pictures through the media pipeline (the slow part: the WebP
    renditions); its files are named by their content, so the producer's upload then finds
    them there and only records the photo.
    """
    app = current_app._get_current_object()

    def draw(plan: Plan) -> Drawing:
        with app.app_context():
            drawn = pictures.product_pictures(plan.row)
            for data, _alt in drawn:
                media.store_image(data)
            return Drawing(drawn, scans.certificate_scan(plan.scan()))

    pool = ThreadPoolExecutor(max_workers=WORKERS)
    try:
        yield pool.map(draw, plans)
    finally:
        pool.shutdown(cancel_futures=True)
