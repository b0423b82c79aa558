"""one order per checkout, unpaid holds per browser

`carts.revision` goes up with every change of a cart's lines; the review page carries it and
placing the order claims it, and the order keeps the checkout it came from
(`orders.checkout_key`, unique), so two tabs placing one reviewed cart make one order.
`orders.browser_key` is the browser an order was placed from, for the limit on unpaid card
and transfer orders per browser (shop/checkout/holds.py). Existing carts start at revision 0;
existing orders have neither key (NULL is not unique-checked).

Revision ID: 0007_orders_checkout_holds
Revises: 0006_revisions_product_revisions
Create Date: 2026-12-06 21:13:39

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_orders_checkout_holds"
down_revision = "0006_revisions_product_revisions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("carts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkout_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("browser_key", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_orders_browser_key"), ["browser_key"], unique=False)
        batch_op.create_unique_constraint(batch_op.f("uq_orders_checkout_key"), ["checkout_key"])


def downgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_orders_checkout_key"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_orders_browser_key"))
        batch_op.drop_column("browser_key")
        batch_op.drop_column("checkout_key")

    with op.batch_alter_table("carts", schema=None) as batch_op:
        batch_op.drop_column("revision")
