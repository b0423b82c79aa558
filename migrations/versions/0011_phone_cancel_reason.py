"""why a buyer cancelled a shipment

`sub_orders.cancel_reason` is the reason the buyer picked when cancelling (a code of
shop/orders/cancel_reasons.py: changed_mind, ordered_by_mistake, wrong_details, too_slow,
found_elsewhere, other), set by the same conditional UPDATE that cancels the shipment.
NULL for shipments not cancelled, cancelled by a producer, staff or a lapsed payment hold,
or cancelled by a buyer who gave no reason (and for every shipment cancelled before this).

Revision ID: 0011_phone_cancel_reason
Revises: 0010_privacy_consents
Create Date: 2026-12-07 00:35:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_phone_cancel_reason"
down_revision = "0010_privacy_consents"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sub_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=30), nullable=True))


def downgrade():
    with op.batch_alter_table("sub_orders", schema=None) as batch_op:
        batch_op.drop_column("cancel_reason")
