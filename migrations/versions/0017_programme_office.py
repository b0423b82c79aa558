"""the programme office: inspections after certification, renewals linked to what they renew

`inspections` (routine or unannounced, planned then recorded once with an outcome) and
their checked files (`inspection_attachments`); `certificates.renews_id` names the earlier
certificate a renewal re-recognises, and `certificates.renewal_reminded_at` when staff last
reminded the producer to renew (one reminder a day, however often the button is pressed).

Revision ID: 0017_programme_office
Revises: 0016_payouts
Create Date: 2026-12-07 03:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_programme_office"
down_revision = "0016_payouts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "routine",
                "unannounced",
                name="inspection_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("inspector", sa.String(length=160), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "pending",
                "passed",
                "fix_by_deadline",
                "revoke",
                name="inspection_outcome",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("fix_deadline", sa.Date(), nullable=True),
        sa.Column("fixed_on", sa.Date(), nullable=True),
        sa.Column("revoked_certificate_id", sa.Integer(), nullable=True),
        sa.Column("source_report_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "outcome != 'fix_by_deadline' OR fix_deadline IS NOT NULL",
            name=op.f("ck_inspections_fix_has_deadline"),
        ),
        sa.CheckConstraint(
            "outcome = 'pending' OR done_on IS NOT NULL",
            name=op.f("ck_inspections_recorded_has_day"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_inspections_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"], ["producers.id"], name=op.f("fk_inspections_producer_id_producers")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_inspections_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_inspections_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_certificate_id"],
            ["certificates.id"],
            name=op.f("fk_inspections_revoked_certificate_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    op.create_index("ix_inspections_producer_id", "inspections", ["producer_id"])
    op.create_index("ix_inspections_product_done", "inspections", ["product_id", "done_on"])
    op.create_index("ix_inspections_outcome_deadline", "inspections", ["outcome", "fix_deadline"])
    op.create_table(
        "inspection_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_attachments_inspection_id_inspections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_attachments")),
    )
    op.create_index(
        "ix_inspection_attachments_inspection_id", "inspection_attachments", ["inspection_id"]
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renews_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("renewal_reminded_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_certificates_renews_id", ["renews_id"])
        batch_op.create_foreign_key(
            "fk_certificates_renews_id_certificates", "certificates", ["renews_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_constraint("fk_certificates_renews_id_certificates", type_="foreignkey")
        batch_op.drop_index("ix_certificates_renews_id")
        batch_op.drop_column("renewal_reminded_at")
        batch_op.drop_column("renews_id")
    op.drop_index("ix_inspection_attachments_inspection_id", table_name="inspection_attachments")
    op.drop_table("inspection_attachments")
    op.drop_index("ix_inspections_outcome_deadline", table_name="inspections")
    op.drop_index("ix_inspections_product_done", table_name="inspections")
    op.drop_index("ix_inspections_producer_id", table_name="inspections")
    op.drop_table("inspections")
