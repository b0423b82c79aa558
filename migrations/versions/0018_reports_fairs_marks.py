"""buyers' label reports, trade fairs and events, collective marks and GIs

`label_reports` holds what buyers report about an OCOP label (the inspection it opened, if
any, is a row of the programme office's `inspections`); `trade_events` and `event_entries` the
fairs and the products signed up for them; `collective_marks`, `mark_users` and
`product_marks` the collective trademarks and GIs, who may use them and which product
carries which.

Revision ID: 0018_reports_fairs_marks
Revises: 0017_programme_office
Create Date: 2026-12-07 03:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_reports_fairs_marks"
down_revision = "0017_programme_office"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "label_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("typed_number", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("details", sa.String(length=1000), nullable=False),
        sa.Column("photo_key", sa.String(length=40), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("answer", sa.String(length=1000), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('wrong_stars', 'expired_label', 'differs', 'other')",
            name="label_report_kind",
        ),
        sa.CheckConstraint(
            "status IN ('new', 'inspecting', 'closed')", name="label_report_status"
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('confirmed', 'not_confirmed', 'duplicate')",
            name="label_report_outcome",
        ),
        sa.ForeignKeyConstraint(["certificate_id"], ["certificates.id"]),
        sa.ForeignKeyConstraint(["handled_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspections.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_label_reports_product_id", "label_reports", ["product_id"])
    op.create_index("ix_label_reports_user_id", "label_reports", ["user_id"])
    op.create_index(
        "ix_label_reports_status_created", "label_reports", ["status", "created_at"]
    )

    op.create_table(
        "trade_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("province_code", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('fair', 'promotion')", name="trade_event_kind"),
        sa.CheckConstraint("ends_on >= starts_on", name="trade_event_days"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_trade_events_ends", "trade_events", ["cancelled", "ends_on"])
    op.create_table(
        "event_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["trade_events.id"]),
        sa.ForeignKeyConstraint(["producer_id"], ["producers.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "product_id", name="uq_event_entry"),
    )
    op.create_index("ix_event_entries_product_id", "event_entries", ["product_id"])
    op.create_index("ix_event_entries_producer_id", "event_entries", ["producer_id"])

    op.create_table(
        "collective_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=220), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("registration_number", sa.String(length=80), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('collective', 'certification', 'gi')", name="mark_kind"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("registration_number"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "mark_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mark_id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mark_id"], ["collective_marks.id"]),
        sa.ForeignKeyConstraint(["producer_id"], ["producers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mark_id", "producer_id", name="uq_mark_user"),
    )
    op.create_index("ix_mark_users_producer_id", "mark_users", ["producer_id"])
    op.create_table(
        "product_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("mark_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["mark_id"], ["collective_marks.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id"),
    )
    op.create_index("ix_product_marks_mark_id", "product_marks", ["mark_id"])


def downgrade():
    op.drop_table("product_marks")
    op.drop_table("mark_users")
    op.drop_table("collective_marks")
    op.drop_table("event_entries")
    op.drop_table("trade_events")
    op.drop_table("label_reports")
