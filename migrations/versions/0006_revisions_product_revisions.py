"""product revisions: what a certificate certifies is frozen

A certified product's name, product set and claims change only through a `product_revisions`
row that staff approve (shop/catalog/revisions.py). Products get their claims (net content,
ingredients, shelf life, empty for existing rows) and `certified_at`; certificates record
the product name and set they certify, required once approved (a CHECK).

Existing data: an approved or revoked certificate records the product's current name and set
(the best knowledge there is of what staff approved), and a product with such a certificate
is certified since its first review.

Revision ID: 0006_revisions_product_revisions
Revises: 0005_hardening_media_key
Create Date: 2026-12-06 20:53:43

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_revisions_product_revisions"
down_revision = "0005_hardening_media_key"
branch_labels = None
depends_on = None

CERTIFIED = "status IN ('approved', 'revoked')"
CERTIFIED_FACTS_RECORDED = (
    "status NOT IN ('approved', 'revoked')"
    " OR (product_name IS NOT NULL AND product_set_code IS NOT NULL)"
)
ONE_PENDING = sa.text("status = 'pending'")


def upgrade():
    op.create_table(
        "product_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "refused",
                "withdrawn",
                name="revision_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("product_set_code", sa.Integer(), nullable=False),
        sa.Column("net_content", sa.String(length=120), nullable=False),
        sa.Column("ingredients", sa.Text(), nullable=False),
        sa.Column("shelf_life", sa.String(length=120), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_product_revisions_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_revisions_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["product_set_code"],
            ["product_sets.code"],
            name=op.f("fk_product_revisions_product_set_code_product_sets"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["users.id"],
            name=op.f("fk_product_revisions_proposed_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_revisions")),
    )
    with op.batch_alter_table("product_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_revisions_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(
            "ix_product_revisions_status_proposed", ["status", "proposed_at"], unique=False
        )
        batch_op.create_index(
            "uq_product_revisions_one_pending",
            ["product_id"],
            unique=True,
            sqlite_where=ONE_PENDING,
            postgresql_where=ONE_PENDING,
        )

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("net_content", sa.String(length=120), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("ingredients", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column("shelf_life", sa.String(length=120), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("certified_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("product_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("product_set_code", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_certificates_product_set_code_product_sets"),
            "product_sets",
            ["product_set_code"],
            ["code"],
        )

    op.execute(
        f"""UPDATE certificates SET
            product_name = (SELECT name FROM products WHERE products.id = certificates.product_id),
            product_set_code = (
                SELECT product_set_code FROM products WHERE products.id = certificates.product_id
            )
        WHERE {CERTIFIED}"""
    )
    op.execute(
        f"""UPDATE products SET certified_at = (
            SELECT min(coalesce(reviewed_at, submitted_at)) FROM certificates
            WHERE certificates.product_id = products.id AND {CERTIFIED}
        )"""
    )

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_certificates_certified_facts_recorded"), CERTIFIED_FACTS_RECORDED
        )


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_certificates_certified_facts_recorded"), type_="check"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_certificates_product_set_code_product_sets"), type_="foreignkey"
        )
        batch_op.drop_column("product_set_code")
        batch_op.drop_column("product_name")

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("certified_at")
        batch_op.drop_column("shelf_life")
        batch_op.drop_column("ingredients")
        batch_op.drop_column("net_content")

    with op.batch_alter_table("product_revisions", schema=None) as batch_op:
        batch_op.drop_index("uq_product_revisions_one_pending")
        batch_op.drop_index("ix_product_revisions_status_proposed")
        batch_op.drop_index(batch_op.f("ix_product_revisions_product_id"))

    op.drop_table("product_revisions")
