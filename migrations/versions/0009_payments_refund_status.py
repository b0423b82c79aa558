"""refund status: one of three values, checked by the database

`sub_orders.refund_status` was free text; the shop only ever wrote "card_pending", "manual"
and "refunded" (or left it NULL), so existing rows already satisfy the new CHECK constraint
(shop.enums.RefundStatus). The column widens to 24 characters like every enum column.

Revision ID: 0009_payments_refund_status
Revises: 0008_rules_actor_role
Create Date: 2026-12-07 00:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_payments_refund_status"
down_revision = "0008_rules_actor_role"
branch_labels = None
depends_on = None

VALUES = ("card_pending", "manual", "refunded")


def upgrade():
    with op.batch_alter_table("sub_orders", schema=None) as batch_op:
        batch_op.alter_column(
            "refund_status",
            existing_type=sa.String(length=20),
            type_=sa.String(length=24),
            existing_nullable=True,
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_sub_orders_refund_status"), sa.column("refund_status").in_(VALUES)
        )


def downgrade():
    with op.batch_alter_table("sub_orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_sub_orders_refund_status"), type_="check")
        batch_op.alter_column(
            "refund_status",
            existing_type=sa.String(length=24),
            type_=sa.String(length=20),
            existing_nullable=True,
        )
