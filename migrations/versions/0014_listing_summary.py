"""the listing summary: what the catalogue reads to list, count, filter and sort

`listing_summary` holds one row per product and stretch of days on which it is listable with
one current certificate (shop/catalog/summary.py keeps it in every writing transaction). It
is filled here from the existing products, by the rule as it stands on the day this was
written: producer and product active, certificates approved, the newest one not yet expired
current on a day.

Revision ID: 0014_listing_summary
Revises: 0013_cache_versions
Create Date: 2026-12-07 03:30:00

"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_listing_summary"
down_revision = "0013_cache_versions"
branch_labels = None
depends_on = None

BEGINNING = dt.date(1, 1, 1)
COVERED = ["valid_from", "valid_until", "certificate_id"]
INDEXES = {
    "ix_listing_summary_product": ["product_id", "valid_from"],
    "ix_listing_summary_newest": ["created_at", "product_id"],
    "ix_listing_summary_price": [
        "price_from",
        sa.text("created_at DESC"),
        sa.text("product_id DESC"),
    ],
    "ix_listing_summary_price_desc": ["price_desc_key", "created_at", "product_id"],
    "ix_listing_summary_stars": ["stars", "created_at", "product_id"],
    "ix_listing_summary_group": ["group_code", "created_at", "product_id"],
    "ix_listing_summary_set": ["product_set_code", "created_at", "product_id"],
    "ix_listing_summary_province": ["province_code", "created_at", "product_id"],
    "ix_listing_summary_producer": ["producer_id", "created_at", "product_id"],
}

PRODUCTS = """
SELECT p.id, p.producer_id, p.product_set_code, p.created_at, s.group_code, r.province_code,
       (SELECT min(v.price) FROM variants v WHERE v.product_id = p.id) AS price_from
FROM products p
JOIN producers r ON r.id = p.producer_id
JOIN product_sets s ON s.code = p.product_set_code
WHERE r.status = 'active' AND p.status = 'active'
"""
CERTIFICATES = """
SELECT product_id, id, stars, expires_on FROM certificates WHERE status = 'approved'
ORDER BY product_id, decision_date DESC, id DESC
"""


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _datetime(value):
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def upgrade():
    table = op.create_table(
        "listing_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("product_set_code", sa.Integer(), nullable=False),
        sa.Column("group_code", sa.String(length=4), nullable=False),
        sa.Column("price_from", sa.BigInteger(), nullable=True),
        sa.Column("price_desc_key", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_summary")),
    )
    for name, columns in INDEXES.items():
        covered = {} if name == "ix_listing_summary_product" else {"postgresql_include": COVERED}
        op.create_index(name, "listing_summary", columns, unique=False, **covered)
    connection = op.get_bind()
    certificates: dict[int, list] = {}
    for product_id, *certificate in connection.execute(sa.text(CERTIFICATES)):
        certificates.setdefault(product_id, []).append(certificate)
    rows = []
    for product in connection.execute(sa.text(PRODUCTS)).mappings():
        covered = None
        for certificate_id, stars, expires_on in certificates.get(product["id"], []):
            expires_on = _date(expires_on)
            if covered is not None and expires_on <= covered:
                continue  # never current: a newer certificate outlives it
            rows.append(
                {
                    "product_id": product["id"],
                    "certificate_id": certificate_id,
                    "valid_from": BEGINNING if covered is None else covered + dt.timedelta(1),
                    "valid_until": expires_on,
                    "stars": stars,
                    "producer_id": product["producer_id"],
                    "province_code": product["province_code"],
                    "product_set_code": product["product_set_code"],
                    "group_code": product["group_code"],
                    "price_from": product["price_from"],
                    "price_desc_key": -1 if product["price_from"] is None else product["price_from"],
                    "created_at": _datetime(product["created_at"]),
                }
            )
            covered = expires_on
    for start in range(0, len(rows), 5_000):
        op.bulk_insert(table, rows[start : start + 5_000])


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="listing_summary")
    op.drop_table("listing_summary")
