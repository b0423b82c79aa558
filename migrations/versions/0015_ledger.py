"""the ledger: producers' money entries, and cash-on-delivery remittances

`ledger_entries` is append-only (shop/ledger/models.py): one row per money event and producer,
unique on its event key. `cod_remittances` and their lines record what carriers handed over
for cash collected on delivery. New tables only: nothing existing changes.

Revision ID: 0015_ledger
Revises: 0014_listing_summary
Create Date: 2026-12-07 03:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_ledger"
down_revision = "0014_listing_summary"
branch_labels = None
depends_on = None

KINDS = (
    "sale",
    "shipping",
    "commission",
    "tax_vat",
    "tax_pit",
    "adjustment",
    "payout",
    "payout_returned",
)


def upgrade():
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("sub_order_id", sa.Integer(), nullable=True),
        sa.Column("payout_line_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("event_key", sa.String(length=120), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("available_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(sa.column("kind").in_(KINDS), name=op.f("ck_ledger_entries_ledger_entry_kind")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_ledger_entries_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["producer_id"], ["producers.id"], name=op.f("fk_ledger_entries_producer_id_producers")
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["ledger_entries.id"],
            name=op.f("fk_ledger_entries_reverses_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["sub_order_id"], ["sub_orders.id"], name=op.f("fk_ledger_entries_sub_order_id_sub_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
        sa.UniqueConstraint("event_key", name=op.f("uq_ledger_entries_event_key")),
    )
    op.create_index(
        "ix_ledger_entries_producer_available", "ledger_entries", ["producer_id", "available_on"]
    )
    op.create_index("ix_ledger_entries_created", "ledger_entries", ["created_at"])
    op.create_index(op.f("ix_ledger_entries_sub_order_id"), "ledger_entries", ["sub_order_id"])
    op.create_index(op.f("ix_ledger_entries_payout_line_id"), "ledger_entries", ["payout_line_id"])

    op.create_table(
        "cod_remittances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=80), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_cod_remittances_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cod_remittances")),
        sa.UniqueConstraint("carrier", "reference", name="uq_cod_remittances_ref"),
    )
    op.create_table(
        "cod_remittance_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remittance_id", sa.Integer(), nullable=False),
        sa.Column("sub_order_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_cod_remittance_lines_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["remittance_id"],
            ["cod_remittances.id"],
            name=op.f("fk_cod_remittance_lines_remittance_id_cod_remittances"),
        ),
        sa.ForeignKeyConstraint(
            ["sub_order_id"],
            ["sub_orders.id"],
            name=op.f("fk_cod_remittance_lines_sub_order_id_sub_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cod_remittance_lines")),
        sa.UniqueConstraint("remittance_id", "sub_order_id", name="uq_cod_remittance_lines_sub"),
    )
    op.create_index(
        op.f("ix_cod_remittance_lines_sub_order_id"), "cod_remittance_lines", ["sub_order_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_cod_remittance_lines_sub_order_id"), table_name="cod_remittance_lines")
    op.drop_table("cod_remittance_lines")
    op.drop_table("cod_remittances")
    op.drop_index(op.f("ix_ledger_entries_payout_line_id"), table_name="ledger_entries")
    op.drop_index(op.f("ix_ledger_entries_sub_order_id"), table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_created", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_producer_available", table_name="ledger_entries")
    op.drop_table("ledger_entries")
