"""payout accounts and payout batches

`payout_accounts`: the bank account each producer is paid into (one per producer) and the
moment until which a change holds its payouts. `payout_batches` / `payout_lines`: the bulk
transfers staff send to the bank, one line per producer (unique in its batch), each pending,
paid or failed. The ledger's entries name the line that took them (`ledger_entries.
payout_line_id`, from 0015_ledger); no foreign key is added to that table here.

Revision ID: 0016_payouts
Revises: 0015_ledger
Create Date: 2026-12-07 03:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_payouts"
down_revision = "0015_ledger"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "payout_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("bank_bin", sa.String(length=6), nullable=False),
        sa.Column("account_number", sa.String(length=19), nullable=False),
        sa.Column("holder_name", sa.String(length=70), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("held_until", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["producer_id"], ["producers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("producer_id"),
    )
    op.create_table(
        "payout_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("skipped", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "payout_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("bank_bin", sa.String(length=6), nullable=False),
        sa.Column("account_number", sa.String(length=19), nullable=False),
        sa.Column("holder_name", sa.String(length=70), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "paid",
                "failed",
                name="payout_line_status",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["payout_batches.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["producer_id"], ["producers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch_id", "producer_id"),
    )
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_lines_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payout_lines_producer_id"), ["producer_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("payout_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_lines_producer_id"))
        batch_op.drop_index(batch_op.f("ix_payout_lines_batch_id"))
    op.drop_table("payout_lines")
    op.drop_table("payout_batches")
    op.drop_table("payout_accounts")
