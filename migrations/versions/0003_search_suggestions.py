"""autocomplete from narrow tables

`search_suggestions` (one row per indexed product) and `search_producer_suggestions` (one
per producer, valid until its latest product is) hold the names autocomplete reads, with
their own GIN index, instead of prefix queries on the wide `product_search` rows: see
docs/benchmarks.md, "Recommended changes". On PostgreSQL they are filled from
`product_search` here, so autocomplete keeps working without a `flask search reindex`.

Revision ID: 0003_search_suggestions
Revises: 0002_listing_indexes
Create Date: 2026-11-30 06:50:00

"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0003_search_suggestions"
down_revision = "0002_listing_indexes"
branch_labels = None
depends_on = None

TSVECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql")

# PostgreSQL only: the rows PostgresBackend.index() would write, from what is indexed now.
POSTGRES_FILL_SQL = (
    """INSERT INTO search_suggestions (product_id, name, slug, words, valid_until)
    SELECT product_id, name, slug, to_tsvector('vietnamese_folded', name), valid_until
    FROM product_search""",
    """INSERT INTO search_producer_suggestions (slug, name, words, valid_until)
    SELECT producer_slug, min(producer_name), to_tsvector('vietnamese_folded', min(producer_name)),
        max(valid_until)
    FROM product_search GROUP BY producer_slug""",
)


def upgrade():
    op.create_table(
        "search_producer_suggestions",
        sa.Column("slug", sa.String(length=180), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("words", TSVECTOR, nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_search_producer_suggestions")),
    )
    with op.batch_alter_table("search_producer_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_search_producer_suggestions_words", ["words"], unique=False, postgresql_using="gin"
        )
    op.create_table(
        "search_suggestions",
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=220), nullable=False),
        sa.Column("words", TSVECTOR, nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_search_suggestions_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_search_suggestions")),
    )
    with op.batch_alter_table("search_suggestions", schema=None) as batch_op:
        batch_op.create_index("ix_search_suggestions_name", ["name"], unique=False)
        batch_op.create_index(
            "ix_search_suggestions_words", ["words"], unique=False, postgresql_using="gin"
        )
    with op.batch_alter_table("product_search", schema=None) as batch_op:
        batch_op.create_index("ix_product_search_producer_slug", ["producer_slug"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        for statement in POSTGRES_FILL_SQL:
            op.execute(statement)


def downgrade():
    with op.batch_alter_table("product_search", schema=None) as batch_op:
        batch_op.drop_index("ix_product_search_producer_slug")
    with op.batch_alter_table("search_suggestions", schema=None) as batch_op:
        batch_op.drop_index("ix_search_suggestions_words", postgresql_using="gin")
        batch_op.drop_index("ix_search_suggestions_name")
    op.drop_table("search_suggestions")
    with op.batch_alter_table("search_producer_suggestions", schema=None) as batch_op:
        batch_op.drop_index("ix_search_producer_suggestions_words", postgresql_using="gin")
    op.drop_table("search_producer_suggestions")
