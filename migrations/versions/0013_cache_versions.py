"""the page cache's version of the public pages

`cache_versions` holds one row, `pages`, whose `n` every transaction that changes what a
storefront page, sitemap or API answer shows raises by one (shop/pagecache.py); the page
cache puts it in every key. It starts at a random number, so a database made again never
meets keys a shared store kept from the old one.

Revision ID: 0013_cache_versions
Revises: 0012_audit_search_text
Create Date: 2026-12-07 03:30:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_cache_versions"
down_revision = "0012_audit_search_text"
branch_labels = None
depends_on = None


def upgrade():
    versions = op.create_table(
        "cache_versions",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_versions")),
    )
    op.bulk_insert(versions, [{"name": "pages", "n": secrets.randbelow(2**40)}])


def downgrade():
    op.drop_table("cache_versions")
