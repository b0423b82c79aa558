"""indexes found by the whole-shop benchmark

The current certificate (newest valid approved one) by an index-only scan, and searches
without words (filters only) on PostgreSQL by a covering index: see docs/benchmarks.md,
"Whole shop".

Revision ID: 0002_listing_indexes
Revises: 0001_initial
Create Date: 2026-11-30 06:20:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_listing_indexes"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

BROWSE_INCLUDE = [
    "valid_until",
    "stars",
    "product_set",
    "group_code",
    "province",
    "price_band",
    "price_min",
]


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_certificates_product_newest",
            ["product_id", "decision_date", "id"],
            unique=False,
            postgresql_include=["status", "expires_on"],
        )
    with op.batch_alter_table("product_search", schema=None) as batch_op:
        batch_op.create_index(
            "ix_product_search_browse",
            ["created_at", "product_id"],
            unique=False,
            postgresql_include=BROWSE_INCLUDE,
        )


def downgrade():
    with op.batch_alter_table("product_search", schema=None) as batch_op:
        batch_op.drop_index("ix_product_search_browse")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_certificates_product_newest")
