"""a shipment event's actor role is one of four, checked by the database

`sub_order_events.actor_role` was a free VARCHAR(20); it becomes the `ActorRole` enum's
column (VARCHAR(24) with the CHECK `ck_sub_order_events_actor_role`: producer, buyer, staff,
system), like every other status column. The application has only ever written these four
values; should a database hold another, the upgrade stops and names it instead of changing
history.

Revision ID: 0008_rules_actor_role
Revises: 0007_orders_checkout_holds
Create Date: 2026-12-07 00:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_rules_actor_role"
down_revision = "0007_orders_checkout_holds"
branch_labels = None
depends_on = None

ROLES = ("producer", "buyer", "staff", "system")
CHECK = "actor_role IN ({})".format(", ".join(f"'{role}'" for role in ROLES))


def upgrade():
    others = (
        op.get_bind()
        .execute(
            sa.text(f"SELECT DISTINCT actor_role FROM sub_order_events WHERE NOT ({CHECK})")
        )
        .scalars()
        .all()
    )
    if others:
        raise RuntimeError(
            "sub_order_events.actor_role holds values outside "
            f"{', '.join(ROLES)}: {', '.join(map(repr, others))}; correct them, then upgrade"
        )
    with op.batch_alter_table("sub_order_events", schema=None) as batch_op:
        batch_op.alter_column(
            "actor_role",
            existing_type=sa.String(length=20),
            type_=sa.String(length=24),
            existing_nullable=False,
        )
        batch_op.create_check_constraint("actor_role", CHECK)


def downgrade():
    with op.batch_alter_table("sub_order_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_sub_order_events_actor_role"), type_="check")
        batch_op.alter_column(
            "actor_role",
            existing_type=sa.String(length=24),
            type_=sa.String(length=20),
            existing_nullable=False,
        )
