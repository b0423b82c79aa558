"""the page cache's version of the public pages

`cache_versions` holds eight rows, `pages-0` … `pages-7`; every transaction that changes what
a storefront page, sitemap or API answer shows raises one of them by one (shop/pagecache.py),
and the page cache puts their sum in every key (eight rows: concurrent orders rarely wait for
the same row lock). They start at random numbers, so a database made again never meets keys
a shared store kept from the old one.

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
    stripes = [{"name": f"pages-{i}", "n": secrets.randbelow(2**40)} for i in range(8)]
    op.bulk_insert(versions, stripes)


def downgrade():
    op.drop_table("cache_versions")
